"""Spark as an engine: a real local Spark (PyPI pyspark on Debian's Java runtime) counts
the records in one aggregation, and every table and output file equals pandas' own.

One session per pytest worker (a session fixture), so Spark's start-up is paid once
per worker. If Java or Spark cannot start, these tests fail: ``./scripts/setup_spark``
installs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biasaudit import RecordsError, UndefinedRateWarning, audit
from biasaudit.cli import main
from biasaudit.io import open_records
from biasaudit.io._spark import spark_session
from biasaudit.synthetic._generate import generate_welfare

pytestmark = [pytest.mark.services, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
BIASAUDIT = Path(sys.executable).parent / "biasaudit"
WELFARE = {
    "roles": {
        "id": "case_id",
        "score": "risk_score",
        "flagged": "selected",
        "investigated": "investigated",
        "outcome": "fraud_found",
    },
    "codes": {"outcome": {"yes": ["Errors Found"], "no": ["No Errors Found"], "unknown": [""]}},
    "groups": ["gender", "age_band", "nationality", "household"],
    "intersections": [["gender", "nationality"]],
    "reference": {"gender": "M", "nationality": "Dutch"},
}


@pytest.fixture(scope="session")
def spark():
    """biasaudit's own local session (the one a CLI run starts), one per pytest worker:
    Java must be there."""
    return spark_session()


@pytest.fixture(scope="module")
def welfare(tmp_path_factory) -> tuple[Path, Path]:
    """The synthetic welfare records as CSV (blanks for unknown outcomes) and Parquet."""
    folder = tmp_path_factory.mktemp("welfare")
    df = generate_welfare(6_000, seed=11)
    df.to_csv(folder / "decisions.csv", index=False)
    df.to_parquet(folder / "decisions.parquet", index=False)
    return folder / "decisions.csv", folder / "decisions.parquet"


def assert_same(result, expected) -> None:
    """Count tables, every metric, the score analyses, the ledger and the flag rule."""
    pd.testing.assert_frame_equal(result.counts.table, expected.counts.table)
    pd.testing.assert_frame_equal(result.table, expected.table)
    assert result.ledger == expected.ledger
    assert result.flag_rule == expected.flag_rule
    assert (result.score_analysis is None) == (expected.score_analysis is None)
    if expected.score_analysis is not None:
        assert set(result.score_analysis.tables) == set(expected.score_analysis.tables)
        for name, table in expected.score_analysis.tables.items():
            pd.testing.assert_frame_equal(result.score_analysis.tables[name], table)
    if expected.adjusted is not None:
        pd.testing.assert_frame_equal(result.adjusted.table, expected.adjusted.table)


def test_welfare_file_and_dataframe_on_spark_equal_pandas(spark, welfare):
    """Selective labels, a continuous score (binned, swept, its top decile) and the
    id check: the CSV read by Spark and a DataFrame from the caller's own session."""
    csv, parquet = welfare
    expected = audit(csv, **WELFARE)
    from_csv = audit(csv, engine="spark", **WELFARE)
    assert_same(from_csv, expected)
    assert from_csv.source.engine == "spark"
    assert from_csv.source.sha256 == expected.source.sha256
    assert from_csv.source.options["spark_version"] == spark.version
    from_frame = audit(spark.read.parquet(str(parquet)), **WELFARE)
    assert_same(from_frame, expected)
    assert from_frame.source.name == "in-memory pyspark.DataFrame"


