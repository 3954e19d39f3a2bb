"""Benchmark the whole run a user waits for, from the command to the report (issue 15).

Every row is one whole fresh process run under ``/usr/bin/time -v`` (interpreter start
and imports included): wall seconds (median of the runs) and peak resident set size.
Side by side, on the same files:

1. floors and quick exits: ``python -c "import pandas"``; ``biasaudit --help``; a
   configuration error (an unknown TOML key, exit 2); a header error (a role naming a
   missing column, exit 2);
2. a small run: ``biasaudit audit`` with its report on the records of
   ``biasaudit generate --rows N`` (N up to ``--small-max``, 100,000; one attribute,
   nationality) against ``python -c "import pandas, matplotlib.pyplot"``;
3. issue 15's shape (disclosure.py's 5 attributes of 2, 5, 8, 12 and 30 groups + the
   10 pairwise intersections, full labels, ``engine = "duckdb"``, Parquet) for each
   larger N: ``biasaudit audit`` with its report against (a) a fresh Python process
   that imports duckdb and runs one ``GROUP BY`` per grouping (15 of them: count, sum
   of the flag, of the outcome and of flag x outcome, each into a pandas frame), and
   (b) a whole Aequitas process (its own venv): ``read_parquet``, the 10 pairs as
   combined columns, ``Group().get_crosstabs`` + ``Bias().get_disparity_major_group``
   on the 15 columns (up to ``--aequitas-max-rows``);
4. the same shape's file with a seeded ``risk_score`` column: the CLI run with
   ``roles.score`` against the run without (up to ``--score-max-rows``).

Runs of one size are interleaved (round robin), so a change of machine load touches
a tool and its peer alike. Before each run the script waits (up to ``--idle-wait``
s) for other processes to go quiet; the "others" column is the number of cores other
processes kept busy *during* the run (machine-wide busy time from /proc/stat, minus
the run's own user + system time, over its wall time; the largest of the runs).

Usage::

    python benchmarks/full_run.py --sizes 6000 1000000 --repeat 3 --write
    python benchmarks/full_run.py --sizes 10000000 --repeat 1 --write
    python benchmarks/full_run.py --profile 1000000   # pyinstrument, top frames

Results are kept in ``benchmarks/_data/full_run.json`` (one entry per row, replaced
when measured again), so ``--write`` renders the section "Whole run, command to
report (issue 15)" of ``benchmarks/results.md`` from every row measured so far (the
10M rows can be added by a later run); other sections are kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# run.py's and disclosure.py's helpers, standard library only (benchmarks/ is on sys.path).
from run import (
    AEQUITAS_PYTHON,
    DATA_DIR,
    RESULTS_MD,
    _cpu_jiffies,
    git_state,
    machine,
    render_md,
    render_text,
    src_fingerprint,
    wait_idle,
)

from disclosure import GROUPS, PAIRS, config_text, data_path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
STORE = DATA_DIR / "full_run.json"


def _main_checkout_aequitas() -> Path:
    """A git work tree has no Aequitas venv of its own: the main checkout's."""
    try:
        common = subprocess.run(
            ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
            cwd=HERE,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return AEQUITAS_PYTHON
    if not common:
        return AEQUITAS_PYTHON
    return Path(common).parent / "benchmarks" / ".venv-aequitas" / "bin" / "python"


SECTION_HEADING = "## Whole run, command to report (issue 15)"
#: Sizes up to this are "small runs" (generate's records, one attribute).
SMALL_MAX = 100_000
#: Sizes from this on get one run unless --repeat says otherwise.
LARGE_MIN = 10_000_000
SEED = 20261207
DESIGN = "full"  # disclosure.py's label design: flagged, outcome_full (known for everyone)
OUTCOME = "outcome_full"

PANDAS_FLOOR = "import pandas"
SMALL_FLOOR = "import pandas, matplotlib.pyplot"

#: One GROUP BY per grouping; argv: path, groupings as "a,b;c;...", outcome column.
DUCKDB_SCRIPT = """
import sys
import duckdb
path, groupings, outcome = sys.argv[1], sys.argv[2].split(";"), sys.argv[3]
con = duckdb.connect()
rows = 0
for keys in groupings:
    rows += len(con.execute(
        f"SELECT {keys}, count(*) AS n, sum(flagged) AS flagged, sum({outcome}) AS outcome, "
        f"sum(flagged * {outcome}) AS flagged_outcome FROM read_parquet(?) GROUP BY {keys}",
        [path],
    ).df())
print(rows)
"""

#: Aequitas Group + Bias on the attributes and the pairs as combined columns;
#: argv: path, attributes "a,b,..", pairs "a+b,c+d,..", outcome column.
AEQUITAS_SCRIPT = """
import sys
import warnings
warnings.simplefilter("ignore")
import pandas as pd
from aequitas.bias import Bias
from aequitas.group import Group
path, attrs, outcome = sys.argv[1], sys.argv[2].split(","), sys.argv[4]
pairs = [p.split("+") for p in sys.argv[3].split(",")]
df = pd.read_parquet(path, columns=[*attrs, "flagged", outcome])
df = df.rename(columns={"flagged": "score", outcome: "label_value"})
for a in attrs:  # Aequitas wants attribute columns as Python strings (object dtype)
    if df[a].dtype != object:
        df[a] = df[a].astype(object)
cols = list(attrs)
for a, b in pairs:
    df[f"{a}*{b}"] = df[a] + " | " + df[b]
    cols.append(f"{a}*{b}")
xtab, _ = Group().get_crosstabs(df, attr_cols=cols)
bdf = Bias().get_disparity_major_group(xtab, original_df=df)
print(len(xtab), len(bdf))
"""

#: Adds a seeded risk_score (0, 1) to the shape's file; argv: source, dest, seed.
SCORE_SCRIPT = """
import sys
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
src, dest, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
table = pq.read_table(src)
rng = np.random.default_rng(seed)
flag = table["flagged"].to_numpy().astype(float)
out = table["outcome_full"].to_numpy().astype(float)
logit = -2.5 + 2.0 * flag + 0.8 * out + rng.normal(0.0, 1.0, table.num_rows)
score = 1.0 / (1.0 + np.exp(-logit))
table = table.append_column("risk_score", pa.array(score, pa.float64()))
meta = dict(table.schema.metadata or {})
meta[b"biasaudit_full_run_score_seed"] = str(seed).encode()
tmp = dest + ".tmp"
pq.write_table(table.replace_schema_metadata(meta), tmp, compression="snappy",
               row_group_size=1_000_000)
import os
os.replace(tmp, dest)
"""


# --------------------------------------------------------------------------- data


def _python_env() -> dict[str, str]:
    """The children's environment: the work tree's src/, and bytecode caching on (as
    after ``pip install``; a shell with PYTHONDONTWRITEBYTECODE would recompile every
    biasaudit module in every run)."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "SOURCE_DATE_EPOCH": "0"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compile_sources() -> None:
    """Byte-compile src/ once before measuring (what ``pip install`` does)."""
    cmd = [sys.executable, "-m", "compileall", "-q", str(SRC)]
    subprocess.run(cmd, check=True, env=_python_env(), stdout=subprocess.DEVNULL)


def shape_file(rows: int) -> Path:
    """disclosure.py's file of ``rows`` records (written, seeded, when missing); made
    in a subprocess so numpy and pyarrow stay out of this process."""
    code = f"import sys; sys.path.insert(0, {str(HERE)!r}); from disclosure import make_file; "
    code += f"make_file({rows})"
    subprocess.run([sys.executable, "-c", code], check=True, env=_python_env())
    return data_path(rows)


def scored_file(rows: int) -> Path:
    source = shape_file(rows)
    dest = DATA_DIR / f"full_run_scored_{rows}.parquet"
    if not dest.is_file() or dest.stat().st_mtime < source.stat().st_mtime:
        t0 = time.perf_counter()
        cmd = [sys.executable, "-c", SCORE_SCRIPT, str(source), str(dest), str(SEED + rows)]
        subprocess.run(cmd, check=True)
        print(f"wrote {dest} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return dest


def small_file(rows: int) -> Path:
    dest = DATA_DIR / f"full_run_small_{rows}.csv"
    if not dest.is_file():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "biasaudit.cli", "generate", "--out", str(dest)]
        cmd += ["--rows", str(rows), "--seed", str(SEED)]
        subprocess.run(cmd, check=True, env=_python_env(), stdout=subprocess.DEVNULL)
    return dest


def small_config(path: Path, *, error: str | None = None) -> str:
    """The small run's TOML (generate's codes); ``error``: "config" adds an unknown key,
    "header" names a missing column."""
    flagged = "no_such_column" if error == "header" else "selected"
    extra = "bogus_key = 1\n" if error == "config" else ""
    return (
        f'[data]\npath = "{path}"\n{extra}\n'
        f'[roles]\nflagged = "{flagged}"\ninvestigated = "investigated"\n'
        f'outcome = "fraud_found"\n\n'
        '[codes]\noutcome = { yes = ["Errors Found"], no = ["No Errors Found"], '
        'unknown = [""] }\n\n'
        '[groups]\nattributes = ["nationality"]\n'
    )


def score_config(path: Path) -> str:
    return config_text(path, DESIGN).replace("[roles]\n", '[roles]\nscore = "risk_score"\n')


# --------------------------------------------------------------------------- measuring


def _time_v(text: str, label: str) -> str:
    match = re.search(rf"^\s*{re.escape(label)}: (.+)$", text, re.M)
    return match.group(1).strip() if match else ""


def _seconds(clock: str) -> float:
    parts = [float(x) for x in clock.split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def measure(case: dict[str, Any], run: int, args: argparse.Namespace) -> dict[str, Any]:
    """One run of ``case`` in a fresh process under /usr/bin/time -v."""
    busy_before = wait_idle(args.idle_wait)
    out = case.get("out")
    cmd = [str(c) for c in case["cmd"]]
    if out is not None:
        out = Path(out) / f"run{run}"
        cmd += ["--out", str(out), "--timings"]
    b0, t0 = _cpu_jiffies()
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["/usr/bin/time", "-v", *cmd],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_python_env(),
        start_new_session=True,  # the whole group is killed on a timeout
    )
    try:
        _, err = proc.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {
            "error": f"stopped after {args.timeout:.0f} s",
            "wall_s": time.perf_counter() - start,
            "busy_before": busy_before,
        }
    b1, t1 = _cpu_jiffies()
    clock = _time_v(err, "Elapsed (wall clock) time (h:mm:ss or m:ss)")
    if not clock:
        return {"error": f"no /usr/bin/time output: {err[-500:]}", "busy_before": busy_before}
    wall = _seconds(clock)
    cpu = float(_time_v(err, "User time (seconds)")) + float(_time_v(err, "System time (seconds)"))
    cores = os.cpu_count() or 1
    machine_busy_s = (b1 - b0) / max(t1 - t0, 1) * cores * (time.perf_counter() - start)
    result = {
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_mb": int(_time_v(err, "Maximum resident set size (kbytes)")) / 1024,
        "rc": proc.returncode,
        "busy_before": round(busy_before, 2),
        "others": round(max(machine_busy_s - cpu, 0.0) / max(wall, 1e-3), 2),
    }
    if proc.returncode != case.get("rc", 0):
        body = err.split("\tCommand being timed")[0].strip().splitlines()[-6:]
        result["error"] = f"exit {proc.returncode}, expected {case.get('rc', 0)}: " + " | ".join(
            body
        )
    if out is not None:
        result["stages"] = _stages(err, wall)
        result["csv_sha"] = _sha(out / "results.csv")
        subprocess.run(["rm", "-rf", str(out)], check=True)
    return result


#: The row of ``--timings`` for the whole command, and the stage named for what precedes it.
WHOLE = "the whole command (after start-up imports)"
STARTUP = "start-up and imports"


def _stages(err: str, wall: float) -> dict[str, float]:
    """The run's own ``--timings`` table (top-level steps only, seconds), and the
    start-up before it: the process's wall time less the whole command's."""
    lines = err.split("timings (wall seconds):\n", 1)[-1].splitlines()
    stages: dict[str, float] = {}
    for line in lines:
        m = re.match(r"^  +(\d+\.\d+)  (\S.*)$", line)  # nested steps are indented further
        if not m:
            break
        stages[m.group(2)] = stages.get(m.group(2), 0.0) + float(m.group(1))
    if WHOLE in stages:
        stages[STARTUP] = max(wall - stages.pop(WHOLE), 0.0)
    return stages


def summarise(case: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    row = {k: case[k] for k in ("key", "size", "order", "label", "tool")}
    row["measured"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    row["runs"] = len(runs)
    row["busy_before"] = max(r.get("busy_before", 0.0) for r in runs)
    bad = [r for r in runs if "error" in r]
    if bad:
        row["error"] = bad[-1]["error"]
        if "wall_s" in bad[-1]:
            row["wall_s"] = bad[-1]["wall_s"]
        return row
    row["wall_s"] = statistics.median(r["wall_s"] for r in runs)
    row["walls"] = [r["wall_s"] for r in runs]
    row["cpu_s"] = statistics.median(r["cpu_s"] for r in runs)
    row["rss_mb"] = max(r["rss_mb"] for r in runs)
    row["others"] = max(r["others"] for r in runs)
    stages = [r["stages"] for r in runs if r.get("stages")]
    if stages:
        row["stages"] = {k: statistics.median(s.get(k, 0.0) for s in stages) for k in stages[0]}
    shas = {r["csv_sha"] for r in runs if "csv_sha" in r}
    if shas:
        row["csv_sha"] = (
            shas.pop() if len(shas) == 1 else "differs between runs: " + ", ".join(sorted(shas))
        )
    return row


# --------------------------------------------------------------------------- cases


def cases_for(rows: int, work: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The rows measured for one size (each a whole process)."""
    py = sys.executable
    cli = [py, "-m", "biasaudit.cli"]
    out: list[dict[str, Any]] = []

    def add(key: str, label: str, tool: str, cmd: list[Any], **kw: Any) -> None:
        size = 0 if kw.pop("quick", False) else rows  # the quick exits sort first
        out.append(
            {"key": key, "size": size, "order": len(out), "label": label, "tool": tool}
            | {"cmd": cmd}
            | kw
        )

    if rows <= args.small_max:
        data = small_file(rows)
        configs = {}
        for name, error in (("small", None), ("config_error", "config"), ("header", "header")):
            configs[name] = work / f"{name}.toml"
            configs[name].write_text(small_config(data, error=error), encoding="utf-8")
        quick = "floors and quick exits"
        add(
            "pandas",
            quick,
            f'python -c "{PANDAS_FLOOR}" (floor)',
            [py, "-c", PANDAS_FLOOR],
            quick=True,
        )
        add("help", quick, "biasaudit --help", [*cli, "--help"], quick=True)
        add(
            "config_error",
            quick,
            "biasaudit audit: configuration error (unknown key, exit 2)",
            [*cli, "audit", configs["config_error"]],
            rc=2,
            quick=True,
        )
        add(
            "header_error",
            quick,
            "biasaudit audit: header error (missing column, exit 2)",
            [*cli, "audit", configs["header"]],
            rc=2,
            quick=True,
        )
        label = f"small run: {rows:,} rows (generate), 1 attribute"
        add(
            f"small_floor_{rows}",
            label,
            f'python -c "{SMALL_FLOOR}" (floor)',
            [py, "-c", SMALL_FLOOR],
        )
        add(
            f"small_{rows}",
            label,
            "biasaudit audit config.toml, with report",
            [*cli, "audit", configs["small"]],
            out=work / "small_out",
        )
        return out

    data = shape_file(rows)
    config = work / f"shape_{rows}.toml"
    config.write_text(config_text(data, DESIGN), encoding="utf-8")
    label = f"{rows:,} rows, 5 attributes + 10 pairs (parquet, duckdb)"
    groupings = ";".join([*GROUPS, *(",".join(p) for p in PAIRS)])
    add(
        f"duckdb_{rows}",
        label,
        "python -c: duckdb, 15 GROUP BYs (floor)",
        [py, "-c", DUCKDB_SCRIPT, data, groupings, OUTCOME],
    )
    if rows <= args.aequitas_max_rows and not Path(args.aequitas_python).is_file():
        print(f"note: {args.aequitas_python} not found: no Aequitas row", file=sys.stderr)
    elif rows <= args.aequitas_max_rows:
        add(
            f"aequitas_{rows}",
            label,
            "Aequitas Group + Bias (15 columns), whole process",
            [
                args.aequitas_python,
                "-c",
                AEQUITAS_SCRIPT,
                data,
                ",".join(GROUPS),
                ",".join("+".join(p) for p in PAIRS),
                OUTCOME,
            ],
        )
    add(
        f"biasaudit_{rows}",
        label,
        "biasaudit audit config.toml, with report",
        [*cli, "audit", config],
        out=work / f"out_{rows}",
    )
    if rows <= args.score_max_rows:
        scored = scored_file(rows)
        sconfig = work / f"score_{rows}.toml"
        sconfig.write_text(score_config(scored), encoding="utf-8")
        add(
            f"score_{rows}",
            label,
            "biasaudit audit, + roles.score (risk_score column), with report",
            [*cli, "audit", sconfig],
            out=work / f"score_out_{rows}",
        )
    return out


