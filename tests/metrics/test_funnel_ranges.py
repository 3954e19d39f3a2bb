"""Funnel rates from tables with suppressed or rounded cells: ranges (issue 14).

Every share and transition that depends on a hidden cell is checked against a
brute-force enumeration of every whole-number funnel consistent with the published
cells (tests/funnel_enumeration.py: rates computed by hand on each funnel); rows the
cells determine against statsmodels and scipy, as for exact funnels.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from biasaudit._exceptions import UndefinedRateWarning
from biasaudit.counts._stages import funnel_counts_from_table
from biasaudit.disclosure import mark_funnel, publish
from biasaudit.metrics._funnel import FUNNEL_COLUMNS, funnel_table
from biasaudit.spec._spec import StatsOptions
from funnel_enumeration import everyone, group_funnels, rate_range

STAGES = ["pop", "sel", "visit"]
PARENTS = [None, 0, 1]
NO_SUPPRESSION = StatsOptions(min_cell=0)
HIDDEN = {
    "NL": ["40", "12", "<5"],
    "MA": ["<10", "<10", "3"],
    "TR": ["25", "x", "2"],
}
ROUNDED = {"NL": ["1000", "20", "20"], "MA": ["400", "80", "50"]}
RATES = [("share", "sel", 1, 0), ("share", "visit", 2, 0), ("transition", "sel", 1, 0)]
RATES += [("transition", "visit", 2, 1)]


def table_of(rows) -> pd.DataFrame:
    return pd.DataFrame([[g, *c] for g, c in rows.items()], columns=["nat", *STAGES])


def row(table: pd.DataFrame, group: str, stage: str) -> pd.Series:
    hit = table[(table["group"] == group) & (table["stage"] == stage)]
    assert len(hit) == 1
    return hit.iloc[0]


def check_against_enumeration(table, funnels):
    """Every rate's bounds equal the smallest and largest over the enumerated funnels."""
    groups = {**funnels, "(all)": everyone(funnels)}
    for group, rows in groups.items():
        for rate, stage, num, den in RATES:
            expected = rate_range(rows, num, den)
            r = row(table, group, stage)
            got = (r[f"{rate}_lower_bound"], r[f"{rate}_upper_bound"])
            assert expected is not None
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), (group, rate, stage)


@pytest.fixture(scope="module")
def hidden():
    counts = funnel_counts_from_table(table_of(HIDDEN), STAGES, attributes="nat")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedRateWarning)
        table = funnel_table(counts, reference={"nat": "NL"}, options=NO_SUPPRESSION)
    return counts, table


def test_bounds_equal_the_enumeration_of_every_whole_number_funnel(hidden):
    _, table = hidden
    assert list(table.columns) == FUNNEL_COLUMNS
    check_against_enumeration(table, {g: group_funnels(c, PARENTS) for g, c in HIDDEN.items()})
    # by hand: MA reached 'visit' (3) from 3 to 9 selected: transition 3/9 to 3/3
    r = row(table, "MA", "visit")
    assert (r["transition_lower_bound"], r["transition_upper_bound"]) == pytest.approx((1 / 3, 1))
    # everyone's selected share: 12 + 3..9 + 2..9 of 40 + 3..9 + 25 people, the count and
    # the people linked (MA's selected are among MA's people): 17/74 to 30/74, never 30/68
    r = row(table, "(all)", "sel")
    assert (r["share_lower_bound"], r["share_upper_bound"]) == pytest.approx((17 / 74, 30 / 74))


def test_ranged_rows_have_no_value_interval_or_test_and_say_why(hidden):
    _, table = hidden
    r = row(table, "TR", "visit")  # 2 of 2 to 9 selected
    assert np.isnan(
        [
            r["transition"],
            r["transition_ci_low"],
            r["transition_ci_high"],
            r["transition_ratio"],
            r["transition_ratio_ci_low"],
            r["p_value"],
            r["p_adjusted"],
        ]
    ).all()
    assert r["count"] == 2 and r["n"] == 25  # exact counts stay
    assert r["note"].startswith(
        "range over every funnel of whole numbers consistent with the published cells (count "
        "= 2, at 'sel' 2 to 9, n = 25; 4 cells suppressed); no interval or test: they need "
        "exact counts"
    )
    assert "outer bound" in r["note"]  # the ratio's range
    r = row(table, "TR", "sel")
    assert np.isnan(r["count"])