@pytest.mark.parametrize(
    ("threshold", "regression"),
    [
        ({"top_k": 1500}, None),
        (
            {"top_fraction": 0.3},
            {
                "decision": "score_text",
                "positive": ["Medium", "High"],
                "covariates": ["priors_count"],
                "numeric": ["priors_count"],
            },
        ),
    ],
    ids=["top_k", "top_fraction+regression"],
)
def test_compas_on_spark_equals_pandas(spark, compas_path, threshold, regression):
    """ProPublica's file (duplicate column names, exact scores) read by Spark: the
    flag from the k-th highest score, the count tables, the metrics, the regression."""
    kw = {
        "roles": {"id": "id", "score": "decile_score", "outcome": "two_year_recid"},
        "groups": ["race", "sex"],
        "intersections": [["race", "sex"]],
        "reference": {"race": "Caucasian"},
        "threshold": threshold,
        "regression": regression,
    }
    with warnings.catch_warnings():  # empty cells of race × sex: the same on both engines
        warnings.simplefilter("ignore", UndefinedRateWarning)
        expected = audit(compas_path, **kw)
        result = audit(compas_path, engine="spark", **kw)
    assert_same(result, expected)


def test_random_audit_sample_on_spark_equals_pandas(spark):
    """The bundled random-audit-sample scenario: estimates from the random sample."""
    folder = REPO / "datasets" / "random-audit-sample"
    kw = {
        "roles": {
            "id": "case_id",
            "score": "risk_score",
            "flagged": "flagged",
            "investigated": "investigated",
            "outcome": "outcome",
            "sample": "sample",
        },
        "groups": ["gender", "migration_background"],
        "reference": {"gender": "M", "migration_background": "none"},
        "bootstrap_samples": 200,
        "seed": 1,
    }
    expected = audit(folder / "decisions.csv", **kw)
    assert_same(audit(folder / "decisions.csv", engine="spark", **kw), expected)


def test_spark_finds_the_same_problems(spark, tmp_path):
    """Validation works on the grouped table, so Spark names the same problems (a lazy
    engine gives no row numbers); a missing column and an unknown code too."""
    df = pd.DataFrame(
        {
            "id": ["a", "b", "b", "c", "d", "e"],
            "sex": ["F", "M", "F", None, "M", "F"],
            "flag": ["yes", "no", "maybe", "yes", "no", "yes"],
            "inv": ["yes", "no", "no", "yes", "no", "yes"],
            "fraud": ["no", "yes", "", "yes", "", "no"],
            "w": [1.0, 2.0, -1.0, 1.0, 1.0, 1.0],
        }
    )
    path = tmp_path / "bad.parquet"
    df.to_parquet(path, index=False)
    kw = {
        "roles": {
            "id": "id",
            "flagged": "flag",
            "investigated": "inv",
            "outcome": "fraud",
            "weight": "w",
        },
        "codes": {"outcome": {"yes": ["yes"], "no": ["no"], "unknown": [""]}},
        "groups": "sex",
        "missing": "error",
    }
    problems = {}
    for engine in ("duckdb", "spark"):
        with pytest.raises(RecordsError) as info:
            audit(path, engine=engine, **kw)
        problems[engine] = info.value.problems.drop(columns="row")
    pd.testing.assert_frame_equal(problems["spark"], problems["duckdb"])
    assert sorted(problems["spark"]["reason"]) == [
        "duplicate_id",
        "missing_group",
        "negative_weight",
        "outcome_without_investigation",
        "unmapped_code",
    ]
    # a column that is not there, and a score that is not a number (CSV: read as text)
    csv = tmp_path / "bad.csv"
    df.assign(s=["0.1", "0.2", "high", "0.4", "0.5", "0.6"]).to_csv(csv, index=False)
    kw = {"roles": {"score": "s", "outcome": "fraud"}, "groups": ["sex", "nationality"]}
    kw["threshold"] = {"top_k": 2}
    messages = {}
    for engine in ("duckdb", "spark"):
        with pytest.raises(RecordsError) as info:
            audit(csv, engine=engine, **kw)
        messages[engine] = sorted(p.message for p in info.value.problems_list)
    assert messages["spark"] == messages["duckdb"]
    assert any("column not found" in m for m in messages["spark"])