# --------------------------------------------------------------------------- targets


def targets(row: dict[str, Any], rows: dict[str, dict[str, Any]]) -> tuple[str, str, str]:
    """(ratio, target, met?) of a result row, from the other rows of its size."""

    def wall(key: str) -> float | None:
        r = rows.get(key)
        return r["wall_s"] if r and "error" not in r else None

    key, n = row["key"], row["size"]
    if "error" in row:
        return "-", "-", "failed"
    me = row["wall_s"]

    def against(peer_key: str, peer: str, limit: float, strict: bool = False) -> tuple[str, str]:
        other = wall(peer_key)
        if other is None:
            return "-", "?"
        ratio = me / other
        met = ratio < limit if strict else ratio <= limit
        return f"{ratio:.2f}x {peer}", "yes" if met else "no"

    if key == "help":
        r, m = against("pandas", "import pandas", 1.0, strict=True)
        return r, "< 1x", m
    if key in ("config_error", "header_error"):
        r, m = against("pandas", "import pandas", 1.5)
        return r, "<= 1.5x", m
    if key.startswith("small_floor_") or key == "pandas" or key.startswith("duckdb_"):
        return "-", "floor", ""
    if key.startswith("small_"):
        r, m = against(f"small_floor_{n}", "the imports", 2.0)
        return r, "<= 2x", m
    if key.startswith("biasaudit_"):
        r, m = against(f"duckdb_{n}", "DuckDB", 3.0)
        if n >= LARGE_MIN:
            peak = "yes" if row["rss_mb"] <= 600 else "no"
            return r, "<= 3x; peak <= 600 MB", f"{m}; peak {peak}"
        return r, "<= 3x", m
    if key.startswith("aequitas_"):
        ours = wall(f"biasaudit_{n}")
        if ours is None:
            return "-", ">= 3x (5x stretch)", "?"
        ratio = me / ours  # Aequitas' time over biasaudit's
        met = "yes" if ratio >= 3 else "no"
        met += "; stretch " + ("yes" if ratio >= 5 else "no")
        said = (
            f"biasaudit {ratio:.2f}x faster"
            if ratio >= 1
            else f"biasaudit {1 / ratio:.2f}x slower"
        )
        return said, "biasaudit >= 3x faster (5x stretch)", met
    if key.startswith("score_"):
        r, m = against(f"biasaudit_{n}", "without roles.score", 2.0)
        return r, "<= 2x", m
    return "-", "-", ""


