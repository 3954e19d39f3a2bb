"""Benchmark biasaudit against fairlearn's MetricFrame, Aequitas and a DuckDB floor.

Every measurement runs in its own subprocess on the same Parquet file, so the peak
memory of a row is that process's maximum resident set size (``ru_maxrss`` of the
child, from ``os.wait4``; the worker's own ``VmHWM`` is kept in the JSON as a check).
The parent imports nothing but the standard library, so it adds nothing to the
children's peaks.

Usage::

    python benchmarks/run.py --rows 1000000 10000000

Prints a table (tool, rows, attributes, wall seconds, peak RSS MB, ratios against
biasaudit with engine="duckdb") and writes it to ``benchmarks/results.md``, with the
raw numbers in ``benchmarks/_data/results.json``. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from itertools import combinations
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "_data"
AEQUITAS_PYTHON = HERE / ".venv-aequitas" / "bin" / "python"
RESULTS_MD = HERE / "results.md"

# Must match make_data.py (kept here so the parent imports only the standard library).
GROUPS = ["gender", "age_band", "nationality", "household", "neighbourhood"]
PAIRS = [list(p) for p in combinations(GROUPS, 2)]
#: Largest group of each attribute in the synthetic data (biasaudit's default reference).
LARGEST = {
    "gender": "female",
    "age_band": "45-64",
    "nationality": "Dutch",
    "household": "single",
    "neighbourhood": "district_01",
}
#: The attribute MetricFrame is measured on, and the sanity check compares.
CHECK_ATTRIBUTE = "nationality"
BASELINE = "biasaudit (duckdb)"
#: Cores busy with other work above which a row is marked as measured on a busy machine.
BUSY = 0.3


# --------------------------------------------------------------------------- workers
# Each worker runs in a fresh interpreter: it imports its libraries first (timed
# separately as "import s"), then times only the work, from reading the file to
# the finished result, and returns a JSON-able dict.


def _vm_hwm_mb() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def work_biasaudit(
    path: str, engine: str, side_file: str | None, *, one_attribute: bool = False
) -> dict[str, Any]:
    import warnings

    t_imp = time.perf_counter()
    import pandas  # noqa: F401  (imported before timing, like every tool's libraries)

    import biasaudit

    if engine == "duckdb":
        import duckdb  # noqa: F401
    elif engine == "polars":
        import polars  # noqa: F401
    import_s = time.perf_counter() - t_imp

    warnings.simplefilter("ignore")  # empty intersection cells: UndefinedRateWarning
    c0, t0 = time.process_time(), time.perf_counter()
    result = biasaudit.audit(
        path,
        roles={"flagged": "flagged", "outcome": "outcome"},
        groups=[CHECK_ATTRIBUTE] if one_attribute else GROUPS,
        intersections=[] if one_attribute else PAIRS,
        engine=engine,
    )
    table = result.table
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if side_file:
        rows = table[table["attribute"] == CHECK_ATTRIBUTE]
        side = {
            "n": {g: int(v) for g, v in rows.drop_duplicates("group")[["group", "n"]].values},
        }
        for name in (
            "selection_rate",
            "false_positive_rate",
            "false_negative_rate",
            "true_positive_rate",
            "precision",
        ):
            part = rows[rows["metric"] == name]
            side[name] = {g: float(v) for g, v in zip(part["group"], part["value"], strict=True)}
        Path(side_file).write_text(json.dumps(side))
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "rows_read": result.ledger.rows_read,
        "table_rows": len(table),
        "metrics": int(table["metric"].nunique()),
        "versions": {"biasaudit": biasaudit.__version__, engine: _version(engine)},
        "imported_from": str(Path(biasaudit.__file__).parent),
    }


def work_duckdb_floor(path: str) -> dict[str, Any]:
    t_imp = time.perf_counter()
    import duckdb
    import pandas  # noqa: F401

    import_s = time.perf_counter() - t_imp
    cols = ", ".join([*GROUPS, "flagged", "outcome"])
    c0, t0 = time.process_time(), time.perf_counter()
    con = duckdb.connect()
    cells = con.execute(
        f"SELECT {cols}, count(*) AS n FROM read_parquet(?) GROUP BY {cols}", [path]
    ).df()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "rows_read": int(cells["n"].sum()),
        "table_rows": len(cells),
        "versions": {"duckdb": duckdb.__version__},
    }


def work_metricframe(path: str, side_file: str | None) -> dict[str, Any]:
    t_imp = time.perf_counter()
    import fairlearn
    import pandas as pd
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import precision_score

    import_s = time.perf_counter() - t_imp

    def precision(y_true: Any, y_pred: Any) -> float:
        return precision_score(y_true, y_pred, zero_division=float("nan"))

    c0, t0 = time.process_time(), time.perf_counter()
    df = pd.read_parquet(path, columns=[CHECK_ATTRIBUTE, "flagged", "outcome"])
    mf = MetricFrame(
        metrics={
            "count": count,
            "selection_rate": selection_rate,
            "false_positive_rate": false_positive_rate,
            "false_negative_rate": false_negative_rate,
            "true_positive_rate": true_positive_rate,
            "precision": precision,
        },
        y_true=df["outcome"],
        y_pred=df["flagged"],
        sensitive_features=df[CHECK_ATTRIBUTE],
    )
    by_group = mf.by_group
    mf.difference(method="to_overall")
    mf.ratio(method="to_overall")
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if side_file:
        side = {col: {str(g): float(v) for g, v in by_group[col].items()} for col in by_group}
        side["n"] = side.pop("count")
        Path(side_file).write_text(json.dumps(side))
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "rows_read": len(df),
        "table_rows": int(by_group.size),
        "versions": {"fairlearn": fairlearn.__version__, "pandas": pd.__version__},
    }


def work_aequitas(path: str, n_attrs: int, side_file: str | None) -> dict[str, Any]:
    t_imp = time.perf_counter()
    import pandas as pd
    from aequitas.bias import Bias
    from aequitas.group import Group

    import_s = time.perf_counter() - t_imp
    attrs = GROUPS[:n_attrs]
    c0, t0 = time.process_time(), time.perf_counter()
    df = pd.read_parquet(path, columns=[*attrs, "flagged", "outcome"])
    df = df.rename(columns={"flagged": "score", "outcome": "label_value"})
    for a in attrs:  # Aequitas wants attribute columns as Python strings (object dtype)
        if df[a].dtype != object:
            df[a] = df[a].astype(object)
    xtab, _ = Group().get_crosstabs(df, attr_cols=attrs)
    bdf = Bias().get_disparity_predefined_groups(
        xtab, original_df=df, ref_groups_dict={a: LARGEST[a] for a in attrs}
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if side_file and CHECK_ATTRIBUTE in attrs:
        rows = xtab[xtab["attribute_name"] == CHECK_ATTRIBUTE]
        side = {
            "n": {
                str(g): float(v)
                for g, v in zip(rows["attribute_value"], rows["group_size"], strict=True)
            },
            "selection_rate": {
                str(g): float(v)
                for g, v in zip(rows["attribute_value"], rows["pprev"], strict=True)
            },
            "false_positive_rate": {
                str(g): float(v) for g, v in zip(rows["attribute_value"], rows["fpr"], strict=True)
            },
        }
        Path(side_file).write_text(json.dumps(side))
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "rows_read": len(df),
        "table_rows": len(bdf),
        "versions": {"aequitas": _version("aequitas"), "pandas (Aequitas venv)": pd.__version__},
    }


def worker_main(args: argparse.Namespace) -> int:
    kind = args.worker
    if kind == "biasaudit-one":  # the same single attribute MetricFrame is timed on
        out = work_biasaudit(args.path, "duckdb", args.side, one_attribute=True)
    elif kind.startswith("biasaudit-"):
        out = work_biasaudit(args.path, kind.removeprefix("biasaudit-"), args.side)
    elif kind == "duckdb-floor":
        out = work_duckdb_floor(args.path)
    elif kind == "metricframe":
        out = work_metricframe(args.path, args.side)
    elif kind == "aequitas":
        out = work_aequitas(args.path, args.attrs, args.side)
    else:
        raise SystemExit(f"unknown worker {kind!r}")
    out["vm_hwm_mb"] = _vm_hwm_mb()
    Path(args.result).write_text(json.dumps(out))
    return 0


# --------------------------------------------------------------------------- parent


def run_child(
    python: str,
    worker: str,
    path: Path,
    *,
    attrs: int = 5,
    side: Path | None = None,
    timeout: float,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run one worker in a fresh interpreter; add its wall time and peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        log = Path(tmp) / "stderr.txt"
        cmd = [
            python,
            str(Path(__file__).resolve()),
            "--worker",
            worker,
            "--path",
            str(path),
            "--attrs",
            str(attrs),
            "--result",
            str(result),
        ]
        if side is not None:
            cmd += ["--side", str(side)]
        t0 = time.perf_counter()
        with open(log, "wb") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
            timer = threading.Timer(timeout, proc.kill)
            timer.start()
            try:
                # wait4 gives the rusage of this one child (RUSAGE_CHILDREN would be a
                # running maximum over every child so far).
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
            proc.returncode = os.waitstatus_to_exitcode(status)
        process_s = time.perf_counter() - t0
        if proc.returncode != 0 or not result.is_file():
            tail = log.read_text(errors="replace").strip().splitlines()[-8:]
            why = "timed out" if proc.returncode == -9 else f"exit {proc.returncode}"
            return {
                "error": f"{why}: " + " | ".join(tail),
                "process_s": process_s,
                "peak_rss_mb": usage.ru_maxrss / 1024,
            }
        out = json.loads(result.read_text())
    out["process_s"] = process_s
    out["peak_rss_mb"] = usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
    return out


def _cpu_jiffies() -> tuple[int, int]:
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def busy_cores(interval: float = 0.5) -> float:
    """How many cores other processes keep busy right now (0 when not on Linux)."""
    try:
        b0, t0 = _cpu_jiffies()
        time.sleep(interval)
        b1, t1 = _cpu_jiffies()
    except (OSError, ValueError, IndexError):
        return 0.0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return (b1 - b0) / max(t1 - t0, 1) * (os.cpu_count() or cores)


def wait_idle(max_wait: float, threshold: float = 0.3) -> float:
    """Wait (up to ``max_wait`` s) until the machine is idle; return the busy cores seen."""
    deadline = time.monotonic() + max_wait
    busy = busy_cores()
    while busy > threshold and time.monotonic() < deadline:
        busy = busy_cores(1.0)
    return busy


def src_fingerprint() -> str:
    """Hash of the package sources in the work tree, to notice edits during a run."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((HERE.parent / "src").rglob("*.py")):
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def snapshot(rev: str) -> tuple[Path, str]:
    """Extract ``src/`` at git revision ``rev`` into a temporary folder."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=HERE, capture_output=True, text=True, check=True
    ).stdout.strip()
    dest = Path(tempfile.mkdtemp(prefix=f"biasaudit-{commit}-"))
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "src"],
        cwd=HERE.parent,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "src", commit


def git_state() -> str:
    """Commit of the measured code, and whether src/ had uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "../src"],
            cwd=HERE,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (head or "unknown") + (" (src/ modified)" if dirty else "")


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "python": platform.python_version(),
        "os": platform.platform(),
    }
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            kib = int(next(line for line in fh if line.startswith("MemTotal:")).split()[1])
        info["ram_gib"] = round(kib / 2**20, 1)
    except (OSError, StopIteration):
        info["ram_gib"] = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            info["cpu"] = next(
                line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")
            )
    except (OSError, StopIteration):
        info["cpu"] = platform.processor() or "?"
    return info


