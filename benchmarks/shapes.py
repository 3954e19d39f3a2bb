"""Benchmark the data shapes audits get: a random audit sample, aggregated tables with
suppressed or rounded cells, and process funnels.

The companion of ``run.py`` (which measures full-label records): every measurement
runs in its own subprocess, and a row's peak memory is that process's maximum resident
set size (``ru_maxrss`` of the child, from ``os.wait4``). The parent imports nothing
but the standard library (and run.py's standard-library helpers).

Usage::

    python benchmarks/shapes.py --rows 1000000 10000000

Prints three tables (random audit sample, aggregated tables, funnels): wall seconds,
CPU seconds, peak RSS MB, and ratios against a named base row of the same table.
Writes nothing into the repository unless asked: ``--write`` replaces (or appends)
this benchmark's section of ``benchmarks/results.md``. The data files it derives go
to ``benchmarks/_data/`` (git-ignored), next to run.py's. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# run.py's helpers, standard library only (benchmarks/ is on sys.path: this is a script).
from run import (
    AEQUITAS_PYTHON,
    BUSY,
    DATA_DIR,
    GROUPS,
    PAIRS,
    RESULTS_MD,
    _version,
    _vm_hwm_mb,
    ensure_data,
    git_state,
    machine,
    render_md,
    render_text,
    snapshot,
    src_fingerprint,
    summarise_runs,
    wait_idle,
)

#: Version of the derived files' layout: a file written by another version is rewritten.
SHAPES_VERSION = "1"
DEFAULT_SEED = 20240601  # make_data.py's default
#: Share of everyone drawn into the random audit sample (investigated whatever the score).
RANDOM_SHARE = 0.02
#: Share of the flagged (outside the random sample) whose case the model's selection
#: led to an investigation; the rest are flagged with no known outcome.
INVESTIGATED_SHARE = 0.9
#: The funnel: everyone scored, selected (flagged), investigated, which ends either
#: in fraud found or in an unfounded investigation (a branch).
STAGES: list[str | tuple[str, str]] = [
    "scored",
    "selected",
    "investigated",
    ("fraud found", "investigated"),
    ("unfounded", "investigated"),
]
#: Values of the stage column (the furthest stage reached) that count at each stage.
REACHED = {
    "selected": ("selected", "investigated", "fraud found", "unfounded"),
    "investigated": ("investigated", "fraud found", "unfounded"),
    "fraud found": ("fraud found",),
    "unfounded": ("unfounded",),
}
CHECK_ATTRIBUTE = "nationality"
BOTH = f"{len(GROUPS)} + {len(PAIRS)} pairs"
ONE = f"1 ({CHECK_ATTRIBUTE})"
SECTIONS = {
    "sample": "Random audit sample (ratios: vs biasaudit sample (duckdb), 5 + 10 pairs, "
    "same rows)",
    "counts": "Aggregated tables, audit_counts (ratios: vs the same table with every count exact)",
    "funnel": "Process funnels, 5 stages with a branch (ratios: vs biasaudit funnel (duckdb), "
    "5 attributes, same rows)",
}
#: The aggregated tables measured (see :func:`foi_table`), with their labels.
COUNT_TABLES = {
    "10-exact": "10 groups, exact",
    "10-suppressed": "10 groups, 2 cells <10",
    "25x2-exact": "25 groups x 2 datasets, exact",
    "25x2-rounded": "25 groups x 2 datasets, rounded to 10",
}
SECTION_HEADING = "## Data shapes: random audit sample, aggregated tables, funnels"


# --------------------------------------------------------------------------- data


def shapes_path(rows: int, data_dir: Path = DATA_DIR) -> Path:
    return data_dir / f"shapes_{rows}.parquet"


def make_shapes_file(source: Path, dest: Path, rows: int, seed: int) -> None:
    """Derive the records of a random-audit-sample design from run.py's file.

    Same people, attributes, decisions and (true) outcomes as ``synthetic_<rows>``,
    plus how each case came to be investigated (``sample``), the outcome blanked
    where nobody investigated, and the furthest funnel stage reached (``stage``).
    Written batch by batch (one row group at a time).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    meta = {"biasaudit_shapes_version": SHAPES_VERSION, "biasaudit_shapes_seed": str(seed)}
    if dest.is_file():
        old = pq.read_metadata(dest)
        kv = {k.decode(): v.decode() for k, v in (old.metadata or {}).items()}
        if old.num_rows == rows and all(kv.get(k) == v for k, v in meta.items()):
            print(f"kept {dest}", file=sys.stderr)
            return
    t0 = time.perf_counter()
    reader = pq.ParquetFile(source)
    schema = pa.schema(
        [
            *(pa.field(g, pa.string()) for g in GROUPS),
            pa.field("flagged", pa.int8()),
            pa.field("sample", pa.string()),
            pa.field("outcome", pa.int8()),
            pa.field("stage", pa.string()),
        ],
        metadata=meta,
    )
    streams = np.random.SeedSequence([seed, rows, 3]).spawn(reader.num_row_groups)
    tmp = dest.with_suffix(".parquet.tmp")
    with pq.ParquetWriter(tmp, schema, compression="snappy") as writer:
        for i, stream in enumerate(streams):
            batch = reader.read_row_group(i)
            rng = np.random.default_rng(stream)
            n = batch.num_rows
            flagged = batch["flagged"].to_numpy() == 1
            truth = batch["outcome"].to_numpy()
            random = rng.random(n) < RANDOM_SHARE
            model = flagged & ~random & (rng.random(n) < INVESTIGATED_SHARE)
            known = random | model
            sample = np.where(random, "random", np.where(model, "model", "none"))
            stage = np.where(
                ~flagged,
                "scored",
                np.where(~known, "selected", np.where(truth == 1, "fraud found", "unfounded")),
            )
            outcome = pa.array(truth, mask=~known, type=pa.int8())
            table = pa.Table.from_arrays(
                [
                    *(batch[g] for g in GROUPS),
                    batch["flagged"],
                    pa.array(sample, pa.string()),
                    outcome,
                    pa.array(stage, pa.string()),
                ],
                schema=schema,
            )
            writer.write_table(table)
    tmp.replace(dest)
    done = pq.read_table(dest, columns=["sample"])["sample"]
    counts = pc.value_counts(done).to_pylist()
    print(
        f"wrote {dest} ({rows:,} rows: "
        + ", ".join(f"{c['values']} {c['counts']:,}" for c in counts)
        + f") in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )


def foi_table(kind: str) -> tuple[Any, dict[str, Any]]:
    """An aggregated table as a freedom-of-information reply gives it, and the
    ``audit_counts`` options to read it.

    ``10-suppressed``: one attribute, 10 groups, columns n, flagged, TP, FP, FN, TN;
    the smallest group's TP and FP hidden as ``<10`` (their sum, the group's flagged,
    is published). ``25x2-rounded``: 25 groups in each of 2 datasets (training and
    pilot), every count rounded to 10. ``-exact`` variants: the same tables with
    every count as it is (the base of the comparison).
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng([DEFAULT_SEED, 10 if kind.startswith("10") else 25])

    def group_rows(sizes: np.ndarray, flag_rate: np.ndarray) -> pd.DataFrame:
        n = sizes.astype(np.int64)
        flagged = rng.binomial(n, flag_rate)
        tp = rng.binomial(flagged, 0.35)
        fn = rng.binomial(n - flagged, 0.04)
        return pd.DataFrame(
            {"n": n, "flagged": flagged, "TP": tp, "FP": flagged - tp, "FN": fn}
        ).assign(TN=lambda d: d["n"] - d["flagged"] - d["FN"])

    options: dict[str, Any] = {}
    if kind.startswith("10"):
        table = group_rows(
            np.array([9000, 7000, 6000, 5000, 4000, 3500, 3000, 2500, 1500, 0]),
            rng.uniform(0.05, 0.12, 10),
        )
        # the smallest group: 15 flagged, of whom 6 with fraud found and 9 without
        table.loc[9, ["n", "flagged", "TP", "FP", "FN", "TN"]] = [200, 15, 6, 9, 10, 175]
        table.insert(0, "district", [f"district_{i:02d}" for i in range(1, 11)])
        table = table.astype(str)
        if kind.endswith("suppressed"):
            table.loc[9, ["TP", "FP"]] = "<10"
        return table, {"groups": ["district"]}
    parts = []
    for name in ("training", "pilot"):
        sizes = rng.integers(150, 6000, 25)
        part = group_rows(sizes, rng.uniform(0.03, 0.15, 25))
        part.insert(0, "municipality", [f"municipality_{i:02d}" for i in range(1, 26)])
        part.insert(0, "dataset", name)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    cells = ["n", "flagged", "TP", "FP", "FN", "TN"]
    if kind.endswith("rounded"):
        table[cells] = (np.floor(table[cells] / 10 + 0.5) * 10).astype(np.int64)
        options["rounding"] = 10
    return table.astype(str), {"groups": ["municipality"], "dataset": "dataset", **options}


# --------------------------------------------------------------------------- workers
# Each worker runs in a fresh interpreter: libraries first (timed as "import s"),
# then only the work, from reading the data to the finished result.


def _timed(work: Any) -> tuple[Any, float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    out = work()
    return out, time.perf_counter() - t0, time.process_time() - c0


def _import_biasaudit(engine: str | None) -> tuple[Any, float]:
    t_imp = time.perf_counter()
    import pandas  # noqa: F401  (imported before timing, like every tool's libraries)

    import biasaudit

    if engine == "duckdb":
        import duckdb  # noqa: F401
    return biasaudit, time.perf_counter() - t_imp


def work_sample_audit(
    path: str,
    engine: str,
    *,
    sample: bool,
    one: bool,
    bootstrap: int,
    min_cell: int,
    side_file: str | None,
) -> dict[str, Any]:
    """biasaudit.audit with the sample role (or without: the plain one-pass audit)."""
    import warnings

    biasaudit, import_s = _import_biasaudit(engine)
    warnings.simplefilter("ignore")  # empty intersection cells: UndefinedRateWarning
    roles = {"flagged": "flagged", "outcome": "outcome"}
    if sample:
        roles["sample"] = "sample"

    def work() -> Any:
        result = biasaudit.audit(
            path,
            roles=roles,
            groups=[CHECK_ATTRIBUTE] if one else GROUPS,
            intersections=[] if one else PAIRS,
            engine=engine,
            bootstrap_samples=bootstrap,
            min_cell=min_cell,
        )
        return result, result.table

    (result, table), wall, cpu = _timed(work)
    if side_file:
        rows = table[(table["attribute"] == CHECK_ATTRIBUTE)]
        rate = rows[rows["metric"] == "selection_rate"]
        fpr = rows[rows["metric"] == "false_positive_rate"]
        side = {
            "n": {g: float(v) for g, v in zip(rate["group"], rate["n"], strict=True)},
            "selection_rate": {
                g: float(v) for g, v in zip(rate["group"], rate["value"], strict=True)
            },
            "fpr": {
                g: [float(v), float(lo), float(hi)]
                for g, v, lo, hi in zip(
                    fpr["group"], fpr["value"], fpr["ci_low"], fpr["ci_high"], strict=True
                )
            },
        }
        Path(side_file).write_text(json.dumps(side))
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "rows_read": result.ledger.rows_read,
        "table_rows": len(table),
        "data_shape": result.data_shape,
        "versions": {"biasaudit": biasaudit.__version__, engine: _version(engine)},
        "imported_from": str(Path(biasaudit.__file__).parent),
    }


def work_pandas_groupby(path: str) -> dict[str, Any]:
    """The counts the sample audit starts from, with plain pandas: read, group, count."""
    t_imp = time.perf_counter()
    import pandas as pd

    import_s = time.perf_counter() - t_imp
    keys = [*GROUPS, "flagged", "sample", "outcome"]

    def work() -> Any:
        df = pd.read_parquet(path, columns=keys)
        return df.groupby(keys, dropna=False, observed=True, sort=False).size()

    cells, wall, cpu = _timed(work)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "rows_read": int(cells.sum()),
        "table_rows": len(cells),
        "versions": {"pandas": pd.__version__},
    }


def work_metricframe_sample(path: str, side_file: str | None) -> dict[str, Any]:
    """fairlearn's nearest: selection rate per group (it has no random-sample estimator)."""
    t_imp = time.perf_counter()
    import fairlearn
    import pandas as pd
    from fairlearn.metrics import MetricFrame, count, selection_rate

    import_s = time.perf_counter() - t_imp

    def work() -> Any:
        df = pd.read_parquet(path, columns=[CHECK_ATTRIBUTE, "flagged"])
        mf = MetricFrame(
            metrics={"count": count, "selection_rate": selection_rate},
            y_true=df["flagged"],
            y_pred=df["flagged"],
            sensitive_features=df[CHECK_ATTRIBUTE],
        )
        by_group = mf.by_group
        mf.difference(method="to_overall")
        mf.ratio(method="to_overall")
        return len(df), by_group

    (n, by_group), wall, cpu = _timed(work)
    if side_file:
        side = {
            "n": {str(g): float(v) for g, v in by_group["count"].items()},
            "selection_rate": {str(g): float(v) for g, v in by_group["selection_rate"].items()},
        }
        Path(side_file).write_text(json.dumps(side))
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "rows_read": n,
        "table_rows": int(by_group.size),
        "versions": {"fairlearn": fairlearn.__version__, "pandas": pd.__version__},
    }