def test_exact_rows_keep_value_interval_and_test(hidden):
    _, table = hidden
    r = row(table, "TR", "visit")
    # share at 'visit' = 2 / 25: exact, Wilson as statsmodels; NL's is a range (0..4 / 40)
    assert r["share_lower_bound"] == r["share_upper_bound"] == pytest.approx(2 / 25)
    r = row(table, "NL", "sel")  # 12 of 40, exact, the reference
    assert r["share"] == r["share_lower_bound"] == r["share_upper_bound"] == 12 / 40
    assert (r["share_ci_low"], r["share_ci_high"]) == pytest.approx(
        proportion_confint(12, 40, method="wilson"), abs=1e-12
    )


def test_share_ratio_is_an_outer_range_containing_every_funnels_ratio(hidden):
    _, table = hidden
    funnels = {g: group_funnels(c, PARENTS) for g, c in HIDDEN.items()}
    nl, tr = funnels["NL"], funnels["TR"]
    r = row(table, "TR", "visit")  # share 2/25 vs NL's 0..4 / 40
    # every pair of funnels (one per group) gives a ratio within the published range
    ratios = []
    for a in tr:
        for b in nl:
            if b[2] > 0:
                ratios.append((a[2] / a[0]) / (b[2] / b[0]))
    assert r["share_ratio_lower_bound"] <= min(ratios) + 1e-12
    # NL's share can be 0: no upper limit to the ratio
    assert math.isnan(r["share_ratio_upper_bound"])
    assert "no upper limit: the reference can be 0" in r["note"]
    # by hand: (2/25) / (4/40) = 0.8, the smallest ratio, attained
    assert r["share_ratio_lower_bound"] == pytest.approx(0.8) == pytest.approx(min(ratios))
    r = row(table, "TR", "sel")  # 2..9 of 25 vs 12/40 exact: (2/25)/(0.3) to (9/25)/0.3
    assert (r["share_ratio_lower_bound"], r["share_ratio_upper_bound"]) == pytest.approx(
        (2 / 25 / 0.3, 9 / 25 / 0.3)
    )


def test_a_rounded_funnel_against_the_enumeration():
    counts = funnel_counts_from_table(table_of(ROUNDED), STAGES, attributes="nat", rounding=10)
    table = funnel_table(counts, reference={"nat": "NL"}, options=NO_SUPPRESSION)
    funnels = {g: group_funnels(c, PARENTS, rounding=10) for g, c in ROUNDED.items()}
    check_against_enumeration(table, funnels)
    # by hand: NL's 20 selected and 20 visited are each 15 to 25, visited <= selected:
    # the transition is 15/25 = 0.6 to 1 (not 25/15: the two counts are linked)
    r = row(table, "NL", "visit")
    assert (r["transition_lower_bound"], r["transition_upper_bound"]) == pytest.approx((0.6, 1))
    assert "6 cells rounded to a multiple of 10" in r["note"]
    assert table["p_value"].isna().all()  # every count is a range


def test_a_cell_pinned_by_the_margins_is_exact_with_its_interval_and_test():
    # gender's selected add up to 25, nationality's to 20 + "<10": MA's is 5, exactly
    frame = pd.DataFrame(
        {
            "attribute": ["nat", "nat", "sex", "sex"],
            "group": ["NL", "MA", "F", "M"],
            "pop": ["100", "50", "80", "70"],
            "sel": ["20", "<10", "15", "10"],
        }
    )
    counts = funnel_counts_from_table(frame, ["pop", "sel"], attribute_column="attribute")
    table = funnel_table(counts, reference={"nat": "NL", "sex": "F"}, options=NO_SUPPRESSION)
    r = row(table, "MA", "sel")
    assert (r["count"], r["n"], r["share"]) == (5, 50, 0.1)
    assert (r["share_ci_low"], r["share_ci_high"]) == pytest.approx(
        proportion_confint(5, 50, method="wilson"), abs=1e-12
    )
    lo, hi = confint_proportions_2indep(5, 50, 20, 100, method="log", compare="ratio")
    assert (r["share_ratio"], r["share_ratio_ci_low"], r["share_ratio_ci_high"]) == (
        pytest.approx(0.5),
        pytest.approx(lo, rel=1e-9),
        pytest.approx(hi, rel=1e-9),
    )
    # [[5, 45], [20, 80]]: every expected cell >= 5, Pearson's chi-square
    chi2 = stats.chi2_contingency([[5, 45], [20, 80]], correction=False)
    assert r["p_value"] == pytest.approx(chi2.pvalue)
    assert "range" not in r["note"]
    assert table[["share_lower_bound", "share_upper_bound"]].notna().all().all()


