"""Aggregated tables as offices publish them (issue 14): long tables with their own
column names, several key columns, stacked attribute / group columns, secondary
suppression. Each is checked against a hand-built table and hand arithmetic."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from biasaudit import ConfigError, audit_counts
from biasaudit import RecordsError as CountsError
from biasaudit.audits._config import load_config, run_config
from biasaudit.counts import read_counts


def values(result, metric: str, attribute: str, column: str = "value") -> dict[str, float]:
    rows = result.metric(metric, attribute)
    return dict(zip(rows["group"], rows[column], strict=True))


def test_long_table_with_its_own_column_and_cell_names():
    # a Dutch office's long table: kenmerk (attribute), indicator (cell), aantal (count)
    long = pd.DataFrame(
        {
            "geslacht": ["V", "V", "M", "M", "Totaal", "Totaal"],
            "indicator": ["personen", "geselecteerd"] * 3,
            "aantal": ["4000", "320", "3600", "144", "7600", "464"],
        }
    )
    result = audit_counts(
        long,
        groups=["geslacht"],
        layout="long",
        cell_column="indicator",
        count_column="aantal",
        cells={"n": "personen", "flagged": "geselecteerd"},
        metrics=["selection_rate"],
        min_cell=0,
    )
    # by hand: 320 / 4000 = 0.08, 144 / 3600 = 0.04
    assert values(result, "selection_rate", "geslacht") == pytest.approx({"V": 0.08, "M": 0.04})
    # the ledger counts the table's rows, not its groups
    assert result.ledger.rows_read == len(long) == 6


def test_long_table_names_the_missing_cell_and_count_columns():
    long = pd.DataFrame({"g": ["A"], "indicator": ["n"], "aantal": ["10"]})
    with pytest.raises(CountsError) as info:
        read_counts(long, groups="g", layout="long", cell_column="kind", count_column="number")
    text = str(info.value)
    assert "'kind': column not found" in text and "'number': column not found" in text


def test_several_key_columns_make_one_dataset_each():
    table = pd.DataFrame(
        {
            "dataset": ["train", "train", "train", "train", "pilot", "pilot", "pilot", "pilot"],
            "model": ["A", "A", "B", "B", "A", "A", "B", "B"],
            "sex": ["F", "M"] * 4,
            "n": [100, 200, 100, 200, 50, 50, 50, 50],
            "flagged": [30, 20, 10, 40, 25, 5, 10, 20],
        }
    )
    result = audit_counts(
        table,
        groups="sex",
        dataset=["dataset", "model"],
        metrics=["selection_rate"],
        reference={"sex": "M"},
        min_cell=0,
    )
    rows = result.metric("selection_rate", "sex")
    got = {(d, g): (v, r) for d, g, v, r in rows[["dataset", "group", "value", "ratio"]].values}
    # by hand, each (dataset, model) on its own: F / M
    expected = {
        ("train / A", "F"): (0.30, 0.30 / 0.10),
        ("train / A", "M"): (0.10, 1.0),
        ("train / B", "F"): (0.10, 0.10 / 0.20),
        ("train / B", "M"): (0.20, 1.0),
        ("pilot / A", "F"): (0.50, 0.50 / 0.10),
        ("pilot / A", "M"): (0.10, 1.0),
        ("pilot / B", "F"): (0.20, 0.20 / 0.40),
        ("pilot / B", "M"): (0.40, 1.0),
    }
    assert got.keys() == expected.keys()
    for key, (value, ratio) in expected.items():
        assert got[key] == pytest.approx((value, ratio))


def test_a_blank_key_in_any_of_the_key_columns_is_named():
    table = pd.DataFrame(
        {"year": ["2022", "2022"], "model": ["A", None], "sex": ["F", "M"], "n": [9, 9]}
    )
    table["flagged"] = [1, 2]
    with pytest.raises(CountsError, match="row 2: column 'model' \\(dataset\\) is blank"):
        read_counts(table, groups="sex", dataset=["year", "model"])


STACKED = pd.DataFrame(
    {
        "variable": ["gender", "gender", "age", "age", "age", "region", "Total"],
        "value": ["F", "M", "<30", "30-60", "60+", "North", ""],
        "n": ["500", "500", "200", "600", "200", "400", "1000"],
        "flagged": ["60", "40", "30", "62", "<10", "44", "100"],
        "TP": ["20", "16", "9", "20", "<10", "14", "36"],
        "FP": ["40", "24", "21", "42", "<10", "30", "64"],
    }
)


def test_stacked_attribute_and_group_columns_read_as_the_wide_table():
    wide = pd.DataFrame(
        {
            "gender": ["F", "M", "", "", "", "Total"],
            "age": ["", "", "<30", "30-60", "60+", "Total"],
            "n": ["500", "500", "200", "600", "200", "1000"],
            "flagged": ["60", "40", "30", "62", "<10", "100"],
            "TP": ["20", "16", "9", "20", "<10", "36"],
            "FP": ["40", "24", "21", "42", "<10", "64"],
        }
    )
    stacked = read_counts(
        STACKED, groups=["gender", "age"], attribute_column="variable", group_column="value"
    )
    by_hand = read_counts(wide, groups=["gender", "age"])
    compare = ["attribute", "group", "cell", "status", "implied_low", "implied_high"]
    pd.testing.assert_frame_equal(stacked.cells[compare], by_hand.cells[compare])
    cells = stacked.cells.set_index(["group", "cell"])
    # the margins pin the hidden cells of 60+: flagged 100 - 30 - 62 = 8, TP 36 - 9 - 20 = 7
    assert cells.loc[("60+", "flagged"), ["implied_low", "implied_high"]].tolist() == [8, 8]
    assert cells.loc[("60+", "tp"), ["implied_low", "implied_high"]].tolist() == [7, 7]
    # the region row is read but not audited, and the ledger says so
    assert stacked.rows_read == 7
    assert stacked.excluded == (("attribute 'region' not audited", 1),)


def test_stacked_rows_keep_their_file_row_numbers():
    bad = STACKED.copy()
    bad.loc[5, "n"] = "lots"  # the region row, left out: no problem
    bad.loc[1, "n"] = "many"  # row 2 of the file
    with pytest.raises(CountsError) as info:
        read_counts(bad, groups=["gender"], attribute_column="variable", group_column="value")
    (problem,) = info.value.problems_list
    assert problem.row == 2 and problem.value == "many"


def test_secondary_suppression_reads_every_hidden_cell_as_any_size():
    # true flagged: A 38 (hidden to protect B), B 4 (primary), C 13; total 55.
    # The source wrote both hidden cells as 0 ("cells below 10 were set to 0").
    table = pd.DataFrame(
        {
            "g": ["A", "B", "C", "Total"],
            "n": [100, 150, 50, 300],
            "flagged": [0, 0, 13, 55],
        }
    )
    with pytest.raises(CountsError, match="add up to 13 to 31 but the total row.s flagged is 55"):
        # today's reading of a 0 as 0 to 9: 9 + 9 + 13 = 31 < 55
        read_counts(table, groups="g", zero_means_below=True)
    result = audit_counts(
        table,
        groups="g",
        zero_means_below=True,
        secondary_suppression=True,
        metrics=["selection_rate"],
        min_cell=0,
    )
    low = values(result, "selection_rate", "g", "lower_bound")
    high = values(result, "selection_rate", "g", "upper_bound")
    # by hand: A + B = 55 - 13 = 42, each 0 to 42: A in [0, 42/100], B in [0, 42/150]
    assert low == pytest.approx({"A": 0.0, "B": 0.0, "C": 13 / 50})
    assert high == pytest.approx({"A": 0.42, "B": 0.28, "C": 13 / 50})
    assert low["A"] <= 38 / 100 <= high["A"] and low["B"] <= 4 / 150 <= high["B"]
    assert any("secondary suppression" in note for note in result.ledger.notes)


def test_stacked_layout_needs_both_columns():
    with pytest.raises(ConfigError, match="both attribute_column and group_column"):
        read_counts(STACKED, groups=["gender"], attribute_column="variable")


def test_config_keys_reach_the_reader(tmp_path):
    STACKED.to_csv(tmp_path / "counts.csv", index=False)
    config = tmp_path / "audit.toml"
    config.write_text(
        textwrap.dedent(
            """
            [data]
            path = "counts.csv"
            kind = "counts"
            [groups]
            attributes = ["gender"]
            [counts]
            attribute_column = "variable"
            group_column = "value"
            [stats]
            min_cell = 0
            """
        ),
        encoding="utf-8",
    )
    result = run_config(load_config(config))
    # by hand: 60 / 500 and 40 / 500
    assert values(result, "selection_rate", "gender") == pytest.approx({"F": 0.12, "M": 0.08})


# gender leaves 20 people out (its "unknown" was not published); age covers everyone
LEFT_OUT_TABLE = pd.DataFrame(
    {
        "gender": ["F", "M", "", "", "Total"],
        "age": ["", "", "<30", "30+", "Total"],
        "n": ["480", "500", "300", "700", "1000"],
        "flagged": ["50", "x", "40", "60", "100"],
    }
)


def test_a_group_left_out_of_one_attribute_only():
    with pytest.raises(CountsError, match="the groups' n add up to 980 but the total row's n"):
        read_counts(LEFT_OUT_TABLE, groups=["gender", "age"], withheld=["x"])
    result = audit_counts(
        LEFT_OUT_TABLE,
        groups=["gender", "age"],
        withheld=["x"],
        left_out=["gender"],
        metrics=["selection_rate"],
        min_cell=0,
    )
    rows = result.metric("selection_rate", "gender").set_index("group")
    assert list(rows.index) == ["F", "M", "(not in table)"]
    assert rows.loc["F", "value"] == pytest.approx(50 / 480)
    # by hand: the rest is 1000 - 480 - 500 = 20 people; M + rest flagged = 100 - 50 = 50,
    # the rest flagged 0 to 20, so M flagged 30 to 50 of 500
    assert rows.loc["(not in table)", "n"] == 20
    assert rows.loc["M", ["lower_bound", "upper_bound"]].tolist() == pytest.approx([0.06, 0.10])
    assert rows.loc["(not in table)", ["lower_bound", "upper_bound"]].tolist() == pytest.approx(
        [0.0, 1.0]
    )
    age = values(result, "selection_rate", "age")
    assert age == pytest.approx({"<30": 40 / 300, "30+": 60 / 700})  # untouched
    assert any("'(not in table)'" in note for note in result.ledger.notes)


def test_left_out_names_a_group_column():
    with pytest.raises(ConfigError, match="left_out: 'sex' is not one of the groups"):
        read_counts(LEFT_OUT_TABLE, groups=["gender", "age"], left_out=["sex"])


def test_a_total_that_adds_up_rounded_groups_is_not_read_as_a_rounded_total():
    # five groups of 14 people each (70 in all), every count rounded to 10: each group
    # is published as 10, and the source's total row adds those up to 50
    table = pd.DataFrame(
        {"g": ["A", "B", "C", "D", "E", "Total"], "n": [10, 10, 10, 10, 10, 50]}
    ).assign(flagged=[0, 0, 0, 0, 0, 0])
    wrong = read_counts(table, groups="g", rounding=10).cells.set_index(["group", "cell"])
    # read as a rounded total, everyone is 45 to 55: the true 70 is excluded
    assert wrong.loc[("(all)", "n"), ["implied_low", "implied_high"]].tolist() == [45, 55]
    counts = read_counts(table, groups="g", rounding=10, total_is_sum=True)
    cells = counts.cells.set_index(["group", "cell"])
    # by hand: each group 5 to 15, so everyone 25 to 75, which holds the true 70
    assert cells.loc[("(all)", "n"), ["implied_low", "implied_high"]].tolist() == [25, 75]
    assert cells.loc[("A", "n"), ["implied_low", "implied_high"]].tolist() == [5, 15]
    assert any("total_is_sum" in note for note in counts.notes)
