"""Score distributions, deciles, AUC and calibration by group, read off the score cube.

Every function here works on :class:`._scores.ScoreCube` counts, never on rows, and
returns a tidy table with the same columns every time. Conventions:

* Means and standard deviations are exact (the pass adds up scores and their squares);
  the mean's interval is Student's t.
* Quantiles are read off the histogram: exact (inverted CDF) when the score has few
  distinct values, interpolated within a bin otherwise. A quantile's interval is the
  distribution-free one from order statistics: ranks ``l`` and ``u`` from the
  binomial(n, p) distribution so that ``P(X(l) <= Q(p) < X(u)) >= confidence``.
* Comparisons with the reference group: two-sample Kolmogorov-Smirnov (the largest
  gap between the two cumulative distributions, asymptotic p-value as scipy's
  ``method="asymp"``) and Mann-Whitney U (tie-corrected normal approximation with
  continuity correction, as scipy's ``method="asymptotic"``), reported as
  ``prob_higher``, the chance that a member of the group scores higher than a member of
  the reference group (ties count half). P-values are adjusted across the table.
  Both assume independent samples; exact for discrete scores, for binned scores the
  ties within a bin make them slightly conservative.
* Deciles are the score deciles of everyone: decile ``k`` holds the scores above the
  ``(k-1)``-th and at most the ``k``-th tenth (inverted CDF), so with tied scores a
  decile may hold more or less than 10%; the tables say how much.
* AUC per group among people with a known outcome (ties count half), with DeLong's
  variance, computed per bin (every member of a bin has the same placement value).
* Calibration: observed outcome rate per score bin and group with Wilson intervals; the
  calibration gap of a group is its outcome rate minus the reference group's at the same
  score, averaged over the bins with the group's people as weights.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from ..counts import OVERALL, ScoreCube, order_statistic
from ..spec import MISSING_GROUP, StatsOptions
from ._stats import IntervalMethod, adjust_pvalues, proportion_interval

DISTRIBUTION_COLUMNS = [
    "attribute",
    "group",
    "reference_group",
    "people",
    "mean",
    "mean_ci_low",
    "mean_ci_high",
    "sd",
    "q10",
    "q25",
    "median",
    "median_ci_low",
    "median_ci_high",
    "q75",
    "q90",
    "ks_statistic",
    "ks_p_value",
    "ks_p_adjusted",
    "prob_higher",
    "mw_p_value",
    "mw_p_adjusted",
    "suppressed",
    "note",
]
DECILE_COLUMNS = [
    "attribute",
    "group",
    "decile",
    "score_low",
    "score_high",
    "people",
    "group_share",
    "overall_share",
    "composition",
    "suppressed",
]
EXCESS_COLUMNS = [
    "attribute",
    "group",
    "cut",
    "threshold",
    "people",
    "above",
    "share",
    "share_ci_low",
    "share_ci_high",
    "overall_share",
    "excess",
    "excess_ci_low",
    "excess_ci_high",
    "p_value",
    "p_adjusted",
    "suppressed",
]
AUC_COLUMNS = [
    "attribute",
    "group",
    "reference_group",
    "positives",
    "negatives",
    "auc",
    "auc_ci_low",
    "auc_ci_high",
    "difference",
    "difference_ci_low",
    "difference_ci_high",
    "p_value",
    "p_adjusted",
    "suppressed",
    "note",
]
CALIBRATION_COLUMNS = [
    "attribute",
    "group",
    "bin",
    "score_low",
    "score_high",
    "people",
    "positives",
    "mean_score",
    "observed",
    "observed_ci_low",
    "observed_ci_high",
    "suppressed",
]
CALIBRATION_GAP_COLUMNS = [
    "attribute",
    "group",
    "reference_group",
    "bins_compared",
    "people",
    "gap",
    "gap_ci_low",
    "gap_ci_high",
    "p_value",
    "p_adjusted",
    "calibration_error",
    "suppressed",
    "note",
]


@dataclass(frozen=True)
class Histograms:
    """People per group (rows) and score bin (columns) of one attribute.

    ``low`` / ``high`` are every bin's score range; ``score_sum`` / ``score_sq_sum``
    per group. Groups are in the audit's order ("(missing)" last).
    """

    groups: list[str]
    counts: np.ndarray
    low: np.ndarray
    high: np.ndarray
    score_sum: np.ndarray
    score_sq_sum: np.ndarray
    exact: bool

    @property
    def people(self) -> np.ndarray:
        """People per group."""
        return self.counts.sum(axis=1)


def histograms(cube: ScoreCube, attribute: str, *, outcome: int | str | None = None) -> Histograms:
    """The cube's people of ``attribute`` (or :data:`OVERALL`) by group and bin.

    ``outcome`` keeps only people with that outcome (1, 0 or -1 unknown), or with a
    known one (``"known"``). Every bin of the cube gets a column.
    """
    bins = cube.table[["bin", "low", "high"]].drop_duplicates("bin").sort_values("bin")
    nbins = len(bins)
    sub = cube.groups(attribute, by=("outcome",))
    if outcome == "known":
        sub = sub[sub["outcome"] >= 0]
    elif outcome is not None:
        sub = sub[sub["outcome"] == outcome]
    # every group of the attribute gets a row, even one with nobody in the subset
    every = ["(all)"] if attribute == OVERALL else cube.table[attribute].unique()
    groups = sorted(set(every), key=lambda g: (g == MISSING_GROUP, str(g)))
    index = {g: i for i, g in enumerate(groups)}
    counts = np.zeros((len(groups), nbins))
    rows = sub["group"].map(index).to_numpy(dtype=int)
    np.add.at(counts, (rows, sub["bin"].to_numpy(dtype=int)), sub["rows"].to_numpy(dtype=float))
    sums = np.zeros(len(groups))
    squares = np.zeros(len(groups))
    np.add.at(sums, rows, sub["score_sum"].to_numpy(dtype=float))
    np.add.at(squares, rows, sub["score_sq_sum"].to_numpy(dtype=float))
    return Histograms(
        groups,
        counts,
        bins["low"].to_numpy(dtype=float),
        bins["high"].to_numpy(dtype=float),
        sums,
        squares,
        cube.exact,
    )


def quantile_interval(
    count: np.ndarray, low: np.ndarray, high: np.ndarray, p: float, exact: bool, confidence: float
) -> tuple[float, float]:
    """Distribution-free interval of the ``p``-quantile from order statistics.

    Ranks ``l = F^-1(alpha/2)`` and ``u = F^-1(1 - alpha/2) + 1`` of the binomial(n, p)
    distribution F; an end beyond the data (small n) is NaN.
    """
    from scipy import stats

    n = int(round(count.sum()))
    if n == 0:
        return math.nan, math.nan
    alpha = 1 - confidence
    lo_rank = int(stats.binom.ppf(alpha / 2, n, p))
    hi_rank = int(stats.binom.ppf(1 - alpha / 2, n, p)) + 1
    lo = order_statistic(count, low, high, lo_rank, exact) if lo_rank >= 1 else math.nan
    hi = order_statistic(count, low, high, hi_rank, exact) if hi_rank <= n else math.nan
    return lo, hi


def ks_test(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic and asymptotic p-value from two histograms.

    Examples
    --------
    >>> d, p = ks_test(np.array([5.0, 5, 0]), np.array([0.0, 5, 5]))
    >>> d
    0.5
    >>> ks_test(np.array([1.0, 0]), np.array([0.0, 1]))  # one person each: p = 1 exactly
    (1.0, 1.0)
    """
    from scipy import stats

    n, m = a.sum(), b.sum()
    if n == 0 or m == 0:
        return math.nan, math.nan
    d = float(np.max(np.abs(np.cumsum(a) / n - np.cumsum(b) / m)))
    en = n * m / (n + m)
    if np.round(en) < 1:  # one person against one: D is 1 (or 0 for a tie) whatever
        return d, 1.0  # the truth, so p = 1 exactly (the asymptotic form has n = 0)
    return d, float(stats.kstwo.sf(d, np.round(en)))


