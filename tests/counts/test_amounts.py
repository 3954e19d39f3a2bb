"""The amount role is summed in the one aggregation pass, the same on every engine.

The expected sums are worked out by hand from the table below; pandas, Polars and
DuckDB (a relation and a file read lazily) must all give them.
"""

from __future__ import annotations

import warnings

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest

from biasaudit import audit

# F: flagged TP 100, 300 (weight 1, 2); FP 50, blank (= 0); unflagged TN 0
# M: flagged TP 200; FP 100 (weight 3), 20; unflagged TN blank
RECORDS = pd.DataFrame(
    {
        "sex": ["F", "F", "F", "F", "F", "M", "M", "M", "M"],
        "flag": ["yes", "yes", "yes", "yes", "no", "yes", "yes", "yes", "no"],
        "fraud": ["yes", "yes", "no", "no", "no", "yes", "no", "no", "no"],
        "eur": [100.0, 300.0, 50.0, None, 0.0, 200.0, 100.0, 20.0, None],
        "w": [1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 3.0, 1.0, 1.0],
    }
)
ROLES = {"flagged": "flag", "outcome": "fraud", "amount": "eur"}

# by hand, unweighted: amount per cell and its square
HAND = {
    ("F", "tp"): (100 + 300, 100**2 + 300**2),
    ("F", "fp"): (50 + 0, 50**2),
    ("F", "tn"): (0, 0),
    ("M", "tp"): (200, 200**2),
    ("M", "fp"): (100 + 20, 100**2 + 20**2),
    ("M", "tn"): (0, 0),
}
# weighted: 100 x 1 + 300 x 2 = 700 (squares 100^2 + 2 x 300^2), M's FP 100 x 3 + 20
WEIGHTED = {("F", "tp"): (700, 100**2 + 2 * 300**2), ("M", "fp"): (320, 3 * 100**2 + 20**2)}


def sums(result, cells=HAND):
    amounts = result.counts.amounts.set_index(["attribute", "group"])
    squares = result.counts.amount_squares.set_index(["attribute", "group"])
    got = {
        key: (amounts.loc[("sex", key[0]), key[1]], squares.loc[("sex", key[0]), key[1]])
        for key in cells
    }
    return got


@pytest.mark.parametrize(
    "convert",
    [
        pytest.param(lambda df: df, id="pandas"),
        pytest.param(lambda df: pl.from_pandas(df), id="polars"),
        pytest.param(lambda df: duckdb.connect().from_df(df), id="duckdb"),
    ],
)
def test_amounts_summed_per_cell_on_every_engine(convert):
    result = audit(convert(RECORDS), roles=ROLES, groups=["sex"], min_cell=0)
    assert sums(result) == HAND
    # everyone's flagged amount: 400 + 50 + 200 + 120 = 770
    overall = result.counts.amounts.iloc[0]
    assert overall["flagged"] == 770 and overall["n"] == 770


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_amounts_from_a_file_read_by_each_engine(engine, tmp_path):
    path = tmp_path / "decisions.parquet"
    RECORDS.to_parquet(path, index=False)
    result = audit(path, roles=ROLES, groups=["sex"], engine=engine, min_cell=0)
    assert sums(result) == HAND
    notes = " ".join(result.ledger.notes)
    assert "amount 'eur': blank for 1 flagged and 1 unflagged people, counted as 0" in notes


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_weighted_amounts(engine, tmp_path):
    path = tmp_path / "decisions.parquet"
    RECORDS.to_parquet(path, index=False)
    result = audit(path, roles={**ROLES, "weight": "w"}, groups=["sex"], engine=engine, min_cell=0)
    assert sums(result, WEIGHTED) == WEIGHTED


def test_amount_harm_on_duckdb_equals_pandas():
    a = audit(RECORDS, roles=ROLES, groups=["sex"], reference={"sex": "M"}, min_cell=0)
    b = audit(
        duckdb.connect().from_df(RECORDS),
        roles=ROLES,
        groups=["sex"],
        reference={"sex": "M"},
        min_cell=0,
    )
    cols = ["value", "ci_low", "ci_high", "numerator", "denominator", "reference_value"]
    pick = a.table["metric"].str.endswith("_amount")
    np.testing.assert_allclose(
        a.table.loc[pick, cols].to_numpy(float), b.table.loc[pick, cols].to_numpy(float)
    )
    # F's flagged: 100 + 300 + 50 + 0 = 450 over 5 people; M's 320 over 4:
    # 450 - 5 x 320 / 4 = 50
    f = a.table[(a.table["metric"] == "excess_flagged_amount") & (a.table["group"] == "F")]
    assert f["value"].item() == pytest.approx(50.0)


def test_amounts_in_a_sql_database_through_ibis():
    """Only the aggregation query runs in the database (here SQLite through Ibis)."""
    ibis = pytest.importorskip("ibis")
    with warnings.catch_warnings():  # Ibis' SQLite backend sets a deprecated pandas option
        warnings.filterwarnings("ignore", message=".*future.infer_string")
        table = ibis.sqlite.connect().create_table("decisions", RECORDS)
        result = audit(table, roles=ROLES, groups=["sex"], min_cell=0)
    assert sums(result) == HAND


@pytest.mark.services
@pytest.mark.slow
def test_amounts_on_spark():
    from biasaudit.io._spark import spark_session

    frame = spark_session().createDataFrame(RECORDS.astype({"eur": float}))
    result = audit(frame, roles=ROLES, groups=["sex"], min_cell=0)
    assert sums(result) == HAND
