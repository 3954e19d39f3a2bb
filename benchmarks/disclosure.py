"""Benchmark disclosure control at scale (issue 13): many small intersection cells.

The shape: decision records with 5 protected attributes of 2, 5, 8, 12 and 30 groups
(skewed sizes: a few large groups, long tails of small ones), all 10 pairwise
intersections, in two label designs read from the same file:

- selective labels: the outcome is known only for the investigated (80% of the
  flagged); ``roles = flagged, investigated, outcome``;
- full labels: the outcome is known for everyone; ``roles = flagged, outcome_full``.

For each size and design, each measurement runs in its own subprocess with a timeout
and a resident-memory cap; a crash (a signal such as SIGSEGV), a timeout or the
memory cap is reported as such, never taken down with the benchmark:

- ``cli``: ``biasaudit audit config.toml`` (engine duckdb) as a user runs it, from the
  command to the finished report folder (interpreter start and imports included);
- ``audit``: ``biasaudit.audit(path, ..., engine=...)`` and ``result.table``, no report;
- ``disclosure``: the disclosure-control step alone (see :func:`capture_disclosure`),
  on the counts and results table of the same audit, timed inside the process;
- ``floor``: DuckDB's own ``GROUP BY GROUPING SETS`` for the 15 groupings (5
  attributes + 10 pairs) x the label cells: the one pass an engine has to make.

Usage::

    python benchmarks/disclosure.py                      # 200k and 2M rows
    python benchmarks/disclosure.py --sizes 200000 2000000 10000000 --timeout 900

Prints a table (wall s, peak RSS MB, ratio to the DuckDB floor of the same file and
design, the disclosure step's own seconds, rows suppressed) and, unless
``--no-write``, replaces (or appends) its section of ``benchmarks/results.md``. The
data goes to ``benchmarks/_data/disclosure_<rows>.parquet`` (git-ignored). See
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from itertools import combinations
from pathlib import Path
from typing import Any

# run.py's helpers, standard library only (benchmarks/ is on sys.path: this is a script).
from run import (
    BUSY,
    DATA_DIR,
    RESULTS_MD,
    _version,
    _vm_hwm_mb,
    git_state,
    machine,
    render_text,
    snapshot,
    src_fingerprint,
    wait_idle,
)

HERE = Path(__file__).resolve().parent
#: Version of the data files' layout: a file written by another version is rewritten.
GENERATOR_VERSION = "1"
DEFAULT_SEED = 20240601  # make_data.py's default
DEFAULT_SIZES = [200_000, 2_000_000]
SECTION_HEADING = "## Disclosure control at scale (issue 13)"

#: name -> (levels, geometric ratio of successive group shares). Each attribute's
#: shares fall off geometrically, so every attribute has large groups and a tail of
#: small ones, and the pairs (up to 12 x 30 = 360 cells) have many cells of a few
#: people at every size from 200k to 10M rows.
ATTRIBUTES: dict[str, tuple[list[str], float]] = {
    "gender": (["female", "male"], 0.7),
    "age_band": (["30-44", "45-64", "18-29", "65-79", "80+"], 0.45),
    "household": ([f"household_{i}" for i in range(1, 9)], 0.45),
    "nationality": ([f"nationality_{i:02d}" for i in range(1, 13)], 0.45),
    "neighbourhood": ([f"district_{i:02d}" for i in range(1, 31)], 0.78),
}
GROUPS = list(ATTRIBUTES)
PAIRS = [list(p) for p in combinations(GROUPS, 2)]
#: Share of the flagged that were investigated (selective labels: outcome known only
#: for them).
INVESTIGATED_SHARE = 0.8
DESIGNS = {
    "selective": {"flagged": "flagged", "investigated": "investigated", "outcome": "outcome"},
    "full": {"flagged": "flagged", "outcome": "outcome_full"},
}
DESIGN_LABEL = {"selective": "selective labels", "full": "full labels"}
#: Rows of the table, in the order run; "cli0" (the CLI with min_cell = 0) and "five"
#: (the five attributes' 5-way intersection instead of the pairs) only on request.
KINDS = ("floor", "audit0", "disclosure", "audit", "cli", "cli0", "five")
DEFAULT_KINDS = ("floor", "audit0", "disclosure", "audit", "cli")
#: Rows that contain the disclosure step (not run when the step alone failed).
WITH_STEP = ("audit", "cli")
KIND_LABEL = {
    "cli": "biasaudit audit config.toml (CLI, duckdb)",
    "cli0": "CLI, min_cell = 0: no disclosure control",
    "audit": "biasaudit.audit() ({engine})",
    "audit0": "biasaudit.audit(min_cell=0) ({engine}): no disclosure control",
    "disclosure": "disclosure step alone ({engine})",
    "floor": "DuckDB GROUP BY, 15 groupings (floor)",
    "five": "biasaudit.audit() ({engine}), the 5-way intersection (28,800 cells)",
}


def shares(k: int, ratio: float) -> list[float]:
    raw = [ratio**i for i in range(k)]
    total = sum(raw)
    return [r / total for r in raw]


def data_path(rows: int, data_dir: Path = DATA_DIR) -> Path:
    return data_dir / f"disclosure_{rows}.parquet"


# --------------------------------------------------------------------------- data


def _chunk(rng: Any, n: int) -> Any:
    """``n`` records: attributes, flagged, investigated, outcome (selective), outcome_full."""
    import numpy as np
    import pyarrow as pa

    # fixed per-level effects (not drawn from the data's stream: same at every size)
    effects = np.random.default_rng(13)
    codes, flag_logit = {}, np.full(n, -2.8)
    out_logit = np.full(n, -2.6)
    for name, (levels, ratio) in ATTRIBUTES.items():
        cum = np.cumsum(shares(len(levels), ratio))
        cum[-1] = 1.0
        codes[name] = np.searchsorted(cum, rng.random(n), side="right").astype(np.int8)
        flag_eff = effects.normal(0.0, 0.35, len(levels))
        out_eff = effects.normal(0.0, 0.15, len(levels))
        flag_eff[0] = out_eff[0] = 0.0
        flag_logit += flag_eff[codes[name]]
        out_logit += out_eff[codes[name]]
    outcome = rng.random(n) < 1 / (1 + np.exp(-out_logit))
    flag_logit += 1.5 * outcome
    flagged = rng.random(n) < 1 / (1 + np.exp(-flag_logit))
    investigated = flagged & (rng.random(n) < INVESTIGATED_SHARE)
    columns = [
        pa.DictionaryArray.from_arrays(pa.array(codes[name]), pa.array(levels)).cast(pa.string())
        for name, (levels, _) in ATTRIBUTES.items()
    ]
    columns += [
        pa.array(flagged.astype(np.int8)),
        pa.array(investigated.astype(np.int8)),
        pa.array(outcome.astype(np.int8), mask=~investigated),  # null: not investigated
        pa.array(outcome.astype(np.int8)),
    ]
    names = [*GROUPS, "flagged", "investigated", "outcome", "outcome_full"]
    return pa.Table.from_arrays(columns, names=names)


def make_file(rows: int, seed: int = DEFAULT_SEED, *, force: bool = False) -> Path:
    """Write ``rows`` records to Parquet chunk by chunk (kept when already current)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    from make_data import CHUNK_ROWS, ROW_GROUP_ROWS

    path = data_path(rows)
    meta = {
        "biasaudit_disclosure_seed": str(seed),
        "biasaudit_disclosure_version": GENERATOR_VERSION,
    }
    if path.is_file() and not force:
        try:
            found = pq.read_metadata(path)
            kv = {k.decode(): v.decode() for k, v in (found.metadata or {}).items()}
            if found.num_rows == rows and all(kv.get(k) == v for k, v in meta.items()):
                return path
        except (OSError, pa.ArrowInvalid):
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    t0 = time.perf_counter()
    streams = np.random.SeedSequence([seed, rows, 13]).spawn(-(-rows // CHUNK_ROWS))
    writer = None
    done = 0
    for stream in streams:
        n = min(CHUNK_ROWS, rows - done)
        table = _chunk(np.random.default_rng(stream), n)
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema.with_metadata(meta), compression="snappy")
        writer.write_table(table.replace_schema_metadata(meta), row_group_size=ROW_GROUP_ROWS)
        done += n
    assert writer is not None
    writer.close()
    tmp.replace(path)
    print(f"wrote {path} ({rows:,} rows) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return path


def describe_file(path: Path) -> dict[str, Any]:
    """How many pair cells are empty / small (1-9 people) / larger, and the flagged share."""
    import duckdb

    con = duckdb.connect()
    out: dict[str, Any] = {}
    small = empty = total = 0
    for a, b in PAIRS:
        cells = con.execute(
            f"SELECT {a}, {b}, count(*) AS n FROM read_parquet(?) GROUP BY ALL", [str(path)]
        ).fetchall()
        k = len(ATTRIBUTES[a][0]) * len(ATTRIBUTES[b][0])
        total += k
        empty += k - len(cells)
        small += sum(1 for *_, n in cells if n < 10)
    out["pair_cells"], out["pair_cells_empty"], out["pair_cells_1_9"] = total, empty, small
    out["flagged_share"] = con.execute(
        "SELECT avg(flagged) FROM read_parquet(?)", [str(path)]
    ).fetchone()[0]
    return out


# --------------------------------------------------------------------------- workers
# Each worker runs in a fresh interpreter and writes a JSON result; it writes a
# "phase" file before long steps so that the parent can tell where a crash happened.


def _phase(args: argparse.Namespace, text: str) -> None:
    if args.phase:
        Path(args.phase).write_text(f"{text}\n{time.time()}")


def _reset_peak() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def capture_disclosure() -> tuple[Any, list[tuple[tuple[Any, ...], dict[str, Any]]]]:
    """Replace the audit's disclosure step by a recorder; return (original, calls).

    **Adapt here** when the disclosure API changes. Today ``audits._audit`` calls
    ``_suppress(table, counts, spec)`` once, after ``compute_metrics``, and it marks
    ``table["suppressed"]`` (calling ``biasaudit.disclosure.mark_results``). The recorder
    keeps the arguments of every call untouched, so the step can then be replayed
    alone, and timed, on exactly the inputs the audit gives it.
    """
    import biasaudit.audits._audit as audit_module

    original = audit_module._suppress
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def record(*a: Any, **kw: Any) -> None:
        calls.append((a, kw))
        if a and hasattr(a[0], "assign"):  # a results table: leave it publishable-looking
            a[0]["suppressed"] = False

    audit_module._suppress = record
    return original, calls


def time_disclosure(phase: Any) -> dict[str, float]:
    """Wrap the audit's disclosure step with a timer (for the audit and CLI rows)."""
    import biasaudit.audits._audit as audit_module

    original = audit_module._suppress
    spent = {"disclosure_s": 0.0}

    def timed(*a: Any, **kw: Any) -> Any:
        phase("disclosure step")
        t0 = time.perf_counter()
        try:
            return original(*a, **kw)
        finally:
            spent["disclosure_s"] += time.perf_counter() - t0
            phase("after the disclosure step")

    audit_module._suppress = timed
    return spent


def _suppressed(table: Any) -> int:
    return int(table["suppressed"].sum()) if "suppressed" in table else -1


def work(args: argparse.Namespace) -> dict[str, Any]:
    import warnings

    warnings.simplefilter("ignore")  # empty intersection cells: UndefinedRateWarning
    design = DESIGNS[args.design]
    path = args.path
    if args.worker == "floor":
        import duckdb

        cells = list(design.values())  # the label columns of this design
        sets = (
            ", ".join(f"({', '.join([g, *cells])})" for g in GROUPS)
            + ", "
            + ", ".join(f"({', '.join([a, b, *cells])})" for a, b in PAIRS)
        )
        t0 = time.perf_counter()
        con = duckdb.connect()
        out = con.execute(
            f"SELECT {', '.join([*GROUPS, *cells])}, count(*) AS n FROM read_parquet(?) "
            f"GROUP BY GROUPING SETS ({sets})",
            [path],
        ).df()
        return {
            "wall_s": time.perf_counter() - t0,
            "table_rows": len(out),
            "versions": {"duckdb": duckdb.__version__},
        }

    import biasaudit

    phase = lambda text: _phase(args, text)  # noqa: E731
    common = {
        "roles": design,
        "groups": GROUPS,
        "intersections": PAIRS,
        "engine": args.engine,
    }
    if args.worker == "audit0":
        common["min_cell"] = 0
    if args.worker == "five":  # one block of 2 x 5 x 8 x 12 x 30 linked cells
        common["intersections"] = [list(GROUPS)]
    versions = {"biasaudit": biasaudit.__version__, args.engine: _version(args.engine)}
    where = str(Path(biasaudit.__file__).parent)
    if args.worker == "disclosure":
        original, calls = capture_disclosure()
        phase("audit without disclosure (preparing the step's inputs)")
        t_prep = time.perf_counter()
        biasaudit.audit(path, **common)
        prep_s = time.perf_counter() - t_prep
        if not calls:
            raise SystemExit("the audit never called _audit._suppress: adapt capture_disclosure")
        before_mb = (_vm_hwm_mb() or 0.0) if _reset_peak() else None
        phase("disclosure step")
        t0, c0 = time.perf_counter(), time.process_time()
        for a, kw in calls:
            original(*a, **kw)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        table = calls[0][0][0]
        step_peak = _vm_hwm_mb() if before_mb is not None else None
        return {
            "wall_s": wall,
            "cpu_s": cpu,
            "prep_s": prep_s,
            "step_peak_mb": step_peak,
            "rss_before_step_mb": before_mb,
            "table_rows": len(table),
            "suppressed": _suppressed(table),
            "versions": versions,
            "imported_from": where,
        }
    spent = time_disclosure(phase)
    if args.worker in ("audit", "audit0", "five"):
        phase("audit")
        t0, c0 = time.perf_counter(), time.process_time()
        result = biasaudit.audit(path, **common)
        table = result.table
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        return {
            "wall_s": wall,
            "cpu_s": cpu,
            "disclosure_s": spent["disclosure_s"],
            "table_rows": len(table),
            "suppressed": _suppressed(table),
            "data_shape": result.data_shape,
            "rows_read": result.ledger.rows_read,
            "versions": versions,
            "imported_from": where,
        }
    if args.worker in ("cli", "cli0"):  # the parent times the whole process: command to report
        from biasaudit.cli import main

        phase("biasaudit audit")
        out_dir = Path(args.config).parent / "report"
        code = main(["audit", args.config, "--out", str(out_dir)])
        if code != 0:
            raise SystemExit(f"biasaudit audit exited with {code}")
        csv = out_dir / "results.csv"
        if not csv.is_file():
            raise SystemExit("biasaudit audit wrote no results.csv")
        import csv as csv_module

        with open(csv, newline="", encoding="utf-8") as fh:
            rows = list(csv_module.DictReader(fh))
        return {
            "disclosure_s": spent["disclosure_s"],
            "table_rows": len(rows),
            "suppressed": sum(r.get("suppressed") in ("True", "true", "1") for r in rows),
            "versions": versions,
            "imported_from": where,
        }
    raise SystemExit(f"unknown worker {args.worker!r}")


def worker_main(args: argparse.Namespace) -> int:
    import faulthandler

    faulthandler.enable()  # a segfault prints the Python stack to stderr
    faulthandler.register(signal.SIGUSR1)  # so does the parent, before killing a timeout
    out = work(args)
    out["vm_hwm_mb"] = _vm_hwm_mb()
    Path(args.result).write_text(json.dumps(out))
    return 0


# --------------------------------------------------------------------------- parent


def config_text(path: Path, design: str, min_cell: int = 10) -> str:
    """The TOML file of the CLI rows (min_cell 10 is the default, left out)."""
    roles = "\n".join(f'{k} = "{v}"' for k, v in DESIGNS[design].items())
    names = ", ".join(f'"{g}"' for g in GROUPS)
    pairs = ", ".join("[" + ", ".join(f'"{x}"' for x in p) + "]" for p in PAIRS)
    stats = f"\n[stats]\nmin_cell = {min_cell}\n" if min_cell != 10 else ""
    return (
        f'[data]\npath = "{path}"\nengine = "duckdb"\n\n[roles]\n{roles}\n\n'
        f"[groups]\nattributes = [{names}]\nintersections = [{pairs}]\n{stats}"
    )


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _frame(line: str) -> str:
    """'File "/x/_disclosure.py", line 250 in _row_basis' -> '_row_basis (_disclosure.py:250)'."""
    path, _, rest = line.strip().removeprefix('File "').partition('", line ')
    number, _, function = rest.partition(" in ")
    return f"{function} ({Path(path).name}:{number})"


def _fault_location(text: str) -> str:
    """Where a faulthandler dump (a crash, or SIGUSR1 before a timeout's kill) says the
    main thread was: its innermost frame, and the innermost one in biasaudit."""
    lines = text.splitlines()
    heads = [
        i
        for i, line in enumerate(lines)
        if line.startswith(("Stack (most recent", "Current thread", "Thread 0x"))
    ]
    if not heads:
        return ""
    frames = []
    for line in lines[heads[-1] + 1 :]:
        if not line.strip().startswith("File "):
            break
        frames.append(line)
    if not frames:
        return ""
    where = f"in {_frame(frames[0])}"
    ours = next((f for f in frames if "/biasaudit/" in f), None)
    if ours is not None and ours is not frames[0]:
        where += f" called from {_frame(ours)}"
    return where


def run_child(
    spec: dict[str, Any], *, timeout: float, max_rss_mb: float, env: dict[str, str]
) -> dict[str, Any]:
    """Run one worker; its wall time, peak RSS (os.wait4) and how it ended."""
    with tempfile.TemporaryDirectory(prefix="biasaudit-disclosure-") as tmp:
        tmpdir = Path(tmp)
        result, log, phase = tmpdir / "result.json", tmpdir / "stderr.txt", tmpdir / "phase"
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            spec["kind"],
            "--path",
            str(spec["path"]),
            "--design",
            spec["design"],
            "--engine",
            spec["engine"],
            "--result",
            str(result),
            "--phase",
            str(phase),
        ]
        if spec["kind"] in ("cli", "cli0"):
            config = tmpdir / "config.toml"
            min_cell = 0 if spec["kind"] == "cli0" else 10
            config.write_text(
                config_text(spec["path"], spec["design"], min_cell), encoding="utf-8"
            )
            cmd += ["--config", str(config)]
        killed: list[str] = []
        t0 = time.perf_counter()
        with open(log, "wb") as err:
            proc = subprocess.Popen(
                cmd, stdout=subprocess.DEVNULL, stderr=err, env=env, start_new_session=True
            )

            def watch() -> None:  # timeout and memory cap, checked every 0.2 s
                while proc.poll() is None:
                    if time.perf_counter() - t0 > timeout:
                        killed.append(f"timed out after {timeout:.0f} s")
                    elif _rss_mb(proc.pid) > max_rss_mb:
                        killed.append(f"killed: resident memory above {max_rss_mb:.0f} MB")
                    if killed:
                        try:
                            if killed[0].startswith("timed"):  # where was it? (faulthandler)
                                os.kill(proc.pid, signal.SIGUSR1)
                                time.sleep(1.0)
                            os.killpg(proc.pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                        return
                    time.sleep(0.2)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            watcher.join()
        wall = time.perf_counter() - t0
        row: dict[str, Any] = {"process_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024}
        where = ""
        if phase.is_file():
            text, _, stamp = phase.read_text().partition("\n")
            where = f" in phase '{text}' (its last {time.time() - float(stamp):.0f} s)"
        stderr = log.read_text(errors="replace")
        if killed:
            row["error"] = killed[0] + where
            row["status"] = "timeout" if killed[0].startswith("timed") else "memory cap"
            loc = _fault_location(stderr) if row["status"] == "timeout" else ""
            if loc:
                row["error"] += f", {loc}"
        elif proc.returncode < 0:
            sig = -proc.returncode
            name = signal.Signals(sig).name if sig in signal.valid_signals() else str(sig)
            row["error"] = f"crashed: {name} (exit {128 + sig})" + where
            loc = _fault_location(stderr)
            if loc:
                row["error"] += f", {loc}"
            row["status"] = "crash"
        elif proc.returncode != 0 or not result.is_file():
            tail = stderr.strip().splitlines()[-4:]
            row["error"] = f"exit {proc.returncode}: " + " | ".join(tail)
            row["status"] = "error"
        else:
            row.update(json.loads(result.read_text()))
            row["status"] = "ok"
            if spec["kind"] in ("cli", "cli0"):
                row["wall_s"] = wall  # command to report: the whole process
        return row


def plan(args: argparse.Namespace, paths: dict[int, Path]) -> list[dict[str, Any]]:
    runs = []
    for rows in args.sizes:
        for design in args.designs:
            for kind in KINDS:
                if kind not in args.kinds:
                    continue
                engines = ["duckdb"] if kind in ("cli", "cli0", "floor") else args.engines
                for engine in engines:
                    runs.append(
                        {
                            "kind": kind,
                            "rows": rows,
                            "design": design,
                            "engine": engine,
                            "path": paths[rows],
                        }
                    )
    return runs


def fmt_table(results: list[dict[str, Any]]) -> list[list[str]]:
    floors = {
        (r["rows"], r["design"]): r["wall_s"]
        for r in results
        if r["kind"] == "floor" and r["status"] == "ok"
    }
    out = [
        [
            "rows",
            "labels",
            "what",
            "wall s",
            "peak RSS MB",
            "× DuckDB floor",
            "disclosure s",
            "rows suppressed",
            "result",
        ]
    ]
    for r in results:
        what = KIND_LABEL[r["kind"]].format(engine=r["engine"])
        what += " *" if r.get("busy_cores_before", 0) > BUSY else ""
        floor = floors.get((r["rows"], r["design"]))
        if r["status"] == "ok":
            wall = f"{r['wall_s']:.2f}"
            ratio = f"{r['wall_s'] / floor:.1f}" if floor else "-"
            result = "ok"
        elif r["status"] == "skipped":
            wall, ratio, result = "-", "-", r["error"]
        else:
            wall, ratio = f"> {r['process_s']:.0f}" if r["status"] == "timeout" else "-", "-"
            result = r["error"]
        if r["kind"] == "disclosure" and r["status"] == "ok":
            disclosure = wall
        elif r.get("disclosure_s") is not None and r["status"] == "ok":
            disclosure = f"{r['disclosure_s']:.2f}"
        else:
            disclosure = "-"
        peak = f"{r['peak_rss_mb']:.0f}" if r.get("peak_rss_mb") else "-"
        if r["kind"] == "disclosure" and r.get("step_peak_mb"):
            peak += f" (step: {r['step_peak_mb']:.0f})"
        table_rows = r.get("table_rows")
        suppressed = (
            f"{r['suppressed']:,} of {table_rows:,}"
            if r.get("suppressed", -1) >= 0 and table_rows
            else "-"
        )
        out.append(
            [
                f"{r['rows']:,}",
                DESIGN_LABEL[r["design"]],
                what,
                wall,
                peak,
                ratio,
                disclosure,
                suppressed,
                result,
            ]
        )
    return out


def render_md(table: list[list[str]]) -> str:
    """Markdown table: text columns left-aligned, numbers right-aligned."""
    text = {0, 1, 2, len(table[0]) - 1}
    lines = [
        "| " + " | ".join(table[0]) + " |",
        "|" + "|".join("---" if i in text else "---:" for i in range(len(table[0]))) + "|",
    ]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in table[1:]]
    return "\n".join(lines)


def replace_section(text: str, section: str) -> str:
    """``text`` with this benchmark's section replaced (or appended)."""
    start = text.find(SECTION_HEADING)
    if start < 0:
        return text.rstrip("\n") + "\n\n" + section
    end = text.find("\n## ", start + len(SECTION_HEADING))
    rest = text[end + 1 :] if end >= 0 else ""
    return text[:start] + section + ("\n" + rest if rest else "")


def parent_main(args: argparse.Namespace) -> int:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--make-data", *map(str, args.sizes)]
    cmd += ["--seed", str(args.seed)]
    subprocess.run(cmd, check=True)  # numpy/pyarrow stay out of this process
    paths = {n: data_path(n) for n in args.sizes}
    env = {**os.environ, "PYTHONFAULTHANDLER": "1", "MPLBACKEND": "Agg"}
    if args.code == "worktree":
        commit, fingerprint = git_state(), src_fingerprint()
        src = HERE.parent / "src"
        env["PYTHONPATH"] = os.pathsep.join(
            [str(src), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    else:
        src, commit = snapshot(args.code)
        commit += " (git archive of src/, not the work tree)"
        env["PYTHONPATH"] = str(src)
        fingerprint = ""
    results: list[dict[str, Any]] = []
    failed_step: dict[tuple[int, str, str], str] = {}
    for spec in plan(args, paths):
        key = (spec["rows"], spec["design"], spec["engine"])
        row = {k: v for k, v in spec.items() if k != "path"}
        what = KIND_LABEL[spec["kind"]].format(engine=spec["engine"])
        label = f"{what}, {spec['rows']:,} rows, {DESIGN_LABEL[spec['design']]}"
        if spec["kind"] in WITH_STEP and not args.run_all:
            why = failed_step.get(key) or failed_step.get((spec["rows"], spec["design"], "duckdb"))
            if why:
                row.update(status="skipped", error=f"not run: the disclosure step alone {why}")
                print(f"skipping {label}: {row['error']}", file=sys.stderr, flush=True)
                results.append(row)
                continue
        row["busy_cores_before"] = round(wait_idle(args.idle_wait), 2)
        print(f"running {label} ...", file=sys.stderr, flush=True)
        row.update(run_child(spec, timeout=args.timeout, max_rss_mb=args.max_rss_mb, env=env))
        if row["status"] == "ok":
            extra = f", disclosure {row['disclosure_s']:.2f} s" if "disclosure_s" in row else ""
            print(
                f"  wall {row['wall_s']:.2f} s, peak RSS {row['peak_rss_mb']:.0f} MB{extra}",
                file=sys.stderr,
                flush=True,
            )
        else:
            print(f"  FAILED: {row['error']}", file=sys.stderr, flush=True)
            if spec["kind"] == "disclosure":
                failed_step[key] = {
                    "crash": "crashed",
                    "timeout": "timed out",
                    "memory cap": "hit the memory cap",
                }.get(row["status"], "failed")
        results.append(row)

    shape = json.loads(
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--describe", *map(str, args.sizes)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
    )
    table = fmt_table(results)
    info = machine()
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    host = (
        f"{info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB RAM, "
        f"Python {info['python']}, {info['os']}"
    )
    versions: dict[str, str] = {}
    for r in results:
        versions.update(r.get("versions", {}))
    vers = ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))
    if fingerprint and src_fingerprint() != fingerprint:
        commit += "; WARNING: src/ changed during the run, numbers may mix versions"
    cells = "; ".join(
        f"{int(n):,} rows: {s['pair_cells_1_9']} of {s['pair_cells']} pair cells hold 1-9 "
        f"people, {s['pair_cells_empty']} are empty; {s['flagged_share']:.1%} flagged"
        for n, s in shape.items()
    )
    notes = [
        "The shape: 5 attributes of 2, 5, 8, 12 and 30 groups (shares falling off "
        "geometrically), all 10 pairwise intersections, min_cell 10; selective labels: "
        f"outcome known only for the investigated ({INVESTIGATED_SHARE:.0%} of the flagged); "
        f"full labels: known for everyone. {cells}.",
        "wall s: `cli` from starting the command to the finished report folder (interpreter "
        "start and imports included); `audit` the call and `result.table` (`min_cell=0`: the "
        "same without disclosure control, what the rest of the audit costs); `disclosure step "
        "alone` the audit's `_suppress` step replayed on the counts and table the audit gave "
        "it; floor: DuckDB `GROUP BY GROUPING SETS` (15 groupings x the label cells) into "
        "pandas. One run each.",
        "peak RSS: maximum resident set size of the process (os.wait4 ru_maxrss), imports "
        "included; for the step alone, (step: ...) is the peak while the step ran (VmHWM "
        "reset before it).",
        "disclosure s: the disclosure step's own time inside that run. × DuckDB floor: wall s "
        "over the floor's on the same file and label design.",
        f"A run is stopped after {args.timeout:.0f} s (timed out: wall shown as > s) or above "
        f"{args.max_rss_mb:.0f} MB resident; a crash is the signal that ended the process, "
        "with the Python frame it happened in (faulthandler); a timed-out run's stack is "
        "dumped (SIGUSR1) just before it is killed, and its innermost frames shown. "
        + (
            "When the disclosure step alone fails, the audit and CLI rows of the same size "
            "and design are not run (they include that step)."
            if not args.run_all
            else ""
        ),
        f"Rows marked * were measured while other processes kept more than {BUSY} cores busy.",
    ]
    print()
    print(f"disclosure benchmark, {stamp}; {host}")
    print(f"versions: {vers}")
    print(f"biasaudit commit: {commit}")
    print()
    print(render_text(table))
    print()
    for n in notes:
        print(f"- {n}")
    if not args.no_write:
        section = "\n".join(
            [
                SECTION_HEADING,
                "",
                f"- date: {stamp}",
                f"- machine: {host}",
                f"- versions: {vers}",
                f"- biasaudit commit: {commit}",
                "- command: `python benchmarks/disclosure.py " + " ".join(sys.argv[1:]) + "`",
                "",
                render_md(table),
                "",
                *[f"- {n}" for n in notes],
                "",
            ]
        )
        text = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        args.output.write_text(replace_section(text, section), encoding="utf-8")
        DATA_DIR.mkdir(exist_ok=True)
        (DATA_DIR / "disclosure_results.json").write_text(
            json.dumps(
                {"date": stamp, "machine": info, "commit": commit, "results": results},
                indent=2,
                default=str,
            )
        )
        print(f"\nwrote {args.output}", file=sys.stderr)
    return 0 if all(r["status"] in ("ok",) for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark disclosure control at scale.")
    parser.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES)
    parser.add_argument("--designs", nargs="+", choices=list(DESIGNS), default=list(DESIGNS))
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=["duckdb", "polars", "pandas", "pyarrow"],
        default=["duckdb"],
        help="engines of the audit and disclosure rows (the CLI and the floor use duckdb)",
    )
    parser.add_argument(
        "--kinds",
        nargs="+",
        choices=KINDS,
        default=list(DEFAULT_KINDS),
        help="rows to measure (cli0, the CLI without disclosure control, only on request)",
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds per process")
    parser.add_argument(
        "--max-rss-mb", type=float, default=8192, help="kill a process above this resident memory"
    )
    parser.add_argument(
        "--run-all",
        action="store_true",
        help="run the audit and CLI rows even when the disclosure step alone failed",
    )
    parser.add_argument(
        "--code",
        default="worktree",
        help="biasaudit to measure: this work tree's src/ (default) or a git revision",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--idle-wait",
        type=float,
        default=30,
        help="seconds to wait for other processes to go quiet before each run",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_MD)
    parser.add_argument("--no-write", action="store_true", help="print only")
    # Internal: data generation and one measurement in this process.
    parser.add_argument("--make-data", type=int, nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--describe", type=int, nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--design", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="duckdb", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make_data:
        for n in args.make_data:
            make_file(n, args.seed)
        return 0
    if args.describe:
        print(json.dumps({n: describe_file(data_path(n)) for n in args.describe}))
        return 0
    if args.worker:
        return worker_main(args)
    return parent_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