def plan(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The measurements to make: one dict per table row."""
    both = f"{len(GROUPS)} + {len(PAIRS)} pairs"
    runs: list[dict[str, Any]] = []
    for rows in args.rows:
        runs.append(
            {
                "tool": BASELINE,
                "worker": "biasaudit-duckdb",
                "rows": rows,
                "attributes": both,
                "repeat": args.repeat,
                "side": rows == args.check_rows,
            }
        )
        for engine in ("polars", "pandas"):
            runs.append(
                {
                    "tool": f"biasaudit ({engine})",
                    "worker": f"biasaudit-{engine}",
                    "rows": rows,
                    "attributes": both,
                    "repeat": args.repeat,
                }
            )
        runs.append(
            {
                "tool": "DuckDB GROUP BY (floor)",
                "worker": "duckdb-floor",
                "rows": rows,
                "attributes": f"{len(GROUPS)} (one pass)",
                "repeat": args.repeat,
            }
        )
        if rows <= args.metricframe_max_rows:
            runs.append(
                {
                    "tool": BASELINE,
                    "worker": "biasaudit-one",
                    "rows": rows,
                    "attributes": f"1 ({CHECK_ATTRIBUTE})",
                    "repeat": args.repeat,
                }
            )
            runs.append(
                {
                    "tool": "fairlearn MetricFrame",
                    "worker": "metricframe",
                    "rows": rows,
                    "attributes": f"1 ({CHECK_ATTRIBUTE})",
                    "repeat": 1,
                    "side": rows == args.check_rows,
                }
            )
        for k in args.aequitas_attrs:
            runs.append(
                {
                    "tool": "Aequitas Group+Bias",
                    "worker": "aequitas",
                    "rows": rows,
                    "attributes": str(k),
                    "n_attrs": k,
                    "repeat": 1,
                    "side": rows == args.check_rows and CHECK_ATTRIBUTE in GROUPS[:k],
                }
            )
    return runs


def fmt_table(rows: list[dict[str, Any]]) -> list[list[str]]:
    # ratios against biasaudit(duckdb) doing the full task (5 attributes + 10 pairs)
    both = f"{len(GROUPS)} + {len(PAIRS)} pairs"
    base = {
        r["rows"]: r
        for r in rows
        if r["tool"] == BASELINE and r["attributes"] == both and "wall_s" in r
    }
    out = [
        [
            "tool",
            "rows",
            "attributes",
            "wall s",
            "CPU s",
            "peak RSS MB",
            "× time vs biasaudit(duckdb)",
            "× RSS vs biasaudit(duckdb)",
        ]
    ]
    for r in rows:
        b = base.get(r["rows"])
        cpu = f"{r['cpu_s']:.2f}" if "cpu_s" in r else "-"
        if "wall_s" in r:
            wall = f"{r['wall_s']:.2f}"
            rt = f"{r['wall_s'] / b['wall_s']:.1f}" if b else "-"
            rm = f"{r['peak_rss_mb'] / b['peak_rss_mb']:.1f}" if b else "-"
            rss = f"{r['peak_rss_mb']:.0f}"
        else:
            wall, rt, rm = "failed", "-", "-"
            rss = f"{r.get('peak_rss_mb', 0):.0f}"
        tool = r["tool"] + (" *" if r.get("busy_cores_before", 0) > BUSY else "")
        out.append([tool, f"{r['rows']:,}", r["attributes"], wall, cpu, rss, rt, rm])
    return out


def render_text(table: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = []
    for j, row in enumerate(table):
        cells = [
            c.ljust(w) if i < 3 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_md(table: list[list[str]]) -> str:
    lines = [
        "| " + " | ".join(table[0]) + " |",
        "|" + "|".join("---" if i < 3 else "---:" for i in range(len(table[0]))) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table[1:]]
    return "\n".join(lines)


def sanity_check(side: dict[str, Path]) -> list[str]:
    """Compare biasaudit's per-group counts and rates with fairlearn's (and Aequitas')."""
    lines: list[str] = []
    if "biasaudit" not in side or not side["biasaudit"].is_file():
        return ["sanity check skipped: no biasaudit result"]
    ours = json.loads(side["biasaudit"].read_text())
    for other in ("metricframe", "aequitas"):
        path = side.get(other)
        if path is None or not path.is_file():
            continue
        theirs = json.loads(path.read_text())
        name = {"metricframe": "fairlearn MetricFrame", "aequitas": "Aequitas"}[other]
        for metric in (
            "n",
            "selection_rate",
            "false_positive_rate",
            "false_negative_rate",
            "true_positive_rate",
            "precision",
        ):
            if metric not in theirs:
                continue
            groups = sorted(set(ours[metric]) | set(theirs[metric]))
            missing = [g for g in groups if g not in ours[metric] or g not in theirs[metric]]
            diffs = [abs(ours[metric][g] - theirs[metric][g]) for g in groups if g not in missing]
            worst = max(diffs) if diffs else float("nan")
            extra = f"; groups in only one: {missing}" if missing else ""
            lines.append(
                f"{CHECK_ATTRIBUTE}: biasaudit vs {name}: {metric:<20} max |diff| over "
                f"{len(diffs)} groups = {worst:.3g}{extra}"
            )
    return lines


def targets(rows: list[dict[str, Any]]) -> list[str]:
    def find(tool: str, n: int, attrs: str | None = None) -> dict[str, Any] | None:
        for r in rows:
            if (
                r["tool"] == tool
                and r["rows"] == n
                and "wall_s" in r
                and (attrs is None or r["attributes"] == attrs)
            ):
                return r
        return None

    out = []
    ten, one = 10_000_000, 1_000_000
    both = f"{len(GROUPS)} + {len(PAIRS)} pairs"
    b10, b1 = find(BASELINE, ten, both), find(BASELINE, one, both)
    if b10:
        ok = b10["wall_s"] <= 2.0
        out.append(
            f"[{'PASS' if ok else 'FAIL'}] biasaudit(duckdb) at 10M rows, 5 attributes + "
            f"10 pairs: {b10['wall_s']:.2f} s (target <= 2 s)"
        )
        ok = b10["peak_rss_mb"] <= 1024
        out.append(
            f"[{'PASS' if ok else 'FAIL'}] biasaudit(duckdb) peak RSS at 10M rows: "
            f"{b10['peak_rss_mb']:.0f} MB (target <= 1024 MB)"
        )
        for k in ("5", "3"):
            aq = find("Aequitas Group+Bias", ten, k)
            if aq:
                ratio = aq["wall_s"] / b10["wall_s"]
                out.append(
                    f"[{'PASS' if ratio >= 10 else 'FAIL'}] vs Aequitas ({k} attributes) "
                    f"at 10M rows: {ratio:.1f}x faster (target >= 10x)"
                )
    mf = find("fairlearn MetricFrame", one)
    same = find(BASELINE, one, f"1 ({CHECK_ATTRIBUTE})")
    if mf and same:  # the same task: one attribute, the same metrics, on the same file
        ratio = mf["wall_s"] / same["wall_s"]
        out.append(
            f"[{'PASS' if ratio >= 100 else 'FAIL'}] vs MetricFrame, both on 1 attribute at "
            f"1M rows: {ratio:.0f}x faster (target >= 100x)"
        )
    if mf and b1:
        ratio = mf["wall_s"] / b1["wall_s"]
        out.append(
            f"[info] MetricFrame on 1 attribute vs biasaudit on 5 + 10 pairs at 1M rows: "
            f"{ratio:.0f}x"
        )
    return out


def ensure_data(rows: list[int], seed: int | None) -> dict[int, Path]:
    cmd = [sys.executable, str(HERE / "make_data.py"), "--rows", *map(str, rows)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    subprocess.run(cmd, check=True)  # a subprocess: numpy/pyarrow stay out of this process
    return {n: DATA_DIR / f"synthetic_{n}.parquet" for n in rows}


def parent_main(args: argparse.Namespace) -> int:
    paths = ensure_data(args.rows, args.seed)
    env = None
    if args.code == "worktree":
        commit, fingerprint = git_state(), src_fingerprint()
    else:
        src, commit = snapshot(args.code)
        commit += " (git archive of src/, not the work tree)"
        env = {**os.environ, "PYTHONPATH": str(src)}
        fingerprint = ""
    aequitas_python = str(args.aequitas_python)
    have_aequitas = Path(aequitas_python).is_file()
    if not have_aequitas:
        print(
            f"note: {aequitas_python} not found; Aequitas rows skipped (see benchmarks/README.md)",
            file=sys.stderr,
        )
    side_dir = Path(tempfile.mkdtemp(prefix="biasaudit-bench-"))
    side: dict[str, Path] = {}
    results: list[dict[str, Any]] = []
    versions: dict[str, str] = {}
    for spec in plan(args):
        if spec["worker"] == "aequitas" and not have_aequitas:
            continue
        python = aequitas_python if spec["worker"] == "aequitas" else sys.executable
        side_file = None
        if spec.get("side"):
            key = spec["worker"].split("-")[0]
            side_file = side[key] = side_dir / f"{key}.json"
        label = f"{spec['tool']}, {spec['rows']:,} rows, {spec['attributes']}"
        print(f"running {label} (x{spec['repeat']}) ...", file=sys.stderr, flush=True)
        runs = []
        busy = 0.0
        for _ in range(spec["repeat"]):
            busy = max(busy, wait_idle(args.idle_wait))
            runs.append(
                run_child(
                    python,
                    spec["worker"],
                    paths[spec["rows"]],
                    attrs=spec.get("n_attrs", 5),
                    side=side_file,
                    timeout=args.timeout,
                    env=env if spec["worker"].startswith("biasaudit") else None,
                )
            )
            if "error" in runs[-1]:
                break
        row, good = summarise_runs(spec, runs, busy)
        if good:
            walls = row["wall_all_s"]
            versions.update(good[0]["versions"])
            print(
                f"  wall {row['wall_s']:.2f} s (runs: {', '.join(f'{w:.2f}' for w in walls)}),"
                f" peak RSS {row['peak_rss_mb']:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
            if row["rows_read"] != spec["rows"]:
                print(
                    f"  WARNING: read {row['rows_read']:,} rows, expected {spec['rows']:,}",
                    file=sys.stderr,
                )
        results.append(row)

    table = fmt_table(results)
    checks = sanity_check(side)
    goals = targets(results)
    info = machine()
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    host = (
        f"{info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB RAM, "
        f"Python {info['python']}, {info['os']}"
    )
    vers = ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))
    if fingerprint and src_fingerprint() != fingerprint:
        commit += "; WARNING: src/ changed during the run, numbers may mix versions"
    notes = [
        "wall s: median of the runs, from the start of reading the Parquet file to the "
        "finished result; library imports not included. peak RSS: maximum resident set "
        "size of the tool's own process (os.wait4 ru_maxrss), imports included.",
        "CPU s: user + system CPU time of the same span (median); above wall s when the tool "
        "uses both cores.",
        f"biasaudit rows and the floor: {args.repeat} runs each; MetricFrame and Aequitas: 1 run.",
        f"Before each run the script waits (up to {args.idle_wait:.0f} s) until other processes "
        f"use under {BUSY} cores; rows marked * were measured while more were busy.",
        "Ratios are against biasaudit(duckdb) on the same file, which does more work "
        f"({len(GROUPS)} attributes + {len(PAIRS)} pairwise intersections, 15 metrics) than "
        "the rows it is compared with.",
    ]

    sys.stderr.flush()
    print()
    print(f"biasaudit benchmark, {stamp}; {host}")
    print(f"versions: {vers}")
    print(f"biasaudit commit: {commit}")
    print()
    print(render_text(table))
    if any(r.get("busy_cores_before", 0) > BUSY for r in results):
        print(f"* measured while other processes kept more than {BUSY} cores busy")
    print()
    for line in checks:
        print(line)
    print()
    for line in goals:
        print(line)
    for r in results:
        if "error" in r:
            print(f"failed: {r['tool']}, {r['rows']:,} rows, {r['attributes']}: {r['error']}")

    if not args.no_write:
        md = [
            "# Benchmark results",
            "",
            f"- date: {stamp}",
            f"- machine: {host}",
            f"- versions: {vers}",
            f"- biasaudit commit: {commit}",
            "- command: `python benchmarks/run.py " + " ".join(sys.argv[1:]) + "`",
            "",
            render_md(table),
            "",
            *[f"- {n}" for n in notes],
            "",
            "## Same numbers as biasaudit (sanity check)",
            "",
            *[f"- {line}" for line in checks],
            "",
            "## Targets",
            "",
            *[f"- {line}" for line in goals],
            "",
        ]
        failed = [r for r in results if "error" in r]
        if failed:
            md += ["## Failed runs", ""]
            md += [
                f"- {r['tool']}, {r['rows']:,} rows, {r['attributes']}: {r['error']}"
                for r in failed
            ]
            md.append("")
        args.output.write_text("\n".join(md), encoding="utf-8")
        DATA_DIR.mkdir(exist_ok=True)
        (DATA_DIR / "results.json").write_text(
            json.dumps(
                {
                    "date": stamp,
                    "machine": info,
                    "versions": versions,
                    "commit": commit,
                    "results": results,
                },
                indent=2,
            )
        )
        print(f"\nwrote {args.output}", file=sys.stderr)
    return 0


def summarise_runs(
    spec: dict[str, Any], runs: list[dict[str, Any]], busy: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One result row from the repeated runs of a case: medians of the successful runs
    (the largest peak memory), or the error of the failed one. Also returns the
    successful runs (empty when one failed)."""
    row = {k: v for k, v in spec.items() if k != "side"}
    row["busy_cores_before"] = round(busy, 2)
    if busy > BUSY:
        print(f"  note: {busy:.1f} cores were busy with other work before a run", file=sys.stderr)
    good = [r for r in runs if "error" not in r]
    if len(good) < len(runs):
        row.update(error=runs[-1]["error"], peak_rss_mb=runs[-1]["peak_rss_mb"])
        print(f"  FAILED: {row['error']}", file=sys.stderr)
        return row, []
    walls = [r["wall_s"] for r in good]
    row.update(
        wall_s=statistics.median(walls),
        wall_all_s=walls,
        cpu_s=statistics.median(r["cpu_s"] for r in good),
        peak_rss_mb=max(r["peak_rss_mb"] for r in good),
        vm_hwm_mb=max(r["vm_hwm_mb"] or 0 for r in good),
        import_s=statistics.median(r["import_s"] for r in good),
        process_s=statistics.median(r["process_s"] for r in good),
        rows_read=good[0]["rows_read"],
        table_rows=good[0]["table_rows"],
    )
    for extra in ("ranged_rows", "data_shape", "imported_from"):
        if extra in good[0]:
            row[extra] = good[0][extra]
    return row, good


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark biasaudit against other tools.")
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of biasaudit and the DuckDB floor (median reported)",
    )
    parser.add_argument(
        "--metricframe-max-rows",
        type=int,
        default=1_000_000,
        help="skip MetricFrame above this many rows (it is slow)",
    )
    parser.add_argument(
        "--aequitas-attrs",
        type=int,
        nargs="*",
        default=[3, 5],
        help="numbers of attributes to run Aequitas with (none to skip)",
    )
    parser.add_argument("--aequitas-python", type=Path, default=AEQUITAS_PYTHON)
    parser.add_argument(
        "--check-rows",
        type=int,
        default=1_000_000,
        help="file on which biasaudit is compared with fairlearn/Aequitas",
    )
    parser.add_argument(
        "--code",
        default="worktree",
        help="biasaudit to measure: the installed work tree (default) or a git revision "
        "(e.g. HEAD), extracted to a temporary folder so edits in progress cannot interfere",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per process")
    parser.add_argument(
        "--idle-wait",
        type=float,
        default=120,
        help="seconds to wait for other processes to go quiet before each run",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_MD)
    parser.add_argument("--no-write", action="store_true", help="print only")
    # Internal: run one measurement in this process.
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--attrs", type=int, default=5, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--side", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args)
    return parent_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