def test_an_exact_funnel_has_bounds_equal_to_its_values():
    counts = funnel_counts_from_table(
        table_of({"NL": ["40", "12", "4"], "MA": ["30", "9", "3"]}), STAGES, attributes="nat"
    )
    table = funnel_table(counts, options=NO_SUPPRESSION)
    for rate in ("share", "transition", "share_ratio", "transition_ratio"):
        values = table[rate].to_numpy(float)
        for end in ("lower", "upper"):
            np.testing.assert_array_equal(table[f"{rate}_{end}_bound"].to_numpy(float), values)


def test_a_rate_undefined_in_every_funnel_is_nan_with_a_warning():
    # TR: "<1" is 0 people, exactly, so no share at all; MA's "<10" people can be 0
    rows = {"NL": ["40", "12", "4"], "MA": ["<10", "<10", "<10"], "TR": ["<1", "<1", "<1"]}
    counts = funnel_counts_from_table(table_of(rows), STAGES, attributes="nat")
    with pytest.warns(UndefinedRateWarning, match="nat = TR at 'sel'"):
        table = funnel_table(counts, options=NO_SUPPRESSION)
    r = row(table, "TR", "sel")
    assert np.isnan([r["share"], r["share_lower_bound"], r["share_upper_bound"]]).all()
    assert r["note"] == "undefined: nobody in this group (n = 0)"
    r = row(table, "MA", "sel")
    assert (r["share_lower_bound"], r["share_upper_bound"]) == (0.0, 1.0)
    assert "share undefined in some of these funnels (n can be 0)" in r["note"]


def test_disclosure_control_runs_and_withholds_small_exact_counts(hidden):
    counts, table = hidden
    marked = mark_funnel(table, counts.stages, 10, counts=counts)
    hidden_rows = set(
        zip(
            marked.loc[marked["suppressed"], "group"],
            marked.loc[marked["suppressed"], "stage"],
            strict=True,
        )
    )
    # the source's exact small counts (MA's 3 and TR's 2 visits) are withheld ...
    assert {("MA", "visit"), ("TR", "visit")} <= hidden_rows
    # ... a range is not withheld for its own sake: NL's "<5" visits publish their range
    assert ("NL", "visit") not in hidden_rows
    shown = publish(marked, "funnel")
    assert shown.loc[shown["suppressed"], ["count", "share_lower_bound"]].isna().all().all()
    r = row(shown, "NL", "visit")
    assert (r["share_lower_bound"], r["share_upper_bound"]) == pytest.approx((0, 4 / 40))


def test_the_integer_program_path_gives_the_enumerated_bounds(monkeypatch):
    """The relaxation's optimum is usually a funnel of whole numbers already; where it
    is not, Dinkelbach's integer programs must reach the same exact bounds."""
    from biasaudit.counts import _funnel_ranges

    monkeypatch.setattr(_funnel_ranges, "_whole", lambda z: False)
    counts = funnel_counts_from_table(table_of(HIDDEN), STAGES, attributes="nat")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedRateWarning)
        table = funnel_table(counts, reference={"nat": "NL"}, options=NO_SUPPRESSION)
    check_against_enumeration(table, {g: group_funnels(c, PARENTS) for g, c in HIDDEN.items()})
    assert not table["note"].str.contains("share: outer bound").any()


def test_an_end_the_solver_cannot_prove_is_called_an_outer_bound(monkeypatch):
    from biasaudit.counts import _funnel_ranges

    monkeypatch.setattr(_funnel_ranges, "_whole", lambda z: False)
    monkeypatch.setattr(_funnel_ranges.FunnelModel, "_dinkelbach", lambda self, *a: False)
    counts = funnel_counts_from_table(table_of(ROUNDED), STAGES, attributes="nat", rounding=10)
    table = funnel_table(counts, reference={"nat": "NL"}, options=NO_SUPPRESSION)
    r = row(table, "NL", "visit")
    assert (
        "transition: outer bound (the solver did not prove the range over whole numbers"
        in (r["note"])
    )
    # the relaxation's range still contains the enumerated one
    rows = group_funnels(ROUNDED["NL"], PARENTS, rounding=10)
    lo, hi = rate_range(rows, 2, 1)
    assert r["transition_lower_bound"] <= lo + 1e-12 and r["transition_upper_bound"] >= hi - 1e-12