def work_aequitas_sample(path: str, side_file: str | None) -> dict[str, Any]:
    """Aequitas' crosstabs on the same rows. It needs a 0/1 label for everyone, so the
    outcomes nobody investigated are given as 0 (what a user of it would have to do)."""
    t_imp = time.perf_counter()
    import pandas as pd
    from aequitas.group import Group

    import_s = time.perf_counter() - t_imp

    def work() -> Any:
        df = pd.read_parquet(path, columns=[*GROUPS, "flagged", "outcome"])
        df = df.rename(columns={"flagged": "score", "outcome": "label_value"})
        df["label_value"] = df["label_value"].fillna(0).astype("int64")
        for a in GROUPS:  # Aequitas wants attribute columns as Python strings (object)
            if df[a].dtype != object:
                df[a] = df[a].astype(object)
        xtab, _ = Group().get_crosstabs(df, attr_cols=GROUPS)
        return len(df), xtab

    (n, xtab), wall, cpu = _timed(work)
    if side_file:
        rows = xtab[xtab["attribute_name"] == CHECK_ATTRIBUTE]
        values = list(rows["attribute_value"])
        side = {
            "n": {str(g): float(v) for g, v in zip(values, rows["group_size"], strict=True)},
            "selection_rate": {
                str(g): float(v) for g, v in zip(values, rows["pprev"], strict=True)
            },
        }
        Path(side_file).write_text(json.dumps(side))
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "rows_read": n,
        "table_rows": len(xtab),
        "versions": {"aequitas": _version("aequitas"), "pandas (Aequitas venv)": pd.__version__},
    }


