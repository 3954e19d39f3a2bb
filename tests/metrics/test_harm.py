"""Harm counts (issue 18): people, and amounts, beyond what the reference rate gives.

Every expected number is worked out by hand in the comments (or by statsmodels / scipy
for intervals and tests), never read back from biasaudit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency
from statsmodels.stats.proportion import confint_proportions_2indep
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from biasaudit import METRICS, ConfigError, RecordsError, UndefinedRateWarning, audit, audit_counts


def people(groups: dict[str, list[tuple[int, int, int, int]]]) -> pd.DataFrame:
    """One row per person from (flag, investigated, fraud, count) tuples per group;
    fraud -1 = no known outcome."""
    rows = []
    for g, cells in groups.items():
        for flag, inv, fraud, k in cells:
            rows += [(g, flag, inv, "" if fraud < 0 else fraud)] * k
    return pd.DataFrame(rows, columns=["sex", "flag", "inv", "fraud"])


# Full labels. F: 100 people, 30 flagged (TP 10, FP 20), unflagged 70 (FN 5, TN 65).
#              M: 200 people, 20 flagged (TP 8, FP 12), unflagged 180 (FN 8, TN 172).
FULL = people(
    {
        "F": [(1, 1, 1, 10), (1, 1, 0, 20), (0, 1, 1, 5), (0, 1, 0, 65)],
        "M": [(1, 1, 1, 8), (1, 1, 0, 12), (0, 1, 1, 8), (0, 1, 0, 172)],
    }
)
ROLES = {"flagged": "flag", "investigated": "inv", "outcome": "fraud"}


def row(result, name: str, group: str, attribute: str = "sex") -> pd.Series:
    t = result.table
    found = t[(t["metric"] == name) & (t["group"] == group) & (t["attribute"] == attribute)]
    assert len(found) == 1, (name, group)
    return found.iloc[0]


@pytest.fixture(scope="module")
def full():
    return audit(FULL, roles=ROLES, groups=["sex"], reference={"sex": "M"}, min_cell=0)


def test_excess_counts_equal_hand_computations(full):
    # excess flagged: 30 - 100 x 20/200 = 30 - 10 = 20
    r = row(full, "excess_flagged", "F")
    assert r["value"] == pytest.approx(20.0)
    assert (r["numerator"], r["denominator"], r["reference_value"]) == (30, 100, 0.1)
    assert r["reference_group"] == "M"
    # unfounded investigations: FP 20 - 100 x 12/200 = 20 - 6 = 14
    assert row(full, "excess_unfounded_investigations", "F")["value"] == pytest.approx(14.0)
    # false accusations: FP 20 - (20 + 65) x 12/(12 + 172) = 20 - 85 x 0.065217 = 14.4565
    r = row(full, "excess_false_accusations", "F")
    assert r["value"] == pytest.approx(20 - 85 * 12 / 184)
    assert r["denominator"] == 85
    # identified: bounds are the value; the reference group's own row is 0, no interval
    assert r["lower_bound"] == r["upper_bound"] == r["value"]
    m = row(full, "excess_flagged", "M")
    assert m["value"] == 0.0 and np.isnan(m["ci_low"]) and np.isnan(m["ci_high"])


def test_interval_is_the_denominator_times_newcombes_difference_interval(full):
    # statsmodels' Newcombe interval for 30/100 - 20/200, times D = 100
    lo, hi = confint_proportions_2indep(30, 100, 20, 200, method="newcomb", compare="diff")
    r = row(full, "excess_flagged", "F")
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((100 * lo, 100 * hi))
    # false accusations: FP among the innocent, 20/85 - 12/184, times 85
    lo, hi = confint_proportions_2indep(20, 85, 12, 184, method="newcomb", compare="diff")
    r = row(full, "excess_false_accusations", "F")
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((85 * lo, 85 * hi))


def test_test_is_the_rates_own_and_counted_once(full):
    # chi-square on flagged / not flagged by sex: [[30, 70], [20, 180]]
    p = chi2_contingency([[30, 70], [20, 180]], correction=False)[1]
    r = row(full, "excess_flagged", "F")
    assert r["test"] == "chi2" and r["p_value"] == pytest.approx(p)
    # the Holm family is unchanged by the harm rows: as adjusted with the rates alone
    plain = audit(
        FULL, roles=ROLES, groups=["sex"], reference={"sex": "M"}, min_cell=0, metrics=METRICS
    )
    assert r["p_adjusted"] == pytest.approx(row(plain, "selection_rate", "F")["p_adjusted"])


def test_shortfall_for_a_decision_that_is_a_benefit():
    # being selected is a grant: F 30 of 100, M 20 of 200 -> M's shortfall against F:
    # 200 x 30/100 - 20 = 60 - 20 = 40 people
    r = audit(
        FULL,
        roles=ROLES,
        groups=["sex"],
        reference={"sex": "F"},
        min_cell=0,
        harm={"decision": "benefit"},
    )
    assert row(r, "shortfall", "M")["value"] == pytest.approx(40.0)
    lo, hi = confint_proportions_2indep(20, 200, 30, 100, method="newcomb", compare="diff")
    got = row(r, "shortfall", "M")
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((-200 * hi, -200 * lo))
    assert not r.table["metric"].str.startswith("excess").any()


def test_one_vs_rest_compares_each_group_with_everyone_else():
    # three groups: A 20 of 100 flagged, B 10 of 100, C 5 of 50
    data = pd.DataFrame(
        {
            "g": ["A"] * 100 + ["B"] * 100 + ["C"] * 50,
            "flag": [1] * 20 + [0] * 80 + [1] * 10 + [0] * 90 + [1] * 5 + [0] * 45,
        }
    )
    r = audit(data, roles={"flagged": "flag"}, groups=["g"], reference={"g": "rest"}, min_cell=0)
    a = row(r, "selection_rate", "A", "g")
    # everyone else: (10 + 5) / (100 + 50) = 0.1; ratio 0.2 / 0.1 = 2
    assert a["reference_group"] == "(everyone else)"
    assert a["reference_value"] == pytest.approx(0.1) and a["ratio"] == pytest.approx(2.0)
    p = chi2_contingency([[20, 80], [15, 135]], correction=False)[1]
    assert a["p_value"] == pytest.approx(p)
    # excess flagged of A: 20 - 100 x 0.1 = 10; of C: 5 - 50 x 30/200 = -2.5
    assert row(r, "excess_flagged", "A", "g")["value"] == pytest.approx(10.0)
    assert row(r, "excess_flagged", "C", "g")["value"] == pytest.approx(-2.5)
    lo, hi = confint_proportions_2indep(20, 100, 15, 150, method="newcomb", compare="diff")
    got = row(r, "excess_flagged", "A", "g")
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((100 * lo, 100 * hi))
    # no group is its own reference, and no largest ratio to one group is summarised
    assert (r.table.loc[r.table["attribute"] == "g", "group"] != "(everyone else)").all()
    assert r.summaries.empty


def test_selective_labels_give_bounds_not_values():
    # F: flagged 10 (TP 3, FP 6, 1 without outcome), 40 unflagged without outcome
    # M: flagged 5 (TP 2, FP 3), 45 unflagged without outcome
    data = people(
        {
            "F": [(1, 1, 1, 3), (1, 1, 0, 6), (1, 0, -1, 1), (0, 0, -1, 40)],
            "M": [(1, 1, 1, 2), (1, 1, 0, 3), (0, 0, -1, 45)],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedRateWarning)
        r = audit(data, roles=ROLES, groups=["sex"], reference={"sex": "M"}, min_cell=0)
    # excess flagged needs no outcome: 10 - 50 x 5/50 = 5
    assert row(r, "excess_flagged", "F")["value"] == pytest.approx(5.0)
    # unfounded investigations: F's FP is 6 or 7 (the flagged person without an outcome);
    # M's rate 3/50 is known: 6 - 50 x 0.06 = 3 to 7 - 3 = 4
    u = row(r, "excess_unfounded_investigations", "F")
    assert np.isnan(u["value"]) and np.isnan(u["ci_low"])
    assert (u["lower_bound"], u["upper_bound"]) == pytest.approx((3.0, 4.0))
    # false accusations: FP - (FP + TN) x c with M's rate c from 3/48 to 3/3 = 1, F's FP
    # 6..7 and TN 0..40: lowest 6 - (6 + 40) x 1 = -40; highest 7 - 7 x 3/48 = 6.5625
    f = row(r, "excess_false_accusations", "F")
    assert np.isnan(f["value"])
    assert (f["lower_bound"], f["upper_bound"]) == pytest.approx((-40.0, 7 - 7 * 3 / 48))
    assert f["note"].startswith("not identifiable")


def test_undefined_counts_are_nan_with_a_warning_never_zero():
    # M has nobody innocent (every M is a fraud): its false positive rate is 0 / 0
    data = people(
        {
            "F": [(1, 1, 1, 5), (1, 1, 0, 10), (0, 1, 0, 35)],
            "M": [(1, 1, 1, 10), (0, 1, 1, 20)],
        }
    )
    with pytest.warns(UndefinedRateWarning, match="excess_false_accusations"):
        r = audit(data, roles=ROLES, groups=["sex"], reference={"sex": "M"}, min_cell=0)
    f = row(r, "excess_false_accusations", "F")
    assert np.isnan(f["value"]) and np.isnan(f["lower_bound"]) and f["value"] != 0
    assert "undefined" in f["note"]


def test_empty_intersection_cell_is_nan_not_zero():
    data = pd.DataFrame(
        {
            "sex": ["F", "F", "M", "M"] * 10,
            "nat": ["NL", "TR", "NL", "NL"] * 10,
            "flag": [1, 0] * 20,
        }
    )
    with pytest.warns(UndefinedRateWarning, match="excess_flagged"):
        r = audit(
            data,
            roles={"flagged": "flag"},
            groups=["sex", "nat"],
            intersections=[["sex", "nat"]],
            reference={"sex × nat": "F × NL"},
            min_cell=0,
        )
    cell = row(r, "excess_flagged", "M × TR", "sex × nat")
    assert cell["n"] == 0 and np.isnan(cell["value"])


def test_counted_rows_equal_the_expanded_rows():
    """A ``count`` of k people is k rows: the same harm counts and intervals."""
    counted = (
        FULL.groupby(["sex", "flag", "inv", "fraud"], as_index=False)
        .size()
        .rename(columns={"size": "k"})
    )
    r = audit(
        counted,
        roles={**ROLES, "count": "k"},
        groups=["sex"],
        reference={"sex": "M"},
        min_cell=0,
    )
    expanded = audit(FULL, roles=ROLES, groups=["sex"], reference={"sex": "M"}, min_cell=0)
    cols = ["value", "ci_low", "ci_high", "p_value"]
    for name in ("excess_flagged", "excess_false_accusations"):
        np.testing.assert_allclose(
            row(r, name, "F")[cols].to_numpy(float), row(expanded, name, "F")[cols].to_numpy(float)
        )


# Amounts: euros reclaimed from the flagged.
# F flagged: TP 100, 300; FP 50, 0, 150 (blank counted as 0); unflagged 0
# M flagged: TP 200; FP 100, 20; unflagged 0
AMOUNTS = pd.DataFrame(
    {
        "sex": ["F"] * 8 + ["M"] * 6,
        "flag": [1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0],
        "fraud": [1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0],
        "eur": [100.0, 300, 50, None, 150, 0, 0, 0, 200, 100, 20, 0, np.nan, 0],
    }
)


@pytest.fixture(scope="module")
def amounts():
    return audit(
        AMOUNTS,
        roles={"flagged": "flag", "outcome": "fraud", "amount": "eur"},
        groups=["sex"],
        reference={"sex": "M"},
        min_cell=0,
    )


def test_amount_counts_equal_hand_computations(amounts):
    # flagged amount: F 100 + 300 + 50 + 0 + 150 = 600 over 8 people; M 320 over 6:
    # 600 - 8 x 320/6 = 600 - 426.67 = 173.33
    r = row(amounts, "excess_flagged_amount", "F")
    assert r["value"] == pytest.approx(600 - 8 * 320 / 6)
    assert (r["numerator"], r["denominator"]) == (600, 8)
    assert r["reference_value"] == pytest.approx(320 / 6)
    # unfounded (FP) amount: F 50 + 0 + 150 = 200; M 100 + 20 = 120: 200 - 8 x 120/6 = 40
    assert row(amounts, "excess_unfounded_amount", "F")["value"] == pytest.approx(40.0)
    # false accusations: F's innocent FP + TN = 3 + 2 = 5 (TN: the two unflagged
    # without fraud); M's 2 + 3 = 5: 200 - 5 x 120/5 = 80
    assert row(amounts, "excess_false_accusation_amount", "F")["value"] == pytest.approx(80.0)
    # amounts have no test of their own
    assert np.isnan(r["p_value"]) and r["test"] == ""
    assert "blank for 1 flagged and 1 unflagged people, counted as 0" in " ".join(
        amounts.ledger.notes
    )


def test_amount_interval_is_the_denominator_times_a_welch_z_interval(amounts):
    # per person of the denominator: the amount if in the numerator's cells, else 0
    f = np.array([100, 300, 50, 0, 150, 0, 0, 0], float)
    m = np.array([200, 100, 20, 0, 0, 0], float)
    lo, hi = CompareMeans(DescrStatsW(f), DescrStatsW(m)).zconfint_diff(usevar="unequal")
    r = row(amounts, "excess_flagged_amount", "F")
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((8 * lo, 8 * hi))


def test_amounts_must_not_be_negative():
    bad = AMOUNTS.assign(eur=[-5.0, *AMOUNTS["eur"][1:]])
    with pytest.raises(RecordsError, match=r"column 'eur' \(amount\): 1 row with a negative"):
        audit(bad, roles={"flagged": "flag", "amount": "eur"}, groups=["sex"])
    text = AMOUNTS.assign(eur=["a lot", *AMOUNTS["eur"][1:].astype(str)])
    with pytest.raises(RecordsError, match=r"column 'eur' \(amount\)"):
        audit(text, roles={"flagged": "flag", "amount": "eur"}, groups=["sex"])


def test_harm_options_are_checked():
    with pytest.raises(ConfigError, match="harm.decision: expected one of 'burden', 'benefit'"):
        audit(FULL, roles=ROLES, groups=["sex"], harm={"decision": "relief"})
    with pytest.raises(ConfigError, match="harm.amount_label"):
        audit(FULL, roles=ROLES, groups=["sex"], harm={"amount_label": ""})


def test_aggregated_table_with_hidden_cells_gives_outer_ranges():
    # X and Y hide their flagged counts (1 to 9 each, 10 together with the total 190)
    table = pd.DataFrame(
        {
            "sex": ["F", "M", "X", "Y", "Total"],
            "n": [1000, 1000, 300, 200, 2500],
            "flagged": [120, 60, "<10", "<10", 190],
        }
    )
    r = audit_counts(table, groups=["sex"], reference={"sex": "M"}, min_cell=0)
    # F is exact: 120 - 1000 x 0.06 = 60
    assert row(r, "excess_flagged", "F")["value"] == pytest.approx(60.0)
    # X flagged 1 to 9 of 300: excess from 1 - 18 = -17 to 9 - 18 = -9, no value
    x = row(r, "excess_flagged", "X")
    assert np.isnan(x["value"]) and np.isnan(x["ci_low"])
    assert (x["lower_bound"], x["upper_bound"]) == pytest.approx((-17.0, -9.0))


def test_an_amount_count_needs_the_amount_role():
    with pytest.raises(ConfigError, match="'excess_flagged_amount' counts an amount"):
        audit(FULL, roles=ROLES, groups=["sex"], metrics=["excess_flagged_amount"])


def test_random_audit_sample_counts_flagged_exactly_and_estimates_false_accusations():
    """With every record and a random sample, the flagged are counted (their excess is
    exact: 30 - 100 x 20 / 200 = 20 here); false accusations are estimated, with a
    bootstrap interval around the estimate."""
    # the flagged investigated by the model; every fifth unflagged person at random
    flagged = FULL["flag"].to_numpy() == 1
    random = np.zeros(len(FULL), dtype=bool)
    random[np.flatnonzero(~flagged)[::5]] = True
    data = FULL.assign(
        sample=np.where(flagged, "model", np.where(random, "random", "none")),
        inv=(flagged | random).astype(int),
        fraud=np.where(flagged | random, FULL["fraud"].astype(str), ""),
    )
    r = audit(
        data,
        roles={**ROLES, "sample": "sample"},
        groups=["sex"],
        reference={"sex": "M"},
        min_cell=0,
        bootstrap_samples=300,
    )
    assert row(r, "excess_flagged", "F")["value"] == pytest.approx(20.0)
    est = row(r, "excess_false_accusations", "F")
    assert est["test"] == "bootstrap-wald"
    assert est["ci_low"] <= est["value"] <= est["ci_high"]
    assert est["note"].startswith("estimated from the random audit sample")
