"""Aggregated counts as input (data shape 4): reading tables of counts, suppressed and
rounded cells as intervals, and every metric as a range.

Expected numbers never come from the code under test: hand-computed tables (the
arithmetic in comments), the records path of ``audit`` on the same people, plain
numpy on the unsuppressed table (formulas written out here from DESIGN.md §3), and
a brute-force enumeration of every table of whole numbers consistent with the
published cells.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from biasaudit import ConfigError, RecordsError, UndefinedRateWarning, audit
from biasaudit.counts._margins import CountModel
from biasaudit.counts._tables import IntervalCounts, read_counts
from biasaudit.metrics._metrics import TABLE_COLUMNS
from biasaudit.metrics._ranges import range_metrics, side_by_side
from conftest import people_from_cells

OVERALL, ALL = "(overall)", "(all)"
WIDE = ["n", "flagged", "TP", "FP", "FN", "TN"]
TOL = 1e-9

# Formulas of DESIGN.md §3 as (numerator cells, denominator cells); "N" and "F" are
# everyone's n and flagged (shares of the whole population).
FORMULAS = {
    "selection_rate": (["flagged"], ["n"]),
    "population_share": (["n"], ["N"]),
    "share_of_flagged": (["flagged"], ["F"]),
    "base_rate": (["tp", "fn"], ["tp", "fp", "fn", "tn"]),
    "precision": (["tp"], ["tp", "fp"]),
    "false_discovery_rate": (["fp"], ["tp", "fp"]),
    "false_positive_rate": (["fp"], ["fp", "tn"]),
    "innocent_flag_rate": (["fp"], ["n"]),
    "false_negative_rate": (["fn"], ["fn", "tp"]),
    "true_positive_rate": (["tp"], ["tp", "fn"]),
    "true_negative_rate": (["tn"], ["tn", "fp"]),
    "false_omission_rate": (["fn"], ["fn", "tn"]),
    "negative_predictive_value": (["tn"], ["fn", "tn"]),
    "accuracy": (["tp", "tn"], ["tp", "fp", "fn", "tn"]),
}
DECISION = {"selection_rate", "population_share", "share_of_flagged"}
AMONG_LABELLED = {"precision", "false_discovery_rate"}
# harm counts (docs/metrics.md): O - D x the reference's rate, of these rates
HARM = {
    "excess_flagged": "selection_rate",
    "excess_unfounded_investigations": "innocent_flag_rate",
    "excess_false_accusations": "false_positive_rate",
}


def rows_of(out: pd.DataFrame, metric: str, attribute: str = "g") -> pd.DataFrame:
    return out[(out["metric"] == metric) & (out["attribute"] == attribute)].set_index("group")


def quiet_range_metrics(counts: IntervalCounts, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedRateWarning)
        return range_metrics(counts, **kwargs)


# ---------------------------------------------------------------------------------------
# Exact tables: the same numbers as the records


def test_an_exact_table_gives_exactly_what_the_records_give():
    # A: TP 3, FP 1, FN 1, TN 5 (n 10, flagged 4); B: TP 1, FP 2, FN 2, TN 15 (n 20)
    records = people_from_cells({"A": (3, 1, 1, 5), "B": (1, 2, 2, 15)})
    expected = audit(
        records, roles={"flagged": "flag", "outcome": "y"}, groups="g", min_cell=0
    ).table
    table = pd.DataFrame(
        {
            "g": ["A", "B"],
            "n": [10, 20],
            "flagged": [4, 3],
            "TP": [3, 1],
            "FP": [1, 2],
            "FN": [1, 2],
            "TN": [5, 15],
        }
    )
    counts = read_counts(table, groups="g")
    assert counts.exact
    out = range_metrics(counts)
    assert list(out.columns) == TABLE_COLUMNS
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)
    fpr = rows_of(out, "false_positive_rate")
    assert fpr.loc["A", "value"] == pytest.approx(1 / 6)  # FP 1 / (FP 1 + TN 5)
    assert fpr.loc["A", "ratio"] == pytest.approx((1 / 6) / (2 / 17))  # B is larger


def test_an_exact_count_table_has_the_counts_of_the_table():
    table = pd.DataFrame(
        {"g": ["A", "B", "Total"], "n": [10, 20, 30], "flagged": [4, 3, 7], "TP": [3, 1, 4]}
        | {"FP": [1, 2, 3], "FN": [1, 2, 3], "TN": [5, 15, 20]}
    )
    ct = read_counts(table, groups="g").to_count_table().table.set_index("group")
    assert ct.loc["A", ["n", "flagged", "tp", "fp", "fn", "tn"]].tolist() == [10, 4, 3, 1, 1, 5]
    # nobody without a known outcome: 10 - (3 + 1 + 1 + 5) = 0
    assert ct.loc["A", ["flagged_unlabelled", "unflagged_unlabelled"]].tolist() == [0, 0]
    assert ct.loc[ALL, "n"] == 30
    assert ct.loc["A", "investigated"] == 10  # people with a known outcome
    assert ct.iloc[0]["attribute"] == OVERALL


def test_a_suppressed_cell_pinned_down_by_the_total_row_is_exact():
    # F's flagged is suppressed, but 36 - 30 = 6
    table = pd.DataFrame(
        {"sex": ["F", "M", "Total"], "n": [400, 600, 1000], "flagged": ["<10", 30, 36]}
    )
    counts = read_counts(table, groups="sex")
    cells = counts.cells.set_index(["group", "cell"])
    assert cells.loc[("F", "flagged"), "status"] == "suppressed"
    assert (cells.loc[("F", "flagged"), ["low", "high"]] == [0, 9]).all()
    assert (cells.loc[("F", "flagged"), ["implied_low", "implied_high"]] == [6, 6]).all()
    assert counts.exact
    assert counts.to_count_table().table.set_index("group").loc["F", "flagged"] == 6
    out = range_metrics(counts)
    sel = rows_of(out, "selection_rate", "sex")
    assert sel.loc["F", "value"] == pytest.approx(6 / 400)
    assert sel.loc["F", "ci_low"] < 6 / 400 < sel.loc["F", "ci_high"]


# ---------------------------------------------------------------------------------------
# Ranges by hand

FLAG_X = pd.DataFrame({"sex": ["F", "M"], "n": [400, 600], "flagged": ["x", 30]})


def test_a_suppressed_count_gives_a_range_with_the_reason():
    # F flagged 0 to 9 of 400; M 30 of 600; no total row
    out = range_metrics(read_counts(FLAG_X, groups="sex"))
    sel = rows_of(out, "selection_rate", "sex")
    f = sel.loc["F"]
    assert math.isnan(f["value"]) and math.isnan(f["ci_low"]) and math.isnan(f["ci_high"])
    assert (f["lower_bound"], f["upper_bound"]) == pytest.approx((0, 9 / 400))
    assert math.isnan(f["numerator"]) and f["denominator"] == 400
    assert f["note"].startswith("range over every table consistent with the published cells")
    assert "(flagged 0 to 9, n = 400; 1 cell suppressed)" in f["note"]
    m = sel.loc["M"]  # exact, and the reference group (largest)
    assert m["value"] == pytest.approx(30 / 600)
    assert f["reference_group"] == "M"
    # ranges, not confidence intervals: [0 / 0.05, 0.0225 / 0.05]; [0 - 0.05, 0.0225 - 0.05]
    assert (f["ratio_ci_low"], f["ratio_ci_high"]) == pytest.approx((0, 0.45))
    assert (f["difference_ci_low"], f["difference_ci_high"]) == pytest.approx((-0.05, -0.0275))
    assert math.isnan(f["ratio"]) and math.isnan(f["p_value"]) and f["test"] == ""
    assert "not confidence intervals" in f["note"]
    # everyone: flagged 30 to 39 of 1,000
    everyone = rows_of(out, "selection_rate", OVERALL).loc[ALL]
    assert (everyone["lower_bound"], everyone["upper_bound"]) == pytest.approx((0.03, 0.039))
    # share of the flagged: F 0 / 30 to 9 / 39; M 30 / 39 to 30 / 30
    share = rows_of(out, "share_of_flagged", "sex")
    assert (share.loc["F", "lower_bound"], share.loc["F", "upper_bound"]) == pytest.approx(
        (0, 9 / 39)
    )
    assert (share.loc["M", "lower_bound"], share.loc["M", "upper_bound"]) == pytest.approx(
        (30 / 39, 1)
    )
    # population shares are exact: 400 / 1000
    assert rows_of(out, "population_share", "sex").loc["F", "value"] == pytest.approx(0.4)
    # representation ratio, an outer bound: [0 / 0.039, 0.0225 / 0.03]
    rep = rows_of(out, "representation_ratio", "sex").loc["F"]
    assert (rep["lower_bound"], rep["upper_bound"]) == pytest.approx((0, 0.75))
    assert "outer bound" in rep["note"]


def test_midpoint_is_a_rule_the_user_chooses_and_the_note_says_so():
    out = range_metrics(read_counts(FLAG_X, groups="sex"), point="midpoint")
    f = rows_of(out, "selection_rate", "sex").loc["F"]
    assert f["value"] == pytest.approx(0.0225 / 2)
    assert "midpoint of the range, a rule chosen by the user" in f["note"]
    assert math.isnan(f["ci_low"])
    # compared as points: 0.01125 / 0.05
    assert f["ratio"] == pytest.approx(0.225)
    assert f["difference"] == pytest.approx(0.01125 - 0.05)


def test_the_midpoint_table_is_whole_numbers_closest_to_the_middle():
    counts = read_counts(FLAG_X, groups="sex")
    with pytest.raises(RecordsError, match="known only as ranges"):
        counts.to_count_table()
    ct = counts.to_count_table("midpoint").table.set_index("group")
    assert ct.loc["F", "flagged"] in (4, 5)  # the middle of 0 to 9 is 4.5
    assert ct.loc[ALL, "flagged"] == ct.loc["F", "flagged"] + 30


def test_counts_rounded_to_ten_are_within_five_and_the_margins_narrow_them():
    # every count rounded to 10: F n 400, flagged 50; M n 600, flagged 30; total 1000, 80
    table = pd.DataFrame(
        {"sex": ["F", "M", "Total"], "n": [400, 600, 1000], "flagged": [50, 30, 80]}
    )
    counts = read_counts(table, groups="sex", rounding=10)
    cells = counts.cells.set_index(["group", "cell"])
    assert (cells.loc[("F", "flagged"), ["low", "high"]] == [45, 55]).all()
    # F flagged 45 to 55 and M 25 to 35 must add up to 75 to 85: M is 25 to 35 still,
    # F too (45 + 30 = 75, 55 + 30 = 85)
    assert (cells.loc[("M", "flagged"), ["implied_low", "implied_high"]] == [25, 35]).all()
    out = range_metrics(counts)
    f = rows_of(out, "selection_rate", "sex").loc["F"]
    # smallest 45 / 405 (M then has 595 people), largest 55 / 395
    assert (f["lower_bound"], f["upper_bound"]) == pytest.approx((45 / 405, 55 / 395))
    assert "rounded to a multiple of 10" in f["note"]
    assert any("each is within ± 5" in note for note in counts.notes)


def test_a_zero_under_a_cells_below_ten_rule_is_zero_to_nine():
    table = pd.DataFrame({"sex": ["F", "M"], "n": [400, 600], "flagged": [0, 30]})
    plain = read_counts(table, groups="sex")
    assert plain.exact
    ruled = read_counts(table, groups="sex", zero_means_below=True)
    f = rows_of(range_metrics(ruled), "selection_rate", "sex").loc["F"]
    assert (f["lower_bound"], f["upper_bound"]) == pytest.approx((0, 9 / 400))
    assert any("a published 0 is read as suppressed" in note for note in ruled.notes)


def test_less_than_k_markers_give_their_own_k_and_below_sets_the_rest():
    table = pd.DataFrame(
        {"sex": ["F", "M", "X"], "n": [400, 600, 50], "flagged": ["<5", "<=5", "x"]}
    )
    cells = read_counts(table, groups="sex", below=6).cells.set_index(["group", "cell"])
    assert cells.loc[("F", "flagged"), "high"] == 4  # < 5
    assert cells.loc[("M", "flagged"), "high"] == 5  # <= 5
    assert cells.loc[("X", "flagged"), "high"] == 5  # below = 6: 0 to 5


def test_selective_labels_with_a_suppressed_hit_count():
    # only the flagged were investigated (no FN, TN columns); F: 20 flagged, TP "x",
    # FP 12, so 0 to 9 hits and 20 - 12 - TP flagged without an outcome
    table = pd.DataFrame(
        {"g": ["F", "M"], "n": [100, 300], "flagged": [20, 30], "TP": ["x", 10], "FP": [12, 15]}
    )
    counts = read_counts(table, groups="g")
    assert any("not in the table, counted as 0: FN, TN" in note for note in counts.notes)
    out = range_metrics(counts)
    prec = rows_of(out, "precision").loc["F"]
    # among the labelled: TP / (TP + 12) from 0 / 12 to 8 / 20 (TP <= 20 - 12 = 8)
    assert "among the flagged with a known outcome: 0 to 0.4" in prec["note"]
    # bounds fill the unknown outcomes in: (TP + guilty) / 20, from 0 / 20 to 8 / 20
    assert (prec["lower_bound"], prec["upper_bound"]) == pytest.approx((0, 8 / 20))
    fpr = rows_of(out, "false_positive_rate").loc["F"]
    assert math.isnan(fpr["value"]) and "not identifiable" in fpr["note"]
    # the unknown outcomes filled in: the flagged without one all guilty and the 80
    # unflagged all innocent gives 12 / (12 + 80); the 80 all guilty gives FP / FP = 1
    assert (fpr["lower_bound"], fpr["upper_bound"]) == pytest.approx((12 / 92, 1.0))
    # exact rows stay as compute_metrics has them
    m = rows_of(out, "precision").loc["M"]
    assert m["value"] == pytest.approx(10 / 25)


def test_a_rate_that_can_be_undefined_is_given_where_defined_and_never_zero():
    # Y: FP and TN both suppressed, so FP + TN can be 0
    table = pd.DataFrame(
        {
            "g": ["X", "Y"],
            "n": [60, 12],
            "flagged": [20, 4],
            "TP": [10, 4],
            "FP": [10, "x"],
            "FN": [10, 8],
            "TN": [30, "x"],
        }
    )
    # Y: flagged 4 = TP 4 + FP + (unknown) forces FP = 0; n 12 = 4 + 8 + TN forces TN 0
    counts = read_counts(table, groups="g")
    assert counts.exact
    with pytest.warns(UndefinedRateWarning, match=r"false_positive_rate[\w, ]*\(g = Y\)"):
        out = range_metrics(counts)
    fpr = rows_of(out, "false_positive_rate").loc["Y"]
    assert math.isnan(fpr["value"]) and fpr["note"].startswith("undefined")
    # now with room: n 20 leaves 0 to 8 for TN (and the unflagged with no outcome)
    table.loc[1, "n"] = 20
    out = quiet_range_metrics(read_counts(table, groups="g"))
    fpr = rows_of(out, "false_positive_rate").loc["Y"]
    assert math.isnan(fpr["value"])
    assert "undefined in some of these tables (FP + TN can be 0)" in fpr["note"]
    assert not math.isnan(fpr["lower_bound"])


def test_undefined_in_every_table_warns_and_is_nan():
    table = pd.DataFrame({"g": ["A", "B"], "n": [0, 50], "flagged": [0, "x"]})
    with pytest.warns(UndefinedRateWarning, match=r"selection_rate[\w, ]*\(g = A\)"):
        out = range_metrics(read_counts(table, groups="g"))
    a = rows_of(out, "selection_rate").loc["A"]
    assert math.isnan(a["value"]) and math.isnan(a["lower_bound"])
    assert a["note"].startswith("undefined")


def test_a_value_the_published_cells_determine_is_given_without_an_interval():
    # no n column, so everyone has a known outcome; A: FP 0 and TN 0 to 9, so
    # FPR = 0 / (0 + TN) = 0 wherever it is defined, whatever TN is
    table = pd.DataFrame(
        {
            "g": ["A", "B"],
            "flagged": [10, 10],
            "TP": [10, 5],
            "FP": [0, 5],
            "FN": [2, 5],
            "TN": ["x", 25],
        }
    )
    out = range_metrics(read_counts(table, groups="g"))
    fpr = rows_of(out, "false_positive_rate").loc["A"]
    assert (fpr["value"], fpr["lower_bound"], fpr["upper_bound"]) == (0, 0, 0)
    assert math.isnan(fpr["ci_low"]) and math.isnan(fpr["denominator"])
    assert "the margins determine the value but not the counts behind it" in fpr["note"]
    # the selection rate 10 / (12 + TN) is a range: 10 / 21 to 10 / 12
    sel = rows_of(out, "selection_rate").loc["A"]
    assert (sel["lower_bound"], sel["upper_bound"]) == pytest.approx((10 / 21, 10 / 12))


# ---------------------------------------------------------------------------------------
# Property: every range contains the value of the unsuppressed table

SIX = ["tp", "fp", "fn", "tn", "fu", "uu"]


def random_truth(rng: np.random.Generator, labels: str, two: bool) -> dict:
    """People per cell of every group: {attribute: {group: {cell: count}}}.

    Two attributes are margins of one cross-classification, so they add up alike.
    """
    ages = ["young", "old", "unknown"] if two else [None]
    grid = {}
    for sex, age in itertools.product(["F", "M"], ages):
        small = rng.random() < 0.5  # many cells below 10
        cells = dict(zip(SIX, rng.integers(0, 10 if small else 40, 6), strict=True))
        if labels == "full":
            cells["fu"] = cells["uu"] = 0
        if labels == "selective":
            cells["fn"] = cells["tn"] = 0
        grid[(sex, age)] = {k: int(v) for k, v in cells.items()}
    truth: dict = {"sex": {}}
    for (sex, age), cells in grid.items():
        for attr, group in (("sex", sex), ("age", age)):
            if group is None:
                continue
            into = truth.setdefault(attr, {}).setdefault(group, dict.fromkeys(SIX, 0))
            for k in SIX:
                into[k] += cells[k]
    return truth


def published(truth: dict, *, labels: str, mode: str, total: bool, rng) -> pd.DataFrame:
    """The table as a statistics office would publish it."""
    attrs = list(truth)
    rows = []
    for attr in attrs:
        for group, c in truth[attr].items():
            rows.append({a: (group if a == attr else "Total") for a in attrs} | counts_of(c))
    if total:
        everyone = {k: sum(c[k] for c in truth["sex"].values()) for k in SIX}
        rows.insert(0, dict.fromkeys(attrs, "Total") | counts_of(everyone))
    table = pd.DataFrame(rows)
    if labels == "selective":
        table = table.drop(columns=["FN", "TN"])
    if labels == "none":
        table = table.drop(columns=["TP", "FP", "FN", "TN"])
    cols = [c for c in WIDE if c in table.columns]
    table[cols] = table[cols].astype(object)
    for i, c in itertools.product(range(len(table)), cols):
        v = int(table.loc[i, c])
        if mode == "suppress" and 1 <= v <= 9:
            table.loc[i, c] = str(rng.choice(["x", "<10", ""]))
        elif mode == "zero" and 1 <= v <= 9:
            table.loc[i, c] = 0
        elif mode == "round":
            table.loc[i, c] = 10 * math.floor(v / 10 + 0.5)  # half up
    return table


def counts_of(c: dict) -> dict:
    return {
        "n": sum(c.values()),
        "flagged": c["tp"] + c["fp"] + c["fu"],
        "TP": c["tp"],
        "FP": c["fp"],
        "FN": c["fn"],
        "TN": c["tn"],
    }


def true_bounds(c: dict, everyone: dict, metric: str) -> tuple[float, float]:
    """Smallest and largest value over the completions of unknown outcomes (numpy)."""
    values = []
    corners = [(0, 0)] if metric in DECISION else itertools.product((0, 1), (0, 1))
    for a, b in corners:
        cells = {
            "tp": c["tp"] + a * c["fu"],
            "fp": c["fp"] + (1 - a) * c["fu"],
            "fn": c["fn"] + b * c["uu"],
            "tn": c["tn"] + (1 - b) * c["uu"],
            "n": sum(c.values()),
            "flagged": c["tp"] + c["fp"] + c["fu"],
            "N": sum(everyone.values()),
            "F": everyone["tp"] + everyone["fp"] + everyone["fu"],
        }
        num, den = (sum(cells[k] for k in ks) for ks in FORMULAS[metric])
        if den > 0:
            values.append(num / den)
    return (min(values), max(values)) if values else (math.nan, math.nan)


def true_harm(c: dict, r: dict, metric: str) -> tuple[float, float]:
    """Smallest and largest excess over every filling-in of the unknown outcomes of the
    group ``c`` and, on their own, of its reference ``r`` (numpy); NaN where the
    group's denominator is 0 whatever the filling-in (undefined, not 0)."""
    rate = HARM[metric]
    values, defined = [], False
    corners = [(0, 0)] if rate in DECISION else list(itertools.product((0, 1), (0, 1)))

    def filled(x: dict, a: int, b: int) -> dict:
        return {
            "tp": x["tp"] + a * x["fu"],
            "fp": x["fp"] + (1 - a) * x["fu"],
            "fn": x["fn"] + b * x["uu"],
            "tn": x["tn"] + (1 - b) * x["uu"],
            "n": sum(x.values()),
            "flagged": x["tp"] + x["fp"] + x["fu"],
        }

    for (a, b), (a2, b2) in itertools.product(corners, corners):
        g, ref = filled(c, a, b), filled(r, a2, b2)
        num, den = (sum(g[k] for k in ks) for ks in FORMULAS[rate])
        r_num, r_den = (sum(ref[k] for k in ks) for ks in FORMULAS[rate])
        defined |= den > 0
        if r_den > 0:
            values.append(num - den * r_num / r_den)
    return (min(values), max(values)) if values and defined else (math.nan, math.nan)


