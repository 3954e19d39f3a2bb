"""Intervals, tests, adjustments and power against statsmodels, scipy and published
values; seeded coverage simulations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    power_proportions_2indep,
    proportion_confint,
)

from biasaudit import audit
from biasaudit.stats._stats import (
    adjust_pvalues,
    detectable_ratio,
    difference_interval,
    proportion_interval,
    ratio_interval,
    two_proportion_test,
)
from conftest import people_from_cells

GRID = [(0, 1), (0, 20), (1, 20), (5, 7), (7, 7), (18, 20), (81, 263), (500, 1000), (3, 5000)]


@pytest.mark.parametrize("confidence", [0.95, 0.9])
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [("wilson", "wilson"), ("clopper-pearson", "beta"), ("jeffreys", "jeffreys")],
)
def test_rate_intervals_equal_statsmodels(ours, theirs, confidence):
    for k, n in GRID:
        lo, hi = proportion_interval(k, n, method=ours, confidence=confidence)
        s_lo, s_hi = proportion_confint(k, n, alpha=1 - confidence, method=theirs)
        if ours == "jeffreys":  # Brown, Cai & DasGupta (2001) limits at the edges
            s_lo, s_hi = (0.0 if k == 0 else s_lo), (1.0 if k == n else s_hi)
        assert float(lo) == pytest.approx(s_lo, abs=1e-10), (k, n)
        assert float(hi) == pytest.approx(s_hi, abs=1e-10), (k, n)


def test_wilson_equals_published_values():
    # Newcombe (1998), Stat Med 17:857-872, Table I, method 3 (score, no correction)
    published = {
        (81, 263): (0.2553, 0.3662),
        (15, 148): (0.0624, 0.1605),
        (0, 20): (0.0, 0.1611),
        (1, 29): (0.0061, 0.1718),
    }
    for (k, n), expected in published.items():
        lo, hi = proportion_interval(k, n)
        assert (round(float(lo), 4), round(float(hi), 4)) == expected


def test_newcombe_difference_equals_published_values():
    # Newcombe (1998), Stat Med 17:873-890, Table II, method 10 (hybrid score)
    published = {
        (56, 70, 48, 80): (0.0524, 0.3339),
        (9, 10, 3, 10): (0.1705, 0.8090),
        (6, 7, 2, 7): (0.0582, 0.8062),
        (5, 56, 0, 29): (-0.0381, 0.1926),
        (0, 10, 0, 20): (-0.1611, 0.2775),
        (0, 10, 0, 10): (-0.2775, 0.2775),
        (10, 10, 0, 20): (0.6791, 1.0),
    }
    for cells, expected in published.items():
        lo, hi = difference_interval(*cells)
        assert (round(float(lo), 4), round(float(hi), 4)) == expected


PAIRS = [(30, 100, 15, 100), (805, 1795, 349, 1488), (3, 12, 5, 40), (50, 60, 10, 90)]


@pytest.mark.parametrize("cells", PAIRS)
def test_katz_and_newcombe_equal_statsmodels(cells):
    k1, n1, k2, n2 = cells
    lo, hi = ratio_interval(*cells)
    s_lo, s_hi = confint_proportions_2indep(k1, n1, k2, n2, compare="ratio", method="log")
    assert (float(lo), float(hi)) == pytest.approx((s_lo, s_hi), rel=1e-10)
    lo, hi = difference_interval(*cells)
    s_lo, s_hi = confint_proportions_2indep(k1, n1, k2, n2, compare="diff", method="newcomb")
    assert (float(lo), float(hi)) == pytest.approx((s_lo, s_hi), rel=1e-10)


def test_ratio_interval_zero_cells_are_defined_not_infinite():
    # group count 0: ratio 0, interval [0, finite upper] (0.5 added to each cell)
    lo, hi = ratio_interval(0, 20, 5, 20)
    assert float(lo) == 0.0
    # upper = exp(log((0.5/21)/(5.5/21)) + 1.96 * sqrt(1/0.5 - 1/21 + 1/5.5 - 1/21))
    expected = np.exp(np.log(0.5 / 5.5) + stats.norm.ppf(0.975) * np.sqrt(2 - 2 / 21 + 1 / 5.5))
    assert float(hi) == pytest.approx(expected)
    # reference count 0: no finite upper limit -> NaN, never inf or a cap
    lo, hi = ratio_interval(5, 20, 0, 20)
    # lower = exp(log(11) - 1.96 * sqrt(1/5.5 - 1/21 + 1/0.5 - 1/21))
    expected = np.exp(np.log(11) - stats.norm.ppf(0.975) * np.sqrt(2 + 1 / 5.5 - 2 / 21))
    assert float(lo) == pytest.approx(expected)
    assert np.isnan(hi)
    lo, hi = ratio_interval(0, 20, 0, 20)
    assert np.isnan(lo) and np.isnan(hi)


def test_tests_equal_scipy():
    k1, n1, k2, n2 = [3, 300, 805, 0], [10, 1000, 1795, 10], [1, 150, 349, 0], [12, 1000, 1488, 10]
    p, name = two_proportion_test(k1, n1, k2, n2)
    assert list(name) == ["fisher", "chi2", "chi2", "fisher"]
    assert p[0] == pytest.approx(stats.fisher_exact([[3, 7], [1, 11]]).pvalue)
    for i in (1, 2):
        table = [[k1[i], n1[i] - k1[i]], [k2[i], n2[i] - k2[i]]]
        assert p[i] == pytest.approx(stats.chi2_contingency(table, correction=False).pvalue)
    assert p[3] == 1.0  # both groups 0 of 10: no evidence of any difference


@pytest.mark.parametrize("method", ["holm", "fdr_bh"])
def test_adjustments_equal_statsmodels(method):
    rng = np.random.default_rng(1)
    p = np.concatenate([rng.uniform(0, 0.05, 8), rng.uniform(0, 1, 30)])
    expected = multipletests(p, method=method)[1]
    np.testing.assert_allclose(adjust_pvalues(p, method=method), expected, rtol=1e-12)
    with_nan = np.append(p, np.nan)
    assert np.isnan(adjust_pvalues(with_nan, method=method)[-1])


def test_power_and_detectable_ratio_equal_statsmodels():
    for p1, p2, n1, n2 in [(0.3, 0.2, 300, 300), (0.12, 0.07, 900, 4000), (0.5, 0.3, 40, 200)]:
        expected = power_proportions_2indep(p1 - p2, p2, n1, ratio=n2 / n1, alpha=0.05).power
        from biasaudit.stats._stats import power_two_proportions

        assert float(power_two_proportions(p1, p2, n1, n2)) == pytest.approx(expected, rel=1e-9)
    r = float(detectable_ratio(0.07, 900, 4000))
    power = power_proportions_2indep(0.07 * r - 0.07, 0.07, 900, ratio=4000 / 900).power
    assert power == pytest.approx(0.8, abs=1e-6)
    # 2 people against 50 with a reference rate of 40%: no rate could be told apart
    assert np.isnan(detectable_ratio(0.4, 2, 50))


def test_wilson_coverage_simulation():
    """95% Wilson intervals cover the true rate in >= 93% of 2,000 simulated groups."""
    rng = np.random.default_rng(20261123)
    for n in (10, 30, 100, 1000):
        p = rng.uniform(0.02, 0.6, 2_000)
        k = rng.binomial(n, p)
        lo, hi = proportion_interval(k, np.full(2_000, n))
        assert np.mean((lo <= p) & (p <= hi)) >= 0.93, n


def test_katz_and_newcombe_coverage_simulation():
    rng = np.random.default_rng(7)
    for n1, n2 in ((40, 60), (200, 500), (2_000, 3_000)):
        p1, p2 = rng.uniform(0.1, 0.5, 2_000), rng.uniform(0.1, 0.5, 2_000)
        k1, k2 = rng.binomial(n1, p1), rng.binomial(n2, p2)
        lo, hi = ratio_interval(k1, n1, k2, n2)
        assert np.mean((lo <= p1 / p2) & (p1 / p2 <= hi)) >= 0.93, (n1, n2)
        lo, hi = difference_interval(k1, n1, k2, n2)
        assert np.mean((lo <= p1 - p2) & (p1 - p2 <= hi)) >= 0.93, (n1, n2)


def aequitas_scenario() -> pd.DataFrame:
    """A false positive rate of 16.9% vs 6.4% among 1,200 innocent people per group,
    with equal hit rates: the disparity Aequitas's t-test on the false discovery rate
    reports as not significant (p = 0.056)."""
    return people_from_cells({"A": (400, 203, 100, 997), "B": (150, 77, 100, 1123)})


def test_aequitas_scenario_gets_a_tiny_p_value_on_the_right_denominator():
    r = audit(
        aequitas_scenario(),
        roles={"flagged": "flag", "outcome": "y"},
        groups="g",
        reference={"g": "B"},
    )
    fpr = r.metric("false_positive_rate", "g").set_index("group").loc["A"]
    assert fpr["value"] == pytest.approx(203 / 1200)
    assert fpr["ratio"] == pytest.approx((203 / 1200) / (77 / 1200))
    expected = stats.chi2_contingency([[203, 997], [77, 1123]], correction=False).pvalue
    assert fpr["test"] == "chi2"
    assert fpr["p_value"] == pytest.approx(expected)
    assert fpr["p_value"] < 1e-12
    lo, hi = confint_proportions_2indep(203, 1200, 77, 1200, compare="ratio", method="log")
    assert (fpr["ratio_ci_low"], fpr["ratio_ci_high"]) == pytest.approx((lo, hi))
    # the false discovery rate (FP among the flagged) barely differs: 203/603 vs 77/227
    fdr = r.metric("false_discovery_rate", "g").set_index("group").loc["A"]
    assert fdr["p_value"] > 0.5


def test_table_p_adjusted_is_holm_over_the_distinct_tests():
    r = audit(
        aequitas_scenario(),
        roles={"flagged": "flag", "outcome": "y"},
        groups="g",
        reference={"g": "B"},
    )
    t = r.table[r.table["p_value"].notna()]
    # complements are one test: FPR = TNR, FNR = TPR, precision = FDR, FOR = NPV
    for a, b in [
        ("false_positive_rate", "true_negative_rate"),
        ("precision", "false_discovery_rate"),
    ]:
        pa = t.loc[t["metric"] == a, "p_value"].item()
        assert pa == pytest.approx(t.loc[t["metric"] == b, "p_value"].item())
    distinct = t.assign(rounded=t["p_value"].map(lambda p: float(f"{p:.9g}")))
    distinct = distinct.drop_duplicates("rounded")
    # 12 metrics, 4 complement pairs: 8 distinct tests in the family
    assert len(distinct) == 8
    expected = multipletests(distinct["p_value"], method="holm")[1]
    np.testing.assert_allclose(distinct["p_adjusted"].to_numpy(), expected, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    k=st.integers(0, 500),
    extra=st.integers(0, 500),
    method=st.sampled_from(["wilson", "clopper-pearson", "jeffreys"]),
)
def test_interval_contains_the_estimate(k, extra, method):
    n = k + extra
    lo, hi = proportion_interval(k, n, method=method)
    if n == 0:
        assert np.isnan(lo) and np.isnan(hi)
    else:
        assert 0 <= lo <= k / n <= hi <= 1


def test_unknown_interval_and_correction_names_are_refused():
    with pytest.raises(
        ValueError, match="interval must be one of wilson, clopper-pearson, jeffreys. Got 'wald'"
    ):
        proportion_interval(1, 10, method="wald")
    with pytest.raises(
        ValueError, match="correction must be one of holm, fdr_bh, none. Got 'bonf'"
    ):
        adjust_pvalues(np.array([0.1]), method="bonf")


def test_fractional_effective_counts_keep_the_estimate_inside():
    # Kish-effective counts are fractional; Jeffreys alone would put 1/1.0003 above its limit
    lo, hi = proportion_interval(1.0, 1.0003, method="jeffreys")
    assert lo <= 1 / 1.0003 <= hi


def test_weighted_small_cells_still_get_fishers_test():
    # effective counts 2.4 of 9.6 vs 30.2 of 60.1: an expected cell below 5
    p, name = two_proportion_test([2.4], [9.6], [30.2], [60.1])
    assert name[0] == "fisher"
    # rounded to whole people: [[2, 7], [30, 30]]
    assert p[0] == pytest.approx(stats.fisher_exact([[2, 7], [30, 30]]).pvalue)


def _brute_power(p1: float, p2: float, n1: int, n2: int) -> float:
    """Power at the 5% level of the test biasaudit applies, by enumerating every table:
    scipy's Fisher exact test where an expected cell is below 5, else Pearson's
    chi-square without continuity correction (scipy)."""
    total = 0.0
    for x1 in range(n1 + 1):
        for x2 in range(n2 + 1):
            table = [[x1, n1 - x1], [x2, n2 - x2]]
            yes = x1 + x2
            if yes in (0, n1 + n2):
                continue
            if min(n1, n2) * min(yes, n1 + n2 - yes) / (n1 + n2) < 5:
                p = stats.fisher_exact(table).pvalue
            else:
                p = stats.chi2_contingency(table, correction=False)[1]
            if p <= 0.05:
                total += stats.binom.pmf(x1, n1, p1) * stats.binom.pmf(x2, n2, p2)
    return total


@pytest.mark.parametrize(("p_ref", "n1", "n2"), [(0.1, 8, 30), (0.2, 20, 20), (0.15, 25, 60)])
def test_detectable_ratio_has_80_percent_power_for_the_test_applied(p_ref, n1, n2):
    """issue 14: the z test's detectable ratio gave Fisher's test 0.69 to 0.77 power.
    Oracle: the power of scipy's tests, enumerated table by table."""
    r = float(detectable_ratio(p_ref, n1, n2))
    assert _brute_power(r * p_ref, p_ref, n1, n2) == pytest.approx(0.8, abs=2e-3)
    assert _brute_power(r * p_ref * 0.97, p_ref, n1, n2) < 0.8


