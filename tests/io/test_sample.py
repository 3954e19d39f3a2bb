"""The hash sample in memory: its rows are exactly the ones an independent MD5 ranking
picks, the same seed draws the same rows, and every bad key is named. (The same sample
drawn by PostgreSQL and by Spark: tests/probe/test_engine_sample_*.py.)"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from biasaudit import RecordsError
from biasaudit.io import Records, Source, open_records, rows_in_memory
from biasaudit.io._sample import key_text


def _frame(n: int = 1_000) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame(
        {"id": np.arange(n) * 3 + 11, "g": rng.choice(["F", "M"], n), "x": rng.normal(size=n)}
    )


def _lowest(ids, seed: int, k: int) -> list:
    """By hand: rank every id by the MD5 hex digest of "<seed>:<id>", keep the k lowest."""
    return sorted(ids, key=lambda i: hashlib.md5(f"{seed}:{i}".encode()).hexdigest())[:k]


def _open(df: pd.DataFrame) -> Records:
    return open_records(df, columns=list(df.columns))


def test_the_sample_is_the_k_lowest_hashes_in_their_order():
    df = _frame()
    rows, how = rows_in_memory(_open(df), sample=50, key="id", seed=7)
    assert rows["id"].tolist() == _lowest(df["id"].tolist(), 7, 50)
    # the rows are the records themselves, nothing changed
    expected = df.set_index("id").loc[rows["id"]].reset_index()
    pd.testing.assert_frame_equal(rows, expected)
    assert (how.method, how.size, how.drawn, how.population, how.seed) == ("hash", 50, 50, 1000, 7)
    assert how.estimate
    assert "50 of the 1,000 records" in how.note and "seed 7" in how.note
    assert "estimate for those 1,000 records" in how.note


def test_the_same_seed_draws_the_same_rows_whatever_the_row_order():
    df = _frame()
    first, _ = rows_in_memory(_open(df), sample=100, key="id", seed=3)
    shuffled = df.sample(frac=1, random_state=1).reset_index(drop=True)
    again, _ = rows_in_memory(_open(shuffled), sample=100, key="id", seed=3)
    pd.testing.assert_frame_equal(first, again)
    other, _ = rows_in_memory(_open(df), sample=100, key="id", seed=4)
    # another seed, another sample: of 100 of 1,000, about 10 in common
    assert len(set(other["id"]) & set(first["id"])) < 30


def test_text_and_number_keys_hash_as_a_database_writes_them():
    # a whole number read as a float (a CSV with blanks, Spark's doubles) hashes as
    # the integer a database holds; text as it is
    assert [key_text(v) for v in (17, np.int64(17), 17.0, np.float64(-3.0), "007")] == [
        "17",
        "17",
        "17",
        "-3",
        "007",
    ]
    df = pd.DataFrame({"id": [1.0, 2.0, 3.0, 4.0, np.nan], "x": range(5)})
    rows, how = rows_in_memory(_open(df), sample=2, key="id", seed=1)
    assert rows["id"].tolist() == _lowest([1, 2, 3, 4], 1, 2)
    # the record without a key is outside the sampling frame, and the note says so
    assert (how.population, how.blank_keys) == (4, 1)
    assert "1 records with a blank id could not be drawn" in how.note


def test_a_sample_as_large_as_the_records_takes_them_all():
    df = _frame(30)
    rows, how = rows_in_memory(_open(df), sample=500, key="id", seed=2)
    assert sorted(rows["id"]) == sorted(df["id"])
    assert rows["id"].tolist() == _lowest(df["id"].tolist(), 2, 30)
    assert not how.estimate
    assert "only 30 records to draw from: all of them were used" in how.note


def test_without_a_key_a_file_is_sampled_by_row_position():
    df = _frame()
    rows, how = rows_in_memory(_open(df), sample=40, seed=5)
    pick = np.sort(np.random.default_rng(5).choice(1_000, size=40, replace=False))
    pd.testing.assert_frame_equal(rows, df.iloc[pick].reset_index(drop=True))
    assert (how.method, how.key, how.population) == ("positions", None, 1000)
    everything, none = rows_in_memory(_open(df))
    assert none is None and len(everything) == 1000


def test_a_repeated_key_is_named():
    df = pd.DataFrame({"id": [1, 1, 2, 3, 3, 3], "x": range(6)})
    with pytest.raises(RecordsError) as err:
        rows_in_memory(_open(df), sample=6, key="id", seed=0)
    text = str(err.value)
    assert "sample_key 'id' is not one value per record" in text
    assert "1 (2 times)" in text and "3 (3 times)" in text


def test_a_missing_or_empty_key_is_named():
    df = _frame(10)
    with pytest.raises(RecordsError, match="sample_key 'case': column not found"):
        rows_in_memory(_open(df), sample=5, key="case", seed=0)
    empty = pd.DataFrame({"id": [np.nan, np.nan], "x": [1, 2]})
    with pytest.raises(RecordsError, match="nothing to sample: .* every one has a blank id"):
        rows_in_memory(_open(empty), sample=1, key="id", seed=0)


def test_records_in_an_engine_are_never_fetched_whole():
    """Records whose rows stay in a database or Spark must be sampled there."""
    for engine, options in (("postgres", {"server_version": "postgres 16"}), ("spark", {})):
        records = Records(None, Source("decisions", "table", engine, None, options), ("id",))
        with pytest.raises(RecordsError, match="the engine draws a sample; give its size"):
            rows_in_memory(records, sample=None, key="id")
        with pytest.raises(RecordsError, match="and a key column"):
            rows_in_memory(records, sample=10, key=None)
