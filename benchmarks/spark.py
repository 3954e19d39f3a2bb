"""Benchmark the one aggregation pass on Spark (issue 16) against Spark's own GROUP BY.

The shape of disclosure.py / full_run.py: decision records with 5 protected attributes
(2, 5, 8, 12 and 30 groups) and their 10 pairwise intersections, selective labels
(``flagged``, ``investigated``, ``outcome``), read from
``benchmarks/_data/disclosure_<rows>.parquet`` (make it with ``disclosure.py``) by a
local Spark (``local[*]``). Each row is its own fresh process (Python and its JVM);
the Spark session is started before the clock starts, so every row pays Spark's
start-up alike and none of it is timed:

- ``floor``: Spark's own ``GROUP BY GROUPING SETS`` for the 15 groupings (5 attributes
  + 10 pairs) x the label cells, collected to pandas: what any tool has to ask Spark;
- ``cells``: one ``GROUP BY`` of the 5 attributes x the label cells (the finest
  cells, from which every grouping is a sum), collected to pandas;
- ``pass``: biasaudit's pass: ``open_records`` + ``aggregate`` (the Spark job, then the
  count tables built in Python), i.e. query to count tables;
- ``audit``: ``biasaudit.audit(spark_df, ...)``: the pass plus every metric, interval,
  test and disclosure control (no report files).

Reported per row: wall seconds (median of ``--repeat``), peak resident memory of the
Python process (VmHWM) and, separately, of Spark's JVM (the driver, which in local
mode runs the executors too), and the ratio to the floor.

Usage::

    python benchmarks/spark.py --rows 10000000 --repeat 3

Prints a table only (it does not edit results.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from itertools import combinations
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "_data"
GROUPS = ["gender", "age_band", "household", "nationality", "neighbourhood"]
PAIRS = [list(p) for p in combinations(GROUPS, 2)]
ROLES = {"flagged": "flagged", "investigated": "investigated", "outcome": "outcome"}
KINDS = ("floor", "cells", "pass", "audit")
LABEL = {
    "floor": "Spark GROUP BY GROUPING SETS, 15 groupings (floor)",
    "cells": "Spark GROUP BY all 5 attributes x labels (one query)",
    "pass": "biasaudit pass: query to count tables",
    "audit": "biasaudit.audit(spark_df): every metric, no report",
}


def _hwm_mb(pid: int | str = "self") -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _jvm_pid() -> int | None:
    """Spark's JVM: the java process among this process's descendants."""
    import psutil

    for child in psutil.Process().children(recursive=True):
        try:
            if "java" in child.name():
                return int(child.pid)
        except psutil.Error:
            continue
    return None


def work(kind: str, path: str, memory: str) -> dict[str, Any]:
    import warnings

    warnings.simplefilter("ignore")  # empty intersection cells; pyspark's pandas note
    os.environ.setdefault("BIASAUDIT_SPARK_DRIVER_MEMORY", memory)
    from biasaudit.io._spark import spark_session

    spark = spark_session()  # started before the clock: not timed
    jvm = _jvm_pid()
    t0 = time.perf_counter()
    if kind == "floor":
        cells = list(ROLES.values())
        sets = ", ".join(f"({', '.join([*g, *cells])})" for g in [[g] for g in GROUPS] + PAIRS)
        spark.read.parquet(path).createOrReplaceTempView("decisions")
        out = spark.sql(
            f"SELECT {', '.join([*GROUPS, *cells])}, count(*) AS n FROM decisions "
            f"GROUP BY GROUPING SETS ({sets})"
        ).toPandas()
        rows = len(out)
    elif kind == "cells":
        cols = ", ".join([*GROUPS, *ROLES.values()])
        spark.read.parquet(path).createOrReplaceTempView("decisions")
        out = spark.sql(f"SELECT {cols}, count(*) AS n FROM decisions GROUP BY {cols}").toPandas()
        rows = len(out)
    elif kind == "pass":
        from biasaudit.audits._audit import open_spec_records
        from biasaudit.counts import aggregate
        from biasaudit.spec import make_spec

        spec = make_spec(roles=ROLES, groups=GROUPS, intersections=PAIRS)
        records = open_spec_records(path, spec, engine="spark")
        agg = aggregate(records, spec)
        rows = len(agg.counts.table)
    else:
        import biasaudit

        result = biasaudit.audit(
            spark.read.parquet(path), roles=ROLES, groups=GROUPS, intersections=PAIRS
        )
        rows = len(result.table)
    wall = time.perf_counter() - t0
    return {
        "wall_s": wall,
        "python_mb": _hwm_mb(),
        "jvm_mb": _hwm_mb(jvm) if jvm else None,
        "table_rows": rows,
        "spark": spark.version,
    }


def run_one(kind: str, path: Path, memory: str, timeout: float) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--path", str(path), "--memory", memory],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, nargs="+", default=[10_000_000])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--memory", default="4g", help="Spark driver memory (local mode)")
    p.add_argument("--timeout", type=float, default=1800)
    p.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where the Parquet files are")
    p.add_argument("--worker", choices=KINDS, help=argparse.SUPPRESS)
    p.add_argument("--path", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(work(args.worker, args.path, args.memory)))
        return
    print(
        f"{'rows':>12}  {'what':<52} {'wall s':>8} {'x floor':>8} {'Python MB':>10} {'JVM MB':>8}"
    )
    for n in args.rows:
        path = args.data_dir / f"disclosure_{n}.parquet"
        if not path.is_file():
            raise SystemExit(f"{path} is missing: python benchmarks/disclosure.py --sizes {n}")
        runs: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
        for _ in range(args.repeat):  # round robin: a change of load touches every row
            for kind in KINDS:
                runs[kind].append(run_one(kind, path, args.memory, args.timeout))
        floor = None
        for kind in KINDS:
            ok = [r for r in runs[kind] if "error" in r] == []
            if not ok:
                print(f"{n:>12,}  {LABEL[kind]:<52} error: {runs[kind][0].get('error')}")
                continue
            wall = statistics.median(r["wall_s"] for r in runs[kind])
            floor = wall if kind == "floor" else floor
            py = max(r["python_mb"] or 0 for r in runs[kind])
            jvm = max(r["jvm_mb"] or 0 for r in runs[kind])
            ratio = f"{wall / floor:.2f}" if floor else "-"
            print(f"{n:>12,}  {LABEL[kind]:<52} {wall:>8.1f} {ratio:>8} {py:>10.0f} {jvm:>8.0f}")
        print(f"spark {runs['floor'][0].get('spark')}, {args.repeat} runs each, median wall")


if __name__ == "__main__":
    main()
