"""The ratio-of-ratios change test against independent oracles (issue 18, question 3).

* statsmodels: a binomial GLM with a log link and a group x period interaction, fitted to
  the four cells, is saturated; its interaction coefficient is the log ratio of ratios
  and its standard error the delta-method one, so estimate, interval and Wald p-value
  must agree to rounding;
* the delta-method variance written out by hand for one table;
* a small simulation: under no change the test rejects at about the nominal rate, and a
  planted change is found (the real-sized simulation is benchmarks/change_type1.py).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.genmod.families import Binomial
from statsmodels.genmod.families.links import Log

from biasaudit.stats import ratio_change


def glm_interaction(k: list[int], n: list[int], confidence: float = 0.95):
    """exp(coefficient), interval and p-value of the group x period term of a binomial
    log-link GLM on four cells: (group, period) = (1, A), (0, A), (1, B), (0, B)."""
    group = np.array([1, 0, 1, 0], float)
    later = np.array([0, 0, 1, 1], float)
    design = sm.add_constant(np.column_stack([group, later, group * later]))
    endog = np.column_stack([k, np.subtract(n, k)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns that a log link may leave [0, 1]
        fit = sm.GLM(endog, design, family=Binomial(link=Log())).fit(tol=1e-12, maxiter=200)
    low, high = fit.conf_int(alpha=1 - confidence)[3]
    return math.exp(fit.params[3]), math.exp(low), math.exp(high), float(fit.pvalues[3])


@pytest.mark.parametrize(
    "k, n",
    [
        ([30, 15, 24, 20], [100, 100, 100, 100]),  # the docstring's example
        ([412, 188, 301, 275], [2000, 2600, 1900, 2500]),  # a large audit
        ([7, 40, 12, 35], [60, 500, 55, 480]),  # a small group
        ([300, 50, 280, 90], [1000, 1000, 1000, 1000]),  # a disparity that shrank
    ],
)
@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_matches_the_log_binomial_interaction(k, n, confidence):
    want = glm_interaction(k, n, confidence)
    got = ratio_change(k[0], n[0], k[1], n[1], k[2], n[2], k[3], n[3], confidence=confidence)
    np.testing.assert_allclose([float(x) for x in got], want, rtol=1e-6)


def test_delta_method_by_hand():
    # women 30/100, men 15/100 in A (RR 2.0); 24/100 and 20/100 in B (RR 1.2)
    # log RoR = log(1.2 / 2.0) = -0.5108; var = sum(1/k - 1/n)
    #   = (1/30 - 1/100) + (1/15 - 1/100) + (1/24 - 1/100) + (1/20 - 1/100) = 0.15167
    var = (1 / 30 - 0.01) + (1 / 15 - 0.01) + (1 / 24 - 0.01) + (1 / 20 - 0.01)
    assert var == pytest.approx(0.151667, abs=1e-6)
    se = math.sqrt(var)
    z = stats.norm.ppf(0.975)
    ror, lo, hi, p = ratio_change(30, 100, 15, 100, 24, 100, 20, 100)
    assert float(ror) == pytest.approx(0.6)
    assert float(lo) == pytest.approx(0.6 * math.exp(-z * se))
    assert float(hi) == pytest.approx(0.6 * math.exp(z * se))
    assert float(p) == pytest.approx(2 * stats.norm.sf(abs(math.log(0.6)) / se))


def test_zero_cells():
    # a group nobody flagged later: ratio of ratios 0, interval from 0, 0.5 added for the
    # upper limit: log((0.5/101)/(20.5/101)) - log((30.5/101)/(15.5/101)) etc.
    ror, lo, hi, p = ratio_change(30, 100, 15, 100, 0, 100, 20, 100)
    a = np.array([30.5, 15.5, 0.5, 20.5])
    log_ror = math.log(0.5 / 20.5) - math.log(30.5 / 15.5)
    se = math.sqrt(np.sum(1 / a - 1 / 101))
    assert float(ror) == 0.0 and float(lo) == 0.0
    assert float(hi) == pytest.approx(math.exp(log_ror + stats.norm.ppf(0.975) * se))
    assert float(p) == pytest.approx(2 * stats.norm.sf(abs(log_ror) / se))
    # nothing to change from (earlier ratio 0), a reference rate of 0, an empty group
    for args in (
        (0, 100, 15, 100, 24, 100, 20, 100),
        (30, 100, 0, 100, 24, 100, 20, 100),
        (30, 100, 15, 100, 24, 100, 0, 100),
        (30, 100, 15, 100, 0, 0, 20, 100),
    ):
        assert all(math.isnan(float(x)) for x in ratio_change(*args)), args


def _simulate(p_from, p_to, sizes, reps, seed):
    """p-values of the change test on binomial draws (group, reference) x (from, to)."""
    rng = np.random.default_rng(seed)
    n = np.array(sizes, float)
    k = rng.binomial(n.astype(int), [*p_from, *p_to], size=(reps, 4)).astype(float)
    _, _, _, p = ratio_change(k[:, 0], n[0], k[:, 1], n[1], k[:, 2], n[2], k[:, 3], n[3])
    return p


@pytest.mark.parametrize(
    "p_from, p_to, sizes",
    [
        # the same disparity (ratio 2) in both periods, while everyone's rate moves
        ((0.20, 0.10), (0.30, 0.15), (400, 600, 400, 600)),
        # a small group with few flagged
        ((0.08, 0.04), (0.08, 0.04), (150, 2000, 150, 2000)),
    ],
)
def test_type_one_error_near_nominal(p_from, p_to, sizes):
    reps = 20_000
    p = _simulate(p_from, p_to, sizes, reps, seed=18)
    p = p[np.isfinite(p)]  # draws with no earlier ratio (0 flagged) have no test
    rate = float(np.mean(p < 0.05))
    mc = math.sqrt(0.05 * 0.95 / len(p))
    print(f"type I error {rate:.4f} (Monte Carlo error {mc:.4f}, {len(p):,} tests)")
    assert len(p) > 0.99 * reps
    assert abs(rate - 0.05) < 4 * mc + 0.005, rate


@pytest.mark.parametrize("people", [500, 1000])
def test_a_planted_change_is_found(people):
    # ratio 2.0 -> 1.0 (the disparity removed). Power by the normal approximation of the
    # log ratio of ratios: se^2 = sum (1 - p) / (n p) = 0.8/(0.2 n) + 3 x 0.9/(0.1 n)
    se = math.sqrt((0.8 / 0.2 + 3 * 0.9 / 0.1) / people)
    z = stats.norm.ppf(0.975)
    power = stats.norm.sf(z - math.log(2) / se) + stats.norm.cdf(-z - math.log(2) / se)
    reps = 4_000
    p = _simulate((0.20, 0.10), (0.10, 0.10), (people,) * 4, reps, seed=19)
    found = float(np.mean(p < 0.05))
    print(f"{people} per cell: found {found:.3f}, normal approximation {power:.3f}")
    assert found > 0.75
    assert abs(found - power) < 4 * math.sqrt(power * (1 - power) / reps) + 0.02