def plain_value(c: dict, everyone: dict, metric: str) -> float:
    """The value compute_metrics reports: among people with a known outcome."""
    cells = {**c, "n": sum(c.values()), "flagged": c["tp"] + c["fp"] + c["fu"]}
    cells |= {"N": sum(everyone.values()), "F": everyone["tp"] + everyone["fp"] + everyone["fu"]}
    num, den = (sum(cells[k] for k in ks) for ks in FORMULAS[metric])
    return num / den if den > 0 else math.nan


READ_OPTIONS = {
    "exact": {},
    "suppress": {},
    "zero": {"zero_means_below": True},
    "round": {"rounding": 10},
}


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    mode=st.sampled_from(list(READ_OPTIONS)),
    labels=st.sampled_from(["full", "partial", "selective", "none"]),
    two=st.booleans(),
    total=st.booleans(),
)
def test_every_range_contains_the_value_of_the_unsuppressed_table(seed, mode, labels, two, total):
    rng = np.random.default_rng(seed)
    truth = random_truth(rng, labels, two)
    if labels == "none":  # nobody with a known outcome: everyone flagged is unlabelled
        for groups in truth.values():
            for c in groups.values():
                c["fu"] += c["tp"] + c["fp"]
                c["uu"] += c["fn"] + c["tn"]
                c["tp"] = c["fp"] = c["fn"] = c["tn"] = 0
    table = published(truth, labels=labels, mode=mode, total=total, rng=rng)
    counts = read_counts(table, groups=list(truth), **READ_OPTIONS[mode])
    out = quiet_range_metrics(counts)
    everyone = {k: sum(c[k] for c in truth["sex"].values()) for k in SIX}
    checked = 0
    for row in out.itertuples():
        c = everyone if row.attribute == OVERALL else truth[row.attribute][row.group]
        lo, hi = row.lower_bound, row.upper_bound
        if row.metric in HARM:
            if row.group == row.reference_group:
                continue
            t_lo, t_hi = true_harm(c, truth[row.attribute][row.reference_group], row.metric)
            if not math.isnan(t_lo):
                assert lo - TOL * 1e3 <= t_lo and t_hi <= hi + TOL * 1e3, (row, t_lo, t_hi)
                if mode == "exact" or counts.exact:
                    assert (lo, hi) == pytest.approx((t_lo, t_hi), abs=1e-9)
            continue
        if row.metric == "representation_ratio":
            n, f = sum(c.values()), c["tp"] + c["fp"] + c["fu"]
            big_n, big_f = sum(everyone.values()), everyone["tp"] + everyone["fp"] + everyone["fu"]
            if n and big_f:
                true = (f / n) / (big_f / big_n)
                assert lo - TOL <= true <= (math.inf if math.isnan(hi) else hi + TOL), row
            continue
        t_lo, t_hi = true_bounds(c, everyone, row.metric)
        if math.isnan(t_lo):
            continue
        checked += 1
        assert lo - TOL <= t_lo and t_hi <= hi + TOL, (row.metric, row.group, lo, hi, t_lo, t_hi)
        assert -TOL <= lo <= hi <= 1 + TOL
        if mode == "exact" or counts.exact:  # nothing suppressed: the ranges collapse
            assert (lo, hi) == pytest.approx((t_lo, t_hi), abs=1e-12)
            plain = plain_value(c, everyone, row.metric)
            if row.metric in DECISION | AMONG_LABELLED or t_lo == t_hi:
                assert row.value == pytest.approx(plain, abs=1e-12, nan_ok=True)
            else:
                assert math.isnan(row.value)
        elif math.isnan(row.ci_low):  # a range: no interval, and no point unless determined
            assert (
                math.isnan(row.value) or lo == pytest.approx(hi) or (row.metric in AMONG_LABELLED)
            )
    assert checked > 0


