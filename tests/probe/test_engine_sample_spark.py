"""Probing records in Spark (a real local session): Spark draws the hash sample and
only its rows come back; the sample has the size asked for, the same seed draws the
same rows (from Parquet, from CSV, from a DataFrame, however partitioned), and the flip
results equal pandas on exactly the rows an independent MD5 ranking picks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biasaudit import RecordsError
from biasaudit.cli import main
from biasaudit.io import open_records, rows_in_memory
from biasaudit.io._spark import spark_session
from biasaudit.probe import as_model, flip_experiment
from biasaudit.synthetic import generate_probe_records, probe_logit, probe_model

pytestmark = [pytest.mark.services, pytest.mark.slow]

N, BLANK, SAMPLE, SEED = 12_000, 3, 2_000, 21
FLIP = {"attribute": "gender", "map": {"F": "M", "M": "F"}}


def oracle(df: pd.DataFrame, key: str, seed: int, k: int) -> pd.DataFrame:
    """By hand: the k records whose MD5 hex digest of "<seed>:<key>" is lowest (whole
    numbers written without decimals), in that order."""
    keyed = df[df[key].notna()]
    text = [str(int(v)) if isinstance(v, int | float | np.number) else str(v) for v in keyed[key]]
    digest = [hashlib.md5(f"{seed}:{t}".encode()).hexdigest() for t in text]
    order = np.argsort(np.array(digest), kind="stable")[:k]
    return keyed.iloc[order].reset_index(drop=True)


@pytest.fixture(scope="session")
def spark():
    return spark_session()


@pytest.fixture(scope="module")
def folder(tmp_path_factory, spark) -> Path:
    """The records as CSV (the key with blanks) and as Parquet; the model."""
    import skops.io as sio

    root = tmp_path_factory.mktemp("probe-spark")
    df = generate_probe_records(N, seed=4)
    df["row_id"] = pd.array(np.arange(N) * 13 + 1, dtype="Int64")
    df.loc[[0, 500, 11_999], "row_id"] = pd.NA
    df.to_csv(root / "people.csv", index=False)
    df.to_parquet(root / "people.parquet", index=False)
    sio.dump(probe_model(df), root / "model.skops")
    return root


@pytest.fixture(scope="module")
def people(folder) -> pd.DataFrame:
    return pd.read_parquet(folder / "people.parquet")


def _config(folder: Path, data: str, probe: str, name: str = "probe") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(
        f'[data]\n{data}\n[groups]\nattributes = ["gender", "nationality"]\n[model]\n'
        f'path = "model.skops"\n[probe]\n{probe}\n[[probe.flips]]\nattribute = "gender"\n'
        f'map = {{ F = "M", M = "F" }}\n[stats]\nseed = {SEED}\n',
        encoding="utf-8",
    )
    return path


def test_spark_draws_the_sample_and_the_flips_equal_pandas(folder, people, capsys):
    rows = oracle(people, "row_id", SEED, SAMPLE)
    expected = flip_experiment(
        rows,
        as_model(probe_model(people)),
        [FLIP],
        groups=["gender", "nationality"],
        population=N - BLANK,
        seed=SEED,
    ).published()
    numbers = [c for c in expected.columns if c not in ("flip", "attribute", "group", "note")]
    tables = {}
    for name in ("people.parquet", "people.csv"):
        config = _config(
            folder,
            f'path = "{name}"\nengine = "spark"',
            f'sample = {SAMPLE}\nsample_key = "row_id"',
        )
        out = folder / f"out-{name}"
        assert main(["probe", str(config), "--out", str(out), "--quiet"]) == 0
        printed = capsys.readouterr().out
        got = pd.read_csv(out / "tables" / "probe-flips.csv")
        pd.testing.assert_frame_equal(
            got[numbers].astype(float), expected[numbers].astype(float), rtol=0, atol=1e-12
        )
        tables[name] = (out / "tables" / "probe-flips.csv").read_bytes()
        # the planted truth by hand on the sampled women
        women = rows[rows["gender"] == "F"]
        eta = probe_logit(women)
        truth = np.mean(1 / (1 + np.exp(-(eta - 0.6))) - 1 / (1 + np.exp(-eta)))
        row = got[(got["attribute"] == "gender") & (got["group"] == "F")].iloc[0]
        assert row["mean_change"] == pytest.approx(truth, abs=1e-9)
        sampling = json.loads((out / "probe.json").read_text(encoding="utf-8"))["sampling"]
        assert (sampling["drawn"], sampling["population"], sampling["blank_keys"]) == (
            SAMPLE,
            N - BLANK,
            BLANK,
        )
        assert sampling["engine"].startswith("spark 4")
        html = (out / "report.html").read_text(encoding="utf-8")
        assert f"a sample of 2,000 of the 11,997 records of {name}" in html
        assert "followed by their row_id is lowest (seed 21)" in html
        assert "Every result is an estimate for those 11,997 records" in html
        assert "drawn by spark 4" in printed
    # CSV (the key read as text) and Parquet (as a number) give the same file
    assert tables["people.csv"] == tables["people.parquet"]


def test_the_same_seed_draws_the_same_rows_however_spark_partitions(spark, folder, people):
    def draw(data, seed: int, **options) -> pd.DataFrame:
        records = open_records(
            data, columns=["row_id", "income"], text_columns=["row_id"], **options
        )
        rows, how = rows_in_memory(records, sample=300, key="row_id", seed=seed)
        assert len(rows) == 300 and how.population == N - BLANK
        return rows

    parquet = draw(folder / "people.parquet", 6, engine="spark")
    again = draw(folder / "people.parquet", 6, engine="spark")
    pd.testing.assert_frame_equal(parquet, again)
    expected = oracle(people, "row_id", 6, 300)
    assert parquet["row_id"].astype(int).tolist() == expected["row_id"].astype(int).tolist()
    # a DataFrame split into 7 partitions in another order: the same rows
    native = spark.read.parquet(str(folder / "people.parquet")).orderBy("income").repartition(7)
    frame = draw(native, 6)
    assert frame["row_id"].astype(int).tolist() == parquet["row_id"].astype(int).tolist()
    other = draw(folder / "people.parquet", 7, engine="spark")
    assert len(set(other["row_id"]) & set(parquet["row_id"])) < 60  # about 8 expected


def test_bad_samples_in_spark_exit_2_and_write_nothing(spark, folder, people, capsys):
    dup = people.head(300).copy()
    dup["case"] = np.arange(300) // 3
    dup.to_parquet(folder / "dup.parquet", index=False)
    cases = [
        ('path = "people.parquet"\nengine = "spark"', "sample = 1.5", "probe.sample: expected"),
        ('path = "people.parquet"\nengine = "spark"', "sample = 10", "sample_key: missing"),
        ('path = "dup.parquet"\nengine = "spark"', 'sample = 40\nsample_key = "case"', "3 times"),
    ]
    for data, probe, needle in cases:
        out = folder / "never"
        assert main(["probe", str(_config(folder, data, probe, "bad")), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert needle in err, err
        assert "Traceback" not in err
        assert not out.exists()
    records = open_records(folder / "people.parquet", columns=["gender"], engine="spark")
    with pytest.raises(RecordsError, match="the engine draws a sample"):
        rows_in_memory(records)


@pytest.mark.filterwarnings("ignore::biasaudit.UndefinedRateWarning")
def test_an_audit_scores_a_sample_spark_draws(folder, people):
    from biasaudit import audit
    from biasaudit.audits._config import load_config, run_config

    config = folder / "audit.toml"
    config.write_text(
        '[data]\npath = "people.parquet"\nengine = "spark"\n[roles]\nid = "person_id"\n'
        'outcome = "fraud"\n[groups]\nattributes = ["gender"]\n[threshold]\n'
        'top_fraction = 0.1\n[model]\npath = "model.skops"\nsample = 1500\n'
        "[stats]\nseed = 2\nbootstrap_samples = 100\nmin_cell = 0\n",
        encoding="utf-8",
    )
    result = run_config(load_config(config))
    rows = oracle(people, "person_id", 2, 1_500)
    features = ["gender", "language_level", "income", "has_children", "months_on_benefit"]
    rows["model_score"] = probe_model(people).predict_proba(rows[features])[:, 1]
    expected = audit(
        rows.drop(columns=["row_id"]),
        roles={"id": "person_id", "score": "model_score", "outcome": "fraud"},
        groups=["gender"],
        threshold={"top_fraction": 0.1},
        seed=2,
        bootstrap_samples=100,
        min_cell=0,
    )
    pd.testing.assert_frame_equal(result.counts.table, expected.counts.table)
    pd.testing.assert_frame_equal(result.table, expected.table)
    assert result.ledger.rows_read == 1_500
    assert "drawn by spark 4" in " ".join(result.ledger.notes)
