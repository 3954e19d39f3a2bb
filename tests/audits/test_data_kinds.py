"""Aggregated tables and funnels as a user runs them: config files, the CLI, Python.
Expected numbers are worked out by hand in the comments."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import biasaudit
from biasaudit.cli import main

FOI = """gender;n;flagged;TP;FP;FN;TN
F;400;<10;x;4;20;370
M;600;30;10;20;50;520
X;50;12;3;9;4;34
Totaal;1050;48;15;33;74;924
"""

COUNTS_TOML = """
[data]
path = "foi.csv"
kind = "counts"
[counts]
point = "midpoint"
[groups]
attributes = ["gender"]
reference = { gender = "M" }
[stats]
min_cell = 0
"""


def test_counts_config_through_the_cli(tmp_path, capsys):
    (tmp_path / "foi.csv").write_text(FOI, encoding="utf-8")
    (tmp_path / "audit.toml").write_text(COUNTS_TOML, encoding="utf-8")
    assert main(["audit", str(tmp_path / "audit.toml"), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "aggregated counts" in out
    table = pd.read_csv(tmp_path / "out" / "results.csv")
    sel = table[(table["metric"] == "selection_rate") & (table["attribute"] == "gender")]
    sel = sel.set_index("group")
    # the total row pins F's flagged: 48 - 30 - 12 = 6 of 400
    assert sel.loc["F", "value"] == pytest.approx(6 / 400)
    assert sel.loc["F", "ratio"] == pytest.approx((6 / 400) / (30 / 600))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data_shape"] == "aggregated counts"
    assert manifest["row_ledger"]["rows_read"] == 4


def test_counts_ranges_when_cells_cannot_be_pinned(tmp_path):
    # no total row: F's flagged is 0 to 9 of 400, so its selection rate is a range
    table = pd.DataFrame({"gender": ["F", "M"], "n": [400, 600], "flagged": ["<10", 30]})
    r = biasaudit.audit_counts(table, groups=["gender"], metrics=["selection_rate"], min_cell=0)
    row = r.metric("selection_rate", "gender").set_index("group").loc["F"]
    assert pd.isna(row["value"])
    assert (row["lower_bound"], row["upper_bound"]) == pytest.approx((0 / 400, 9 / 400))
    mid = biasaudit.audit_counts(
        table, groups=["gender"], metrics=["selection_rate"], min_cell=0, point="midpoint"
    )
    row = mid.metric("selection_rate", "gender").set_index("group").loc["F"]
    assert row["value"] == pytest.approx(4.5 / 400) and "midpoint" in row["note"]
    assert mid.summaries.empty  # ranges have no bootstrap summaries


def test_several_datasets_side_by_side():
    table = pd.DataFrame(
        {
            "version": ["training", "training", "pilot", "pilot"],
            "gender": ["F", "M", "F", "M"],
            "n": [1000, 1000, 500, 500],
            "flagged": [100, 50, 40, 40],
        }
    )
    r = biasaudit.audit_counts(
        table, groups=["gender"], dataset="version", metrics=["selection_rate"], min_cell=0
    )
    assert list(r.table.columns[:2]) == ["dataset", "attribute"]
    wide = r.summary()
    # training: F 100/1000 = 0.1, M 0.05; pilot: F = M = 40/500 = 0.08
    assert wide.loc[("training", "gender", "F"), "selection_rate"] == pytest.approx(0.1)
    assert wide.loc[("pilot", "gender", "M"), "selection_rate"] == pytest.approx(0.08)


STAGES_CSV = (
    """background,stage
