"""Benchmark the attribute-flip experiment on the synthetic scikit-learn fraud model.

Each measurement runs in its own fresh process: it generates the records
(``biasaudit.synthetic.generate_probe_records``), builds the planted model
(``probe_model``: a scikit-learn pipeline, one-hot gender then a logistic regression)
and times ``flip_experiment`` (gender F<->M, rows for gender and nationality, top 10%
flagged). Peak memory is the process's high-water mark (``VmHWM``), next to the
resident size once the records and the model are in memory (``VmRSS`` before the flip).

Usage::

    python benchmarks/probe.py --rows 200000 1000000 [--form sklearn scorecard] [--write]

``--write`` replaces (or appends) this benchmark's section of ``benchmarks/results.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS_MD = HERE / "results.md"
SECTION = "## Attribute flips on the synthetic fraud model (`probe.py`, issue 17)"

CHILD = r"""
import json, sys, time

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return float("nan")

rows, form = int(sys.argv[1]), sys.argv[2]
t0 = time.perf_counter()
from biasaudit.probe import as_model, flip_experiment, scorecard_from_dict
from biasaudit.synthetic import PROBE_TRUTH, generate_probe_records, probe_model

records = generate_probe_records(rows, seed=1)
if form == "sklearn":
    model = as_model(probe_model(records))
else:
    model = as_model(scorecard_from_dict({**PROBE_TRUTH, "link": "logistic"}))
t1 = time.perf_counter()
before = status("VmRSS:")
out = flip_experiment(
    records,
    model,
    [{"attribute": "gender", "map": {"F": "M", "M": "F"}}],
    groups=["nationality"],
    threshold={"top_fraction": 0.1},
)
t2 = time.perf_counter()
women = out.table.set_index(["attribute", "group"]).loc[("gender", "F"), "mean_change"]
print(json.dumps({
    "setup_s": t1 - t0, "flip_s": t2 - t1, "rss_before_mb": before,
    "peak_mb": status("VmHWM:"), "women_mean_change": float(women),
}))
"""


def measure(rows: int, form: str) -> dict[str, float]:
    """One fresh process: set-up time, flip time, memory."""
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(rows), form],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=HERE,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    p.add_argument("--form", nargs="+", default=["sklearn"], choices=["sklearn", "scorecard"])
    p.add_argument("--write", action="store_true", help="update benchmarks/results.md")
    args = p.parse_args()
    start = dt.datetime.now(dt.UTC)
    lines = [
        "| rows | model | set-up s (records + model) | flip s | RSS before flip MB | peak MB | women's mean change |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for rows in args.rows:
        for form in args.form:
            r = measure(rows, form)
            lines.append(
                f"| {rows:,} | {form} | {r['setup_s']:.1f} | {r['flip_s']:.1f} | "
                f"{r['rss_before_mb']:.0f} | {r['peak_mb']:.0f} | {r['women_mean_change']:+.4f} |"
            )
            print(lines[-1], flush=True)
    load = os.getloadavg()[0]
    notes = [
        "",
        "- Each row is one fresh process: generating the records and building the model "
        "(set-up), then `flip_experiment` (gender F<->M; every record scored as is and "
        "flipped; rows for everyone, gender and nationality: paired t interval, Wilcoxon, "
        "flag changes with Wilson intervals and McNemar's test, rank moves; disclosure "
        "marking). Peak MB: the process's VmHWM; RSS before flip: VmRSS once the records "
        "and the model are in memory.",
        f"- measured {start:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores (load average "
        f"{load:.1f} at the end: other work shares the machine), biasaudit commit {_commit()}; "
        f"command: `python benchmarks/probe.py --rows {' '.join(map(str, args.rows))} "
        f"--form {' '.join(args.form)}`",
    ]
    text = "\n".join([SECTION, "", *lines, *notes]) + "\n"
    print(text)
    if args.write:
        old = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else ""
        if SECTION in old:
            head, rest = old.split(SECTION, 1)
            tail = rest.split("\n## ", 1)
            old = head + text + (("\n## " + tail[1]) if len(tail) > 1 else "")
        else:
            old = old.rstrip("\n") + "\n\n" + text
        RESULTS_MD.write_text(old, encoding="utf-8")


if __name__ == "__main__":
    main()