def build_table(store: dict[str, dict[str, Any]]) -> list[list[str]]:
    head = [
        "row",
        "tool (whole process)",
        "wall s (median)",
        "runs",
        "peak MB",
        "others",
        "ratio",
        "target",
        "met?",
    ]
    table = [head]
    ordered = sorted(store.values(), key=lambda r: (r["size"], r["order"]))
    for r in ordered:
        ratio, target, met = targets(r, store)
        if "error" in r:
            wall = f"> {r['wall_s']:.0f} ({r['error']})" if "wall_s" in r else r["error"]
            table.append([r["label"], r["tool"], wall, str(r["runs"]), "-", "-", "-", "-", met])
            continue
        table.append(
            [
                r["label"],
                r["tool"],
                f"{r['wall_s']:.2f}",
                str(r["runs"]),
                f"{r['rss_mb']:.0f}",
                f"{r['others']:.1f}",
                ratio,
                target,
                met,
            ]
        )
    return table


def stage_table(store: dict[str, dict[str, Any]]) -> list[list[str]]:
    """Where each biasaudit run's time goes: its own ``--timings`` steps (medians)."""
    ordered = [
        r for r in sorted(store.values(), key=lambda r: (r["size"], r["order"])) if r.get("stages")
    ]
    names = [STARTUP]
    for r in ordered:
        names += [k for k in r["stages"] if k not in names]
    table = [["row", "tool", *names, "wall s"]]
    for r in ordered:
        cells = [f"{r['stages'][k]:.2f}" if k in r["stages"] else "-" for k in names]
        table.append([r["label"], r["tool"], *cells, f"{r['wall_s']:.2f}"])
    return table