# ---------------------------------------------------------------------------------------
# Brute force: every table of whole numbers consistent with the published cells


def completions(table: pd.DataFrame, total: dict) -> dict:
    """Every completion of the suppressed ("x") cells of a two-group wide table.

    Returns {group: {cell: array over the completions}} for the six partition cells.
    """
    hidden = [(i, c) for i in range(len(table)) for c in WIDE if table.loc[i, c] == "x"]
    grid = np.array(list(itertools.product(range(10), repeat=len(hidden)))).reshape(
        -1, len(hidden)
    )
    values = {
        (i, c): np.full(len(grid), 0 if table.loc[i, c] == "x" else int(table.loc[i, c]))
        for i in range(len(table))
        for c in WIDE
    }
    for j, key in enumerate(hidden):
        values[key] = grid[:, j]
    ok = np.ones(len(grid), dtype=bool)
    for c in WIDE:  # the groups add up to the total row
        ok &= sum(values[(i, c)] for i in range(len(table))) == total[c]
    out = {}
    for i, g in enumerate(table["g"]):
        fu = values[(i, "flagged")] - values[(i, "TP")] - values[(i, "FP")]
        uu = values[(i, "n")] - values[(i, "flagged")] - values[(i, "FN")] - values[(i, "TN")]
        ok &= (fu >= 0) & (uu >= 0)
        cells = [values[(i, c)] for c in ("TP", "FP", "FN", "TN")] + [fu, uu]
        out[g] = dict(zip(SIX, cells, strict=True))
    return {g: {k: v[ok] for k, v in cells.items()} for g, cells in out.items()}


