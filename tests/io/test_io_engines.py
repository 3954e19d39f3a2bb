"""One aggregation, many engines: every reader and engine gives identical counts."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from biasaudit import RecordsError, UndefinedRateWarning, audit
from biasaudit.io._io import detect_csv

ROLES = {"flagged": "flag", "investigated": "inv", "outcome": "fraud", "weight": "w"}
CODES = {"outcome": {"yes": ["Errors Found"], "no": ["No Errors Found"], "unknown": [""]}}


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 400
    flag = rng.random(n) < 0.3
    inv = flag & (rng.random(n) < 0.9)
    fraud = rng.random(n) < 0.2
    return pd.DataFrame(
        {
            "id": [f"x{i}" for i in range(n)],
            "sex": rng.choice(["F", "M"], n),
            "nat": rng.choice(["NL", "MA", "TR", "PL", None], n),
            "zip": rng.choice(["01", "02", "10"], n),  # leading zeros must survive
            "flag": np.where(flag, "yes", "no"),
            "inv": np.where(inv, "1", "0"),
            "fraud": np.where(inv, np.where(fraud, "Errors Found", "No Errors Found"), ""),
            "w": rng.integers(1, 4, n).astype(float),
        }
    )


def run(data, **kw):
    return audit(
        data,
        roles=ROLES,
        codes=CODES,
        groups=["sex", "nat", "zip"],
        intersections=[["sex", "nat"]],
        **kw,
    )


@pytest.fixture(scope="module")
def expected(records):
    return run(records).counts.table


def test_hand_check_of_the_pandas_counts(records, expected):
    """The reference counts themselves, checked with plain pandas masks."""
    f = records["sex"] == "F"
    flagged = records["flag"] == "yes"
    known = records["fraud"] != ""
    tp = f & flagged & (records["fraud"] == "Errors Found")
    row = expected.set_index(["attribute", "group"]).loc[("sex", "F")]
    assert row["n"] == records.loc[f, "w"].sum()
    assert row["rows"] == f.sum()
    assert row["tp"] == records.loc[tp, "w"].sum()
    assert row["flagged_unlabelled"] == records.loc[f & flagged & ~known, "w"].sum()
    assert set(expected.loc[expected["attribute"] == "zip", "group"]) == {"01", "02", "10"}
    assert "(missing)" in set(expected.loc[expected["attribute"] == "nat", "group"])


@pytest.mark.parametrize(
    "convert",
    [
        pytest.param(lambda df: pl.from_pandas(df), id="polars"),
        pytest.param(lambda df: pa.Table.from_pandas(df, preserve_index=False), id="pyarrow"),
        pytest.param(
            lambda df: df.astype({c: "category" for c in df.columns if c != "w"}),
            id="pandas-category",
        ),
        pytest.param(lambda df: df.convert_dtypes(dtype_backend="pyarrow"), id="pandas-arrow"),
    ],
)
def test_in_memory_tables_give_identical_counts(records, expected, convert):
    pd.testing.assert_frame_equal(run(convert(records)).counts.table, expected)


def test_duckdb_relation_gives_identical_counts(records, expected):
    con = duckdb.connect()
    rel = con.from_df(records)
    pd.testing.assert_frame_equal(run(rel).counts.table, expected)


def test_caller_data_is_not_modified(records):
    before = records.copy()
    run(records)
    pd.testing.assert_frame_equal(records, before)


@pytest.mark.parametrize("engine", ["pandas", "polars", "pyarrow", "duckdb"])
@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet", "jsonl"])
def test_files_on_every_engine_give_identical_counts(records, expected, tmp_path, fmt, engine):
    path = tmp_path / f"records.{fmt}"
    if fmt == "csv":
        records.to_csv(path, index=False)
    elif fmt == "tsv":
        records.to_csv(path, index=False, sep="\t")
    elif fmt == "parquet":
        records.to_parquet(path, index=False)
    else:
        records.to_json(path, orient="records", lines=True)
    pd.testing.assert_frame_equal(run(path, engine=engine).counts.table, expected)


def test_excel_with_sheet_choice(records, expected, tmp_path):
    path = tmp_path / "records.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(xl, sheet_name="About", index=False)
        records.to_excel(xl, sheet_name="Decisions", index=False)
    result = run(path, sheet="Decisions")
    pd.testing.assert_frame_equal(result.counts.table, expected)
    assert result.source.options["sheet"] == "Decisions"


def test_windows_1252_semicolon_csv_is_detected(tmp_path):
    path = tmp_path / "export.csv"
    text = "geslacht;vlag;fraude\nvrouw;ja;nee\nvrouw;nee;\nman;ja;ja\nmännlich;nee;\n"
    path.write_bytes(text.encode("cp1252"))
    assert detect_csv(path, delimiter=None, encoding=None) == (";", "cp1252")
    with pytest.warns(UndefinedRateWarning):  # groups of one person
        result = audit(
            path,
            roles={"flagged": "vlag", "outcome": "fraude"},
            codes={
                "flagged": {"yes": ["ja"], "no": ["nee"]},
                "outcome": {"yes": ["ja"], "no": ["nee"], "unknown": [""]},
            },
            groups="geslacht",
        )
    assert "männlich" in set(result.counts.table["group"])


def test_utf8_bom_is_detected(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffsex,flag\nF,1\nM,0\n".encode())
    assert detect_csv(path, delimiter=None, encoding=None) == (",", "utf-8-sig")
    result = audit(path, roles={"flagged": "flag"}, groups="sex")
    assert result.counts.table["flagged"].tolist() == [1, 1, 0]


def one_problem(excinfo) -> str:
    assert len(excinfo.value.problems_list) == 1
    return str(excinfo.value)


@pytest.mark.parametrize(
    ("name", "content", "kwargs", "message"),
    [
        ("a.csv", None, {}, "file not found"),
        ("a.sav", b"x", {}, "unknown file type '.sav'"),
        ("a.csv", b"sex,flag\nF,1\n", {"sheet": "x"}, "sheet='x' is only for Excel files"),
        ("a.csv", b"sex,flag\nF,1\n", {"engine": "dask"}, "engine 'dask' is not supported"),
        ("a.parquet", b"not parquet", {}, "could not read 'a.parquet' as parquet"),
        (
            "a.csv",
            "sex,flag\nmännlich,1\n".encode("cp1252"),
            {"engine": "duckdb"},
            "reads UTF-8 text only",
        ),
    ],
)
def test_file_problems(tmp_path, name, content, kwargs, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(RecordsError) as info:
        audit(path, roles={"flagged": "flag"}, groups="sex", **kwargs)
    assert message in one_problem(info)


def test_excel_problems(records, tmp_path):
    path = tmp_path / "r.xlsx"
    records.head(5).to_excel(path, sheet_name="Data", index=False)
    with pytest.raises(RecordsError) as info:
        audit(path, roles={"flagged": "flag"}, groups="sex", sheet="Gender")
    assert "sheet 'Gender' not found in 'r.xlsx'; available: 'Data'" in one_problem(info)
    with pytest.raises(RecordsError) as info:
        audit(path, roles={"flagged": "flag"}, groups="sex", engine="polars")
    assert "Excel files are read with engine='pandas'" in one_problem(info)


def test_unsupported_in_memory_type():
    with pytest.raises(TypeError, match="records must be a file path or a dataframe"):
        audit([1, 2, 3], roles={"flagged": "flag"}, groups="sex")


@pytest.mark.parametrize("engine", ["pandas", "polars", "pyarrow", "duckdb"])
@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
@pytest.mark.parametrize(
    "threshold", [{"top_k": 7}, {"top_fraction": 0.25}, {"score_at_least": 0.6}]
)
def test_thresholds_give_identical_counts_on_every_engine(tmp_path, fmt, engine, threshold):
    rng = np.random.default_rng(5)
    df = pd.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], 60),
            "s": np.round(rng.random(60), 2),  # ties at the cut-off on purpose
            "y": rng.integers(0, 2, 60),
        }
    )
    path = tmp_path / f"scores.{fmt}"
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_json(path, orient="records", lines=True)
    kw = {"roles": {"score": "s", "outcome": "y"}, "groups": "g", "threshold": threshold}
    expected = audit(df, **kw).counts.table
    # the oracle for the flag itself: numpy on the scores
    s = df["s"].to_numpy()
    if "top_k" in threshold:
        cut = np.sort(s)[::-1][threshold["top_k"] - 1]
    elif "top_fraction" in threshold:
        cut = np.sort(s)[::-1][int(np.floor(threshold["top_fraction"] * len(s))) - 1]
    else:
        cut = threshold["score_at_least"]
    assert expected["flagged"].iloc[0] == (s >= cut).sum()
    pd.testing.assert_frame_equal(audit(path, engine=engine, **kw).counts.table, expected)


@pytest.mark.parametrize("engine", ["pandas", "polars", "pyarrow", "duckdb"])
def test_every_engine_finds_the_same_problems(tmp_path, engine):
    """Validation runs on the one aggregated table, so every engine reports the same
    problems (lazy engines cannot name row numbers)."""
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
    with pytest.raises(RecordsError) as info:
        audit(path, engine=engine, **kw)
    reasons = sorted(info.value.problems["reason"])
    assert reasons == [
        "duplicate_id",
        "missing_group",
        "negative_weight",
        "outcome_without_investigation",
        "unmapped_code",
    ]


def test_threshold_on_a_duckdb_relation_from_the_users_own_connection():
    df = pd.DataFrame({"g": ["a", "b"] * 10, "s": np.arange(20) / 20, "y": [0, 1, 1, 0] * 5})
    con = duckdb.connect()
    kw = {"roles": {"score": "s", "outcome": "y"}, "groups": "g", "threshold": {"top_k": 5}}
    result = audit(con.from_df(df), **kw)
    pd.testing.assert_frame_equal(result.counts.table, audit(df, **kw).counts.table)
    assert result.counts.table["flagged"].iloc[0] == 5