def sha_lines(store: dict[str, dict[str, Any]]) -> list[str]:
    out = []
    for r in sorted(store.values(), key=lambda r: (r["size"], r["order"])):
        if r.get("csv_sha"):
            out.append(f"results.csv sha256, {r['label']}, {r['tool']}: `{r['csv_sha']}`")
    return out


# --------------------------------------------------------------------------- output


def notes(store: dict[str, dict[str, Any]], args: argparse.Namespace) -> list[str]:
    when = sorted({r["measured"] for r in store.values()})
    when = [when[0], when[-1]] if len(when) > 2 else when
    commits = sorted({r.get("commit", "?") for r in store.values()})
    return [
        "Every row is one whole fresh process under `/usr/bin/time -v`: interpreter start, "
        "imports, reading, the audit and (for biasaudit) the whole report folder "
        "(report.html, charts/, results.csv/json, manifest), as a user waits for it. "
        "wall s: median of the runs ('Elapsed (wall clock)'); peak MB: the largest "
        "'Maximum resident set size' of the runs.",
        "others: cores kept busy by other processes during the run (machine-wide busy "
        "time from /proc/stat minus the run's own CPU time, over its wall time; the most "
        "of the runs). The machine has 2 cores and may be shared with other agents' work: "
        "above ~0.3 the wall times are inflated.",
        "Runs of one size were interleaved (round robin over its rows), after waiting "
        f"up to {args.idle_wait:.0f} s for the machine to go quiet before each.",
        "Bytecode: src/ is byte-compiled before measuring and the children run without "
        "PYTHONDONTWRITEBYTECODE (set in this shell), as after `pip install`.",
        "Quick exits and the small run use `biasaudit generate --rows N --seed "
        f"{SEED}` (CSV; 1 attribute, nationality; roles flagged/investigated/outcome); "
        "the configuration error adds `bogus_key = 1` to [data], the header error names a "
        "missing column for roles.flagged (both exit 2 before reading the data rows).",
        "The shape: disclosure.py's file (5 attributes of 2, 5, 8, 12, 30 groups with "
        "skewed sizes, the 10 pairwise intersections, full labels: flagged + outcome_full), "
        'Parquet, `engine = "duckdb"`, min_cell 10, config from `disclosure.config_text`. '
        "DuckDB floor: `duckdb.connect()` and 15 `GROUP BY`s (count, sum of flag, of "
        "outcome and of flag x outcome) each fetched into pandas (`.df()`). Aequitas "
        "1.1.0 (own venv): `read_parquet` of the 7 columns, attributes as object, 10 pair "
        "columns `a | b`, `Group().get_crosstabs` on the 15 columns and "
        "`Bias().get_disparity_major_group`.",
        "roles.score: the same file plus a seeded `risk_score` in (0, 1) (logistic of the "
        "flag, the outcome and normal noise; every value distinct), flag and outcome "
        "unchanged; the default score analyses.",
        f"measured: {' to '.join(when)}; biasaudit commit: {', '.join(commits)}.",
    ]