@pytest.mark.parametrize("seed", range(12))
def test_ranges_equal_the_smallest_and_largest_over_every_table_of_whole_numbers(seed):
    rng = np.random.default_rng(seed)
    truth = {g: dict(zip(SIX, map(int, rng.integers(0, 13, 6)), strict=True)) for g in "AB"}
    for c in truth.values():
        c["fu"], c["uu"] = c["fu"] % 4, c["uu"] % 4
    table = pd.DataFrame([{"g": g} | counts_of(c) for g, c in truth.items()]).astype(object)
    total = {c: int(table[c].sum()) for c in WIDE}
    small = [(i, c) for i in range(2) for c in WIDE if 1 <= table.loc[i, c] <= 9]
    for k in rng.permutation(len(small))[:4]:
        table.loc[small[k][0], small[k][1]] = "x"
    tables = completions(table, total)
    assert len(next(iter(tables["A"].values()))) >= 1  # the truth is one of them
    published_table = pd.concat([table, pd.DataFrame([{"g": "Total"} | total])])
    out = quiet_range_metrics(read_counts(published_table, groups="g"))
    for metric in FORMULAS:
        for g in "AB":
            everyone = {k: tables["A"][k] + tables["B"][k] for k in SIX}
            each = [
                true_bounds(
                    {k: int(v[j]) for k, v in tables[g].items()},
                    {k: int(v[j]) for k, v in everyone.items()},
                    metric,
                )
                for j in range(len(tables[g]["tp"]))
            ]
            lows = [lo for lo, _ in each if not math.isnan(lo)]
            row = rows_of(out, metric).loc[g]
            if not lows:  # undefined in every table
                assert math.isnan(row["lower_bound"]), (metric, g)
                continue
            expected = (min(lows), max(hi for _, hi in each if not math.isnan(hi)))
            # the continuous relaxation could only be wider; on these tables it is not
            assert (row["lower_bound"], row["upper_bound"]) == pytest.approx(expected, abs=TOL)


# ---------------------------------------------------------------------------------------
# Layouts, files, datasets

SUPPRESSED_TABLE = pd.DataFrame(
    {
        "g": ["A", "B", "C", "Total"],
        "n": [120, 340, 20, 480],
        "flagged": [30, 25, "<10", 62],
        "TP": [12, "x", "x", 21],
        "FP": [18, 16, "x", 38],
        "FN": [5, 14, "", 21],
        "TN": [60, 280, 10, 350],
    }
)


