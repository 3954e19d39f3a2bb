"""Funnel tables with suppressed or rounded cells, as offices publish them (issue 14).

Each cell is an interval; the bounds every count is narrowed to are checked against a
brute-force enumeration of every whole-number funnel consistent with the published
cells (tests/funnel_enumeration.py), and against hand arithmetic in the comments.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from biasaudit._exceptions import ConfigError, RecordsError
from biasaudit.counts._stages import funnel_counts_from_table
from funnel_enumeration import everyone, group_funnels

STAGES = ["pop", "sel", "visit"]
PARENTS = [None, 0, 1]
# "<5" is 0 to 4; "<10" and "x" are 0 to 9; MA's visit (3) forces its selected to >= 3,
# TR's visit (2) its selected to >= 2
HIDDEN = {
    "NL": ["40", "12", "<5"],
    "MA": ["<10", "<10", "3"],
    "TR": ["25", "x", "2"],
}


def hidden_table(rows=HIDDEN) -> pd.DataFrame:
    return pd.DataFrame([[g, *c] for g, c in rows.items()], columns=["nat", *STAGES])


def bounds(counts) -> dict[tuple[str, str], tuple[float, float]]:
    b = counts.ranges.bounds
    return {
        (g, s): (lo, hi)
        for g, s, lo, hi in zip(b["group"], b["stage"], b["low"], b["high"], strict=True)
    }


def test_suppressed_cells_are_intervals_narrowed_as_enumeration_says():
    counts = funnel_counts_from_table(hidden_table(), STAGES, attributes="nat")
    assert counts.ranges is not None
    funnels = {g: group_funnels(c, PARENTS) for g, c in HIDDEN.items()}
    found = bounds(counts)
    for g, rows in funnels.items():
        for j, s in enumerate(STAGES):
            assert found[(g, s)] == (rows[:, j].min(), rows[:, j].max()), (g, s)
    total = everyone(funnels)
    for j, s in enumerate(STAGES):
        assert found[("(all)", s)] == (total[:, j].min(), total[:, j].max()), s
    # by hand: MA selected 3 to 9 (not 0 to 9), MA population 3 to 9 too
    assert found[("MA", "sel")] == (3, 9) and found[("MA", "pop")] == (3, 9)
    # the counts table holds one of the consistent funnels
    wide = counts.wide().set_index("group")
    for g, rows in funnels.items():
        assert any((rows == wide.loc[g, STAGES].to_numpy()).all(axis=1))
    cells = counts.ranges.cells
    assert cells["status"].value_counts().to_dict() == {"exact": 5, "suppressed": 4}


def test_rounded_counts_are_within_half_the_base_and_never_below_zero():
    table = pd.DataFrame(
        {"nat": ["NL", "MA"], "pop": ["1000", "400"], "sel": ["20", "0"], "visit": ["20", "0"]}
    )
    counts = funnel_counts_from_table(table, STAGES, attributes="nat", rounding=10)
    found = bounds(counts)
    # 1000 is 995 to 1005; 0 is 0 to 5 (never below 0); NL's visit 15 to 25 like its selected
    assert found[("NL", "pop")] == (995, 1005)
    assert found[("MA", "sel")] == (0, 5) and found[("MA", "visit")] == (0, 5)
    funnels = {
        g: group_funnels(table.set_index("nat").loc[g, STAGES], PARENTS, rounding=10)
        for g in ("NL", "MA")
    }
    for g, rows in funnels.items():
        for j, s in enumerate(STAGES):
            assert found[(g, s)] == (rows[:, j].min(), rows[:, j].max())
    assert "counts rounded to a multiple of 10" in " ".join(counts.ranges.notes)


def test_a_suppressed_cell_pinned_by_another_attribute_is_exact():
    # nationality's selected: 20 + "<10"; gender's: 15 + 10 = 25, so MA's is 25 - 20 = 5
    table = pd.DataFrame(
        {
            "attribute": ["nat", "nat", "sex", "sex"],
            "group": ["NL", "MA", "F", "M"],
            "pop": ["100", "50", "80", "70"],
            "sel": ["20", "<10", "15", "10"],
        }
    )
    counts = funnel_counts_from_table(table, ["pop", "sel"], attribute_column="attribute")
    assert bounds(counts)[("MA", "sel")] == (5, 5)
    assert counts.ranges.exact()[("nat", "MA", "sel")]
    assert counts.ranges.cells.query("published == '<10'")["implied_low"].tolist() == [5.0]


def test_a_stage_above_a_larger_count_is_an_error_naming_group_stage_and_cells():
    rows = {**HIDDEN, "TR": ["<10", "x", "40"]}  # 40 visits, at most 9 selected
    with pytest.raises(RecordsError) as info:
        funnel_counts_from_table(hidden_table(rows), STAGES, attributes="nat")
    messages = [p.message for p in info.value.problems_list]
    assert messages == [
        "nat = 'TR': stage 'visit' is 40 but the stage above it, 'sel', is 'x' (0 to 9): no "
        "funnel has more people at a stage than at the stages above it, even allowing for "
        "suppression and rounding; check both cells",
    ]
    assert info.value.problems_list[0].row == 3


def test_attributes_that_cannot_add_up_are_an_error_naming_the_stage():
    table = pd.DataFrame(
        {
            "attribute": ["nat", "nat", "sex", "sex"],
            "group": ["NL", "MA", "F", "M"],
            "pop": ["100", "50", "80", "<10"],  # 150 people by nationality, 80 to 89 by sex
            "sel": ["20", "<10", "15", "5"],
        }
    )
    with pytest.raises(RecordsError) as info:
        funnel_counts_from_table(table, ["pop", "sel"], attribute_column="attribute")
    [problem] = info.value.problems_list
    assert problem.reason == "totals_differ"
    assert problem.message.startswith(
        "stage 'pop': the groups of 'nat' add up to at least 150 but those of 'sex' to at "
        "most 89, even allowing for suppression and rounding"
    )


def test_a_funnel_no_whole_numbers_satisfy_is_an_error():
    # each cell is fine with its parent, but the attributes' sums at 'sel' (20 + 0..4 vs
    # 30 + 0..4) never meet, and so neither do the people behind them
    table = pd.DataFrame(
        {
            "attribute": ["nat", "nat", "sex", "sex"],
            "group": ["NL", "MA", "F", "M"],
            "pop": ["100", "50", "80", "70"],
            "sel": ["20", "<5", "15", "15"],
        }
    )
    with pytest.raises(RecordsError, match="stage 'sel': the groups of 'sex' add up to"):
        funnel_counts_from_table(table, ["pop", "sel"], attribute_column="attribute")
    # sums that overlap cell by cell but not once every constraint holds
    table["sel"] = ["20", "<10", "<10", "<10"]
    table["pop"] = ["100", "50", "<10", "<10"]  # sex: at most 18 people, nationality 150
    with pytest.raises(RecordsError, match="the groups of 'nat' add up to at least 150"):
        funnel_counts_from_table(table, ["pop", "sel"], attribute_column="attribute")


def test_attribute_sums_are_checked_with_the_people_of_the_stages_below():
    # gender's selected (6 + 6) need 12 people at 'pop', where nationality has 10; each
    # cell and each stage's published sums (10 vs 0 to 18; 0 to 18 vs 12) look fine alone
    table = pd.DataFrame(
        {
            "attribute": ["nat", "nat", "sex", "sex"],
            "group": ["NL", "MA", "F", "M"],
            "pop": ["5", "5", "<10", "<10"],
            "sel": ["<10", "<10", "6", "6"],
        }
    )
    with pytest.raises(RecordsError) as info:
        funnel_counts_from_table(table, ["pop", "sel"], attribute_column="attribute")
    pop, sel = info.value.problems_list  # at 'sel' too: nationality's hold at most 5 + 5
    assert pop.message.startswith(
        "stage 'pop': the groups of 'sex' add up to at least 12 but those of 'nat' to at most 10"
    )
    assert sel.message.startswith("stage 'sel': the groups of 'sex' add up to at least 12")


@pytest.mark.parametrize("fails", ["feasible", "closest"])
def test_a_funnel_the_solver_finds_impossible_is_an_error_not_a_crash(monkeypatch, fails):
    """The checks above name the conflicts a reader can see; whatever only the linear
    (or integer) program finds is still one clear error."""
    from biasaudit.counts import _funnel_ranges

    if fails == "feasible":
        monkeypatch.setattr(_funnel_ranges.FunnelModel, "feasible", lambda self: False)
    else:
        monkeypatch.setattr(_funnel_ranges.FunnelModel, "closest", lambda self, *a: None)
    with pytest.raises(RecordsError) as info:
        funnel_counts_from_table(hidden_table(), STAGES, attributes="nat")
    [problem] = info.value.problems_list
    kind = "real numbers >= 0" if fails == "feasible" else "whole numbers"
    assert problem.message.startswith(f"no funnel of {kind} matches every published cell")


def test_markers_threshold_and_bad_counts():
    # "c" is not a marker once suppressed = ["*"]; "<=3" always is (0 to 3)
    table = pd.DataFrame({"nat": ["NL", "MA"], "pop": ["100", "*"], "sel": ["<=3", "c"]})
    with pytest.raises(RecordsError, match="count that is not a number, e.g. 'c'"):
        funnel_counts_from_table(table, ["pop", "sel"], attributes="nat", suppressed=["*"])
    table["sel"] = ["<=3", "*"]
    counts = funnel_counts_from_table(
        table, ["pop", "sel"], attributes="nat", suppressed=["*"], below=5
    )
    found = bounds(counts)
    assert found[("NL", "sel")] == (0, 3) and found[("MA", "pop")] == (0, 4)
    table["pop"] = ["105", "*"]
    with pytest.raises(RecordsError, match="not a multiple of 10, e.g. '105'"):
        funnel_counts_from_table(table, ["pop", "sel"], attributes="nat", rounding=10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"below": 0}, "below: expected a whole number >= 1; got 0"),
        ({"rounding": 1}, "rounding: expected a whole number >= 2 (the base), or None; got 1"),
        ({"rounding": True}, "rounding: expected a whole number >= 2"),
        ({"suppressed": "x"}, "suppressed: expected a list of markers"),
    ],
)
def test_option_problems(kwargs, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        funnel_counts_from_table(hidden_table(), STAGES, attributes="nat", **kwargs)


def test_an_exact_table_has_no_ranges():
    table = hidden_table({"NL": ["40", "12", "4"], "MA": ["9", "9", "3"]})
    counts = funnel_counts_from_table(table, STAGES, attributes="nat")
    assert counts.ranges is None
    assert np.issubdtype(counts.table["count"].dtype, np.integer)


def test_a_solver_failure_is_a_clear_error(monkeypatch):
    from types import SimpleNamespace

    from biasaudit._exceptions import SolverError
    from biasaudit.counts import _funnel_ranges

    failed = SimpleNamespace(status=4, message="HiGHS Status 4: Solve error", x=None)
    monkeypatch.setattr(_funnel_ranges, "_linprog", lambda *a, **k: failed)
    with pytest.raises(SolverError, match="linear program failed: HiGHS Status 4"):
        funnel_counts_from_table(hidden_table(), STAGES, attributes="nat")