def work_counts(kind: str) -> dict[str, Any]:
    """biasaudit.audit_counts on a freedom-of-information style table (built untimed)."""
    biasaudit, import_s = _import_biasaudit(None)
    table, options = foi_table(kind)

    def work() -> Any:
        result = biasaudit.audit_counts(table, **options)
        return result, result.table

    (result, out), wall, cpu = _timed(work)
    ranged = out["lower_bound"].notna() & (out["lower_bound"] != out["upper_bound"])
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "rows_read": result.ledger.rows_read,
        "table_rows": len(out),
        "ranged_rows": int(ranged.sum()),
        "versions": {"biasaudit": biasaudit.__version__},
        "imported_from": str(Path(biasaudit.__file__).parent),
    }


def work_funnel(path: str, engine: str, *, one: bool, side_file: str | None) -> dict[str, Any]:
    biasaudit, import_s = _import_biasaudit(engine)

    def work() -> Any:
        result = biasaudit.funnel(
            path,
            groups=[CHECK_ATTRIBUTE] if one else GROUPS,
            stages=STAGES,
            stage_column="stage",
            engine=engine,
        )
        return result, result.table

    (result, table), wall, cpu = _timed(work)
    if side_file:
        rows = table[(table["attribute"] == CHECK_ATTRIBUTE) & (table["stage"] != "scored")]
        side: dict[str, dict[str, float]] = {}
        for stage, group, share in zip(rows["stage"], rows["group"], rows["share"], strict=True):
            side.setdefault(stage, {})[group] = float(share)
        Path(side_file).write_text(json.dumps(side))
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "rows_read": result.ledger.rows_read,
        "table_rows": len(table),
        "versions": {"biasaudit": biasaudit.__version__, engine: _version(engine)},
        "imported_from": str(Path(biasaudit.__file__).parent),
    }


