"""Benchmark records in PostgreSQL: biasaudit's aggregation pass against the server's
own GROUP BY over the same groupings (issue 16).

The disclosure benchmark's shape (``disclosure.py``: 5 attributes of 2, 5, 8, 12 and
30 groups, full labels) is loaded into a throwaway PostgreSQL cluster (the tests'
``pg_server.py``: Debian's ``postgresql``, a free local port) as table ``decisions``.
Then, each in a fresh Python process, in one run:

1. ``floor``: PostgreSQL's own GROUP BY, one query per grouping (the 5 attributes and
   the 10 pairs: 15), each returning count, sum of the flag, of the outcome and of
   flag x outcome into a pandas frame (psycopg); ``scan``: one GROUP BY of the 5
   attributes, the flag and the outcome together (the single scan the pass asks for);
2. ``pass``: biasaudit's aggregation pass, from opening ``[data] url`` + ``table`` to
   the count tables in Python (``counts.aggregate``): the query the server runs and
   the small table that comes back;
3. ``audit``: the whole ``biasaudit.audit()`` (metrics, tests, disclosure control of
   the 15 groupings) on the same table, beside them.

Reported: wall seconds (median of ``--repeat``), the peak resident memory of the
Python process (``ru_maxrss``), the peak memory of the server while it ran (the sum
of the proportional set sizes of the cluster's processes, so shared buffers count
once, sampled every 50 ms, less the idle server's) and the ratio to the floor.

Usage::

    python benchmarks/sql.py --rows 10000000
    python benchmarks/sql.py --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # pg_server: the tests' throwaway cluster

import pg_server  # noqa: E402
from disclosure import GROUPS, PAIRS, data_path, make_file  # noqa: E402

TABLE = "decisions"
ROLES = {"flagged": "flagged", "outcome": "outcome_full"}
KINDS = ("floor", "scan", "pass", "audit")
LABEL = {
    "floor": "PostgreSQL GROUP BY, 15 groupings (floor)",
    "scan": "PostgreSQL GROUP BY all 5 at once (one scan)",
    "pass": "aggregation pass: query to count tables",
    "audit": "biasaudit.audit() on the table (whole run)",
}


def load(server: pg_server.Server, path: Path) -> float:
    """Copy the Parquet file into table ``decisions`` (COPY, CSV in batches); seconds."""
    import psycopg
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    start = time.perf_counter()
    columns = ", ".join(f"{g} text" for g in GROUPS)
    with psycopg.connect(**_params(server)) as con:
        con.execute(
            f"DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} ({columns}, flagged "
            "smallint, investigated smallint, outcome smallint, outcome_full smallint)"
        )
        names = [*GROUPS, "flagged", "investigated", "outcome", "outcome_full"]
        with con.cursor().copy(f"COPY {TABLE} ({', '.join(names)}) FROM STDIN (FORMAT csv)") as cp:
            for batch in pq.ParquetFile(path).iter_batches(500_000, columns=names):
                buf = io.BytesIO()
                options = pacsv.WriteOptions(include_header=False)
                pacsv.write_csv(pa.Table.from_batches([batch]), buf, write_options=options)
                cp.write(buf.getvalue())
        con.execute(f"ANALYZE {TABLE}")
    return time.perf_counter() - start


def _params(server: pg_server.Server) -> dict[str, Any]:
    return {
        "host": server.host,
        "port": server.port,
        "user": pg_server.USER,
        "password": pg_server.PASSWORD,
        "dbname": pg_server.DATABASE,
    }


# ------------------------------------------------------------------ child processes


def child_floor(url: str) -> dict[str, Any]:
    import pandas as pd
    import psycopg

    start = time.perf_counter()
    cells = 0
    with psycopg.connect(url) as con:
        for keys in [[g] for g in GROUPS] + PAIRS:
            cols = ", ".join(keys)
            rows = con.execute(
                f"SELECT {cols}, count(*), sum(flagged), sum(outcome_full), "
                f"sum(flagged * outcome_full) FROM {TABLE} GROUP BY {cols}"
            ).fetchall()
            frame = pd.DataFrame(rows, columns=[*keys, "n", "flagged", "outcome", "tp"])
            cells += len(frame)
    return {"seconds": time.perf_counter() - start, "cells": cells}


def child_scan(url: str) -> dict[str, Any]:
    """One GROUP BY of the 5 attributes, the flag and the outcome together: the one
    scan biasaudit's pass asks for, written by hand."""
    import pandas as pd
    import psycopg

    start = time.perf_counter()
    keys = [*GROUPS, "flagged", "outcome_full"]
    with psycopg.connect(url) as con:
        cols = ", ".join(keys)
        rows = con.execute(f"SELECT {cols}, count(*) FROM {TABLE} GROUP BY {cols}").fetchall()
        frame = pd.DataFrame(rows, columns=[*keys, "n"])
    return {"seconds": time.perf_counter() - start, "cells": len(frame)}


