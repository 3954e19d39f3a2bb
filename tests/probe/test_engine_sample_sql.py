"""Probing records that stay in a real PostgreSQL server: the server draws the hash
sample and only its rows come back; the sample has the size asked for, the same seed
draws the same rows, and every result equals the same computation in pandas on
exactly the rows an independent MD5 ranking picks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pg_server
from biasaudit import RecordsError
from biasaudit.cli import main
from biasaudit.io import Database, open_records, rows_in_memory
from biasaudit.probe import as_model, flip_experiment
from biasaudit.synthetic import generate_probe_records, probe_logit, probe_model

pytestmark = [pytest.mark.services, pytest.mark.slow]

N, BLANK, SAMPLE, SEED = 20_000, 5, 3_000, 5
FLIPS = [
    {"attribute": "gender", "map": {"F": "M", "M": "F"}},
    {"attribute": "has_children", "map": {1: 0, 0: 1}},
]
FLIPS_TOML = (
    '[[probe.flips]]\nattribute = "gender"\nmap = { F = "M", M = "F" }\n'
    '[[probe.flips]]\nattribute = "has_children"\nmap = { 1 = 0, 0 = 1 }\n'
)


def oracle(df: pd.DataFrame, key: str, seed: int, k: int) -> pd.DataFrame:
    """By hand: the k records whose MD5 hex digest of "<seed>:<key>" is lowest (whole
    numbers written without decimals), in that order."""
    keyed = df[df[key].notna()]
    text = [str(int(v)) if isinstance(v, int | float | np.number) else str(v) for v in keyed[key]]
    digest = [hashlib.md5(f"{seed}:{t}".encode()).hexdigest() for t in text]
    order = np.argsort(np.array(digest), kind="stable")[:k]
    return keyed.iloc[order].reset_index(drop=True)


@pytest.fixture(scope="module")
def server() -> pg_server.Server:
    return pg_server.server()


@pytest.fixture(scope="module")
def people(server) -> pd.DataFrame:
    """The synthetic probe records, a whole-number key with 5 blanks, in the server."""
    df = generate_probe_records(N, seed=9)
    df["row_id"] = pd.array(np.arange(N) * 7 + 3, dtype="Int64")
    df.loc[[10, 200, 3_000, 15_000, 19_999], "row_id"] = pd.NA
    server.load("probe_people", df)
    return df


@pytest.fixture(scope="module")
def folder(tmp_path_factory, people) -> Path:
    import skops.io as sio

    root = tmp_path_factory.mktemp("probe-sql")
    sio.dump(probe_model(people), root / "model.skops")
    return root


def _config(folder: Path, server, data: str, probe: str, name: str = "probe") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(
        f'[data]\nurl = "{server.url}"\n{data}\n[groups]\nattributes = ["gender", '
        f'"nationality"]\n[threshold]\ntop_k = 2000\n[model]\npath = "model.skops"\n'
        f"[probe]\n{probe}\n{FLIPS_TOML}[stats]\nseed = {SEED}\n",
        encoding="utf-8",
    )
    return path


def test_the_server_draws_the_sample_and_the_flips_equal_pandas(
    server, people, folder, monkeypatch, capsys
):
    monkeypatch.setenv("PGPASSWORD", pg_server.PASSWORD)
    config = _config(
        folder, server, 'table = "probe_people"', f'sample = {SAMPLE}\nsample_key = "row_id"'
    )
    out = folder / "out"
    assert main(["probe", str(config), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    # the oracle: pandas, on exactly the rows the MD5 ranking picks
    rows = oracle(people, "row_id", SEED, SAMPLE)
    expected = flip_experiment(
        rows,
        as_model(probe_model(people)),
        FLIPS,
        groups=["gender", "nationality"],
        threshold={"top_k": 2000},
        population=N - BLANK,
        seed=SEED,
    )
    got = pd.read_csv(out / "tables" / "probe-flips.csv")
    want = expected.published()
    assert got["n"].sum() == want["n"].sum()
    numbers = [c for c in want.columns if c not in ("flip", "attribute", "group", "note")]
    pd.testing.assert_frame_equal(
        got[numbers].astype(float), want[numbers].astype(float), rtol=0, atol=1e-12
    )
    assert got["group"].astype(str).tolist() == want["group"].astype(str).tolist()
    # and the planted truth by hand: a sampled woman's score moves from
    # sigmoid(eta) to sigmoid(eta - 0.6)
    women = rows[rows["gender"] == "F"]
    eta = probe_logit(women)
    truth = np.mean(1 / (1 + np.exp(-(eta - 0.6))) - 1 / (1 + np.exp(-eta)))
    row = got[(got["attribute"] == "gender") & (got["group"] == "F")].iloc[0]
    assert row["n"] == len(women)
    assert row["mean_change"] == pytest.approx(truth, abs=1e-9)
    # top_k = 2,000 of 19,995 scaled to the sample: 300 of 3,000
    assert "scaled to 300 of the 3,000 scored" in printed
    # the sampling, stated in the report, the manifest, probe.json and on the terminal
    sampling = json.loads((out / "probe.json").read_text(encoding="utf-8"))["sampling"]
    assert (sampling["drawn"], sampling["population"], sampling["blank_keys"]) == (
        SAMPLE,
        N - BLANK,
        BLANK,
    )
    assert sampling["engine"].startswith("postgres 1")
    assert (sampling["method"], sampling["key"], sampling["seed"]) == ("hash", "row_id", SEED)
    html = (out / "report.html").read_text(encoding="utf-8")
    for text in (
        "a sample of 3,000 of the 19,995 records of probe_people",
        "A simple random sample without replacement of 3,000 of the 19,995 records",
        "MD5 hash of &#x27;5:&#x27; followed by their row_id is lowest (seed 5)",
        "Every result is an estimate for those 19,995 records",
        "5 records with a blank row_id could not be drawn",
    ):
        assert text in html, text
    assert "drawn by postgres 1" in printed
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["probe"]["sampling"]["drawn"] == SAMPLE
    assert "auditor@" not in json.dumps(manifest)  # the user is not in the manifest


def test_the_same_seed_draws_the_same_rows_on_the_server_and_in_pandas(
    server, people, monkeypatch
):
    monkeypatch.setenv("PGPASSWORD", pg_server.PASSWORD)
    columns = ["row_id", "gender", "income"]

    def draw(seed: int, data=None) -> pd.DataFrame:
        data = data if data is not None else Database(server.url, table="probe_people")
        rows, how = rows_in_memory(
            open_records(data, columns=columns, text_columns=["row_id"]),
            sample=500,
            key="row_id",
            seed=seed,
        )
        assert len(rows) == 500 and how.drawn == 500
        return rows

    first, again, other = draw(8), draw(8), draw(9)
    pd.testing.assert_frame_equal(first, again)
    assert len(set(first["row_id"]) & set(other["row_id"])) < 100  # about 12 expected
    expected = oracle(people, "row_id", 8, 500)
    assert first["row_id"].astype(int).tolist() == expected["row_id"].astype(int).tolist()
    np.testing.assert_array_equal(first["income"], expected["income"])
    # pandas draws the very same rows from the same records in memory
    in_memory = draw(8, people[columns])
    assert in_memory["row_id"].astype(int).tolist() == first["row_id"].astype(int).tolist()


def test_a_query_is_sampled_by_a_text_key(server, people, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", pg_server.PASSWORD)
    query = "SELECT * FROM probe_people WHERE months_on_benefit > 24"
    records = open_records(
        Database(server.url, query=query),
        columns=["person_id", "gender", "months_on_benefit"],
        text_columns=["person_id", "gender"],
    )
    rows, how = rows_in_memory(records, sample=700, key="person_id", seed=2)
    subset = people[people["months_on_benefit"] > 24]
    assert how.population == len(subset) and how.blank_keys == 0
    assert rows["person_id"].tolist() == oracle(subset, "person_id", 2, 700)["person_id"].tolist()


def test_only_the_sample_leaves_the_server(server, monkeypatch):
    """200,000 rows on the server, a sample of 1,000: what comes back is the count and
    the 1,000 sampled rows, never the table."""
    server.sql(
        "DROP TABLE IF EXISTS big_people; CREATE TABLE big_people AS SELECT i AS id, "
        "(ARRAY['F','M'])[1 + i % 2] AS gender, (i * 7919 % 1000) / 100.0::float8 AS x "
        "FROM generate_series(1, 200000) AS i"
    )
    monkeypatch.setenv("PGPASSWORD", pg_server.PASSWORD)
    records = open_records(Database(server.url, table="big_people"), columns=["id", "gender", "x"])
    backend = records._keepalive
    returned: list[int] = []
    fetch = backend.to_pyarrow

    def counted(expr, *args, **kwargs):
        out = fetch(expr, *args, **kwargs)
        returned.append(getattr(out, "num_rows", 1))
        return out

    monkeypatch.setattr(backend, "to_pyarrow", counted)
    rows, how = rows_in_memory(records, sample=1_000, key="id", seed=1)
    assert (len(rows), how.population) == (1_000, 200_000)
    assert sorted(returned) == [1, 1_000]  # the count, then the sample
    ranked = sorted(range(1, 200_001), key=lambda i: hashlib.md5(f"1:{i}".encode()).digest())
    expected = ranked[:1_000]
    assert rows["id"].tolist() == expected


def test_bad_samples_on_the_server_exit_2_and_write_nothing(
    server, people, folder, monkeypatch, capsys
):
    monkeypatch.setenv("PGPASSWORD", pg_server.PASSWORD)
    dup = people.head(400).copy()
    dup["case"] = np.arange(400) // 2  # every case twice
    server.load("probe_dup", dup)
    cases = [
        ('table = "probe_people"', 'sample = 0\nsample_key = "row_id"', "probe.sample: expected"),
        ('table = "probe_people"', "sample = 100", "probe.sample_key: missing"),
        ('table = "probe_people"', 'sample = 10\nsample_key = "case"', "sample_key 'case': col"),
        ('table = "probe_dup"', 'sample = 50\nsample_key = "case"', "not one value per record"),
    ]
    for data, probe, needle in cases:
        out = folder / "never"
        config = _config(folder, server, data, probe, name="bad")
        assert main(["probe", str(config), "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert needle in err, err
        assert "Traceback" not in err
        assert not out.exists()


def test_a_record_without_a_key_cannot_be_fetched_whole(server, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", pg_server.PASSWORD)
    records = open_records(Database(server.url, table="probe_people"), columns=["gender"])
    with pytest.raises(RecordsError, match="the engine draws a sample"):
        rows_in_memory(records)


@pytest.mark.filterwarnings("ignore::biasaudit.UndefinedRateWarning")
def test_an_audit_scores_a_sample_the_server_draws(server, people, folder, monkeypatch):
    """``[model] sample`` on records in the server: the audit equals the audit, in
    pandas, of exactly the sampled rows with the model's scores."""
    from biasaudit import audit
    from biasaudit.audits._config import load_config, run_config

    monkeypatch.setenv("PGPASSWORD", pg_server.PASSWORD)
    config = folder / "audit.toml"
    config.write_text(
        f'[data]\nurl = "{server.url}"\ntable = "probe_people"\n[roles]\nid = "person_id"\n'
        'outcome = "fraud"\n[groups]\nattributes = ["gender", "nationality"]\n'
        '[threshold]\ntop_fraction = 0.1\n[model]\npath = "model.skops"\nsample = 2000\n'
        "[stats]\nseed = 4\nbootstrap_samples = 100\nmin_cell = 0\n",
        encoding="utf-8",
    )
    result = run_config(load_config(config))
    rows = oracle(people, "person_id", 4, 2_000)
    features = ["gender", "language_level", "income", "has_children", "months_on_benefit"]
    rows["model_score"] = probe_model(people).predict_proba(rows[features])[:, 1]
    expected = audit(
        rows.drop(columns=["row_id"]),
        roles={"id": "person_id", "score": "model_score", "outcome": "fraud"},
        groups=["gender", "nationality"],
        threshold={"top_fraction": 0.1},
        seed=4,
        bootstrap_samples=100,
        min_cell=0,
    )
    pd.testing.assert_frame_equal(result.counts.table, expected.counts.table)
    pd.testing.assert_frame_equal(result.table, expected.table)
    assert result.ledger.rows_read == 2_000
    notes = " ".join(result.ledger.notes)
    assert "of 2,000 of the 20,000 records of probe_people" in notes
    assert "drawn by postgres 1" in notes