def test_what_spark_cannot_read_is_named(spark, tmp_path, capfd):
    """Excel is not read by Spark; an unreadable file and a table that is not in the
    catalog are named problems (no Java stack trace); the CLI exits 2, writes nothing."""
    xlsx = tmp_path / "r.xlsx"
    pd.DataFrame({"sex": ["F"], "flag": [1]}).to_excel(xlsx, index=False)
    kw = {"roles": {"flagged": "flag"}, "groups": "sex", "engine": "spark"}
    with pytest.raises(RecordsError, match="engine 'spark' reads Parquet and CSV"):
        audit(xlsx, **kw)
    with pytest.raises(RecordsError, match="engine 'spark' reads a path .* got DataFrame"):
        audit(pd.DataFrame({"sex": ["F"], "flag": [1]}), **kw)
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(RecordsError) as info:
        audit(tmp_path / "broken.parquet", **kw)
    assert "Spark failed to read 'broken.parquet' as parquet: " in str(info.value)
    assert "\tat " not in str(info.value)
    with pytest.raises(RecordsError) as info:
        open_records(None, columns=["sex"], engine="spark", table="no_such_db.decisions")
    message = str(info.value)
    assert "Spark failed to read the table 'no_such_db.decisions'" in message
    assert "at org.apache" not in message and "Traceback" not in message
    config = tmp_path / "audit.toml"
    config.write_text(
        '[data]\nengine = "spark"\ntable = "no_such_db.decisions"\n'
        '[roles]\nflagged = "flag"\n[groups]\nattributes = ["sex"]\n'
        '[output]\ndir = "out"\n',
        encoding="utf-8",
    )
    capfd.readouterr()
    assert main(["audit", str(config), "--quiet"]) == 2
    assert not (tmp_path / "out").exists()
    err = capfd.readouterr().err
    assert err.startswith("error: ") and "Spark failed to read the table" in err
    assert "at org.apache" not in err and "Traceback" not in err


