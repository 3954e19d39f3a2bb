"""Comparison intervals, tests, adjusted p-values and power for the results table.

Each group is compared with its attribute's reference group, metric by metric, on
that metric's own numerator and denominator (the false positive rate compares FP
among the innocent, the false discovery rate FP among the flagged). Only metrics that
are proportions of the group's own people are compared this way; population and
flagged shares are not (they are shares of one whole and not independent).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..spec import MetricSpec, StatsOptions
from ._stats import (
    adjust_pvalues,
    detectable_ratio,
    difference_interval,
    ratio_interval,
    two_proportion_test,
)


def add_inference(
    out: pd.DataFrame, specs: Sequence[MetricSpec], options: StatsOptions
) -> pd.DataFrame:
    """Fill the comparison interval, test, p-value and power columns.

    ``out`` carries the effective counts of each row (``_k``, ``_n``) and of its
    reference row (``_rk``, ``_rn``); they are dropped from the result.
    """
    out = out.copy()
    k, n = out["_k"].to_numpy(float), out["_n"].to_numpy(float)
    rk, rn = out["_rk"].to_numpy(float), out["_rn"].to_numpy(float)
    value, ref = out["value"].to_numpy(float), out["reference_value"].to_numpy(float)
    compared = (
        ~np.isnan(k)
        & ~np.isnan(rk)
        & ~np.isnan(value)
        & ~np.isnan(ref)
        & (out["group"] != out["reference_group"]).to_numpy()
        & (n > 0)
        & (rn > 0)
    )
    level = options.confidence

    def only(x: np.ndarray) -> np.ndarray:
        return np.where(compared, x, np.nan)

    r_lo, r_hi = ratio_interval(k, n, rk, rn, confidence=level)
    d_lo, d_hi = difference_interval(k, n, rk, rn, confidence=level)
    out["ratio_ci_low"], out["ratio_ci_high"] = only(r_lo), only(r_hi)
    out["difference_ci_low"], out["difference_ci_high"] = only(d_lo), only(d_hi)
    p = np.full(len(out), np.nan)
    test = np.full(len(out), "", dtype=object)
    idx = np.flatnonzero(compared)
    if len(idx):
        p[idx], test[idx] = two_proportion_test(k[idx], n[idx], rk[idx], rn[idx])
    out["p_value"], out["test"] = p, test
    out["p_adjusted"] = _adjust_family(out, specs, options)
    out["detectable_ratio"] = only(
        detectable_ratio(ref, n, rn, alpha=1 - level) if len(out) else np.array([])
    )
    out["suppressed"] = False
    return out.drop(columns=["_k", "_n", "_rk", "_rn"])


def _adjust_family(
    out: pd.DataFrame, specs: Sequence[MetricSpec], options: StatsOptions
) -> np.ndarray:
    """Adjust across every distinct test of the audit.

    Metrics that are complements of each other (false positive and true negative rate,
    precision and false discovery rate, ...) are the same test and count once.
    """
    signature = {s.name: s.test_signature for s in specs}
    tested = out[out["p_value"].notna()]
    if tested.empty:
        return np.full(len(out), np.nan)
    keys = list(
        zip(
            tested["attribute"],
            tested["group"],
            tested["reference_group"],
            tested["metric"].map(signature),
            strict=True,
        )
    )
    family = pd.DataFrame({"key": keys, "p": tested["p_value"].to_numpy()}, index=tested.index)
    distinct = family.drop_duplicates("key")
    adjusted = pd.Series(
        adjust_pvalues(distinct["p"].to_numpy(), method=options.correction),  # type: ignore[arg-type]
        index=distinct["key"].to_numpy(),
    )
    result = np.full(len(out), np.nan)
    result[out.index.get_indexer(tested.index)] = family["key"].map(adjusted).to_numpy()
    return result