def work_metricframe_funnel(path: str, side_file: str | None) -> dict[str, Any]:
    """One MetricFrame per stage: the selection rate of "reached this stage" per group."""
    t_imp = time.perf_counter()
    import fairlearn
    import pandas as pd
    from fairlearn.metrics import MetricFrame, selection_rate

    import_s = time.perf_counter() - t_imp

    def work() -> Any:
        df = pd.read_parquet(path, columns=[CHECK_ATTRIBUTE, "stage"])
        out = {}
        for stage, values in REACHED.items():
            reached = df["stage"].isin(values).astype("int8")
            mf = MetricFrame(
                metrics=selection_rate,
                y_true=reached,
                y_pred=reached,
                sensitive_features=df[CHECK_ATTRIBUTE],
            )
            out[stage] = mf.by_group
            mf.difference(method="to_overall")
            mf.ratio(method="to_overall")
        return len(df), out

    (n, out), wall, cpu = _timed(work)
    if side_file:
        side = {s: {str(g): float(v) for g, v in by.items()} for s, by in out.items()}
        Path(side_file).write_text(json.dumps(side))
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "rows_read": n,
        "table_rows": sum(len(by) for by in out.values()),
        "versions": {"fairlearn": fairlearn.__version__, "pandas": pd.__version__},
    }


