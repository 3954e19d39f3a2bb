"""Benchmark the whole ``biasaudit audit`` command on the report's heavy shape (issue 15).

The shape is disclosure.py's: 5 protected attributes of 2, 5, 8, 12 and 30 groups
(skewed sizes), all 10 pairwise intersections, read with ``engine = "duckdb"`` from
``benchmarks/_data/disclosure_<rows>.parquet`` (written, seeded, when missing). With
full labels it has 85 charts: per attribute a disparity and a rate chart for each of
the four headline metrics plus the burden chart, and per intersection a heatmap for
each headline metric (up to 12 x 30 cells).

Each run is ``/usr/bin/time -v python -m biasaudit.cli audit config.toml --out DIR``
in a fresh process, through a small wrapper that counts ``Figure.draw`` calls (every
layout pass and every saved file draws the figure once). For each size it prints the
median of ``--repeat`` runs of: wall seconds, peak RSS, the output folder's size (and
report.html, charts/, results.json), the number of chart files and of figure draws,
and the sha256 of results.csv and results.json (to check the numbers are unchanged).

Usage::

    python benchmarks/report_shape.py                          # 200k rows, 3 runs
    python benchmarks/report_shape.py --sizes 200000 1000000 --code b69c65c
    python benchmarks/report_shape.py --sizes 200000 --profile  # pyinstrument, once

``--report-only`` times only the report stage (``write_outputs`` on the audit result,
pickled once by the work tree's code; the process still starts Python and imports):
on this shape the audit's own statistics can take longer than the report.
``--code REV`` measures a git revision (extracted with ``git archive``) instead of the
work tree; ``--png`` passes ``--png`` to the command; ``--keep DIR`` keeps the last
output folder of each size there. Prints only (results.md is written by hand).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from run import busy_cores, git_state, snapshot

from disclosure import config_text, make_file  # benchmarks/ is on sys.path: a script

HERE = Path(__file__).resolve().parent
#: Runs the CLI with Figure.draw counted; the count goes to the file named by argv[1].
WRAPPER = """
import atexit, sys
from matplotlib.figure import Figure
count_file = sys.argv.pop(1)
draws = [0]
original = Figure.draw
def draw(self, renderer):
    draws[0] += 1
    return original(self, renderer)
Figure.draw = draw
atexit.register(lambda: open(count_file, "w").write(str(draws[0])))
from biasaudit.cli._main import main
sys.exit(main())
"""


#: Writes the output folder of a pickled audit result (the report stage alone).
REPORT_WRAPPER = """
import atexit, pickle, sys
from matplotlib.figure import Figure
count_file, result_file, out, png = sys.argv[1:5]
draws = [0]
original = Figure.draw
def draw(self, renderer):
    draws[0] += 1
    return original(self, renderer)
Figure.draw = draw
atexit.register(lambda: open(count_file, "w").write(str(draws[0])))
from biasaudit.report import write_outputs
with open(result_file, "rb") as fh:
    result = pickle.load(fh)
write_outputs(result, out, **({"png": True} if png == "png" else {}))
"""
#: Audits the file once and pickles the result (for --report-only).
AUDIT_SCRIPT = """
import pickle, sys
import biasaudit
sys.path.insert(0, sys.argv[4])
from disclosure import DESIGNS, GROUPS, PAIRS
result = biasaudit.audit(sys.argv[1], roles=DESIGNS[sys.argv[3]], groups=GROUPS,
                         intersections=PAIRS, engine="duckdb")
with open(sys.argv[2], "wb") as fh:
    pickle.dump(result, fh)
"""


def result_file(data: Path, design: str) -> Path:
    """The audit result of ``data`` pickled by the work tree's code (made once)."""
    path = data.with_name(f"{data.stem}_{design}_result.pkl")
    if not path.is_file():
        env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
        cmd = [sys.executable, "-c", AUDIT_SCRIPT, str(data), str(path), design, str(HERE)]
        subprocess.run(cmd, check=True, env=env, stderr=subprocess.DEVNULL)
    return path


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.is_file() else "-"


def _time_v(text: str, label: str) -> str:
    match = re.search(rf"^\s*{re.escape(label)}: (.+)$", text, re.M)
    return match.group(1).strip() if match else ""


