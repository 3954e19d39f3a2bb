"""Benchmark biasaudit's risk-score analyses against the raw-row tools a user would use.

The companion of ``run.py`` and ``shapes.py``: every measurement runs in its own
subprocess, and a row's peak memory is that process's maximum resident set size
(``ru_maxrss`` of the child, from ``os.wait4``). The parent imports nothing but the
standard library (and run.py's / shapes.py's standard-library helpers).

Usage::

    python benchmarks/scores.py --rows 1000000 10000000 --code HEAD

Measures, on the same Parquet records (make_data.py's people, attributes and outcomes
plus a continuous ``risk_score`` and the flag it gives to the top 10%):

* ``biasaudit.audit`` with ``roles.score`` (the flag derived from the score, top 10%;
  or the file's flag column beside the score), duckdb and pandas engines, 5 attributes,
  with its score analysis (distributions with KS / Mann-Whitney, deciles, top-decile
  excess, AUC per group, calibration, the 10-threshold sweep, what-if thresholds); the
  same audit without the score role; and where the time goes inside the call;
* per ``nationality`` group, scipy's ``ks_2samp`` and ``mannwhitneyu`` against the
  reference group and sklearn's ``roc_auc_score``; fairlearn's ``MetricFrame``
  (selection rate, false positive rate) at the same 10 top-fraction thresholds; and
  Aequitas' ``get_crosstabs`` at those thresholds (5 attributes).

Then checks that the numbers agree. Prints the tables; ``--write`` replaces (or
appends) this benchmark's section of ``benchmarks/results.md``. See
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# run.py's and shapes.py's helpers, standard library only (benchmarks/ is on sys.path).
from run import (
    AEQUITAS_PYTHON,
    BUSY,
    DATA_DIR,
    GROUPS,
    LARGEST,
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
from shapes import DEFAULT_SEED, _max_diff, _timed

#: Version of the derived files' layout: a file written by another version is rewritten.
SCORES_VERSION = "1"
CHECK_ATTRIBUTE = "nationality"
REFERENCE = LARGEST[CHECK_ATTRIBUTE]
#: The sweep's points: biasaudit's default top fractions (DEFAULT_FRACTIONS).
FRACTIONS = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
#: Share flagged in the data (the file's ``flagged``) and by the derived threshold.
TOP = 0.1
BASE_TOOL = "biasaudit score audit (duckdb)"
SECTION_PARENT = "## Risk scores"
SECTION_HEADING = "### Score analyses"
#: Steps of the biasaudit call timed inside the worker: module -> functions. Each is
#: wrapped with a timer (inclusive time, summed over calls); missing names are skipped.
STEPS = {  # module (below biasaudit.) -> functions; labels use the module's last part
    "audits._audit": [
        "open_spec_records",
        "aggregate",
        "compute_metrics",
        "_suppress",
        "analyse_scores",
        "_adjusted",
    ],
    "counts._aggregate": ["_cutoff", "score_binning", "_build"],
    "counts._scores": ["kth_highest", "score_cube"],
    "audits._score_audit": [
        "top_decile_threshold",
        "distribution_table",
        "quantile_table",
        "decile_table",
        "excess_table",
        "auc_table",
        "calibration_table",
        "calibration_gap_table",
        "sweep_table",
        "what_if_table",
        "_lines",
        "_grid",
    ],
}
#: Labels of the timed steps in the breakdown table (top-level first).
STEP_LABELS = {
    "_audit.open_spec_records": "open (read for pandas)",
    "_audit.aggregate": "aggregate (one pass)",
    "_aggregate._cutoff": "  flag cut-off (top-k query)",
    "_aggregate.score_binning": "  score binning: range, distinct count, top decile",
    "_scores.kth_highest": "    top-decile cut-off (top-k query)",
    "_aggregate._build": "  cells -> count table and score cube",
    "_scores.score_cube": "    score cube",
    "_audit.compute_metrics": "metrics",
    "_audit._suppress": "disclosure control",
    "_audit.analyse_scores": "analyse_scores",
    "_score_audit.distribution_table": "  distribution (KS, MW)",
    "_score_audit.quantile_table": "  quantiles",
    "_score_audit.decile_table": "  deciles",
    "_score_audit.excess_table": "  top-decile excess",
    "_score_audit.auc_table": "  AUC (DeLong)",
    "_score_audit.calibration_table": "  calibration",
    "_score_audit.calibration_gap_table": "  calibration gap",
    "_score_audit.sweep_table": "  threshold sweep (10 points)",
    "_score_audit.what_if_table": "  what-if thresholds",
    "_score_audit._grid": "  disclosure control (grids)",
    "_score_audit._lines": "  disclosure control (lines)",
    "ScoreCube.histogram": "score histogram",
}


# --------------------------------------------------------------------------- data


def scores_path(rows: int, data_dir: Path = DATA_DIR) -> Path:
    return data_dir / f"scores_{rows}.parquet"


def make_scores_file(source: Path, dest: Path, rows: int, seed: int) -> None:
    """Derive scored records from run.py's file: same people, attributes and outcomes,
    plus a continuous ``risk_score`` in (0, 1) and ``flagged`` = its top 10%.

    The score's log-odds add make_data.py's flag effects of the attributes, 1.4 for
    fraud and normal noise (sd 1, 1.3 outside the largest nationality: the score ranks
    those groups less well). ``flagged`` is 1 at or above the ``floor(0.1 * rows)``-th
    highest score (what ``threshold={"top_fraction": 0.1}`` derives).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from make_data import _FLAG_EFFECT, ATTRIBUTES

    meta = {"biasaudit_scores_version": SCORES_VERSION, "biasaudit_scores_seed": str(seed)}
    if dest.is_file():
        old = pq.read_metadata(dest)
        kv = {k.decode(): v.decode() for k, v in (old.metadata or {}).items()}
        if old.num_rows == rows and all(kv.get(k) == v for k, v in meta.items()):
            print(f"kept {dest}", file=sys.stderr)
            return
    t0 = time.perf_counter()
    reader = pq.ParquetFile(source)
    streams = np.random.SeedSequence([seed, rows, 7]).spawn(reader.num_row_groups)
    parts = []
    for i, stream in enumerate(streams):  # pass 1: the scores
        batch = reader.read_row_group(i, columns=[*GROUPS, "outcome"])
        rng = np.random.default_rng(stream)
        logit = -2.2 + 1.4 * batch["outcome"].to_numpy().astype(float)
        for name, eff in _FLAG_EFFECT.items():
            levels = pa.array(ATTRIBUTES[name][0])
            code = pc.index_in(batch[name], value_set=levels).to_numpy()
            logit += 0.8 * np.asarray(eff)[code]
        major = pc.equal(batch[CHECK_ATTRIBUTE], REFERENCE).to_numpy()
        logit += rng.normal(0.0, 1.0, len(logit)) * np.where(major, 1.0, 1.3)
        parts.append(1.0 / (1.0 + np.exp(-logit)))
    score = np.concatenate(parts)
    k = math.floor(TOP * rows + 1e-9)
    cut = np.partition(score, rows - k)[rows - k]  # the k-th highest
    schema = pa.schema(
        [
            *(pa.field(g, pa.string()) for g in GROUPS),
            pa.field("risk_score", pa.float64()),
            pa.field("flagged", pa.int8()),
            pa.field("outcome", pa.int8()),
        ],
        metadata=meta,
    )
    tmp = dest.with_suffix(".parquet.tmp")
    start = 0
    with pq.ParquetWriter(tmp, schema, compression="snappy") as writer:
        for i in range(reader.num_row_groups):  # pass 2: write
            batch = reader.read_row_group(i, columns=[*GROUPS, "outcome"])
            s = score[start : start + batch.num_rows]
            start += batch.num_rows
            table = pa.Table.from_arrays(
                [
                    *(batch[g] for g in GROUPS),
                    pa.array(s, pa.float64()),
                    pa.array((s >= cut).astype(np.int8)),
                    batch["outcome"],
                ],
                schema=schema,
            )
            writer.write_table(table)
    tmp.replace(dest)
    print(
        f"wrote {dest} ({rows:,} rows, {len(np.unique(score)):,} distinct scores, "
        f"top-10% cut-off {cut:.6f}) in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )


# --------------------------------------------------------------------------- workers
# Each worker runs in a fresh interpreter: libraries first (timed as "import s"),
# then only the work, from reading the data to the finished result.


def _instrument(spent: dict[str, float]) -> None:
    """Wrap biasaudit's steps (see STEPS) with timers adding into ``spent``."""
    import functools
    import importlib

    def wrap(fn: Any, key: str) -> Any:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - t0

        return timed

    for module, names in STEPS.items():
        mod = importlib.import_module(f"biasaudit.{module}")
        for name in names:
            if callable(getattr(mod, name, None)):
                label = f"{module.rpartition('.')[2]}.{name}"
                setattr(mod, name, wrap(getattr(mod, name), label))
    from biasaudit.counts._scores import ScoreCube

    ScoreCube.histogram = wrap(ScoreCube.histogram, "ScoreCube.histogram")  # type: ignore[method-assign]


def work_biasaudit(path: str, engine: str, variant: str, side_file: str | None) -> dict[str, Any]:
    """biasaudit.audit on 5 attributes: ``derived`` (score + outcome, flag = top 10% of
    the score), ``column`` (the file's flag beside the score) or ``plain`` (no score)."""
    import warnings

    t_imp = time.perf_counter()
    import pandas  # noqa: F401  (imported before timing, like every tool's libraries)

    import biasaudit

    if engine == "duckdb":
        import duckdb  # noqa: F401
    import_s = time.perf_counter() - t_imp
    spent: dict[str, float] = {}
    _instrument(spent)
    warnings.simplefilter("ignore")
    options: dict[str, Any] = {}
    if variant == "derived":
        roles = {"score": "risk_score", "outcome": "outcome"}
        options["threshold"] = {"top_fraction": TOP}
    elif variant == "column":
        roles = {"flagged": "flagged", "score": "risk_score", "outcome": "outcome"}
    else:
        roles = {"flagged": "flagged", "outcome": "outcome"}
    if variant != "plain":
        options["scores"] = {"sweep": "top_fraction", "points": list(FRACTIONS)}

    def work() -> Any:
        result = biasaudit.audit(path, roles=roles, groups=GROUPS, engine=engine, **options)
        return result, result.table

    (result, table), wall, cpu = _timed(work)
    sa = result.score_analysis
    if side_file and sa is not None:
        dist = sa.distribution[sa.distribution["attribute"] == CHECK_ATTRIBUTE]
        auc = sa.auc[sa.auc["attribute"] == CHECK_ATTRIBUTE]
        sweep = sa.sweep[sa.sweep["attribute"] == CHECK_ATTRIBUTE]
        side: dict[str, Any] = {
            "ks": {g: float(v) for g, v in zip(dist["group"], dist["ks_statistic"], strict=True)},
            "prob_higher": {
                g: float(v) for g, v in zip(dist["group"], dist["prob_higher"], strict=True)
            },
            "auc": {g: float(v) for g, v in zip(auc["group"], auc["auc"], strict=True)},
            "top_decile": float(sa.top_decile),
            "bin_width": float((result.scores.table["high"] - result.scores.table["low"]).max())
            if result.scores is not None
            else math.nan,
            "sweep": {},
        }
        for (point, threshold), part in sweep.groupby(["point", "threshold"], sort=True):
            entry: dict[str, Any] = {"threshold": float(threshold)}
            entry["flagged_people"] = float(part["flagged_people"].iloc[0])
            for name in ("selection_rate", "false_positive_rate"):
                rows = part[part["metric"] == name]
                entry[name] = {
                    g: float(v) for g, v in zip(rows["group"], rows["value"], strict=True)
                }
            side["sweep"][repr(float(point))] = entry
        Path(side_file).write_text(json.dumps(side))
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "steps": spent,
        "rows_read": result.ledger.rows_read,
        "table_rows": len(table) + (sum(len(t) for t in sa.tables.values()) if sa else 0),
        "versions": {"biasaudit": biasaudit.__version__, engine: _version(engine)},
        "imported_from": str(Path(biasaudit.__file__).parent),
    }