def test_ks_of_one_person_against_one_is_p_1_not_a_crash():
    """Regression (issue 14 trial): two groups of one person each made the asymptotic
    Kolmogorov-Smirnov p-value divide by zero (n = round(0.5) = 0). Oracle: scipy's
    exact two-sample test, p = 1 for one value against another."""
    from biasaudit.stats._score_stats import ks_test

    exact = stats.ks_2samp([0.2], [0.7], method="exact")
    assert ks_test(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == (exact.statistic, exact.pvalue)
    audited = audit(
        pd.DataFrame({"g": ["a", "b"], "s": [0.2, 0.7], "flag": [0, 1]}),
        roles={"score": "s", "flagged": "flag"},
        groups=["g"],
        min_cell=0,
        bootstrap_samples=100,
    )
    ks = audited.score_analysis.distribution
    assert ks.loc[ks["group"] == "b", "ks_p_value"].tolist() == [1.0]


@pytest.mark.parametrize(("n1", "n2"), [(3, 40), (40, 3), (7, 120), (70, 12), (65, 65)])
def test_rejection_region_is_the_test_applied_table_by_table(n1, n2):
    """Every table (x1 of n1, x2 of n2) is rejected exactly when the test biasaudit
    applies rejects it: Fisher's exact test (scipy) where an expected cell is below 5,
    Pearson's chi-square (scipy, no continuity correction) elsewhere. Covers the
    all-margins path of a small group against a larger one (issue 15: 6 s -> 0.1 s
    for 5 against 100,000) and the margin-by-margin path (65 and 65)."""
    from biasaudit.stats._power import rejection_region

    region = rejection_region(n1, n2, 0.05)
    for x1 in range(n1 + 1):
        for x2 in range(n2 + 1):
            table = [[x1, n1 - x1], [x2, n2 - x2]]
            t = x1 + x2
            if t in (0, n1 + n2):
                assert not region[x1, x2]
                continue
            expected = min(n1, n2) * min(t, n1 + n2 - t) / (n1 + n2)
            if expected < 5:
                p = stats.fisher_exact(table).pvalue
            else:
                p = stats.chi2_contingency(table, correction=False).pvalue
            assert region[x1, x2] == (p <= 0.05), (x1, x2, p)
