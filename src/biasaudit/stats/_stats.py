"""Intervals, tests, multiplicity adjustment and power, on counts (vectorised).

Conventions (DESIGN.md §4):

* rates: Wilson score interval by default; Clopper-Pearson ("exact") and Jeffreys on
  request (Jeffreys with Brown, Cai & DasGupta's limits of 0 at k = 0 and 1 at k = n).
  A zero denominator gives NaN.
* weighted counts: the interval of the weighted proportion uses Kish's effective sample
  size ``n_eff = (sum w)^2 / sum w^2`` as its ``n`` (and ``p * n_eff`` as its count).
* ratio of two proportions: Katz log interval. When either count is 0, or equals its
  denominator, 0.5 is added to each of the four cells of the 2x2 table for the
  interval only (the point ratio is unchanged); a ratio whose reference count is 0 has
  no finite upper limit and is reported as NaN, never as infinity or a cap.
* difference of two proportions: Newcombe's hybrid score interval (from the two
  Wilson intervals), which needs no correction for zero cells.
* tests: Fisher's exact test when any expected cell of the 2x2 table is below 5 (on
  counts rounded to whole people when they are Kish-effective counts); otherwise
  Pearson's chi-square without continuity correction.
* power: ``detectable_ratio`` is computed at the unadjusted level ``1 - confidence``,
  for one comparison on its own.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..spec import CORRECTIONS, INTERVAL_METHODS, Correction, IntervalMethod
from ._power import EXACT_LIMIT, FISHER_LIKELY, reference_window, rejection_region


def _z(confidence: float) -> float:
    # scipy.special, not scipy.stats: the same ndtri that norm.ppf calls, without the
    # second of importing scipy.stats that a Wilson interval does not need
    from scipy import special

    return float(special.ndtri(0.5 + confidence / 2))


def proportion_interval(
    count: np.ndarray | float,
    nobs: np.ndarray | float,
    *,
    method: IntervalMethod = "wilson",
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval for ``count / nobs`` (arrays allowed, counts may be fractional).

    Parameters
    ----------
    count, nobs : array-like
        Successes and trials; ``nobs == 0`` gives NaN.
    method : {"wilson", "clopper-pearson", "jeffreys"}, default="wilson"
    confidence : float, default=0.95

    Examples
    --------
    >>> lo, hi = proportion_interval(18, 20)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.699, 0.9721)
    """
    k = np.asarray(count, dtype=float)
    n = np.asarray(nobs, dtype=float)
    alpha = 1 - confidence
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "wilson":
            z = _z(confidence)
            p = k / n
            denom = 1 + z**2 / n
            centre = (p + z**2 / (2 * n)) / denom
            half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
            lo, hi = centre - half, centre + half
            # exact at the edges (rounding would put 0 or 1 just outside the interval)
            lo, hi = np.where(k <= 0, 0.0, lo), np.where(k >= n, 1.0, hi)
        elif method == "clopper-pearson":
            from scipy import stats

            lo = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
            hi = np.where(k < n, stats.beta.isf(alpha / 2, k + 1, n - k), 1.0)
        elif method == "jeffreys":
            from scipy import stats

            # Brown, Cai & DasGupta (2001): the limit is 0 at k = 0 and 1 at k = n
            lo = np.where(k > 0, stats.beta.ppf(alpha / 2, k + 0.5, n - k + 0.5), 0.0)
            hi = np.where(k < n, stats.beta.isf(alpha / 2, k + 0.5, n - k + 0.5), 1.0)
        else:
            raise ValueError(
                f"interval must be one of {', '.join(INTERVAL_METHODS)}. Got {method!r}."
            )
    empty = ~(n > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(empty, np.nan, k / np.where(empty, 1.0, n))
    # the estimate always lies inside (fractional Kish counts can nudge Jeffreys past it)
    lo = np.clip(np.where(empty, np.nan, np.minimum(lo, p)), 0.0, 1.0)
    hi = np.clip(np.where(empty, np.nan, np.maximum(hi, p)), 0.0, 1.0)
    return lo, hi


def effective_counts(
    count: np.ndarray, nobs: np.ndarray, nobs_sq: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Kish effective ``(count, n)``; unchanged when there are no weights (``nobs_sq`` None)."""
    count, nobs = np.asarray(count, dtype=float), np.asarray(nobs, dtype=float)
    if nobs_sq is None:
        return count, nobs
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(nobs_sq > 0, nobs**2 / nobs_sq, 0.0)
        k_eff = np.where(nobs > 0, count / nobs * n_eff, 0.0)
    return k_eff, n_eff


def ratio_interval(
    k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Katz log interval for ``(k1 / n1) / (k2 / n2)``, zero cells as in the module notes.

    Examples
    --------
    >>> lo, hi = ratio_interval(30, 100, 15, 100)
    >>> round(float(lo), 3), round(float(hi), 3)
    (1.149, 3.482)
    """
    k1, n1, k2, n2 = (np.asarray(x, dtype=float) for x in (k1, n1, k2, n2))
    z = _z(confidence)
    edge = (k1 == 0) | (k2 == 0) | (k1 == n1) | (k2 == n2)
    a, b = np.where(edge, k1 + 0.5, k1), np.where(edge, n1 + 1.0, n1)
    c, d = np.where(edge, k2 + 0.5, k2), np.where(edge, n2 + 1.0, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rr = np.log((a / b) / (c / d))
        se = np.sqrt(1 / a - 1 / b + 1 / c - 1 / d)
        lo, hi = np.exp(log_rr - z * se), np.exp(log_rr + z * se)
    valid = (n1 > 0) & (n2 > 0)
    lo = np.where(valid, np.where(k1 == 0, 0.0, lo), np.nan)
    hi = np.where(valid & (k2 > 0), hi, np.nan)
    lo = np.where(valid & (k1 == 0) & (k2 == 0), np.nan, lo)
    return lo, hi


def difference_interval(
    k1: np.ndarray,
    n1: np.ndarray,
    k2: np.ndarray,
    n2: np.ndarray,
    *,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval for ``k1 / n1 - k2 / n2``.

    Examples
    --------
    >>> lo, hi = difference_interval(56, 70, 48, 80)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.0524, 0.3339)
    """
    k1, n1, k2, n2 = (np.asarray(x, dtype=float) for x in (k1, n1, k2, n2))
    l1, u1 = proportion_interval(k1, n1, confidence=confidence)
    l2, u2 = proportion_interval(k2, n2, confidence=confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = k1 / n1, k2 / n2
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return lo, hi


def two_proportion_test(
    k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided p-value and test name ("fisher" or "chi2") for each pair of proportions.

    Examples
    --------
    >>> p, test = two_proportion_test([3, 300], [10, 1000], [1, 150], [12, 1000])
    >>> list(test)
    ['fisher', 'chi2']
    """
    from scipy import special  # chi2.sf(x, 1) is chdtrc(1, x); stats only for Fisher

    k1, n1, k2, n2 = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (k1, n1, k2, n2))
    table = np.stack([k1, n1 - k1, k2, n2 - k2], axis=-1).reshape(-1, 2, 2)
    valid = (n1 > 0) & (n2 > 0) & np.all(table >= 0, axis=(1, 2))
    col = table.sum(axis=1)  # (rows, 2): yes and no totals
    degenerate = valid & np.any(col == 0, axis=1)  # all yes or all no: no evidence
    total = table.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = table.sum(axis=2)[:, :, None] * col[:, None, :] / total[:, None, None]
        chi2 = np.sum((table - expected) ** 2 / expected, axis=(1, 2))
    # small expected counts: Fisher's test, on counts rounded to whole people when the
    # counts are Kish-effective (weighted) ones
    small = np.any(expected < 5, axis=(1, 2))
    p = np.where(valid & ~degenerate, special.chdtrc(1, chi2), np.nan)
    p = np.where(degenerate, 1.0, p)
    name = np.where(valid, np.where(small | degenerate, "fisher", "chi2"), "").astype(object)
    for i in np.flatnonzero(valid & ~degenerate & small):
        p[i] = _fisher_p(*(int(x) for x in np.round(table[i]).reshape(-1)))
    return p, name


@functools.lru_cache(maxsize=8192)
def _fisher_p(a: int, b: int, c: int, d: int) -> float:
    """Fisher's two-sided p-value of [[a, b], [c, d]], remembered: the small cells of
    an intersection repeat the same tables against their reference (a third of the
    4,200 tables of a 1M-row audit with 10 intersections)."""
    from scipy import stats

    return float(stats.fisher_exact([[a, b], [c, d]]).pvalue)


def adjust_pvalues(p: np.ndarray, *, method: Correction = "holm") -> np.ndarray:
    """Holm or Benjamini-Hochberg adjusted p-values (NaN entries are left out of the family).

    Examples
    --------
    >>> adjust_pvalues(np.array([0.01, 0.04, 0.03]), method="holm").round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = len(q)
    if m == 0:
        return out
    order = np.argsort(q, kind="stable")
    ranked = q[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
    elif method == "fdr_bh":
        adj = np.minimum.accumulate(m / np.arange(m, 0, -1) * ranked[::-1])[::-1]
    elif method == "none":
        adj = ranked
    else:
        raise ValueError(f"correction must be one of {', '.join(CORRECTIONS)}. Got {method!r}.")
    result = np.empty(m)
    result[order] = np.minimum(adj, 1.0)
    out[ok] = result
    return out


def power_two_proportions(
    p1: np.ndarray, p2: np.ndarray, n1: np.ndarray, n2: np.ndarray, *, alpha: float = 0.05
) -> np.ndarray:
    """Power of the two-sided two-proportion z test (pooled variance under the null).

    Examples
    --------
    >>> round(float(power_two_proportions(0.3, 0.2, 300, 300)), 3)
    0.809
    """
    from scipy import special

    p1, p2, n1, n2 = (np.asarray(x, dtype=float) for x in (p1, p2, n1, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = n2 / n1
        pooled = (p1 + p2 * ratio) / (1 + ratio)
        std_null = np.sqrt(pooled * (1 - pooled) * (1 + 1 / ratio))
        std_alt = np.sqrt(p1 * (1 - p1) + p2 * (1 - p2) / ratio)
        crit = -special.ndtri(alpha / 2)
        shift = np.abs(p1 - p2) * np.sqrt(n1)
        # P(Z > upper) + P(Z < lower) under the alternative (ndtr is the normal cdf)
        power = special.ndtr(-(crit * std_null - shift) / std_alt) + special.ndtr(
            (-crit * std_null - shift) / std_alt
        )
    return power


def detectable_ratio(
    p_ref: np.ndarray,
    n_group: np.ndarray,
    n_ref: np.ndarray,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
) -> np.ndarray:
    """Smallest ratio above 1 that the test applied at level ``alpha`` would detect
    with ``power``.

    The test applied is Fisher's exact test where an expected cell is below 5 and
    Pearson's chi-square test otherwise (:func:`two_proportion_test`). Where
    Fisher's test may be the one applied (the smaller group times the reference
    rate, or its complement, below :data:`~biasaudit.stats._power.FISHER_LIKELY`),
    the power is computed exactly over every table the groups could give
    (:func:`biasaudit.stats._power.exact_power`; up to about a million tables, e.g.
    999 x 999 people); elsewhere the chi-square test is applied and its power is the
    normal approximation of the z test. Group sizes
    are rounded to whole people (Kish's effective n when weighted). NaN where even
    a rate of 1 in the group would not be detected, or the reference rate is 0 or
    1: the group is too small to tell.

    Examples
    --------
    >>> round(float(detectable_ratio(0.2, 300, 300)), 2)
    1.49
    >>> round(float(detectable_ratio(0.1, 20, 20)), 2)  # Fisher's test: exact power
    4.86
    """
    p_ref, n_group, n_ref = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (p_ref, n_group, n_ref))
    )
    lo = np.array(p_ref, dtype=float, copy=True)
    hi = np.ones_like(lo)
    usable = (p_ref > 0) & (p_ref < 1) & (n_group > 0) & (n_ref > 0)
    reach = power_two_proportions(hi, p_ref, n_group, n_ref, alpha=alpha) >= power
    for _ in range(45):  # bisection to about 1e-13
        mid = (lo + hi) / 2
        enough = power_two_proportions(mid, p_ref, n_group, n_ref, alpha=alpha) >= power
        hi = np.where(enough, mid, hi)
        lo = np.where(enough, lo, mid)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(usable & reach, hi / p_ref, np.nan)
    flat_out = out.reshape(-1)
    sizes = zip(
        p_ref.reshape(-1), np.round(n_group).reshape(-1), np.round(n_ref).reshape(-1), strict=True
    )
    for i, (p2, n1, n2) in enumerate(sizes):
        # exact where Fisher's test may be the one applied (few expected in a cell)
        fisher = min(n1, n2) * min(p2, 1 - p2) < FISHER_LIKELY
        if (
            usable.reshape(-1)[i]
            and fisher
            and n1 >= 1
            and n2 >= 1
            and (n1 + 1) * (n2 + 1) <= EXACT_LIMIT
        ):
            flat_out[i] = _exact_detectable(float(p2), int(n1), int(n2), alpha, power)
    return flat_out.reshape(out.shape)


@functools.lru_cache(maxsize=4096)
def _exact_detectable(p2: float, n1: int, n2: int, alpha: float, power: float) -> float:
    """The group's smallest rate above p2 with exact power ``power``, as a ratio to p2:
    three rounds of a grid of 64 candidate rates, each narrowing to the first
    candidate reaching the power (to about 1e-5 of 1 - p2). Remembered: cells of the
    same size against the same reference repeat (two thirds of the calls of a 1M-row
    audit with 10 intersections)."""
    from scipy import stats

    # the chance of rejecting given the group's count x1, whatever the group's rate
    # the reference count's probable values only (the rest has under 1e-16 a tail)
    first, last = reference_window(n2, p2)
    region = rejection_region(n1, n2, alpha, (first, last))
    given = region @ stats.binom.pmf(np.arange(first, last + 1), n2, p2)
    if given[-1] < power:  # a rate of 1 (all n1) is not detected often enough
        return math.nan
    x1 = np.arange(n1 + 1)
    lo, hi = p2, 1.0
    for _ in range(3):
        rates = np.linspace(lo, hi, 65)[1:]
        enough = stats.binom.pmf(x1[None, :], n1, rates[:, None]) @ given >= power
        first = int(np.argmax(enough)) if enough.any() else len(rates) - 1
        lo, hi = (rates[first - 1] if first else lo), rates[first]
    return hi / p2