def _read_scored(path: str, columns: list[str]) -> Any:
    import pandas as pd

    return pd.read_parquet(path, columns=columns)


def work_scipy(path: str, side_file: str | None) -> dict[str, Any]:
    """Per nationality group: ks_2samp and mannwhitneyu against the reference group
    (the largest), roc_auc_score of the score for the outcome."""
    t_imp = time.perf_counter()
    import numpy as np
    import pandas as pd
    import scipy
    import sklearn
    from scipy.stats import ks_2samp, mannwhitneyu
    from sklearn.metrics import roc_auc_score

    import_s = time.perf_counter() - t_imp
    steps: dict[str, float] = {}

    def step(name: str, t0: float) -> None:
        steps[name] = steps.get(name, 0.0) + time.perf_counter() - t0

    def work() -> Any:
        t0 = time.perf_counter()
        df = _read_scored(path, [CHECK_ATTRIBUTE, "risk_score", "outcome"])
        by = {
            str(g): (part["risk_score"].to_numpy(), part["outcome"].to_numpy())
            for g, part in df.groupby(CHECK_ATTRIBUTE, sort=True, observed=True)
        }
        step("read + split", t0)
        ref = by[REFERENCE][0]
        out: dict[str, dict[str, float]] = {"ks": {}, "ks_p": {}, "prob_higher": {}, "auc": {}}
        for g, (s, y) in by.items():
            if g != REFERENCE:
                t0 = time.perf_counter()
                ks = ks_2samp(s, ref)
                step("ks_2samp", t0)
                t0 = time.perf_counter()
                mw = mannwhitneyu(s, ref)
                step("mannwhitneyu", t0)
                out["ks"][g], out["ks_p"][g] = float(ks.statistic), float(ks.pvalue)
                out["prob_higher"][g] = float(mw.statistic) / (len(s) * len(ref))
            t0 = time.perf_counter()
            out["auc"][g] = float(roc_auc_score(y, s))
            step("roc_auc_score", t0)
        return len(df), out

    (n, out), wall, cpu = _timed(work)
    if side_file:
        Path(side_file).write_text(json.dumps(out))
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "steps": steps,
        "rows_read": n,
        "table_rows": len(out["auc"]),
        "versions": {
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
    }