def write_section(store: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    info = machine()
    host = (
        f"{info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB RAM, "
        f"Python {info['python']}, {info['os']}"
    )
    commands = sorted({r.get("command", "") for r in store.values()} - {""})
    md = [
        SECTION_HEADING,
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {host}",
        *[f"- command: `{c}`" for c in commands],
        "",
        render_md(build_table(store)),
        "",
        "Where the time of each biasaudit run goes (seconds, medians; the run's own "
        "`--timings` steps, and start-up and imports as the process's wall time less "
        "the command's):",
        "",
        render_md(stage_table(store)),
        "",
        *[f"- {n}" for n in notes(store, args)],
        *[f"- {line}" for line in sha_lines(store)],
        "",
    ]
    if args.findings and args.findings.is_file():
        md += [args.findings.read_text(encoding="utf-8").rstrip(), ""]
    old = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
    args.output.write_text(_replace(old, "\n".join(md)), encoding="utf-8")
    print(f"wrote the section {SECTION_HEADING!r} of {args.output}", file=sys.stderr)


def _replace(text: str, section: str) -> str:
    """``text`` with this section (to the next ``## `` heading) replaced, or appended."""
    start = text.find(SECTION_HEADING + "\n")
    if start < 0:
        return text.rstrip("\n") + "\n\n" + section
    end = text.find("\n## ", start + len(SECTION_HEADING))
    rest = text[end + 1 :] if end >= 0 else ""
    return text[:start] + section + ("\n" + rest if rest else "")


def profile(rows: int, work: Path, top: int) -> None:
    """One CLI run of the shape under pyinstrument; its top frames (own time and
    cumulative time)."""
    import pstats

    data = shape_file(rows)
    config = work / "profile.toml"
    config.write_text(config_text(data, DESIGN), encoding="utf-8")
    stats = DATA_DIR / f"full_run_profile_{rows}.pstats"
    pyinstrument = Path(sys.executable).with_name("pyinstrument")
    cmd = [str(pyinstrument), "-r", "pstats", "-o", str(stats), "-m", "biasaudit.cli"]
    cmd += ["audit", str(config), "--out", str(work / "profile_out")]
    with open(stats.with_suffix(".log"), "wb") as log:
        subprocess.run(cmd, check=True, env=_python_env(), stdout=subprocess.DEVNULL, stderr=log)
    for order in ("tottime", "cumulative"):
        print(f"\n--- top {top} frames by {order} ({stats}) ---")
        pstats.Stats(str(stats)).strip_dirs().sort_stats(order).print_stats(top)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[6_000, 1_000_000, 10_000_000],
        help="record counts (none: with --write, render the rows measured so far)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=None,
        help=f"runs per row (default 3, and 1 from {LARGE_MIN:,} rows)",
    )
    p.add_argument(
        "--small-max",
        type=int,
        default=SMALL_MAX,
        help="sizes up to this are small runs (generate's records, 1 attribute)",
    )
    p.add_argument("--timeout", type=float, default=900, help="seconds per process")
    p.add_argument("--idle-wait", type=float, default=30)
    p.add_argument(
        "--aequitas-python",
        type=Path,
        default=AEQUITAS_PYTHON if AEQUITAS_PYTHON.is_file() else _main_checkout_aequitas(),
        help="Aequitas' venv (benchmarks/setup_aequitas.sh; default: this tree's, else "
        "the main checkout's)",
    )
    p.add_argument("--aequitas-max-rows", type=int, default=1_000_000)
    p.add_argument("--score-max-rows", type=int, default=1_000_000)
    p.add_argument("--write", action="store_true", help="write the section of results.md")
    p.add_argument("--output", type=Path, default=RESULTS_MD)
    p.add_argument("--store", type=Path, default=STORE, help="JSON of the rows measured")
    p.add_argument("--findings", type=Path, help="with --write: a Markdown note to add")
    p.add_argument("--profile", type=int, metavar="ROWS", help="profile one CLI run, exit")
    p.add_argument("--top", type=int, default=10)
    args = p.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="full-run-"))
    if args.profile:
        profile(args.profile, work, args.top)
        return 0
    store: dict[str, dict[str, Any]] = {}
    if args.store.is_file():
        store = json.loads(args.store.read_text())
    commit, fingerprint = git_state(), src_fingerprint()
    compile_sources()
    command = "python benchmarks/full_run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    failed = False
    for rows in args.sizes:
        repeat = args.repeat or (1 if rows >= LARGE_MIN else 3)
        cases = cases_for(rows, work, args)
        runs: dict[str, list[dict[str, Any]]] = {c["key"]: [] for c in cases}
        for i in range(repeat):
            for case in cases:
                if runs[case["key"]] and "error" in runs[case["key"]][-1]:
                    continue  # failed once: not run again
                r = measure(case, i, args)
                runs[case["key"]].append(r)
                shown = {k: v for k, v in r.items() if k != "csv_sha"}
                print(f"{case['key']} run {i + 1}: {json.dumps(shown)}", file=sys.stderr)
        for case in cases:
            row = summarise(case, runs[case["key"]])
            row["commit"], row["command"] = commit, command
            failed |= "error" in row
            store[case["key"]] = row
        args.store.parent.mkdir(parents=True, exist_ok=True)
        args.store.write_text(json.dumps(store, indent=2))
    if src_fingerprint() != fingerprint:
        print("WARNING: src/ changed during the run", file=sys.stderr)
    subprocess.run(["rm", "-rf", str(work)], check=True)
    table = build_table(store)
    print()
    print(render_text(table))
    print()
    print(render_text(stage_table(store)))
    print()
    for line in sha_lines(store):
        print(line)
    if args.write:
        write_section(store, args)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