def child_pass(url: str) -> dict[str, Any]:
    import ibis  # imported before the clock starts, as psycopg for the floor

    from biasaudit.audits._audit import open_spec_records
    from biasaudit.counts import aggregate
    from biasaudit.io import Database
    from biasaudit.spec import make_spec

    ibis.postgres  # noqa: B018 (loads the backend)
    spec = make_spec(roles=ROLES, groups=GROUPS, intersections=PAIRS)
    start = time.perf_counter()
    records = open_spec_records(Database(url, table=TABLE), spec)
    agg = aggregate(records, spec)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": agg.ledger.rows_read, "cells": len(agg.counts.table)}


def child_audit(url: str) -> dict[str, Any]:
    import warnings

    import ibis

    import biasaudit
    from biasaudit.io import Database

    ibis.postgres  # noqa: B018 (loads the backend before the clock starts)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rates of empty cells
        result = biasaudit.audit(
            Database(url, table=TABLE), roles=ROLES, groups=GROUPS, intersections=PAIRS
        )
    return {"seconds": time.perf_counter() - start, "rows": result.ledger.rows_read}


def child_main(kind: str, url: str) -> int:
    work = {"floor": child_floor, "scan": child_scan, "pass": child_pass, "audit": child_audit}
    out = work[kind](url)
    out["python_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
    return 0


# ------------------------------------------------------------------ the parent


def _cluster_pids(server: pg_server.Server) -> list[int]:
    """The postmaster and its children (backends, parallel workers, ...)."""
    head = int((server.data / "postmaster.pid").read_text().split()[0])
    pids = [head]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as fh:
                    parent = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == head:
                pids.append(int(entry))
    return pids


def _pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total / 1024


class ServerMemory:
    """Peak PSS of the cluster's processes while a child runs (a sampling thread)."""

    def __init__(self, server: pg_server.Server) -> None:
        self.server = server
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _pss_mb(_cluster_pids(self.server)))
            self._stop.wait(0.05)

    def __enter__(self) -> ServerMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_child(kind: str, server: pg_server.Server, url: str) -> dict[str, Any]:
    idle = _pss_mb(_cluster_pids(server))
    with ServerMemory(server) as memory:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--url", url],
            capture_output=True,
            text=True,
            env={**os.environ, "PGPASSWORD": pg_server.PASSWORD},
            check=False,
        )
    if proc.returncode:
        raise RuntimeError(f"{kind} failed:\n{proc.stderr}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["server_peak_mb"] = max(memory.peak - idle, 0.0)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--data", type=Path, default=None, help="the Parquet file (default: made)")
    p.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    p.add_argument("--url", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child_main(args.child, args.url)
    path = args.data or data_path(args.rows)
    if not path.is_file():
        print(f"making {path} ...", flush=True)
        path = make_file(args.rows)
    server = pg_server.start("-c shared_buffers=256MB -c work_mem=64MB")
    print(f"loading {args.rows:,} rows into PostgreSQL ...", flush=True)
    print(f"  loaded in {load(server, path):.1f} s", flush=True)
    url = server.url
    results: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    for _ in range(args.repeat):
        for kind in KINDS:  # interleaved, so a change of load touches each alike
            results[kind].append(run_child(kind, server, url))
    floor = statistics.median(r["seconds"] for r in results["floor"])
    print()
    print(
        f"PostgreSQL, {args.rows:,} rows in a table, {server.bin.parent.name} "
        f"(median of {args.repeat})"
    )
    head = f"{'what':<46} {'wall s':>8} {'x floor':>8} {'Python MB':>10} {'server MB':>10}"
    print(head)
    print("-" * len(head))
    for kind in KINDS:
        runs = results[kind]
        wall = statistics.median(r["seconds"] for r in runs)
        py = max(r["python_peak_mb"] for r in runs)
        srv = max(r["server_peak_mb"] for r in runs)
        print(f"{LABEL[kind]:<46} {wall:>8.2f} {wall / floor:>8.2f} {py:>10.0f} {srv:>10.0f}")
    rows = {r.get("rows") for k in ("pass", "audit") for r in results[k]}
    assert rows == {args.rows}, rows
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