def _kth_highest(score: Any, k: int) -> float:
    import numpy as np

    return float(np.partition(score, len(score) - k)[len(score) - k])


def work_metricframe(path: str, side_file: str | None, check_from: str | None) -> dict[str, Any]:
    """fairlearn MetricFrame (selection rate, false positive rate) by nationality at the
    10 top-fraction thresholds (flag = score at or above the k-th highest)."""
    t_imp = time.perf_counter()
    import fairlearn
    import numpy as np
    import pandas as pd
    from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate

    import_s = time.perf_counter() - t_imp
    metrics = {"selection_rate": selection_rate, "false_positive_rate": false_positive_rate}

    def frame_at(df: pd.DataFrame, threshold: float) -> pd.DataFrame:
        mf = MetricFrame(
            metrics=metrics,
            y_true=df["outcome"],
            y_pred=(df["risk_score"] >= threshold).astype("int8"),
            sensitive_features=df[CHECK_ATTRIBUTE],
        )
        mf.difference(method="to_overall")
        mf.ratio(method="to_overall")
        return mf.by_group

    def as_side(by: pd.DataFrame, threshold: float) -> dict[str, Any]:
        side = {c: {str(g): float(v) for g, v in by[c].items()} for c in by}
        return {"threshold": threshold, **side}

    def work() -> Any:
        df = _read_scored(path, [CHECK_ATTRIBUTE, "risk_score", "outcome"])
        score = df["risk_score"].to_numpy()
        out = {}
        for p in FRACTIONS:
            threshold = _kth_highest(score, math.floor(p * len(df) + 1e-9))
            out[repr(p)] = (threshold, frame_at(df, threshold))
        return df, out

    (df, out), wall, cpu = _timed(work)
    if side_file:
        side: dict[str, Any] = {"exact": {p: as_side(by, t) for p, (t, by) in out.items()}}
        if check_from and Path(check_from).is_file():  # untimed: at biasaudit's thresholds
            ours = json.loads(Path(check_from).read_text())["sweep"]
            side["at_biasaudit"] = {
                p: as_side(frame_at(df, e["threshold"]), e["threshold"]) for p, e in ours.items()
            }
        Path(side_file).write_text(json.dumps(side))
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "rows_read": len(df),
        "table_rows": sum(by.size for _, by in out.values()),
        "versions": {"fairlearn": fairlearn.__version__, "numpy": np.__version__},
    }