def test_cli_with_engine_spark_writes_the_report_folder(welfare, tmp_path):
    """A user's run: ``[data] engine = "spark"`` and a Parquet path, in a new process
    (biasaudit starts its own local session): clean output, the same files as pandas."""
    _, parquet = welfare
    config = (REPO / "datasets/welfare-synthetic/audit.toml").read_text(encoding="utf-8")
    config = config.replace('path = "decisions.csv"', f'path = "{parquet.as_posix()}"')
    for engine in ("pandas", "spark"):
        text = config.replace("[data]\n", f'[data]\nengine = "{engine}"\n')
        text = text.replace('dir = "../../reports/welfare-synthetic"', f'dir = "{engine}"')
        (tmp_path / f"{engine}.toml").write_text(text, encoding="utf-8")
    spark_run = subprocess.run(
        [str(BIASAUDIT), "audit", "spark.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert spark_run.returncode == 0, spark_run.stderr
    assert spark_run.stderr == "", spark_run.stderr  # no Spark log noise
    assert main(["audit", str(tmp_path / "pandas.toml"), "--quiet"]) == 0
    spark_out, pandas_out = tmp_path / "spark", tmp_path / "pandas"
    assert (spark_out / "report.html").is_file()
    assert (spark_out / "results.csv").read_bytes() == (pandas_out / "results.csv").read_bytes()
    for name in sorted(p.name for p in (pandas_out / "tables").iterdir()):
        assert (spark_out / "tables" / name).read_bytes() == (
            pandas_out / "tables" / name
        ).read_bytes()
    results = [json.loads((out / "results.json").read_text()) for out in (spark_out, pandas_out)]
    for r in results:
        r.pop("source", None)
        r.pop("manifest", None)
    assert results[0] == results[1]
    manifest = json.loads((spark_out / "manifest.json").read_text(encoding="utf-8"))
    source = manifest["input"]
    assert source["engine"] == "spark"
    assert source["path"] == parquet.as_posix()
    assert source["sha256"] is not None and source["spark_version"]


def test_link_on_spark(spark, tmp_path):
    """Protected attributes from a second file join the decisions in Spark."""
    rng = np.random.default_rng(3)
    decisions = pd.DataFrame(
        {"case": [f"c{i}" for i in range(300)], "flag": rng.choice(["yes", "no"], 300)}
    )
    people = pd.DataFrame(
        {"case": [f"c{i}" for i in range(0, 320, 1)], "sex": rng.choice(["F", "M"], 320)}
    ).drop(index=[5, 6])
    decisions.to_parquet(tmp_path / "d.parquet", index=False)
    people.to_csv(tmp_path / "p.csv", index=False)
    kw = {
        "roles": {"flagged": "flag"},
        "groups": "sex",
        "link": {"path": tmp_path / "p.csv", "on": "case"},
    }
    expected = audit(tmp_path / "d.parquet", **kw)
    assert_same(audit(tmp_path / "d.parquet", engine="spark", **kw), expected)


def test_without_java_the_cli_names_the_problem(tmp_path):
    """No Java runtime: exit 2 with what Spark needs, not a stack trace."""
    config = tmp_path / "audit.toml"
    (tmp_path / "d.parquet").write_bytes(b"")
    config.write_text(
        '[data]\nengine = "spark"\npath = "d.parquet"\n'
        '[roles]\nflagged = "flag"\n[groups]\nattributes = ["sex"]\n',
        encoding="utf-8",
    )
    proc = subprocess.run(
        [str(BIASAUDIT), "audit", "audit.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "JAVA_HOME": str(tmp_path / "no-java")},
    )
    assert proc.returncode == 2
    assert "could not start a local Spark session" in proc.stderr
    assert "Spark needs a Java runtime" in proc.stderr
    assert "Traceback" not in proc.stderr and "warning" not in proc.stderr
    assert not (tmp_path / "reports").exists()


def test_catalog_table_from_the_config(spark, tmp_path):
    """``[data] engine = "spark"`` with ``table``: a table (here a view) of the session's
    catalog, counted as its DataFrame would be; the manifest names the table."""
    rng = np.random.default_rng(5)
    df = pd.DataFrame(
        {"sex": rng.choice(["F", "M", "X"], 400), "flag": rng.choice(["yes", "no"], 400)}
    )
    df.to_parquet(tmp_path / "d.parquet", index=False)
    spark.read.parquet(str(tmp_path / "d.parquet")).createOrReplaceTempView("biasaudit_test")
    config = tmp_path / "audit.toml"
    config.write_text(
        '[data]\nengine = "spark"\ntable = "biasaudit_test"\n'
        '[roles]\nflagged = "flag"\n[groups]\nattributes = ["sex"]\n[output]\ndir = "out"\n',
        encoding="utf-8",
    )
    assert main(["audit", str(config), "--quiet"]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["input"]["table"] == "biasaudit_test"
    assert manifest["input"]["kind"] == "table" and manifest["input"]["engine"] == "spark"
    expected = audit(df, roles={"flagged": "flag"}, groups="sex")
    written = pd.read_csv(tmp_path / "out" / "results.csv")
    assert len(written) == len(expected.table)
    assert manifest["row_ledger"]["rows_read"] == 400


def test_periods_on_spark_equal_pandas(spark, welfare):
    """An audit by period (issue 18): Spark groups by the period in the same pass, and
    every period's rows and the change table equal pandas'."""
    df = generate_welfare(6_000, seed=11)
    df["year"] = np.where(np.arange(len(df)) % 3 == 0, 2023, 2024)  # a number in Spark
    kw = {**WELFARE, "roles": {**WELFARE["roles"], "period": "year"}}
    with pytest.warns(UndefinedRateWarning):  # a small intersection of one year
        expected = audit(df, **kw)
    with pytest.warns(UndefinedRateWarning):
        result = audit(spark.createDataFrame(df), **kw)
    assert_same(result, expected)
    assert result.change.periods == ("2023", "2024")
    pd.testing.assert_frame_equal(result.change.table, expected.change.table)
