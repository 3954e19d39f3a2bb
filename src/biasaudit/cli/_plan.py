"""``biasaudit plan``: size a random audit sample from group sizes and expected rates."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from .._exceptions import ConfigError, Problem


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``plan`` command."""
    plan = sub.add_parser(
        "plan",
        help="size a random audit sample: how many people to investigate per group",
        description=(
            "Random-audit sample size per group, for a target interval width and/or a "
            "ratio to the reference group to detect with the test the audit applies. "
            "Groups: a CSV file with columns group, population (and optionally "
            "expected_rate), or NAME=POPULATION pairs (NAME=POPULATION:RATE for a rate "
            "of its own)."
        ),
    )
    plan.add_argument("groups", nargs="+", help="groups.csv, or NAME=POPULATION[:RATE] ...")
    plan.add_argument("--rate", type=float, help="expected fraud rate of groups without one")
    plan.add_argument("--reference", help="reference group (default: the largest)")
    plan.add_argument("--ratio", type=float, help="detect this ratio to the reference (> 1)")
    plan.add_argument("--width", type=float, help="largest expected interval width (0 to 1)")
    plan.add_argument("--power", type=float, default=0.8)
    plan.add_argument("--alpha", type=float, default=0.05)
    plan.add_argument("--confidence", type=float, default=0.95)
    plan.add_argument("--out", type=Path, help="also write the plan as CSV")


def run(args: argparse.Namespace) -> int:
    """Print the plan (and write it with ``--out``); problems raise ConfigError."""
    from ..io import write_csv
    from ..stats import plan_option_problems, plan_sample, plan_sentence

    groups, problems = _groups(args.groups, args.rate)
    if problems:  # with the problems of the options, all in one message
        names = [] if groups is None else list(groups["group"])
        targets = (args.reference, args.ratio, args.width, args.power, args.alpha)
        problems += plan_option_problems(names, *targets, args.confidence)
        raise ConfigError(problems, context="sample plan")
    plan = plan_sample(
        groups,
        float("nan"),
        reference=args.reference,
        ratio=args.ratio,
        width=args.width,
        power=args.power,
        alpha=args.alpha,
        confidence=args.confidence,
    )
    shown = plan.copy()
    for col in ("expected_rate", "expected_width", "compared_rate", "power"):
        shown[col] = [f"{v:.3f}" if v == v else "" for v in shown[col]]
    print(shown.to_string(index=False))
    print(plan_sentence(plan))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=args.out.parent, suffix=".tmp")
        os.close(fd)
        try:
            write_csv(plan, tmp)
            os.replace(tmp, args.out)  # whole or not at all
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        print(f"wrote {args.out}")
    return 0


def _groups(items: list[str], rate: float | None) -> tuple[Any, list[Problem]]:
    """The groups table (None when unreadable) and the problems found reading it."""
    import pandas as pd

    problems: list[Problem] = []
    if len(items) == 1 and items[0].lower().endswith(".csv"):
        path = Path(items[0])
        if not path.is_file():
            return None, [Problem(f"file not found: {str(path)!r}", "groups", value=str(path))]
        try:
            frame = pd.read_csv(path, dtype={"group": str})
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            return None, [Problem(f"could not read {path.name!r} as CSV: {exc}", "groups")]
        if "expected_rate" not in frame.columns:
            frame["expected_rate"] = rate if rate is not None else float("nan")
        elif rate is not None:
            frame["expected_rate"] = frame["expected_rate"].fillna(rate)
        return frame, []
    rows = []
    for i, item in enumerate(items, start=1):
        name, eq, rest = item.partition("=")
        size_text, colon, rate_text = rest.partition(":")
        try:
            size = int(size_text.replace(",", "").replace("_", ""))
            own = float(rate_text) if colon else rate
        except ValueError:
            size, own = -1, None
        if not eq or not name or size < 1 or (colon and own is None):
            problems.append(
                Problem(
                    f"argument {i} ({item!r}) is not NAME=POPULATION or NAME=POPULATION:RATE, "
                    "e.g. Dutch=120000 or Surinamese=8000:0.12",
                    column="groups",
                    value=item,
                    row=i,
                    reason="plan",
                )
            )
            continue
        rows.append({"group": name, "population": size, "expected_rate": own})
    if problems:
        return None, problems
    frame = pd.DataFrame(rows)
    frame["expected_rate"] = frame["expected_rate"].astype(float)
    return frame, []
