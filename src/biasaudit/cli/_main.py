"""Command line: ``biasaudit demo | audit | validate | probe | init | generate | plan``.

No metric logic lives here. Input problems are printed without a traceback and
exit with status 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from .._exceptions import BiasAuditError
from .._progress import Timing, display, step, timed

if TYPE_CHECKING:  # the rest loads after the arguments are read: --help stays instant
    from ..audits import AuditResult
    from ..report import Result

EXIT_INPUT = 2
#: Metrics the command line summarises: being flagged, and the two false-accusation
#: rates that selective labels can still show (the false positive rate needs outcomes).
DEMO = "welfare-synthetic"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1; got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="biasaudit",
        description="Audit algorithmic decision systems for discrimination.",
    )
    p.add_argument("--version", action="version", version=f"biasaudit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="audit the bundled synthetic welfare-fraud data")
    demo.add_argument("--out", type=Path, default=Path("reports/demo"), help="output folder")
    demo.add_argument("--png", action="store_true", help="also write each chart as PNG")
    run = sub.add_parser("audit", help="run the audit described by a TOML file")
    run.add_argument("config", type=Path)
    run.add_argument("--out", type=Path, default=None, help="output folder (default [output] dir)")
    run.add_argument(
        "--restricted",
        action="store_true",
        help="write every value, small counts included (auditor's own use, not for publication)",
    )
    run.add_argument(
        "--png", action="store_true", help="also write each chart as PNG (charts/ has SVG)"
    )
    check = sub.add_parser("validate", help="check a TOML file and its data; list every problem")
    check.add_argument("config", type=Path)
    probe = sub.add_parser(
        "probe", help="probe a model (attribute flips, proxies, profiles) described by a TOML file"
    )
    probe.add_argument("config", type=Path)
    probe.add_argument(
        "--out", type=Path, default=None, help="output folder (default [output] dir)"
    )
    probe.add_argument(
        "--restricted",
        action="store_true",
        help="write every value of the tables, small counts included (not for publication)",
    )
    probe.add_argument("--png", action="store_true", help="also write each chart as PNG")
    for command in (demo, run, probe):
        command.add_argument(
            "--pdf",
            action="store_true",
            help="also write report.pdf, the report on pages (needs pip install 'biasaudit[pdf]')",
        )
    from ..audits import REPORT_LANGUAGES

    for command in (demo, run, probe):
        command.add_argument(
            "--language",
            choices=list(REPORT_LANGUAGES),
            default=None,
            help="the language of the report: "
            + ", ".join(f"{c} ({name})" for c, name in REPORT_LANGUAGES.items())
            + " (default [output] language, else en)",
        )
    for command in (demo, run, check, probe):
        command.add_argument(
            "--quiet",
            action="store_true",
            help="no progress display (it is shown on a terminal for runs over 2 s)",
        )
        command.add_argument(
            "--timings",
            action="store_true",
            help="print how long each step took (seconds, on stderr) when the run ends",
        )
    init = sub.add_parser("init", help="print a starter TOML configuration for a data file")
    init.add_argument("data", type=Path)
    init.add_argument("--sheet", help="the sheet of an Excel workbook with several")
    init.add_argument(
        "--out", type=Path, help="write the configuration here (data path relative to it)"
    )
    from ._plan import add_parser as add_plan

    add_plan(sub)
    gen = sub.add_parser("generate", help="write the synthetic welfare-fraud records as CSV")
    gen.add_argument("--out", type=Path, required=True)
    gen.add_argument("--rows", type=_positive, default=40_000)
    gen.add_argument("--seed", type=_positive, default=None)
    return p


def _summary(
    result: Result, out: Path | None, *, restricted: bool = False, pdf: bool = False
) -> str:
    from ..audits import FunnelResult
    from ..report import analysis_tables, change_headlines, discoveries_file, discovery_lines

    led = result.ledger
    lines = [
        f"{result.source.name}: {led.rows_read:,} rows read, {led.rows_analysed:,} analysed, "
        f"{led.rows_excluded:,} excluded ({result.data_shape})",
    ]
    lines += [f"  excluded {k:,}: {reason}" for reason, k in led.excluded]
    lines += [f"  note: {n}" for n in led.notes]
    if isinstance(result, FunnelResult):
        lines += [f"  {s}" for s in result.sentences()[:3]]
        min_cell = result.options.min_cell
    else:
        lines += _headlines(result, restricted)
        lines += change_headlines(result, restricted)
        lines += _harm_headlines(result, restricted)
        lines += _score_headlines(result, restricted)
        lines += discovery_lines(result, restricted=restricted)
        min_cell = result.spec.stats.min_cell
    hidden = int(result.table["suppressed"].sum())
    if hidden and not restricted:
        lines.append(
            f"  disclosure control: {hidden:,} rows suppressed in the published tables "
            f"(counts below min_cell = {min_cell})"
        )
    if out is not None:
        stem = "results-restricted" if restricted else "results"
        tables = ", tables/" if analysis_tables(result) else ""
        report = "report.html, report.pdf" if pdf else "report.html"
        if getattr(result, "discoveries", None) is not None:
            tables += f", {discoveries_file(restricted)}"
        lines.append(
            f"wrote {out}/{report}, {stem}.csv, {stem}.json, charts/{tables}, manifest.json"
        )
    if restricted:
        lines.append("RESTRICTED output: small counts included; not for publication")
    return "\n".join(lines)


def _harm_headlines(result: AuditResult, restricted: bool) -> list[str]:
    """The largest clear excess (or shortfall) of each harm count in people."""
    from ..spec import HARM_METRICS

    table = result.table if restricted else result.published_table()
    if "dataset" in table.columns:
        return []
    alpha = 1 - result.spec.stats.confidence
    level = f"{result.spec.stats.confidence:.0%}"
    rows = table[
        table["metric"].isin([m.name for m in HARM_METRICS.values() if not m.amount])
        & table["attribute"].isin(result.spec.attributes)
        & ~table["suppressed"].astype(bool)
        & (table["ci_low"] > 0)
        & (table["p_adjusted"] < alpha)
    ]
    lines = []
    for name, part in rows.groupby("metric", sort=False):
        r = part.loc[part["value"].astype(float).idxmax()]
        lines.append(
            f"  {name}: {r['attribute']} = {r['group']} {r['value']:+,.0f} people vs the rate "
            f"of {r['reference_group']} ({level} CI {r['ci_low']:,.0f} to {r['ci_high']:,.0f})"
        )
    return lines


def _score_headlines(result: AuditResult, restricted: bool) -> list[str]:
    """The largest excess share in the top score decile, and the adjusted disparity."""
    from ..report import percent

    lines = []
    analysis = result.score_analysis
    if analysis is not None:
        excess = analysis.excess if restricted else analysis.published("excess")
        top = excess[(excess["cut"] == "top decile") & excess["excess"].notna()]
        if len(top):
            r = top.loc[top["excess"].astype(float).idxmax()]
            level = f"{result.spec.stats.confidence:.0%}"
            lines.append(
                f"  top score decile: {r['attribute']} = {r['group']} {percent(r['share'])} vs "
                f"everyone {percent(r['overall_share'])} ({100 * r['excess']:+.1f} points, {level} "
                f"CI {100 * r['excess_ci_low']:+.1f} to {100 * r['excess_ci_high']:+.1f})"
            )
    if result.adjusted is not None:
        t = result.adjusted.table
        alpha = 1 - result.spec.stats.confidence
        terms = t[t["variable"].isin(result.spec.attributes) & (t["p_value"] < alpha)]
        if len(terms):  # the clearest adjusted disparity, not the widest
            r = terms.loc[terms["p_value"].idxmin()]
            lines.append(
                "  adjusted: "
                + result.adjusted.sentence(
                    str(r["variable"]),
                    str(r["level"]),
                    covariates=", ".join(result.spec.regression.covariates)
                    if result.spec.regression
                    else "",
                )
            )
    return lines


def _headlines(result: AuditResult, restricted: bool) -> list[str]:
    """The two largest ratios of each headline metric the data can show, per dataset.

    Each comparison is within its dataset, and each line names the dataset when the
    table holds several. A comparison of rounded or suppressed counts is the range of
    the ratio over the tables consistent with the published cells (sorted by its low
    end: the ratio is at least that).
    """
    from ..report import compared, percent, range_rates, range_source
    from ..spec import HEADLINE

    lines = []
    table = result.table if restricted else result.published_table()
    shown = compared(table, HEADLINE)
    shown = shown[shown["attribute"].isin(result.spec.attributes)]
    shown = shown.assign(_key=shown["ratio"].where(~shown["ranged"], shown["ratio_ci_low"]))
    shown = shown.sort_values("_key", ascending=False, kind="stable")
    level = f"{result.spec.stats.confidence:.0%}"
    several = "dataset" in table.columns
    for dataset in dict.fromkeys(table["dataset"]) if several else [None]:
        part = shown[shown["dataset"] == dataset] if several else shown
        prefix = f"{dataset}: " if several else ""
        for _, r in part.groupby("metric", sort=False).head(2).iterrows():
            if r["ranged"]:
                mine, theirs = range_rates(r)
                lo, hi = r["ratio_ci_low"], r["ratio_ci_high"]
                ratio = f"ratio {lo:.2f} to {hi:.2f}" if hi == hi else f"ratio at least {lo:.2f}"
                source = range_source(r["note"], r["ref_note"])
                detail = f"{ratio}: a range from {source}, not a confidence interval"
            else:
                mine, theirs = percent(r["value"]), percent(r["ref_value"])
                p = r["p_adjusted"]
                p_text = (
                    ""
                    if p != p
                    else ("; adjusted p < 0.001" if p < 0.001 else f"; adjusted p = {p:.3f}")
                )
                lo, hi = r["ratio_ci_low"], r["ratio_ci_high"]
                ci = f", {level} CI {lo:.2f} to {hi:.2f}" if lo == lo and hi == hi else ""
                detail = f"ratio {r['ratio']:.2f}{ci}{p_text}"
            lines.append(
                f"  {prefix}{r['metric']}: {r['attribute']} = {r['group']}{' ' if mine else ''}"
                f"{mine} vs {r['reference_group']}{' ' if theirs else ''}{theirs} ({detail})"
            )
    return lines


def _audit(
    config_path: Path,
    out: Path | None,
    *,
    restricted: bool = False,
    png: bool = False,
    pdf: bool = False,
    language: str | None = None,
) -> Path:
    from ..audits import load_config, run_config

    config = load_config(config_path)
    from ..report import check_output_dir, pdf_engine, write_outputs

    check_output_dir(out or config.output_dir)  # refuse a bad folder before the work
    pdf = pdf or config.pdf
    if pdf:
        pdf_engine()  # a missing WeasyPrint or Pango, too
    result = run_config(config)
    restricted = restricted or config.restricted
    with step("charts, tables and the report"):
        target = write_outputs(
            result,
            out or config.output_dir,
            config=config.raw,
            restricted=restricted,
            png=png or config.png,
            pdf=pdf,
            language=language or config.language,
        )
    print(_summary(result, target, restricted=restricted, pdf=pdf))
    return target


def _probe(
    config_path: Path,
    out: Path | None,
    *,
    restricted: bool,
    png: bool,
    pdf: bool,
    language: str | None = None,
) -> Path:
    from ..probe import load_probe_config, run_probe_config

    config = load_probe_config(config_path)
    from ..report import check_output_dir, pdf_engine, write_probe_outputs

    target = out or config.output_dir
    check_output_dir(target)  # refuse a bad folder before the work
    pdf = pdf or config.pdf
    if pdf:
        pdf_engine()  # a missing WeasyPrint or Pango, too
    result = run_probe_config(config)
    with step("charts, tables and the report"):
        written = write_probe_outputs(
            result,
            target,
            config=config.raw,
            restricted=restricted,
            png=png or config.png,
            pdf=pdf,
            language=language or config.language,
        )
    print(_probe_summary(result, written, restricted=restricted, pdf=pdf))
    return written


def _probe_summary(result: Any, out: Path, *, restricted: bool, pdf: bool = False) -> str:
    model, source = result.model, result.source
    lines = [
        f"{source.get('name')}: {int(source.get('rows', 0)):,} records; model: {model.description}"
    ]
    if result.sampling is not None:
        lines.append(f"  sample: {result.sampling.note}")
    if result.flips is not None:
        flips = result.flips
        table = flips.table if restricted else flips.published()
        lines.append(f"  flag rule: {flips.threshold}")
        lines += [f"  note: {n}" for n in flips.notes]
        for flip in flips.flips:
            rows = table[(table["flip"] == flip.name) & (table["attribute"] == flip.attribute)]
            for _, r in rows.iterrows():
                if r["mean_change"] != r["mean_change"]:
                    lines.append(f"  flip {flip.name}: {r['group']}: withheld (small group)")
                    continue
                share = r["flag_up_share"] - r["flag_down_share"]
                flag = (
                    "" if share != share else f"; net change in flagged {100 * share:+.1f} points"
                )
                lines.append(
                    f"  flip {flip.name}: {flip.attribute} = {r['group']}: mean score change "
                    f"{r['mean_change']:+.4f} ({100 * flips.confidence:g}% CI "
                    f"{r['change_ci_low']:+.4f} to {r['change_ci_high']:+.4f}){flag}"
                )
    if result.proxies is not None:
        t = result.proxies.table
        for attribute in dict.fromkeys(t["attribute"]):
            top = t[(t["attribute"] == attribute) & (t["rank"] == 1)]
            if len(top):
                r = top.iloc[0]
                lines.append(
                    f"  proxy for {attribute}: {r['feature']} ({r['measure']} "
                    f"{r['strength']:.2f}, {100 * r['influence_share']:.0f}% of the influence)"
                )
    if result.profiles is not None:
        lines += [f"  {s}" for s in result.profiles.sentences[:3]]
    report = "report.html, report.pdf" if pdf else "report.html"
    lines.append(f"wrote {out}/{report}, probe.json, tables/, charts/, manifest.json")
    if restricted:
        lines.append("RESTRICTED output: small counts included; not for publication")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    start = time.perf_counter()
    args = _parser().parse_args(argv)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with display(not getattr(args, "quiet", True)), timed() as steps:
                status = _dispatch(args)
        except BiasAuditError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = EXIT_INPUT
        except OSError as exc:  # an output path that cannot be written: nothing was written
            print(f"error: could not write the output: {exc}", file=sys.stderr)
            status = EXIT_INPUT
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    if getattr(args, "timings", False):
        print(_timings(steps, time.perf_counter() - start), file=sys.stderr)
    return status


def _timings(steps: Sequence[Timing], total: float) -> str:
    """The ``--timings`` table: each step in the order it began, nested steps indented."""
    lines = ["timings (wall seconds):"]
    for t in sorted(steps, key=lambda t: t.began):
        lines.append(f"  {t.seconds:8.2f}  {'  ' * t.depth}{t.label}")
    lines.append(f"  {total:8.2f}  the whole command (after start-up imports)")
    return "\n".join(lines)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from ..io import bundled_dir

        _audit(
            bundled_dir(DEMO) / "audit.toml",
            args.out,
            png=args.png,
            pdf=args.pdf,
            language=args.language,
        )
    elif args.command == "audit":
        _audit(
            args.config,
            args.out,
            restricted=args.restricted,
            png=args.png,
            pdf=args.pdf,
            language=args.language,
        )
    elif args.command == "probe":
        _probe(
            args.config,
            args.out,
            restricted=args.restricted,
            png=args.png,
            pdf=args.pdf,
            language=args.language,
        )
    elif args.command == "validate":
        from ..audits import load_config, run_config

        config = load_config(args.config)
        result = run_config(config)
        print(f"OK: {args.config} and its data have no problems")
        print(_summary(result, None))
    elif args.command == "init":
        from ..synthetic import starter_config

        text = starter_config(args.data, sheet=args.sheet, config=args.out)
        if args.out is None:
            sys.stdout.write(text)
        else:
            with open(args.out, "x", encoding="utf-8") as fh:  # never over an existing file
                fh.write(text)
            print(f"wrote {args.out}")
    elif args.command == "plan":
        from ._plan import run

        return run(args)
    elif args.command == "generate":
        from ..synthetic import DEFAULT_SEED, write_welfare

        seed = DEFAULT_SEED if args.seed is None else args.seed
        path = write_welfare(args.out, n=args.rows, seed=seed)
        print(f"wrote {path} ({args.rows:,} rows, seed {seed})")
    return 0
