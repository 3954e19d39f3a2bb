"""Did a disparity change? The ratio of two ratios, with its interval and test.

A disparity in one period is the ratio ``RR = p_g / p_r`` of a group's rate to its
reference group's. Whether it changed from period A to period B is the ratio of the
two ratios, ``RR_B / RR_A``: 1 when the disparity is the same, below 1 when it
shrank. Its logarithm is a sum of four independent log-proportions,
``log p_gB - log p_rB - log p_gA + log p_rA``, so the delta method gives its variance
as the sum of the four ``(1 - p) / (n p) = 1 / k - 1 / n`` (Katz et al. 1978 for each
log ratio; Altman & Bland 2003, "Interaction revisited: the difference between two
estimates", BMJ 326:219, for comparing two of them). The interval is
``exp(log RoR ± z se)`` and the test a two-sided Wald z test of ``log RoR = 0``.
It is the interaction term of a binomial model with a log link (group x period), whose
saturated fit gives the same estimate and standard error.

Zero cells are treated as :func:`~biasaudit.stats._stats.ratio_interval` treats them:
when any of the eight counts is 0 or equals its denominator, 0.5 is added to every
count and 1 to every denominator for the interval and the test (the point estimate
is unchanged); a ratio of ratios whose earlier ratio is 0 or undefined is NaN.
Weighted counts enter as Kish effective counts (:func:`effective_counts`).

The change of a rate itself between periods (one group, B minus A) gets Newcombe's
hybrid score interval, as every difference of two independent rates does.
"""

from __future__ import annotations

import numpy as np

from ._stats import _z


def ratio_change(
    k_from: np.ndarray,
    n_from: np.ndarray,
    rk_from: np.ndarray,
    rn_from: np.ndarray,
    k_to: np.ndarray,
    n_to: np.ndarray,
    rk_to: np.ndarray,
    rn_to: np.ndarray,
    *,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ratio of ratios ``(k_to/n_to) / (rk_to/rn_to) / ((k_from/n_from) / (rk_from/rn_from))``.

    ``k`` / ``n``: the group's count and denominator; ``rk`` / ``rn``: its reference
    group's; ``_from`` / ``_to``: the earlier and the later period. Arrays allowed.

    Returns
    -------
    ratio, ci_low, ci_high, p_value : numpy.ndarray
        NaN where a ratio is undefined (an empty denominator, a reference rate of 0) or
        the earlier ratio is 0 (a change from nothing has no ratio).

    Examples
    --------
    Women flagged 30 of 100 vs men 15 of 100 (ratio 2.0) in 2021; 24 of 100 vs 20 of
    100 (ratio 1.2) in 2022: the ratio fell to 0.6 of what it was.

    >>> r, lo, hi, p = ratio_change(30, 100, 15, 100, 24, 100, 20, 100)
    >>> round(float(r), 2), round(float(lo), 3), round(float(hi), 3), round(float(p), 3)
    (0.6, 0.28, 1.287, 0.19)
    """
    arrays = (k_from, n_from, rk_from, rn_from, k_to, n_to, rk_to, rn_to)
    k1, n1, r1, m1, k2, n2, r2, m2 = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in arrays)
    )
    counts = np.stack([k1, r1, k2, r2])
    sizes = np.stack([n1, m1, n2, m2])
    valid = np.all(sizes > 0, axis=0) & (r1 > 0) & (r2 > 0) & (k1 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = counts / sizes
        ratio = (rates[2] / rates[3]) / (rates[0] / rates[1])
        edge = np.any((counts <= 0) | (counts >= sizes), axis=0)
        a = np.where(edge, counts + 0.5, counts)
        b = np.where(edge, sizes + 1.0, sizes)
        logs = np.log(a / b)
        log_ror = logs[2] - logs[3] - logs[0] + logs[1]
        se = np.sqrt(np.sum(1 / a - 1 / b, axis=0))
        z = _z(confidence)
        lo, hi = np.exp(log_ror - z * se), np.exp(log_ror + z * se)
    from scipy import special  # the normal tail (scipy on first use)

    p = special.erfc(np.abs(log_ror / se) / np.sqrt(2.0))
    lo = np.where(k2 == 0, 0.0, lo)  # a ratio of 0 now: the interval starts at 0
    nan = np.nan
    return (
        np.where(valid, ratio, nan),
        np.where(valid, lo, nan),
        np.where(valid, hi, nan),
        np.where(valid, p, nan),
    )