def worker_main(args: argparse.Namespace) -> int:
    spec = json.loads(args.spec)
    kind, path, side = spec["worker"], spec.get("path"), args.side
    if kind == "make-data":
        make_shapes_file(Path(spec["source"]), Path(path), spec["rows"], spec["seed"])
        return 0
    if kind in ("sample", "plain"):
        out = work_sample_audit(
            path,
            spec["engine"],
            sample=kind == "sample",
            one=spec.get("one", False),
            bootstrap=spec["bootstrap"],
            min_cell=spec.get("min_cell", 10),
            side_file=side,
        )
    elif kind == "pandas-groupby":
        out = work_pandas_groupby(path)
    elif kind == "metricframe-sample":
        out = work_metricframe_sample(path, side)
    elif kind == "aequitas-sample":
        out = work_aequitas_sample(path, side)
    elif kind == "counts":
        out = work_counts(spec["table"])
    elif kind == "funnel":
        out = work_funnel(path, spec["engine"], one=spec.get("one", False), side_file=side)
    elif kind == "metricframe-funnel":
        out = work_metricframe_funnel(path, side)
    else:
        raise SystemExit(f"unknown worker {kind!r}")
    out["vm_hwm_mb"] = _vm_hwm_mb()
    Path(args.result).write_text(json.dumps(out))
    return 0


# --------------------------------------------------------------------------- parent


def run_child(
    python: str,
    spec: dict[str, Any],
    *,
    side: Path | None = None,
    timeout: float,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run one worker in a fresh interpreter; add its wall time and peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        log = Path(tmp) / "stderr.txt"
        cmd = [python, str(Path(__file__).resolve()), "--spec", json.dumps(spec)]
        cmd += ["--result", str(result)]
        if side is not None:
            cmd += ["--side", str(side)]
        t0 = time.perf_counter()
        with open(log, "wb") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
            timer = threading.Timer(timeout, proc.kill)
            timer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)  # this one child's rusage
            finally:
                timer.cancel()
            proc.returncode = os.waitstatus_to_exitcode(status)
        process_s = time.perf_counter() - t0
        peak = usage.ru_maxrss / 1024  # KiB on Linux
        if proc.returncode != 0 or not result.is_file():
            tail = log.read_text(errors="replace").strip().splitlines()[-8:]
            why = "timed out" if proc.returncode == -9 else f"exit {proc.returncode}"
            return {
                "error": f"{why}: " + " | ".join(tail),
                "process_s": process_s,
                "peak_rss_mb": peak,
            }
        out = json.loads(result.read_text())
    out["process_s"] = process_s
    out["peak_rss_mb"] = peak
    return out