def mann_whitney(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """P(a member of ``a`` scores above one of ``b``, ties half) and the two-sided p-value.

    The U statistic of ``a`` with the tie-corrected normal approximation and a continuity
    correction (scipy's ``mannwhitneyu(method="asymptotic")``).

    Examples
    --------
    >>> prob, p = mann_whitney(np.array([0.0, 1, 1]), np.array([1.0, 1, 0]))
    >>> prob  # (1 * (1 + 0.5) + 1 * 2) / (2 * 2): a tie counts half
    0.875
    """
    from scipy import stats

    n, m = a.sum(), b.sum()
    if n == 0 or m == 0:
        return math.nan, math.nan
    below = np.cumsum(b) - b
    u = float(np.sum(a * (below + 0.5 * b)))
    total = a + b
    big_n = n + m
    ties = float(np.sum(total**3 - total))
    var = n * m / 12 * ((big_n + 1) - ties / (big_n * (big_n - 1)))
    prob = float(u / (n * m))
    if var <= 0:
        return prob, math.nan
    z = (abs(u - n * m / 2) - 0.5) / math.sqrt(var)
    return prob, float(min(1.0, 2 * stats.norm.sf(z)))


def auc_delong(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
    """AUC of one histogram of positives against one of negatives, and DeLong's variance.

    Examples
    --------
    >>> auc, var = auc_delong(np.array([0.0, 2, 2]), np.array([2.0, 2, 0]))
    >>> auc  # (2 * (2 + 1) + 2 * 4) / 16: ties count half
    0.875
    """
    n1, n0 = pos.sum(), neg.sum()
    if n1 == 0 or n0 == 0:
        return math.nan, math.nan
    v10 = (np.cumsum(neg) - neg + 0.5 * neg) / n0  # placement of each positive bin
    above = pos[::-1].cumsum()[::-1] - pos
    v01 = (above + 0.5 * pos) / n1  # placement of each negative bin
    auc = float(np.sum(pos * v10) / n1)
    s10 = np.sum(pos * (v10 - auc) ** 2) / (n1 - 1) if n1 > 1 else math.nan
    s01 = np.sum(neg * (v01 - auc) ** 2) / (n0 - 1) if n0 > 1 else math.nan
    return auc, float(s10 / n1 + s01 / n0)


def _adjust(p: Sequence[float], method: str) -> np.ndarray:
    return adjust_pvalues(np.asarray(p, dtype=float), method=method)  # type: ignore[arg-type]


def _t(confidence: float, dof: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + confidence / 2, dof)) if dof > 0 else math.nan


def _z(confidence: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(0.5 + confidence / 2))


def distribution_table(
    cube: ScoreCube, references: Mapping[str, str], options: StatsOptions
) -> pd.DataFrame:
    """Mean, quantiles and comparisons with the reference group, per group.

    Groups with fewer than ``2 * min_cell`` people are suppressed (their quantiles
    would show individual scores).
    """
    rows = []
    for attr in (OVERALL, *cube.attributes):
        h = histograms(cube, attr)
        ref = references.get(attr) if attr != OVERALL else None
        ref_counts = h.counts[h.groups.index(ref)] if ref in h.groups else None
        for i, group in enumerate(h.groups):
            c, n = h.counts[i], h.counts[i].sum()
            mean = h.score_sum[i] / n if n else math.nan
            var = (h.score_sq_sum[i] - n * mean**2) / (n - 1) if n > 1 else math.nan
            sd = math.sqrt(max(var, 0.0)) if n > 1 else math.nan
            half = _t(options.confidence, n - 1) * sd / math.sqrt(n) if n > 1 else math.nan
            q = {
                name: order_statistic(c, h.low, h.high, p * n, h.exact)
                for name, p in (("q10", 0.1), ("q25", 0.25), ("median", 0.5), ("q75", 0.75))
            }
            q["q90"] = order_statistic(c, h.low, h.high, 0.9 * n, h.exact)
            mlo, mhi = quantile_interval(c, h.low, h.high, 0.5, h.exact, options.confidence)
            d = pk = prob = pm = math.nan
            if ref_counts is not None and group != ref:
                d, pk = ks_test(c, ref_counts)
                prob, pm = mann_whitney(c, ref_counts)
            rows.append(
                {
                    "attribute": attr,
                    "group": group,
                    "reference_group": ref or "",
                    "people": int(n),
                    "mean": mean,
                    "mean_ci_low": mean - half,
                    "mean_ci_high": mean + half,
                    "sd": sd,
                    **q,
                    "median_ci_low": mlo,
                    "median_ci_high": mhi,
                    "ks_statistic": d,
                    "ks_p_value": pk,
                    "prob_higher": prob,
                    "mw_p_value": pm,
                    "suppressed": False,
                    "note": "reference group" if group == ref else "",
                }
            )
    out = pd.DataFrame(rows)
    out["ks_p_adjusted"] = _adjust(out["ks_p_value"], options.correction)
    out["mw_p_adjusted"] = _adjust(out["mw_p_value"], options.correction)
    return out[DISTRIBUTION_COLUMNS]


def decile_edges(everyone: Histograms, top: float | None = None) -> np.ndarray:
    """Decile (1-10) of every bin: 1 + the number of tenths whose quantile lies below it.

    ``top``, the exact top-10% cut-off of a continuous score, decides the top decile.
    """
    c = everyone.counts[0]
    n = c.sum()
    cut = [order_statistic(c, everyone.low, everyone.high, k / 10 * n, True) for k in range(1, 10)]
    # a bin belongs to the decile of its lowest score (its whole range when binned)
    lows = everyone.low if everyone.exact else (everyone.low + everyone.high) / 2
    decile = 1 + np.sum(lows[:, None] > np.asarray(cut)[None, :], axis=1)
    if top is not None and math.isfinite(top):
        decile = np.where(everyone.low >= top, 10, np.minimum(decile, 9))
    return decile


def decile_table(cube: ScoreCube) -> pd.DataFrame:
    """Each group's people per score decile of everyone, and each decile's make-up."""
    everyone = histograms(cube, OVERALL)
    decile = decile_edges(everyone, cube.top_decile)
    total = everyone.counts[0]
    total_n = total.sum()
    rows = []
    for attr in cube.attributes:
        h = histograms(cube, attr)
        for d in range(1, 11):
            inside = decile == d
            if not inside.any():
                continue
            d_total = total[inside].sum()
            for i, group in enumerate(h.groups):
                people = h.counts[i, inside].sum()
                n = h.counts[i].sum()
                rows.append(
                    {
                        "attribute": attr,
                        "group": group,
                        "decile": d,
                        "score_low": float(everyone.low[inside].min()),
                        "score_high": float(everyone.high[inside].max()),
                        "people": int(people),
                        "group_share": people / n if n else math.nan,
                        "overall_share": d_total / total_n,
                        "composition": people / d_total if d_total else math.nan,
                        "suppressed": False,
                    }
                )
    return pd.DataFrame(rows, columns=DECILE_COLUMNS)


def top_decile_threshold(cube: ScoreCube) -> float:
    """The lowest score in the top decile of everyone.

    Exact for both kinds of score: a continuous score's top-10% cut-off was found
    before the pass (and its bins split there); an exact score's is read off its values.
    """
    if cube.top_decile is not None and math.isfinite(cube.top_decile):
        return float(cube.top_decile)
    everyone = histograms(cube, OVERALL)
    decile = decile_edges(everyone, cube.top_decile)
    top = decile == decile.max()
    return float(everyone.low[top].min())


def excess_table(
    cube: ScoreCube, cuts: Sequence[tuple[str, float]], options: StatsOptions
) -> pd.DataFrame:
    """Each group's share with a score at or above each cut, minus everyone's share.

    ``cuts`` are ``(label, threshold)``; a threshold must be a bin's ``low`` (a named
    cut-off or the top decile), so the counts are exact. The interval is the group
    share's Wilson interval shifted by everyone's share (fixed by the cut's definition);
    the p-value is the binomial test of the group's count at everyone's share.
    """
    from scipy import stats

    everyone = histograms(cube, OVERALL)
    rows = []
    for label, threshold in cuts:
        above_bin = everyone.low >= threshold - 1e-12 * max(1.0, abs(threshold))
        overall = everyone.counts[0, above_bin].sum() / everyone.counts[0].sum()
        for attr in cube.attributes:
            h = histograms(cube, attr)
            for i, group in enumerate(h.groups):
                n = h.counts[i].sum()
                k = h.counts[i, above_bin].sum()
                lo, hi = proportion_interval(
                    k,
                    n,
                    method=cast(IntervalMethod, options.interval),
                    confidence=options.confidence,
                )
                p = (
                    stats.binomtest(int(k), int(n), overall).pvalue
                    if n and 0 < overall < 1
                    else math.nan
                )
                share = k / n if n else math.nan
                rows.append(
                    {
                        "attribute": attr,
                        "group": group,
                        "cut": label,
                        "threshold": float(threshold),
                        "people": int(n),
                        "above": int(k),
                        "share": share,
                        "share_ci_low": float(lo),
                        "share_ci_high": float(hi),
                        "overall_share": overall,
                        "excess": share - overall,
                        "excess_ci_low": float(lo) - overall,
                        "excess_ci_high": float(hi) - overall,
                        "p_value": p,
                        "suppressed": False,
                    }
                )
    out = pd.DataFrame(rows)
    out["p_adjusted"] = _adjust(out["p_value"], options.correction)
    return out[EXCESS_COLUMNS]


def auc_table(
    cube: ScoreCube, references: Mapping[str, str], options: StatsOptions
) -> pd.DataFrame:
    """AUC per group among people with a known outcome, and its difference to the reference."""
    from scipy import stats

    z = _z(options.confidence)
    rows = []
    for attr in (OVERALL, *cube.attributes):
        pos = histograms(cube, attr, outcome=1)
        neg = histograms(cube, attr, outcome=0)
        ref = references.get(attr) if attr != OVERALL else None
        fits = {
            g: auc_delong(pos.counts[pos.groups.index(g)], neg.counts[neg.groups.index(g)])
            for g in pos.groups
        }
        for g in pos.groups:
            auc, var = fits[g]
            half = z * math.sqrt(var) if var == var else math.nan
            diff = lo_d = hi_d = p = math.nan
            if ref in fits and g != ref:
                ref_auc, ref_var = fits[ref]
                diff = auc - ref_auc
                se = math.sqrt(var + ref_var) if var == var and ref_var == ref_var else math.nan
                lo_d, hi_d = diff - z * se, diff + z * se
                p = float(2 * stats.norm.sf(abs(diff) / se)) if se > 0 else math.nan
            positives = int(pos.counts[pos.groups.index(g)].sum())
            negatives = int(neg.counts[neg.groups.index(g)].sum())
            note = "reference group" if g == ref else ""
            if not (positives and negatives):
                note = "needs people with both outcomes"
            rows.append(
                {
                    "attribute": attr,
                    "group": g,
                    "reference_group": ref or "",
                    "positives": positives,
                    "negatives": negatives,
                    "auc": auc,
                    "auc_ci_low": max(0.0, auc - half) if half == half else math.nan,
                    "auc_ci_high": min(1.0, auc + half) if half == half else math.nan,
                    "difference": diff,
                    "difference_ci_low": lo_d,
                    "difference_ci_high": hi_d,
                    "p_value": p,
                    "suppressed": False,
                    "note": note,
                }
            )
    out = pd.DataFrame(rows)
    out["p_adjusted"] = _adjust(out["p_value"], options.correction)
    return out[AUC_COLUMNS]


def calibration_bins(cube: ScoreCube, bins: int) -> np.ndarray:
    """Calibration bin (1..bins) of every score bin: quantiles of the labelled people's scores."""
    everyone = histograms(cube, OVERALL, outcome="known")
    c = everyone.counts[0]
    n = c.sum()
    if n == 0:
        return np.ones(len(everyone.low), dtype=int)
    cum_before = (np.cumsum(c) - c) / n  # share of the labelled below each bin
    return 1 + np.minimum((cum_before * bins + 1e-9).astype(int), bins - 1)


def calibration_table(cube: ScoreCube, bins: int, options: StatsOptions) -> pd.DataFrame:
    """Observed outcome rate per calibration bin and group (people with a known outcome)."""
    which = calibration_bins(cube, bins)
    rows = []
    for attr in (OVERALL, *cube.attributes):
        pos = histograms(cube, attr, outcome=1)
        neg = histograms(cube, attr, outcome=0)
        sums = cube.groups(attr, by=("outcome",))
        sums = sums[sums["outcome"] >= 0]
        bin_of = dict(zip(range(len(which)), which, strict=True))
        sums = sums.assign(cal=sums["bin"].map(bin_of))
        score_sum = sums.groupby(["group", "cal"])["score_sum"].sum()
        for i, group in enumerate(pos.groups):
            for b in range(1, bins + 1):
                inside = which == b
                if not inside.any():
                    continue
                k = pos.counts[i, inside].sum()
                n = k + neg.counts[i, inside].sum()
                lo, hi = proportion_interval(
                    k,
                    n,
                    method=cast(IntervalMethod, options.interval),
                    confidence=options.confidence,
                )
                rows.append(
                    {
                        "attribute": attr,
                        "group": group,
                        "bin": b,
                        "score_low": float(pos.low[inside].min()),
                        "score_high": float(pos.high[inside].max()),
                        "people": int(n),
                        "positives": int(k),
                        "mean_score": score_sum.get((group, b), math.nan) / n if n else math.nan,
                        "observed": k / n if n else math.nan,
                        "observed_ci_low": float(lo),
                        "observed_ci_high": float(hi),
                        "suppressed": False,
                    }
                )
    return pd.DataFrame(rows, columns=CALIBRATION_COLUMNS)


def calibration_gap_table(
    calibration: pd.DataFrame,
    references: Mapping[str, str],
    options: StatsOptions,
    *,
    probability: bool,
) -> pd.DataFrame:
    """Each group's outcome rate minus the reference group's at the same score.

    The gap averages the per-bin differences over bins where both groups have people,
    weighted by the group's people; its variance adds the binomial variances
    ``p (1 - p) / n`` of both rates in every bin. A negative gap: at the same score,
    fewer of the group had the outcome than of the reference group (the score rates
    the group as riskier than it turned out). ``calibration_error`` (only for scores
    that are probabilities) is the people-weighted mean of |observed - mean score|.
    """
    from scipy import stats

    z = _z(options.confidence)
    rows = []
    for attr, part in calibration.groupby("attribute", sort=False):
        ref = references.get(str(attr)) if attr != OVERALL else None
        by_group = {g: t.set_index("bin") for g, t in part.groupby("group", sort=False)}
        for g, t in by_group.items():
            error = math.nan
            filled = t[t["people"] > 0]
            if probability and len(filled):
                error = float(
                    np.sum(filled["people"] * np.abs(filled["observed"] - filled["mean_score"]))
                    / filled["people"].sum()
                )
            gap = lo = hi = p = math.nan
            compared = 0
            if ref in by_group and g != ref:
                r = by_group[ref]
                both = t.index[(t["people"] > 0) & (r.reindex(t.index)["people"] > 0)]
                compared = len(both)
                if compared:
                    w = t.loc[both, "people"].to_numpy(dtype=float)
                    pg, ng = t.loc[both, "observed"].to_numpy(), w
                    pr = r.loc[both, "observed"].to_numpy()
                    nr = r.loc[both, "people"].to_numpy(dtype=float)
                    gap = float(np.sum(w * (pg - pr)) / w.sum())
                    var = float(
                        np.sum(w**2 * (pg * (1 - pg) / ng + pr * (1 - pr) / nr)) / w.sum() ** 2
                    )
                    se = math.sqrt(var)
                    lo, hi = gap - z * se, gap + z * se
                    p = float(2 * stats.norm.sf(abs(gap) / se)) if se > 0 else math.nan
            note = "reference group" if g == ref else ""
            rows.append(
                {
                    "attribute": attr,
                    "group": g,
                    "reference_group": ref or "",
                    "bins_compared": compared,
                    "people": int(t["people"].sum()),
                    "gap": gap,
                    "gap_ci_low": lo,
                    "gap_ci_high": hi,
                    "p_value": p,
                    "calibration_error": error,
                    "suppressed": False,
                    "note": note,
                }
            )
    out = pd.DataFrame(rows, columns=[c for c in CALIBRATION_GAP_COLUMNS if c != "p_adjusted"])
    out["p_adjusted"] = _adjust(out["p_value"], options.correction)
    return out[CALIBRATION_GAP_COLUMNS]


QUANTILE_COLUMNS = [
    "attribute",
    "group",
    "quantile",
    "value",
    "ci_low",
    "ci_high",
    "people",
    "suppressed",
]


def quantile_table(
    cube: ScoreCube, options: StatsOptions, probs: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9)
) -> pd.DataFrame:
    """Score quantiles per group with distribution-free (order-statistic) intervals."""
    rows = []
    for attr in (OVERALL, *cube.attributes):
        h = histograms(cube, attr)
        for i, group in enumerate(h.groups):
            c = h.counts[i]
            n = c.sum()
            for p in probs:
                lo, hi = quantile_interval(c, h.low, h.high, p, h.exact, options.confidence)
                rows.append(
                    {
                        "attribute": attr,
                        "group": group,
                        "quantile": p,
                        "value": order_statistic(c, h.low, h.high, p * n, h.exact),
                        "ci_low": lo,
                        "ci_high": hi,
                        "people": int(n),
                        "suppressed": False,
                    }
                )
    return pd.DataFrame(rows, columns=QUANTILE_COLUMNS)