def to_long(wide: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    cols = [c for c in WIDE if c in wide.columns]
    long = wide.melt(id_vars=groups, value_vars=cols, var_name="cell", value_name="count")
    return long  # one row per cell, cell by cell: groups in their first-seen order


def test_wide_and_long_tables_give_identical_results():
    wide = read_counts(SUPPRESSED_TABLE, groups="g")
    long = read_counts(to_long(SUPPRESSED_TABLE, ["g"]), groups="g", layout="long")
    pd.testing.assert_frame_equal(
        wide.cells.drop(columns="row"), long.cells.drop(columns="row"), check_dtype=False
    )
    pd.testing.assert_frame_equal(range_metrics(wide), range_metrics(long))


def test_long_cells_can_be_mapped_and_unknown_labels_are_noted():
    long = to_long(SUPPRESSED_TABLE, ["g"]).rename(columns={"cell": "Cell", "count": "COUNT"})
    long["cell_name"] = long["Cell"]
    long["Cell"] = long["Cell"].replace({"TP": "fraud found", "FP": "nothing found"})
    extra = pd.DataFrame({"g": ["A"], "Cell": ["share %"], "COUNT": ["25%"], "cell_name": [""]})
    long = pd.concat([long, extra], ignore_index=True)
    counts = read_counts(
        long, groups="g", layout="long", cells={"TP": "Fraud Found", "fp": "nothing found"}
    )
    reference = read_counts(SUPPRESSED_TABLE, groups="g")
    pd.testing.assert_frame_equal(
        counts.cells.drop(columns="row"), reference.cells.drop(columns="row"), check_dtype=False
    )
    assert any("cell labels not used: 'share %' (1 rows)" in n for n in counts.notes)


def test_wide_cells_can_be_mapped_and_unused_columns_are_noted():
    table = SUPPRESSED_TABLE.rename(columns={"TP": "hits", "n": "N"}).assign(pct="x")
    counts = read_counts(table, groups="g", cells={"tp": "hits"})  # "N" is n
    assert counts.given == ("n", "flagged", "tp", "fp", "fn", "tn")
    assert "columns not used: 'pct'" in counts.notes


def test_csv_and_excel_files_read_like_the_dataframe(tmp_path):
    expected = range_metrics(read_counts(SUPPRESSED_TABLE, groups="g"))
    csv = tmp_path / "counts.csv"
    SUPPRESSED_TABLE.to_csv(csv, sep=";", index=False)
    from_csv = read_counts(csv, groups="g")
    assert from_csv.source.name == "counts.csv" and len(from_csv.source.sha256) == 64
    assert from_csv.source.options["delimiter"] == ";"
    pd.testing.assert_frame_equal(range_metrics(from_csv), expected)
    xlsx = tmp_path / "counts.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as book:
        pd.DataFrame({"about": ["notes"]}).to_excel(book, sheet_name="read me", index=False)
        SUPPRESSED_TABLE.to_excel(book, sheet_name="counts", index=False)
    from_excel = read_counts(xlsx, groups="g", sheet="counts")
    assert from_excel.source.options["sheet"] == "counts"
    pd.testing.assert_frame_equal(range_metrics(from_excel), expected)
    assert (
        from_excel.cells["published"].fillna("") == from_csv.cells["published"].fillna("")
    ).all()


def test_a_realistic_freedom_of_information_table(tmp_path):
    # A synthetic table in the style of a statistics office's answer: two model
    # versions, Dutch column names, outcomes only for the selected (selective
    # labels), "<10" for small cells and "x" for cells withheld so that the small ones
    # cannot be recomputed from the total (complementary suppression, any size).
    text = (
        "versie;herkomst;aantal;geselecteerd;onrechtmatig;rechtmatig\n"
        "2022;Totaal;21400;1290;402;851\n"
        "2022;Nederland;15100;610;221;372\n"
        "2022;Europa;2900;190;61;123\n"
        "2022;Buiten Europa;3400;490;120;356\n"
        "2022;Onbekend;0;0;0;0\n"
        "2023;Totaal;22050;1220;441;744\n"
        "2023;Nederland;15500;600;244;338\n"
        "2023;Europa;3050;200;x;x\n"
        "2023;Buiten Europa;3480;416;124;280\n"
        "2023;Onbekend;20;<10;<10;<10\n"
    )
    path = tmp_path / "selectie.csv"
    path.write_text(text, encoding="utf-8")
    cells = {"n": "aantal", "flagged": "geselecteerd", "tp": "onrechtmatig", "fp": "rechtmatig"}
    counts = read_counts(path, groups="herkomst", dataset="versie", cells=cells, withheld=["x"])
    assert counts.datasets == ["2022", "2023"]
    assert counts.interval_cells("2023") == {"suppressed": 3, "withheld": 2, "rounded": 0}
    assert counts.interval_cells("2022") == {"suppressed": 0, "withheld": 0, "rounded": 0}
    implied = counts.cells.query("dataset == '2023'").set_index(["group", "cell"])
    # Onbekend's flagged: 1220 - 600 - 200 - 416 = 4
    assert implied.loc[("Onbekend", "flagged"), ["implied_low", "implied_high"]].tolist() == [4, 4]
    # Europa's TP + Onbekend's TP = 441 - 244 - 124 = 73, Onbekend's TP at most its 4
    assert implied.loc[("Europa", "tp"), ["implied_low", "implied_high"]].tolist() == [69, 73]
    out = quiet_range_metrics(counts, metrics=["selection_rate", "precision"])
    assert out.columns[0] == "dataset" and list(out.columns[1:]) == TABLE_COLUMNS
    before = out[(out["dataset"] == "2022") & (out["metric"] == "selection_rate")]
    assert before.set_index("group").loc["Buiten Europa", "value"] == pytest.approx(490 / 3400)
    europa = out[(out["dataset"] == "2023") & (out["metric"] == "precision")]
    europa = europa.set_index("group").loc["Europa"]
    # with Onbekend's TP a and FP b (a + b <= 4): TP / (TP + FP) = (73 - a) / (199 - a - b),
    # from 69 / 195 (a = 4) to 73 / 195 (b = 4); every flagged person's outcome filled
    # in: (TP + guilty) / 200 from 69 / 200 to (73 + 1 + 4) / 200
    assert "among the flagged with a known outcome: 0.354 to 0.374" in europa["note"]
    assert (europa["lower_bound"], europa["upper_bound"]) == pytest.approx((69 / 200, 78 / 200))
    wide = side_by_side(out, "hit_rate")
    assert list(wide.columns) == [
        (v, d) for v in ("value", "lower_bound", "upper_bound") for d in ("2022", "2023")
    ]
    assert wide.loc[("herkomst", "Nederland"), ("value", "2023")] == pytest.approx(244 / 582)
    assert math.isnan(wide.loc[("herkomst", "Europa"), ("value", "2023")])


def test_several_datasets_are_each_a_table_of_their_own():
    training = SUPPRESSED_TABLE.assign(version="training")
    pilot = pd.DataFrame(
        {
            "g": ["A", "B", "D"],  # other groups, and no total row
            "n": [100, 200, 50],
            "flagged": [20, 30, 5],
            "TP": [8, 10, 1],
            "FP": [12, 20, 4],
            "FN": [10, 10, 5],
            "TN": [70, 160, 40],
        }
    ).assign(version="pilot")
    both = pd.concat([training, pilot], ignore_index=True)
    counts = read_counts(both, groups="g", dataset="version")
    assert counts.datasets == ["training", "pilot"]
    assert not counts.exact
    assert counts.dataset_cells("pilot")["implied_low"].equals(
        counts.dataset_cells("pilot")["implied_high"]
    )
    out = range_metrics(counts)
    assert out.columns[0] == "dataset" and list(out.columns[1:]) == TABLE_COLUMNS
    for name, alone in (("training", training), ("pilot", pilot)):
        expected = range_metrics(read_counts(alone.drop(columns="version"), groups="g"))
        got = out[out["dataset"] == name].drop(columns="dataset").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected)
    wide = side_by_side(out, "selection_rate", values="value")
    assert list(wide.columns) == ["training", "pilot"]
    assert list(wide.index) == [(OVERALL, ALL), ("g", "A"), ("g", "B"), ("g", "C"), ("g", "D")]
    assert wide.loc[("g", "A"), "pilot"] == pytest.approx(20 / 100)
    assert math.isnan(wide.loc[("g", "D"), "training"])  # no D in training
    # a table of several datasets is turned into a count table one dataset at a time
    with pytest.raises(ValueError, match="choose one with dataset="):
        counts.to_count_table()
    assert counts.to_count_table(dataset="pilot").table["n"].iloc[0] == 350
    with pytest.raises(ValueError, match="dataset 'test' is not in the table"):
        counts.to_count_table(dataset="test")