"""
    + "\n".join(
        # none: 100 people, 20 selected, 10 visited (4 found, 6 unfounded)
        ["none,population"] * 80
        + ["none,selected"] * 10
        + ["none,found"] * 4
        + ["none,unfounded"] * 6
        # migration: 50 people, 20 selected, 15 visited (3 found, 12 unfounded)
        + ["migration,population"] * 30
        + ["migration,selected"] * 5
        + ["migration,found"] * 3
        + ["migration,unfounded"] * 12
    )
    + "\n"
)

FUNNEL_TOML = """
[data]
path = "stages.csv"
kind = "funnel"
[funnel]
stages = ["population", "selected", "visited", ["found", "visited"], ["unfounded", "visited"]]
stage_column = "stage"
[groups]
attributes = ["background"]
reference = { background = "none" }
[stats]
min_cell = 0
"""


def test_funnel_config_through_the_cli(tmp_path, capsys):
    (tmp_path / "stages.csv").write_text(STAGES_CSV, encoding="utf-8")
    (tmp_path / "audit.toml").write_text(FUNNEL_TOML, encoding="utf-8")
    assert main(["audit", str(tmp_path / "audit.toml"), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "times as likely" in printed
    table = pd.read_csv(tmp_path / "out" / "results.csv")
    rows = table[table["attribute"] == "background"].set_index(["group", "stage"])
    # selected: migration 20/50 = 0.4 vs none 20/100 = 0.2 -> 2.0
    assert rows.loc[("migration", "selected"), "share_ratio"] == pytest.approx(2.0)
    # visited after selection: migration 15/20 = 0.75 vs none 10/20 = 0.5 -> 1.5
    assert rows.loc[("migration", "visited"), "transition_ratio"] == pytest.approx(1.5)
    # unfounded among visited: 12/15 = 0.8 vs 6/10 = 0.6 -> 4/3
    assert rows.loc[("migration", "unfounded"), "transition_ratio"] == pytest.approx(4 / 3)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data_shape"] == "funnel"
    assert manifest["row_ledger"]["rows_read"] == 150


def test_funnel_from_a_stage_count_table(tmp_path):
    reply = pd.DataFrame(
        {
            "background": ["none", "migration"],
            "population": [100, 50],
            "selected": [20, 20],
            "visited": [10, 15],
        }
    )
    reply.to_csv(tmp_path / "reply.csv", index=False)
    r = biasaudit.funnel(
        tmp_path / "reply.csv",
        groups=["background"],
        stages=["population", "selected", "visited"],
        layout="wide",
        reference={"background": "none"},
        min_cell=0,
    )
    rows = r.table[r.table["attribute"] == "background"].set_index(["group", "stage"])
    assert rows.loc[("migration", "visited"), "share_ratio"] == pytest.approx(0.3 / 0.1)
    assert r.sentences()[0].startswith("People with background = migration were 3.0 times")


def test_sections_of_another_kind_are_errors(tmp_path, capsys):
    (tmp_path / "foi.csv").write_text(FOI, encoding="utf-8")
    text = COUNTS_TOML + '\n[roles]\nflagged = "x"\n[funnel]\nstage_column = "s"\n'
    (tmp_path / "audit.toml").write_text(text.replace('"counts"\n[counts]', '"count"\n[counts]'))
    assert main(["audit", str(tmp_path / "audit.toml"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "data.kind: expected one of 'records', 'counts', 'funnel'; got 'count'" in err
    assert "[funnel]: only used with [data] kind = 'funnel'" in err
    assert not (tmp_path / "out").exists()


def test_counts_results_do_not_reveal_small_counts():
    """Regression (fresh-clone trial): a group of 7 flagged people was withheld in its
    own rows but computable from the overall row and the other groups."""
    table = pd.DataFrame(
        {
            "gender": ["F", "M", "=cmd"],
            "n": [500, 480, 60],
            "flagged": [60, 50, 7],
            "TP": [20, 15, 4],
            "FP": [40, 35, 3],
        }
    )
    r = biasaudit.audit_counts(table, groups=["gender"])
    published = r.published_table()
    sel = published[published["metric"] == "selection_rate"].set_index("group")
    # the overall flagged (117) minus F (60) and M (50) would give 7: one of them must go
    assert pd.isna(sel.loc["=cmd", "numerator"])
    assert sel.loc[["F", "M"], "numerator"].isna().any() or pd.isna(sel.loc["(all)", "numerator"])
    assert not published["note"].fillna("").str.contains(r"\b7 flagged", regex=True).any()
    csv = r.to_csv()
    assert "'=cmd" in csv and "\n=cmd" not in csv  # no spreadsheet formula


def test_a_misspelled_count_column_is_an_error_not_an_absent_cell():
    table = pd.DataFrame(
        {"g": ["a", "b"], "n": [100, 100], "flaged": [20, 10], "TP": [5, 5], "FP": [10, 4]}
    )
    with pytest.raises(biasaudit.RecordsError, match="'flaged' looks like cell 'flagged'"):
        biasaudit.audit_counts(table, groups=["g"])
    # a column that is no cell at all (a percentage, say) is only noted
    ok = table.rename(columns={"flaged": "flagged"}).assign(pct=["20%", "10%"])
    r = biasaudit.audit_counts(ok, groups=["g"], min_cell=0)
    assert "columns not used: 'pct'" in r.ledger.notes


def test_a_suppressed_reference_in_one_dataset_leaves_the_others_compared():
    """Regression (review): comparisons were blanked in every dataset."""
    table = pd.DataFrame(
        {
            "dataset": ["train", "train", "pilot", "pilot"],
            "gender": ["F", "M", "F", "M"],
            "n": ["4000", "3900", "500", "<10"],
            "flagged": ["310", "150", "40", "<10"],
            "TP": ["105", "62", "12", "<10"],
            "FP": ["205", "88", "28", "<10"],
        }
    )
    r = biasaudit.audit_counts(table, groups=["gender"], dataset="dataset")
    published = r.published_table()
    train = published[
        (published["dataset"] == "train") & (published["metric"] == "selection_rate")
    ]
    m = train.set_index("group").loc["M"]
    assert m["reference_group"] == "F"
    # (150 / 3900) / (310 / 4000)
    assert m["ratio"] == pytest.approx((150 / 3900) / (310 / 4000))