def plan(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The measurements: one dict per table row. ``base`` names the row of the same
    table that the ratios divide by."""
    runs: list[dict[str, Any]] = []

    def add(section: str, tool: str, data: str, groups: str, worker: str, **kw: Any) -> None:
        kw.setdefault("repeat", args.repeat)
        key = f"{section}|{tool}|{data}|{groups}"
        runs.append(
            {
                "key": key,
                "section": section,
                "tool": tool,
                "data": data,
                "groups": groups,
                "worker": worker,
                **kw,
            }
        )

    b = args.bootstrap
    for n in args.rows:
        data, check = f"{n:,} rows", n == args.check_rows
        base = f"sample|biasaudit sample (duckdb)|{data}|{BOTH}"
        common = {"rows": n, "base": base}
        for engine in ("duckdb", "pandas"):
            add(
                "sample",
                f"biasaudit sample ({engine})",
                data,
                BOTH,
                "sample",
                engine=engine,
                bootstrap=b,
                side=check and engine == "duckdb",
                **common,
            )
        add(
            "sample",
            "biasaudit sample (duckdb)",
            data,
            ONE,
            "sample",
            engine="duckdb",
            one=True,
            bootstrap=b,
            **common,
        )
        for engine in ("duckdb", "pandas"):
            add(
                "sample",
                f"biasaudit, no sample role ({engine})",
                data,
                BOTH,
                "plain",
                engine=engine,
                bootstrap=b,
                **common,
            )
        # the same two calls with disclosure control off: what the bootstrap itself costs
        for worker, tool in (
            ("sample", "biasaudit sample"),
            ("plain", "biasaudit, no sample role"),
        ):
            add(
                "sample",
                f"{tool} (duckdb), min_cell=0",
                data,
                BOTH,
                worker,
                engine="duckdb",
                bootstrap=b,
                min_cell=0,
                **common,
            )
        add("sample", "pandas read + groupby", data, "5 together", "pandas-groupby", **common)
        if n <= args.metricframe_max_rows:
            add(
                "sample",
                "fairlearn MetricFrame",
                data,
                ONE,
                "metricframe-sample",
                repeat=1,
                side=check,
                **common,
            )
        add(
            "sample",
            "Aequitas get_crosstabs",
            data,
            "5",
            "aequitas-sample",
            repeat=1,
            side=check,
            **common,
        )
    for kind, label in COUNT_TABLES.items():
        base = COUNT_TABLES["10-exact" if kind.startswith("10") else "25x2-exact"]
        add(
            "counts",
            "biasaudit audit_counts",
            label,
            "1",
            "counts",
            table=kind,
            base=f"counts|biasaudit audit_counts|{base}|1",
        )
    for n in args.rows:
        data, check = f"{n:,} rows", n == args.check_rows
        common = {"rows": n, "base": f"funnel|biasaudit funnel (duckdb)|{data}|{len(GROUPS)}"}
        for engine in ("duckdb", "pandas"):
            add(
                "funnel",
                f"biasaudit funnel ({engine})",
                data,
                f"{len(GROUPS)}",
                "funnel",
                engine=engine,
                **common,
            )
        add(
            "funnel",
            "biasaudit funnel (duckdb)",
            data,
            ONE,
            "funnel",
            engine="duckdb",
            one=True,
            side=check,
            **common,
        )
        if n <= args.metricframe_max_rows:
            add(
                "funnel",
                "fairlearn MetricFrame, 4 stages",
                data,
                ONE,
                "metricframe-funnel",
                repeat=1,
                side=check,
                **common,
            )
    return runs


def fmt_table(rows: list[dict[str, Any]], section: str) -> list[list[str]]:
    by_key = {r["key"]: r for r in rows if "wall_s" in r}
    out = [["tool", "data", "groups", "wall s", "CPU s", "peak RSS MB", "× time", "× RSS"]]
    for r in rows:
        if r["section"] != section:
            continue
        b = by_key.get(r.get("base", ""))
        if "wall_s" in r:
            wall, cpu, rss = f"{r['wall_s']:.2f}", f"{r['cpu_s']:.2f}", f"{r['peak_rss_mb']:.0f}"
            rt = f"{r['wall_s'] / b['wall_s']:.2f}" if b else "-"
            rm = f"{r['peak_rss_mb'] / b['peak_rss_mb']:.2f}" if b else "-"
        else:
            wall, cpu, rt, rm = "failed", "-", "-", "-"
            rss = f"{r.get('peak_rss_mb', 0):.0f}"
        tool = r["tool"] + (" *" if r.get("busy_cores_before", 0) > BUSY else "")
        out.append([tool, r["data"], r["groups"], wall, cpu, rss, rt, rm])
    return out


def _max_diff(ours: dict[str, float], theirs: dict[str, float]) -> tuple[float, int, list[str]]:
    groups = sorted(set(ours) | set(theirs))
    missing = [g for g in groups if g not in ours or g not in theirs]
    diffs = [abs(ours[g] - theirs[g]) for g in groups if g not in missing]
    return (max(diffs) if diffs else float("nan")), len(diffs), missing


def sanity_check(side: dict[str, Path]) -> list[str]:
    """Do the tools count the same? Group sizes, selection rates and funnel shares."""
    lines: list[str] = []

    def load(name: str) -> dict[str, Any] | None:
        path = side.get(name)
        return json.loads(path.read_text()) if path and path.is_file() else None

    ours = load("sample")
    for other, label in (("metricframe-sample", "fairlearn"), ("aequitas-sample", "Aequitas")):
        theirs = load(other)
        if ours is None or theirs is None:
            continue
        for metric in ("n", "selection_rate"):
            worst, k, missing = _max_diff(ours[metric], theirs[metric])
            extra = f"; groups in only one: {missing}" if missing else ""
            lines.append(
                f"{CHECK_ATTRIBUTE}: biasaudit sample audit vs {label}: {metric} max |diff| over "
                f"{k} groups = {worst:.3g}{extra}"
            )
    if ours is not None:
        shown = ", ".join(
            f"{g} {v:.4f} [{lo:.4f}, {hi:.4f}]" for g, (v, lo, hi) in ours["fpr"].items()
        )
        lines.append(f"{CHECK_ATTRIBUTE}: estimated false positive rate [95% CI]: {shown}")
    funnel, mf = load("funnel"), load("metricframe-funnel")
    if funnel is not None and mf is not None:
        worst = 0.0
        for stage in REACHED:
            diff, _, missing = _max_diff(funnel.get(stage, {}), mf.get(stage, {}))
            if missing:
                lines.append(f"funnel {stage}: groups in only one: {missing}")
            worst = max(worst, diff)
        lines.append(
            f"{CHECK_ATTRIBUTE}: biasaudit funnel share vs fairlearn selection_rate, "
            f"{len(REACHED)} stages: max |diff| = {worst:.3g}"
        )
    return lines


def prepare_data(rows: list[int], seed: int, timeout: float) -> dict[int, Path]:
    """run.py's synthetic files (make_data.py), then the derived sample/funnel files,
    each written in a subprocess so numpy and pyarrow stay out of this process."""
    sources = ensure_data(rows, seed)
    paths = {}
    for n in rows:
        paths[n] = shapes_path(n)
        spec = {
            "worker": "make-data",
            "path": str(paths[n]),
            "source": str(sources[n]),
            "rows": n,
            "seed": seed,
        }
        cmd = [sys.executable, str(Path(__file__).resolve()), "--spec", json.dumps(spec)]
        subprocess.run(cmd, check=True, timeout=timeout)
    return paths


def replace_section(text: str, section: str) -> str:
    """``text`` with this benchmark's section replaced (or appended)."""
    start = text.find(SECTION_HEADING)
    if start < 0:
        return text.rstrip("\n") + "\n\n" + section
    end = text.find("\n## ", start + len(SECTION_HEADING))
    rest = text[end + 1 :] if end >= 0 else ""
    return text[:start] + section + ("\n" + rest if rest else "")


def parent_main(args: argparse.Namespace) -> int:
    paths = prepare_data(args.rows, args.seed, args.timeout)
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
            f"note: {aequitas_python} not found; Aequitas rows skipped (create it with "
            "bash benchmarks/setup_aequitas.sh)",
            file=sys.stderr,
        )
    side_dir = Path(tempfile.mkdtemp(prefix="biasaudit-shapes-"))
    side: dict[str, Path] = {}
    results: list[dict[str, Any]] = []
    versions: dict[str, str] = {}
    skipped: list[str] = []
    t_start = time.perf_counter()
    for spec in plan(args):
        label = f"{spec['tool']}, {spec['data']}, {spec['groups']}"
        if spec["worker"].startswith("aequitas") and not have_aequitas:
            skipped.append(f"{label}: {aequitas_python} not found")
            continue
        python = aequitas_python if spec["worker"].startswith("aequitas") else sys.executable
        side_file = None
        if spec.get("side"):
            side_file = side[spec["worker"]] = side_dir / f"{spec['worker']}.json"
        child = {k: v for k, v in spec.items() if k not in ("side", "key", "base", "repeat")}
        if "rows" in spec:
            child["path"] = str(paths[spec["rows"]])
        print(f"running {label} (x{spec['repeat']}) ...", file=sys.stderr, flush=True)
        runs, busy = [], 0.0
        for _ in range(spec["repeat"]):
            busy = max(busy, wait_idle(args.idle_wait))
            runs.append(
                run_child(
                    python,
                    child,
                    side=side_file,
                    timeout=args.timeout,
                    env=env if spec["worker"] in ("sample", "plain", "counts", "funnel") else None,
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
            if "rows" in spec and row["rows_read"] != spec["rows"]:
                print(
                    f"  WARNING: read {row['rows_read']:,} rows, expected {spec['rows']:,}",
                    file=sys.stderr,
                )
        results.append(row)
    total_s = time.perf_counter() - t_start

    info = machine()
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    host = (
        f"{info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB RAM, "
        f"Python {info['python']}, {info['os']}"
    )
    vers = ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))
    if fingerprint and src_fingerprint() != fingerprint:
        commit += "; WARNING: src/ changed during the run, numbers may mix versions"
    checks = sanity_check(side)
    command = "python benchmarks/shapes.py " + " ".join(sys.argv[1:])
    tables = {s: fmt_table(results, s) for s in SECTIONS}
    notes = [
        "wall s: median of the runs, from the start of reading the data to the finished "
        "result table (library imports not included); CPU s: user + system CPU time of the "
        "same span; peak RSS: maximum resident set size of the tool's own process "
        "(os.wait4 ru_maxrss), imports included.",
        f"biasaudit rows and the pandas groupby: {args.repeat} runs each (median); "
        "fairlearn and Aequitas: 1 run.",
        f"Data: run.py's synthetic records (make_data.py) plus a random audit sample of "
        f"{RANDOM_SHARE:.0%} of everyone (`sample` = random, investigated whatever the "
        f"decision), {INVESTIGATED_SHARE:.0%} of the other flagged investigated (`model`), "
        "the rest not (`none`); outcomes known only for the investigated; `stage` is the "
        "furthest funnel stage reached (scored, selected, investigated, then fraud found or "
        "unfounded).",
        f"biasaudit sample: `audit(path, roles={{flagged, outcome, sample}}, groups=5, "
        f"intersections=10 pairs, engine=...)` and `.table`, {args.bootstrap} bootstrap "
        "resamples (the estimated error rates, their intervals and comparisons); "
        "'no sample role' is the same call without `sample` (one pass, selective labels: "
        "bounds instead of estimates). Both include disclosure control (min_cell=10, with "
        "complementary suppression over the 5 attributes and 10 pairs); the min_cell=0 rows "
        "are the same calls without it.",
        "pandas read + groupby: `read_parquet` of the 8 columns, then `groupby(...).size()`: "
        "the counts the sample audit starts from.",
        f"fairlearn MetricFrame: count and selection_rate by {CHECK_ATTRIBUTE} (it has no "
        "random-sample estimator); Aequitas: `Group().get_crosstabs` on 5 attributes, the "
        "outcomes nobody investigated given as 0 (it needs a 0/1 label for everyone), no "
        "intersections.",
        "audit_counts: wide tables (n, flagged, TP, FP, FN, TN), every metric; 2 cells <10: "
        "TP and FP of the smallest group hidden (their sum published); rounded: every count "
        "rounded to 10 (`rounding=10`), 2 datasets side by side. The base rows are the same "
        "tables with every count exact.",
        f"funnel: `funnel(path, groups=..., stages={len(STAGES)} stages with a branch, "
        "stage_column='stage', engine=...)` and `.table`; fairlearn: one MetricFrame "
        f"(selection_rate by {CHECK_ATTRIBUTE}) per stage after the first.",
        f"Rows marked * were measured while other processes kept more than {BUSY} cores busy.",
    ]
    sys.stderr.flush()
    print()
    print(f"biasaudit data-shape benchmark, {stamp}; {host}")
    print(f"versions: {vers}")
    print(f"biasaudit commit: {commit}")
    print(f"command: {command}  (measuring took {total_s / 60:.1f} min)")
    for s, title in SECTIONS.items():
        print()
        print(title)
        print(render_text(tables[s]))
    print()
    for line in checks:
        print(line)
    for line in skipped:
        print(f"skipped: {line}")
    failed = [r for r in results if "error" in r]
    for r in failed:
        print(f"failed: {r['tool']}, {r['data']}, {r['groups']}: {r['error']}")

    if args.write:
        md = [
            SECTION_HEADING,
            "",
            f"- date: {stamp}",
            f"- machine: {host}",
            f"- versions: {vers}",
            f"- biasaudit commit: {commit}",
            f"- command: `{command}` (measuring took {total_s / 60:.1f} min)",
            "",
        ]
        for s, title in SECTIONS.items():
            md += [f"### {title}", "", render_md(tables[s]), ""]
        md += [f"- {n}" for n in notes] + [""]
        if checks:
            md += ["Same counts as the other tools:", ""] + [f"- {c}" for c in checks] + [""]
        if skipped or failed:
            md += [f"- skipped: {line}" for line in skipped]
            md += [f"- failed: {r['tool']}, {r['data']}: {r['error']}" for r in failed]
            md.append("")
        old = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        args.output.write_text(replace_section(old, "\n".join(md)), encoding="utf-8")
        print(f"\nwrote the section {SECTION_HEADING!r} of {args.output}", file=sys.stderr)
        if args.json:
            args.json.write_text(
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
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark biasaudit on a random audit sample, aggregated tables and funnels."
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of the biasaudit and pandas rows (median)"
    )
    parser.add_argument(
        "--bootstrap", type=int, default=2000, help="bootstrap resamples of the sample audit"
    )
    parser.add_argument(
        "--metricframe-max-rows",
        type=int,
        default=10_000_000,
        help="skip fairlearn MetricFrame above this many rows",
    )
    parser.add_argument("--aequitas-python", type=Path, default=AEQUITAS_PYTHON)
    parser.add_argument(
        "--check-rows",
        type=int,
        default=1_000_000,
        help="file on which biasaudit's counts are compared with fairlearn's and Aequitas'",
    )
    parser.add_argument(
        "--code",
        default="worktree",
        help="biasaudit to measure: the work tree (default) or a git revision (e.g. HEAD), "
        "extracted to a temporary folder",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per process")
    parser.add_argument(
        "--idle-wait",
        type=float,
        default=120,
        help="seconds to wait for other processes to go quiet before each run",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help="replace (or append) this benchmark's section of --output",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_MD)
    parser.add_argument(
        "--json", type=Path, default=None, help="with --write: also the raw numbers as JSON"
    )
    # Internal: run one measurement in this process.
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--side", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.spec:
        return worker_main(args)
    return parent_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