def test_several_attributes_in_one_table():
    # sex rows have age "Total", age rows have sex blank; every attribute adds up to 100
    table = pd.DataFrame(
        {
            "sex": ["Total", "F", "M", "", ""],
            "age": ["Total", "Total", "Total", "<30", "30+"],
            "n": [100, 40, 60, 30, 70],
            "flagged": [20, "x", 15, 12, 8],
        }
    )
    counts = read_counts(table, groups=["sex", "age"])
    cells = counts.cells.set_index(["attribute", "group", "cell"])
    assert cells.loc[("sex", "F", "flagged"), "implied_low"] == 5  # 20 - 15
    out = range_metrics(counts)
    assert list(out["attribute"].drop_duplicates()) == [OVERALL, "sex", "age"]
    assert rows_of(out, "selection_rate", "age").loc["<30", "value"] == pytest.approx(0.4)


# ---------------------------------------------------------------------------------------
# Every problem, collected and named


def problems(table, **kwargs) -> RecordsError:
    kwargs.setdefault("groups", "g")
    with pytest.raises(RecordsError) as info:
        read_counts(table, **kwargs)
    return info.value


def test_every_problem_with_values_is_collected_into_one_error():
    table = pd.DataFrame(
        {
            "g": ["A", "B", "C", "D", "E"],
            "n": [100, -5, 100, 100, 100],
            "flagged": [10, 10, "-", "ten", 12.5],
        }
    )
    err = problems(table)
    text = str(err)
    assert text.startswith("3 problems in counts table (in-memory pandas.DataFrame, 5 rows)")
    assert "column 'n': 1 negative count, e.g. '-5' (row 2)" in text
    assert "column 'flagged': 2 values are not counts, e.g. '-' (row 3)" in text
    assert "add it to suppressed" in text
    assert "column 'flagged': 1 value is not a whole number, e.g. '12.5' (row 5)" in text
    assert sorted(err.problems["reason"]) == ["negative_count", "not_a_count", "not_integer"]
    assert isinstance(err, RecordsError)


def test_blanks_are_suppressed_unless_told_otherwise():
    table = pd.DataFrame({"g": ["A", "B"], "n": [100, 100], "flagged": ["", 5]})
    err = problems(table, suppressed=["x"])
    assert err.problems["reason"].tolist() == ["blank"]
    assert "add '' to suppressed" in str(err)


def test_rounded_counts_must_be_multiples_of_the_base():
    table = pd.DataFrame({"g": ["A", "B"], "n": [100, 100], "flagged": [20, 13]})
    err = problems(table, rounding=10)
    assert "1 value is not a multiple of 10, e.g. '13' (row 2)" in str(err)
    bad = pd.DataFrame({"g": ["A"], "n": [100], "flagged": ["<0"]})
    assert problems(bad).problems["reason"].tolist() == ["not_a_count"]


@pytest.mark.parametrize(
    ("table", "kwargs", "reason", "message"),
    [
        ({"sex": ["A"], "n": [1], "flagged": [1]}, {}, "column_not_found", "group column 'g'"),
        ({"g": ["A"], "n": [1], "flagged": [1]}, {"dataset": "v"}, "column_not_found", "'v'"),
        (
            {"g": ["A"], "n": [1], "flagged": [1]},
            {"cells": {"tp": "hits"}},
            "column_not_found",
            "cell TP 'hits': column not found; available: 'g', 'n', 'flagged'",
        ),
        (
            {"g": ["A"], "n": [1], "flagged": [1]},
            {"layout": "long"},
            "column_not_found",
            "the cell 'cell'",
        ),
        (
            {"g": ["A"], "n": [1], "flagged": [1]},
            {"cells": {"n": "g"}},
            "column_reused",
            "column 'g' is used both as group and as cell n",
        ),
        ({"g": [], "n": [], "flagged": []}, {}, "empty", "the table has no rows"),
        (
            {"g": ["A", "A"], "n": [1, 2], "flagged": [1, 1]},
            {},
            "duplicate_group",
            "g = A appears twice (rows 1 and 2)",
        ),
        ({"g": ["A", None], "n": [1, 2], "flagged": [1, 1]}, {}, "no_group", "row 2: no group"),
        (
            {"g": ["A"], "h": ["B"], "n": [1], "flagged": [1]},
            {"groups": ["g", "h"]},
            "intersection",
            "g = 'A', h = 'B'",
        ),
        (
            {"g": ["A", "B"], "v": ["x", None], "n": [1, 2], "flagged": [1, 1]},
            {"dataset": "v"},
            "blank_dataset",
            "row 2: column 'v' (dataset) is blank",
        ),
        (
            {"g": ["A"], "h": ["Total"], "n": [1], "flagged": [1]},
            {"groups": ["g", "h"]},
            "missing_attribute",
            "'h': no rows",
        ),
        ({"g": ["A"], "n": [1]}, {}, "cells_missing", "no decision: give flagged (or TP and FP)"),
        ({"g": ["A"], "flagged": [1]}, {}, "cells_missing", "no group size"),
        ({"g": ["A"], "n": [1], "flagged": [1], "TP": [1]}, {}, "cells_missing", "TP is given"),
        (
            {"g": ["A"], "n": [9], "flagged": [1], "FN": [1], "TN": [1]},
            {},
            "cells_missing",
            "FN and TN are given without TP and FP",
        ),
        ({"g": ["A"], "pct": [1]}, {}, "cells_missing", "no count cells found"),
    ],
)
def test_each_problem_names_the_fix(table, kwargs, reason, message):
    err = problems(pd.DataFrame(table), **kwargs)
    assert reason in err.problems["reason"].tolist()
    assert message in str(err)


def test_long_tables_need_every_cell_of_every_group_once():
    long = to_long(SUPPRESSED_TABLE, ["g"])
    err = problems(long.drop(index=1), layout="long")  # B's n
    assert "g = B: no row for cell(s) n" in str(err)
    assert err.problems["reason"].tolist() == ["missing_cell"]
    err = problems(pd.concat([long, long.iloc[[0]]]), layout="long")
    assert "cell n of g = A appears twice" in str(err)
    # a total row without some cells is fine: they follow from the groups
    no_total_n = long[~((long["g"] == "Total") & (long["cell"] == "n"))]
    counts = read_counts(no_total_n, groups="g", layout="long")
    assert counts.cells.set_index(["group", "cell"]).loc[(ALL, "n"), "implied_low"] == 480