def work_aequitas(path: str, side_file: str | None) -> dict[str, Any]:
    """Aequitas get_crosstabs on 5 attributes at the 10 top fractions (``rank_pct``)."""
    t_imp = time.perf_counter()
    import pandas as pd
    from aequitas.group import Group

    import_s = time.perf_counter() - t_imp

    def work() -> Any:
        df = pd.read_parquet(path, columns=[*GROUPS, "risk_score", "outcome"])
        df = df.rename(columns={"risk_score": "score", "outcome": "label_value"})
        for a in GROUPS:  # Aequitas wants attribute columns as Python strings (object)
            if df[a].dtype != object:
                df[a] = df[a].astype(object)
        xtab, _ = Group().get_crosstabs(
            df, score_thresholds={"rank_pct": list(FRACTIONS)}, attr_cols=GROUPS
        )
        return len(df), xtab

    (n, xtab), wall, cpu = _timed(work)
    if side_file:
        rows = xtab[xtab["attribute_name"] == CHECK_ATTRIBUTE]
        side: dict[str, Any] = {}
        for p in FRACTIONS:
            part = rows[rows["score_threshold"] == f"{p}_pct"]
            values = [str(v) for v in part["attribute_value"]]
            side[repr(p)] = {
                "selection_rate": dict(zip(values, map(float, part["pprev"]), strict=True)),
                "false_positive_rate": dict(zip(values, map(float, part["fpr"]), strict=True)),
                "k": float(part["k"].iloc[0]) if len(part) else math.nan,
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


def worker_main(args: argparse.Namespace) -> int:
    spec = json.loads(args.spec)
    kind, path, side = spec["worker"], spec.get("path"), args.side
    if kind == "make-data":
        make_scores_file(Path(spec["source"]), Path(path), spec["rows"], spec["seed"])
        return 0
    if kind == "biasaudit":
        out = work_biasaudit(path, spec["engine"], spec["variant"], side)
    elif kind == "scipy":
        out = work_scipy(path, side)
    elif kind == "metricframe":
        out = work_metricframe(path, side, spec.get("check_from"))
    elif kind == "aequitas":
        out = work_aequitas(path, side)
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
    """Run one of this script's workers in a fresh interpreter; add its wall time and
    peak RSS (shapes.run_child, which starts shapes.py's workers, for this script)."""
    with tempfile.TemporaryDirectory() as tmp:
        result, log = Path(tmp) / "result.json", Path(tmp) / "stderr.txt"
        cmd = [python, str(Path(__file__).resolve()), "--spec", json.dumps(spec)]
        cmd += ["--result", str(result)] + (["--side", str(side)] if side else [])
        t0 = time.perf_counter()
        with open(log, "wb") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
            timer = threading.Timer(timeout, proc.kill)
            timer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)  # this one child's rusage
            finally:
                timer.cancel()
        code = os.waitstatus_to_exitcode(status)
        out: dict[str, Any] = {"process_s": time.perf_counter() - t0}
        out["peak_rss_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
        if code != 0 or not result.is_file():
            tail = log.read_text(errors="replace").strip().splitlines()[-8:]
            why = "timed out" if code == -9 else f"exit {code}"
            return {"error": f"{why}: " + " | ".join(tail), **out}
        return {**json.loads(result.read_text()), **out}


TOOLS = {
    ("biasaudit", "derived"): "biasaudit score audit",
    ("biasaudit", "column"): "biasaudit score audit, flag column",
    ("biasaudit", "plain"): "biasaudit, no score role",
}


def plan(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The measurements, one dict per table row (``base``: the row ratios divide by)."""
    runs: list[dict[str, Any]] = []

    def add(n: int, tool: str, groups: str, worker: str, **kw: Any) -> None:
        kw.setdefault("repeat", args.repeat)
        data = f"{n:,} rows"
        runs.append(
            {
                "key": f"{tool}|{data}",
                "tool": tool,
                "data": data,
                "groups": groups,
                "worker": worker,
                "rows": n,
                "base": f"{BASE_TOOL}|{data}",
                **kw,
            }
        )

    five, one = f"{len(GROUPS)}", f"1 ({CHECK_ATTRIBUTE})"
    for n in args.rows:
        check = n == args.check_rows
        for variant, engine in (
            ("derived", "duckdb"),
            ("derived", "pandas"),
            ("column", "duckdb"),
            ("plain", "duckdb"),
            ("plain", "pandas"),
        ):
            add(
                n,
                f"{TOOLS['biasaudit', variant]} ({engine})",
                five,
                "biasaudit",
                engine=engine,
                variant=variant,
                side=check and variant == "derived" and engine == "duckdb",
            )
        if n <= args.scipy_max_rows:
            add(n, "scipy KS + MW, sklearn AUC", one, "scipy", repeat=1, side=check)
        if n <= args.metricframe_max_rows:
            add(
                n,
                "fairlearn MetricFrame, 10 thresholds",
                one,
                "metricframe",
                repeat=1,
                side=check,
            )
        if n <= args.aequitas_max_rows:
            add(
                n,
                "Aequitas get_crosstabs, 10 thresholds",
                five,
                "aequitas",
                repeat=1,
                side=check,
            )
    return runs


def fmt_table(rows: list[dict[str, Any]]) -> list[list[str]]:
    by_key = {r["key"]: r for r in rows if "wall_s" in r}
    out = [["tool", "data", "groups", "wall s", "CPU s", "peak RSS MB", "× time", "× RSS"]]
    for r in rows:
        b = by_key.get(r["base"])
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


def _short(r: dict[str, Any]) -> str:
    """Column heading of a biasaudit row in the breakdown, e.g. ``duckdb, 1M``."""
    kind = "flag column, " if "flag column" in r["tool"] else ""
    return f"{kind}{r['engine']}, {r['rows'] / 1e6:g}M"


def step_table(rows: list[dict[str, Any]]) -> list[list[str]]:
    """Where the time goes in each biasaudit score audit (medians of the runs)."""
    shown = [r for r in rows if r.get("steps") and r.get("variant") in ("derived", "column")]
    out = [["step", *map(_short, shown)]]
    for key, label in STEP_LABELS.items():
        if not any(key in r["steps"] for r in shown):
            continue
        cells = []
        for r in shown:
            v = r["steps"].get(key)
            cells.append("-" if v is None else f"{v:.2f} ({v / r['wall_s']:.0%})")
        out.append([label, *cells])
    out.append(["whole call (wall s)", *(f"{r['wall_s']:.2f}" for r in shown)])
    return out


def raw_steps(rows: list[dict[str, Any]]) -> list[str]:
    """The scipy / sklearn row's steps, one line per file."""
    return [
        f"{r['tool']}, {r['data']}: " + ", ".join(f"{k} {v:.2f} s" for k, v in r["steps"].items())
        for r in rows
        if r.get("worker") == "scipy" and r.get("steps")
    ]


def _render_steps_md(table: list[list[str]]) -> str:
    lines = ["| " + " | ".join(table[0]) + " |", "|---|" + "---:|" * (len(table[0]) - 1)]
    lines += [
        "| " + " | ".join(c.replace("  ", "&nbsp;&nbsp;") for c in row) + " |" for row in table[1:]
    ]
    return "\n".join(lines)


def _render_steps_text(table: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in table
    )


def sanity_check(side: dict[str, Path]) -> list[str]:
    """KS statistics, Mann-Whitney shares and AUCs per nationality group; the sweep's
    selection and false positive rates against MetricFrame's and Aequitas'."""
    lines: list[str] = []

    def load(name: str) -> Any:
        path = side.get(name)
        return json.loads(path.read_text()) if path and path.is_file() else None

    ours, sp, mf, aq = load("biasaudit"), load("scipy"), load("metricframe"), load("aequitas")
    if ours is None:
        return ["sanity check skipped: no biasaudit result"]

    def finite(d: dict[str, float]) -> dict[str, float]:
        return {g: v for g, v in d.items() if v == v}

    if sp is not None:
        for key, label in (
            ("ks", "KS statistic (scipy ks_2samp)"),
            ("prob_higher", "P(score above reference) (scipy mannwhitneyu U / nm)"),
            ("auc", "AUC (sklearn roc_auc_score)"),
        ):
            worst, k, missing = _max_diff(finite(ours[key]), finite(sp[key]))
            extra = f"; groups in only one: {missing}" if missing else ""
            lines.append(
                f"{CHECK_ATTRIBUTE}: {label}: max |diff| over {k} groups = {worst:.2g}{extra}"
            )
    if mf is not None:
        exact_same, exact_diff, thr_diff = [], [], []
        for p, e in ours["sweep"].items():
            theirs = mf["exact"].get(p)
            if theirs is None:
                continue
            thr_diff.append(abs(e["threshold"] - theirs["threshold"]))
            worst = max(
                _max_diff(e[m], theirs[m])[0] for m in ("selection_rate", "false_positive_rate")
            )
            (exact_same if e["threshold"] == theirs["threshold"] else exact_diff).append(
                (float(p), worst)
            )
        if exact_same:
            lines.append(
                "sweep vs MetricFrame where the thresholds are the same score "
                f"({', '.join(f'{p:g}' for p, _ in exact_same)}): selection_rate and "
                f"false_positive_rate max |diff| = {max(w for _, w in exact_same):.2g}"
            )
        if exact_diff:
            lines.append(
                "sweep vs MetricFrame at the exact k-th highest score, where biasaudit's "
                f"threshold is a bin edge ({', '.join(f'{p:g}' for p, _ in exact_diff)}): "
                f"max |threshold diff| = {max(thr_diff):.2g}"
                + f" (widest bin {ours.get('bin_width', math.nan):.3g})"
                + f", rates max |diff| = {max(w for _, w in exact_diff):.2g}"
            )
        if "at_biasaudit" in mf:
            worst = max(
                _max_diff(e[m], mf["at_biasaudit"][p][m])[0]
                for p, e in ours["sweep"].items()
                if p in mf["at_biasaudit"]
                for m in ("selection_rate", "false_positive_rate")
            )
            lines.append(
                "sweep vs MetricFrame at biasaudit's own 10 thresholds (flag = score >= "
                f"threshold): selection_rate and false_positive_rate max |diff| = {worst:.2g}"
            )
    if aq is not None:
        same, other = [], []
        for p, e in ours["sweep"].items():
            if p not in aq:
                continue
            worst = max(
                _max_diff(e[m], aq[p][m])[0] for m in ("selection_rate", "false_positive_rate")
            )
            exact = (
                mf is not None
                and p in mf["exact"]
                and mf["exact"][p]["threshold"] == e["threshold"]
            )
            (same if exact else other).append((float(p), worst))
        if same:
            lines.append(
                "sweep vs Aequitas rank_pct where the thresholds are the same "
                f"({', '.join(f'{p:g}' for p, _ in same)}): rates max |diff| = "
                f"{max(w for _, w in same):.2g}"
            )
        if other:
            lines.append(
                f"sweep vs Aequitas rank_pct elsewhere: rates max |diff| = "
                f"{max(w for _, w in other):.2g}"
            )
    return lines


def prepare_data(rows: list[int], seed: int, timeout: float) -> dict[int, Path]:
    """run.py's synthetic files, then the scored files derived from them (subprocesses)."""
    sources = ensure_data(rows, seed)
    paths = {}
    for n in rows:
        paths[n] = scores_path(n)
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


def _median_steps(good: list[dict[str, Any]]) -> dict[str, float]:
    keys = {k for r in good for k in r.get("steps", {})}
    return {k: statistics.median(r["steps"].get(k, 0.0) for r in good) for k in keys}


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
    side_dir = Path(tempfile.mkdtemp(prefix="biasaudit-scores-"))
    side: dict[str, Path] = {}
    results: list[dict[str, Any]] = []
    versions: dict[str, str] = {}
    skipped: list[str] = []
    t_start = time.perf_counter()
    for spec in plan(args):
        label = f"{spec['tool']}, {spec['data']}, {spec['groups']}"
        if spec["worker"] == "aequitas" and not have_aequitas:
            skipped.append(f"{label}: {aequitas_python} not found")
            continue
        python = aequitas_python if spec["worker"] == "aequitas" else sys.executable
        side_file = None
        if spec.get("side"):
            side_file = side[spec["worker"]] = side_dir / f"{spec['worker']}.json"
        child = {k: v for k, v in spec.items() if k not in ("side", "key", "base", "repeat")}
        child["path"] = str(paths[spec["rows"]])
        if spec["worker"] == "metricframe" and "biasaudit" in side:
            child["check_from"] = str(side["biasaudit"])
        print(f"running {label} (x{spec['repeat']}) ...", file=sys.stderr, flush=True)
        runs, busy = [], 0.0
        for _ in range(spec["repeat"]):
            busy = max(busy, wait_idle(args.idle_wait, BUSY))
            runs.append(
                run_child(
                    python,
                    child,
                    side=side_file,
                    timeout=args.timeout,
                    env=env if spec["worker"] == "biasaudit" else None,
                )
            )
            if "error" in runs[-1]:
                break
        row, good = summarise_runs(spec, runs, busy)
        if good:
            row["steps"] = _median_steps(good)
            versions.update(good[0]["versions"])
            print(
                f"  wall {row['wall_s']:.2f} s (runs: "
                f"{', '.join(f'{w:.2f}' for w in row['wall_all_s'])}), "
                f"peak RSS {row['peak_rss_mb']:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
            if row["rows_read"] != spec["rows"]:
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
    command = "python benchmarks/scores.py " + " ".join(sys.argv[1:])
    table, steps = fmt_table(results), step_table(results)
    busiest = max((r.get("busy_cores_before", 0.0) for r in results), default=0.0)
    notes = [
        "wall s: median of the runs, from the start of reading the data to the finished "
        "result (library imports not included); CPU s: user + system CPU time of the same "
        "span; peak RSS: maximum resident set size of the tool's own process (os.wait4 "
        "ru_maxrss), imports included. × time, × RSS: against biasaudit score audit "
        "(duckdb) on the same rows.",
        f"biasaudit rows: {args.repeat} runs each (median); scipy/sklearn, fairlearn and "
        "Aequitas: 1 run.",
        "Data: make_data.py's records (people, 5 attributes, outcomes) plus a continuous "
        "`risk_score` in (0, 1) (every value distinct: biasaudit bins it, 200 bins split at "
        "the exact top-10% cut-off) and `flagged` = its top 10% (scores_<rows>.parquet, "
        "derived by this script).",
        "biasaudit score audit: `audit(path, roles={score, outcome}, groups=5 attributes, "
        "threshold={'top_fraction': 0.1}, scores={'sweep': 'top_fraction', points: 10}, "
        "engine=...)`, results table and `score_analysis` (distributions with KS and "
        "Mann-Whitney, quantiles, deciles, top-decile excess, AUC per group with DeLong "
        "intervals, calibration, sweep at 10 top fractions, what-if thresholds); "
        "'flag column': the same with roles={flagged, score, outcome} (no cut-off to "
        "derive); 'no score role': roles={flagged, outcome}, the plain audit of the same "
        "decisions. No intersections; min_cell=10 throughout.",
        f"scipy KS + MW, sklearn AUC: `read_parquet` of 3 columns, then per {CHECK_ATTRIBUTE} "
        f"group `ks_2samp` and `mannwhitneyu` against {REFERENCE} (5 each) and "
        "`roc_auc_score` (6): one attribute of biasaudit's five, no intervals, no p-value "
        "adjustment.",
        "fairlearn MetricFrame: selection_rate and false_positive_rate by "
        f"{CHECK_ATTRIBUTE} (plus difference() and ratio()) at the 10 top fractions "
        f"{', '.join(f'{p:g}' for p in FRACTIONS)}, each threshold the exact k-th highest "
        "score (numpy partition). Aequitas: `get_crosstabs(score_thresholds={'rank_pct': "
        "those 10}, attr_cols=5 attributes)` (it sorts the rows and counts per attribute).",
        "Breakdown: biasaudit's steps timed inside the worker by wrapping its functions "
        "(inclusive time, median of the runs; indented rows are part of the row above "
        "them).",
        *raw_steps(results),
        f"Before each run the script waited (up to {args.idle_wait:.0f} s) until other "
        f"processes used under {BUSY} cores; rows marked * were measured while more were "
        f"busy (the most seen before a run: {busiest:.1f} cores).",
    ]
    sys.stderr.flush()
    print()
    print(f"biasaudit score-analysis benchmark, {stamp}; {host}")
    print(f"versions: {vers}")
    print(f"biasaudit commit: {commit}")
    print(f"command: {command}  (measuring took {total_s / 60:.1f} min)")
    print()
    print(render_text(table))
    print()
    print(_render_steps_text(steps))
    for line in raw_steps(results):
        print(line)
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
            SECTION_PARENT,
            "",
            SECTION_HEADING,
            "",
            f"- date: {stamp}",
            f"- machine: {host}",
            f"- versions: {vers}",
            f"- biasaudit commit: {commit}",
            f"- command: `{command}` (measuring took {total_s / 60:.1f} min)",
            "",
            render_md(table),
            "",
            "Where the time goes (seconds and share of the whole call):",
            "",
            _render_steps_md(steps),
            "",
            *[f"- {n}" for n in notes],
            "",
        ]
        if checks:
            md += ["Same numbers as the other tools:", ""] + [f"- {c}" for c in checks] + [""]
        if skipped or failed:
            md += [f"- skipped: {line}" for line in skipped]
            md += [f"- failed: {r['tool']}, {r['data']}: {r['error']}" for r in failed]
            md.append("")
        if args.findings and args.findings.is_file():
            md += [args.findings.read_text(encoding="utf-8").rstrip(), ""]
        old = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        text = _replace(old, "\n".join(md))
        args.output.write_text(text, encoding="utf-8")
        print(f"\nwrote the section {SECTION_PARENT!r} of {args.output}", file=sys.stderr)
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


def _replace(text: str, section: str) -> str:
    """``text`` with this benchmark's section (from SECTION_PARENT to the next ``## ``
    heading) replaced, or appended."""
    start = text.find(SECTION_PARENT + "\n")
    if start < 0:
        return text.rstrip("\n") + "\n\n" + section
    end = text.find("\n## ", start + len(SECTION_PARENT))
    rest = text[end + 1 :] if end >= 0 else ""
    return text[:start] + section + ("\n" + rest if rest else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark biasaudit's score analyses against scipy, sklearn, "
        "fairlearn and Aequitas."
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of the biasaudit rows")
    for tool, default in (("scipy", 10_000_000), ("metricframe", 1_000_000)):
        parser.add_argument(
            f"--{tool}-max-rows",
            type=int,
            default=default,
            help=f"skip the {tool} row above this many rows",
        )
    parser.add_argument("--aequitas-max-rows", type=int, default=10_000_000)
    parser.add_argument("--aequitas-python", type=Path, default=AEQUITAS_PYTHON)
    parser.add_argument(
        "--check-rows",
        type=int,
        default=1_000_000,
        help="file on which biasaudit's numbers are compared with the other tools'",
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
        "--write", action="store_true", help="replace (or append) this benchmark's section"
    )
    parser.add_argument("--output", type=Path, default=RESULTS_MD)
    parser.add_argument(
        "--findings", type=Path, default=None, help="with --write: a Markdown note to add"
    )
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