def _seconds(clock: str) -> float:
    parts = [float(x) for x in clock.split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


def run_once(
    config: Path, out: Path, src: Path, png: bool, result: Path | None = None
) -> dict[str, Any]:
    """One run in a fresh process (the CLI, or with ``result`` the report stage
    alone); its wall time, peak RSS, outputs and draws."""
    with tempfile.NamedTemporaryFile("r", suffix=".draws") as count:
        cmd = ["/usr/bin/time", "-v", sys.executable, "-c"]
        if result is None:
            cmd += [WRAPPER, count.name, "audit", str(config), "--out", str(out)]
            cmd += ["--png"] if png else []
        else:
            cmd += [REPORT_WRAPPER, count.name, str(result), str(out), "png" if png else "-"]
        busy = busy_cores()
        env = {**os.environ, "PYTHONPATH": str(src), "SOURCE_DATE_EPOCH": "0"}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise SystemExit(f"the command failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        draws = int(Path(count.name).read_text() or 0)
    charts = out / "charts"
    files = sorted(p.name for p in charts.iterdir()) if charts.is_dir() else []
    return {
        "wall_s": _seconds(_time_v(proc.stderr, "Elapsed (wall clock) time (h:mm:ss or m:ss)")),
        "cpu_s": float(_time_v(proc.stderr, "User time (seconds)"))
        + float(_time_v(proc.stderr, "System time (seconds)")),
        "rss_mb": int(_time_v(proc.stderr, "Maximum resident set size (kbytes)")) / 1024,
        "folder_mb": _size(out) / 1e6,
        "report_mb": _size(out / "report.html") / 1e6,
        "charts_mb": _size(charts) / 1e6,
        "json_mb": _size(out / "results.json") / 1e6,
        "svg": sum(f.endswith(".svg") for f in files),
        "png": sum(f.endswith(".png") for f in files),
        "draws": draws,
        "csv_sha": _sha(out / "results.csv"),
        "json_sha": _sha(out / "results.json"),
        "busy_cores_before": round(busy, 2),
    }


def profile(config: Path, out: Path, src: Path, html: Path) -> None:
    """One run under pyinstrument; the HTML profile goes to ``html``."""
    pyinstrument = Path(sys.executable).with_name("pyinstrument")
    cmd = [str(pyinstrument), "-r", "html", "-o", str(html), "-m", "biasaudit.cli"]
    cmd += ["audit", str(config), "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run(cmd, check=True, env=env)
    text = [str(pyinstrument), "-r", "text", "--show-all", "-m", "biasaudit.cli"]
    print(f"profile written to {html}; text profile: {' '.join(text)} ...")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[200_000])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--design", choices=("full", "selective"), default="full")
    p.add_argument("--code", help="git revision to measure instead of the work tree")
    p.add_argument("--png", action="store_true", help="pass --png to the command")
    p.add_argument("--profile", action="store_true", help="one run under pyinstrument")
    p.add_argument(
        "--report-only",
        action="store_true",
        help="time write_outputs() on a pickled audit result (made once by the work tree)",
    )
    p.add_argument("--keep", type=Path, help="keep the last output folder of each size here")
    args = p.parse_args(argv)
    src, code = snapshot(args.code) if args.code else (HERE.parent / "src", git_state())
    print(f"code: {code}; design: {args.design}; shared machine: busy cores are shown")
    results: dict[int, dict[str, Any]] = {}
    for rows in args.sizes:
        data = make_file(rows)
        work = Path(tempfile.mkdtemp(prefix="report-shape-"))
        config = work / "config.toml"
        config.write_text(config_text(data, args.design), encoding="utf-8")
        if args.profile:
            profile(config, work / "out", src, HERE / "_data" / f"report_profile_{rows}.html")
            continue
        runs = []
        for i in range(args.repeat):
            out = work / f"out{i}"
            pickled = result_file(data, args.design) if args.report_only else None
            runs.append(run_once(config, out, src, args.png, pickled))
            print(f"{rows:,} rows, run {i + 1}: {json.dumps(runs[-1])}", flush=True)
        if args.keep:
            dest = args.keep / f"{rows}"
            subprocess.run(["rm", "-rf", str(dest)], check=True)
            dest.parent.mkdir(parents=True, exist_ok=True)
            (work / f"out{args.repeat - 1}").rename(dest)
        summary = {
            k: statistics.median(r[k] for r in runs)
            for k in runs[0]
            if isinstance(runs[0][k], int | float)
        }
        summary |= {k: runs[0][k] for k in ("csv_sha", "json_sha")}
        results[rows] = summary
        subprocess.run(["rm", "-rf", str(work)], check=True)
    for rows, s in results.items():
        print(
            f"| {rows:,} | {s['wall_s']:.1f} | {s['cpu_s']:.1f} | {s['rss_mb']:.0f} | "
            f"{s['folder_mb']:.1f} | {s['report_mb']:.1f} | {s['charts_mb']:.1f} | "
            f"{s['json_mb']:.1f} | {s['svg']:.0f} SVG + {s['png']:.0f} PNG | {s['draws']:.0f} | "
            f"{s['csv_sha']} / {s['json_sha']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