def test_margins_that_do_not_add_up_name_the_row_and_the_cells():
    # A: TP 12 + FP 25 = 37 > flagged 30, even before anyone without an outcome
    table = SUPPRESSED_TABLE.copy()
    table.loc[0, "FP"] = 25
    err = problems(table)
    assert "g = A: TP + FP + flagged_unlabelled is at least 37 but flagged is 30" in str(err)
    # and the groups' FP no longer add up to the total row's (row 4): 25 + 16 + 0 to 9
    assert "g: the groups' FP add up to 41 to 50 but the total row's FP is 38" in str(err)
    assert err.problems["row"].tolist() == [1, 4]
    # suppression allowed for: "<10" flagged of C is at most 9, the total says 62
    table = SUPPRESSED_TABLE.copy()
    table.loc[3, "flagged"] = 70  # 30 + 25 + 9 = 64 at most
    err = problems(table)
    assert "g: the groups' flagged add up to 55 to 64 but the total row's flagged is 70" in str(
        err
    )
    assert err.problems["reason"].tolist() == ["margins"]
    # rounding allowed for: 45 + 25 < 75 is fine, 110 is not
    table = pd.DataFrame(
        {"g": ["A", "B", "Total"], "n": [100, 100, 200], "flagged": [50, 30, 110]}
    )
    assert (
        read_counts(table.assign(flagged=[50, 30, 90]), groups="g", rounding=10).cells is not None
    )
    err = problems(table, rounding=10)
    assert "the groups' flagged add up to 70 to 90 but the total row's flagged is 105 to 115" in (
        str(err)
    )


def test_attributes_that_cover_different_people_are_an_error():
    # no total row: sex adds up to 100 people, age to 90 (a group is missing)
    table = pd.DataFrame(
        {
            "sex": ["F", "M", "", ""],
            "age": ["", "", "<30", "30+"],
            "n": [40, 60, 30, 60],
            "flagged": [5, 5, 5, 5],
        }
    )
    err = problems(table, groups=["sex", "age"])
    assert "no table of non-negative counts matches every published cell and margin" in str(err)
    assert "at age: the groups' n versus everyone's n" in str(err)


def test_conflicts_only_a_linear_program_or_whole_numbers_find_are_reported(monkeypatch):
    table = SUPPRESSED_TABLE
    monkeypatch.setattr(CountModel, "feasible", lambda self: False)
    assert "no table of non-negative counts" in str(problems(table))
    monkeypatch.undo()
    monkeypatch.setattr(CountModel, "closest", lambda self, targets: None)
    assert "no table of whole numbers of people" in str(problems(table))


def test_a_solver_failure_is_never_a_guess():
    from types import SimpleNamespace

    from biasaudit.counts._margins import _check

    with pytest.raises(RuntimeError, match="linear program failed: time limit"):
        _check(SimpleNamespace(status=1, message="time limit"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"groups": []}, "groups: expected one or more column names"),
        ({"groups": ["g", "g"]}, "groups: a column is listed twice"),
        ({"layout": "tall"}, "layout: expected 'wide' or 'long'; got 'tall'"),
        ({"cells": {"hits": "TP"}}, "cells: unknown cell 'hits'"),
        ({"cells": {"tp": ""}}, "cells: expected a column name or label for 'tp'"),
        ({"suppressed": "x"}, "suppressed: expected a list of markers"),
        ({"withheld": [1]}, "withheld: expected a list of markers"),
        ({"below": 0}, "below: expected a whole number >= 1"),
        ({"rounding": 1}, "rounding: expected a whole number >= 2"),
        ({"total_label": [""]}, "total_label: expected group labels"),
        ({"dataset": "g"}, "dataset: expected a column name other than the groups"),
        ({"sheet": 0}, "sheet: only for Excel files"),
    ],
)
def test_invalid_options_are_config_errors(kwargs, message):
    kwargs.setdefault("groups", "g")
    with pytest.raises(ConfigError, match=message):
        read_counts(SUPPRESSED_TABLE, **kwargs)


def test_file_problems(tmp_path):
    with pytest.raises(RecordsError, match="file not found"):
        read_counts(tmp_path / "none.csv", groups="g")
    parquet = tmp_path / "counts.parquet"
    parquet.write_bytes(b"")
    with pytest.raises(RecordsError, match="read from .csv, .tsv, .txt, .xlsx or .xlsm"):
        read_counts(parquet, groups="g")
    csv = tmp_path / "counts.csv"
    SUPPRESSED_TABLE.to_csv(csv, index=False)
    with pytest.raises(RecordsError, match="sheet=0 is only for Excel files"):
        read_counts(csv, groups="g", sheet=0)
    xlsx = tmp_path / "counts.xlsx"
    SUPPRESSED_TABLE.to_excel(xlsx, index=False, sheet_name="data")
    with pytest.raises(
        RecordsError, match="sheet 'counts' not found in 'counts.xlsx'; available: 'data'"
    ):
        read_counts(xlsx, groups="g", sheet="counts")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(RecordsError, match="could not read 'broken.xlsx' as excel"):
        read_counts(broken, groups="g")
    with pytest.raises(TypeError, match="source must be a file path or a pandas DataFrame"):
        read_counts([1, 2], groups="g")  # type: ignore[arg-type]


def test_api_misuse_is_a_clear_value_error():
    counts = read_counts(SUPPRESSED_TABLE, groups="g")
    with pytest.raises(ValueError, match="rule must be 'exact' or 'midpoint'. Got 'middle'"):
        counts.to_count_table("middle")  # type: ignore[arg-type]
    with pytest.raises(RecordsError, match="counts are known only as ranges, e.g. TP of g = B"):
        counts.to_count_table()
    with pytest.raises(ValueError, match="point must be one of none, midpoint. Got 'mean'"):
        range_metrics(counts, point="mean")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs cells a table of counts does not have"):
        range_metrics(counts, metrics=["share_of_offenders"])
    with pytest.raises(ValueError, match="Unknown metric 'fairness'"):
        range_metrics(counts, metrics=["fairness"])
    out = range_metrics(counts, metrics=["precision"])
    with pytest.raises(ValueError, match="needs a table with a 'dataset' column"):
        side_by_side(out, "precision")
    out = out.assign(dataset="one")
    with pytest.raises(
        ValueError, match="metric 'accuracy' is not in the table; it has: precision"
    ):
        side_by_side(out, "accuracy")
    with pytest.raises(ValueError, match="are not columns of the table"):
        side_by_side(out, "precision", values=["value", "estimate"])


def test_provenance_notes_say_what_was_read_and_how():
    counts = read_counts(SUPPRESSED_TABLE, groups="g")
    assert counts.notes[0] == (
        # C: flagged "<10", TP, FP "x", FN blank; B: TP "x" (of 4 rows x 6 cells)
        "5 of 24 published cells suppressed: 0 to 9 people each ('<k': 0 to k - 1)"
    )
    assert "derived from the margins: flagged_unlabelled, unflagged_unlabelled" in counts.notes
    exact = read_counts(SUPPRESSED_TABLE.iloc[:2].assign(TP=[12, 5]), groups="g")
    assert exact.notes[0] == "all 12 published cells exact"
    assert "no total row: the whole population is the sum of the groups of 'g'" in exact.notes


def test_a_withheld_cell_no_margin_bounds_has_no_upper_limit():
    # A's n withheld (any size) and no total row: A's selection rate 10 / n is 0 (in
    # the limit) to 1; B's flagged withheld too, up to its 100 people
    table = pd.DataFrame({"g": ["A", "B"], "n": ["x", 100], "flagged": [10, "x"]})
    counts = read_counts(table, groups="g", withheld=["x"])
    assert counts.interval_cells() == {"suppressed": 0, "withheld": 2, "rounded": 0}
    assert counts.notes[0] == "2 cells withheld: any number of people"
    cells = counts.cells.set_index(["group", "cell"])
    assert (
        cells.loc[("A", "n"), "implied_low"] == 10
        and cells.loc[("A", "n"), "implied_high"] == np.inf
    )
    assert cells.loc[("B", "flagged"), ["implied_low", "implied_high"]].tolist() == [0, 100]
    out = range_metrics(counts)
    a = rows_of(out, "selection_rate").loc["A"]
    assert (a["lower_bound"], a["upper_bound"]) == pytest.approx((0, 1))
    assert "(flagged = 10, n at least 10; 2 cells withheld)" in a["note"]
    rep = rows_of(out, "representation_ratio").loc["A"]
    assert rep["lower_bound"] == 0 and math.isnan(rep["upper_bound"])  # never infinity
    assert "no upper limit" in rep["note"]
    share = rows_of(out, "population_share").loc["B"]
    # B's 100 people of at least 110: at most 100 / 110
    assert share["upper_bound"] == pytest.approx(100 / 110)
    assert "everyone's n at least 110" in share["note"]


def test_tests_on_ranges_are_dropped_and_the_rest_adjusted_among_themselves():
    # C is the largest (reference); B's flagged is suppressed, so only A vs C is tested
    table = pd.DataFrame({"g": ["A", "B", "C"], "n": [200, 150, 400], "flagged": [40, "x", 40]})
    out = range_metrics(read_counts(table, groups="g"), metrics=["selection_rate"])
    sel = rows_of(out, "selection_rate")
    assert sel.loc["A", "reference_group"] == "C"
    assert sel.loc["A", "test"] == "chi2" and sel.loc["B", "test"] == ""
    assert math.isnan(sel.loc["B", "p_value"]) and math.isnan(sel.loc["B", "p_adjusted"])
    # one test left: Holm leaves its p-value as it is
    assert sel.loc["A", "p_adjusted"] == pytest.approx(sel.loc["A", "p_value"])
    # and it is the test of 40 / 200 against 40 / 400 (chi-square, no correction):
    # pooled 80 / 600; chi2 = sum (obs - exp)^2 / exp over the 2 x 2 table
    obs = np.array([[40, 160], [40, 360]])
    exp = obs.sum(axis=1, keepdims=True) * obs.sum(axis=0) / obs.sum()
    assert sel.loc["A", "p_value"] == pytest.approx(
        stats.chi2.sf(((obs - exp) ** 2 / exp).sum(), 1)
    )


def test_a_named_reference_group_and_midpoints_of_hit_rates():
    table = pd.DataFrame(
        {"g": ["F", "M"], "n": [100, 300], "flagged": [20, 30], "TP": ["x", 10], "FP": [12, 15]}
    )
    out = range_metrics(read_counts(table, groups="g"), reference={"g": "F"}, point="midpoint")
    prec = rows_of(out, "precision")
    assert prec.loc["M", "reference_group"] == "F"
    # F among the labelled: 0 to 0.4, midpoint 0.2; M exact 10 / 25 = 0.4
    assert prec.loc["F", "value"] == pytest.approx(0.2)
    assert prec.loc["M", "reference_value"] == pytest.approx(0.2)
    assert prec.loc["M", "ratio"] == pytest.approx(0.4 / 0.2)
    # ranges: 0.4 / [0, 0.4] has no upper limit; from 0.4 / 0.4 = 1
    assert prec.loc["M", "ratio_ci_low"] == pytest.approx(1.0)
    assert math.isnan(prec.loc["M", "ratio_ci_high"])
    assert "no upper limit to the ratio" in prec.loc["M", "note"]
    # a rate that the data cannot identify stays NaN whatever the point rule
    assert math.isnan(rows_of(out, "false_positive_rate").loc["F", "value"])


# issue 14: a valid table on which HiGHS's presolve fails ("HiGHS Status 4")
HIGHS_STATUS_4 = """group,n,flagged,TP,FP
G0,15,<10,0,4
G1,14,<10,0,0
G2,13,<10,<10,<10
Total,42,14,2,7
"""


def _highs_status_4_result(tmp_path):
    from biasaudit import audit_counts

    path = tmp_path / "g.csv"
    path.write_text(HIGHS_STATUS_4, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedRateWarning)
        return audit_counts(path, groups=["group"], min_cell=0)


def test_a_table_highs_presolve_fails_on_audits_with_exact_ranges(tmp_path):
    result = _highs_status_4_result(tmp_path)  # before: RuntimeError HiGHS Status 4
    # oracle: every whole-number completion, enumerated. Flagged f0, f1, f2 in 0..9
    # add up to 14; a group's flagged include its TP + FP (G0: 4; G2: TP 2, FP 3, as
    # the totals pin them: TP 2 - 0 - 0, FP 7 - 4 - 0).
    sizes = {"G0": 15, "G1": 14, "G2": 13}
    floor = {"G0": 4, "G1": 0, "G2": 5}
    seen: dict[str, list[float]] = {g: [] for g in sizes}
    for f in itertools.product(range(10), repeat=3):
        if sum(f) == 14 and all(x >= floor[g] for x, g in zip(f, sizes, strict=True)):
            for x, g in zip(f, sizes, strict=True):
                seen[g].append(x / sizes[g])
    rows = result.table[result.table["metric"] == "selection_rate"].set_index("group")
    for g in sizes:
        assert rows.loc[g, "lower_bound"] == pytest.approx(min(seen[g]), abs=1e-9)
        assert rows.loc[g, "upper_bound"] == pytest.approx(max(seen[g]), abs=1e-9)
    # G2's hit rate is pinned by the totals: 2 / (2 + 3)
    precision = result.table[result.table["metric"] == "precision"].set_index("group")
    assert precision.loc["G2", "value"] == pytest.approx(0.4)


def test_a_table_highs_presolve_fails_on_runs_from_the_cli(tmp_path, capsys):
    from biasaudit.cli import main

    (tmp_path / "g.csv").write_text(HIGHS_STATUS_4, encoding="utf-8")
    (tmp_path / "audit.toml").write_text(
        '[data]\npath = "g.csv"\nkind = "counts"\n[groups]\nattributes = ["group"]\n',
        encoding="utf-8",
    )
    status = main(["audit", str(tmp_path / "audit.toml"), "--out", str(tmp_path / "out")])
    assert status == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "results.csv").exists()


def test_a_solver_that_fails_every_way_is_a_clear_error_and_exit_2(tmp_path, capsys, monkeypatch):
    from types import SimpleNamespace

    import scipy.optimize

    from biasaudit import SolverError
    from biasaudit.cli import main

    def broken(*args, **kwargs):
        return SimpleNamespace(status=4, message="(HiGHS Status 4: Solve error)", x=None)

    monkeypatch.setattr(scipy.optimize, "linprog", broken)
    with pytest.raises(SolverError, match="not a problem in your data"):
        _highs_status_4_result(tmp_path)
    (tmp_path / "audit.toml").write_text(
        '[data]\npath = "g.csv"\nkind = "counts"\n[groups]\nattributes = ["group"]\n',
        encoding="utf-8",
    )
    status = main(["audit", str(tmp_path / "audit.toml"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2
    assert "linear program failed: (HiGHS Status 4: Solve error)" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
