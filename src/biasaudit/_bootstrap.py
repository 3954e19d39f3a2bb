"""Bootstrap intervals for per-attribute summaries (largest ratio, largest difference).

The bootstrap resamples people, not table rows: each resample draws the whole
population again from a multinomial over every group x outcome cell of the
attribute (TP, FP, FN, TN and the two unknown-outcome cells), so it works the same
on records and on aggregated counts. It is seeded. Intervals are given two ways:
percentile, and BCa (bias-corrected and accelerated; the acceleration comes from the
jackknife, leaving out one person at a time, done cell by cell). Weighted counts
are resampled at Kish's effective sample size.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd

from ._aggregate import PARTITION, CountTable, partition_cells
from ._registry import MetricSpec
from ._spec import MISSING_GROUP, StatsOptions

_NORMAL = NormalDist()
SUMMARY_COLUMNS = [
    "attribute",
    "metric",
    "statistic",
    "group",
    "reference_group",
    "value",
    "ci_low",
    "ci_high",
    "percentile_low",
    "percentile_high",
    "note",
]


def _mask(names: Sequence[str]) -> np.ndarray:
    """0/1 vector over :data:`PARTITION` selecting the cells summed into ``names``."""
    cells = partition_cells(names)
    return np.array([1.0 if c in cells else 0.0 for c in PARTITION])


def group_rates(counts: np.ndarray, spec: MetricSpec) -> np.ndarray:
    """Rates of ``spec`` from cell counts shaped (..., groups, 6); NaN where undefined."""
    num = counts @ _mask(spec.numerator)
    den = counts @ _mask(spec.denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def largest_gaps(counts: np.ndarray, spec: MetricSpec, ref: int) -> tuple[np.ndarray, np.ndarray]:
    """Largest ratio and largest difference to group ``ref``, over the other groups."""
    rates = group_rates(counts, spec)
    ref_rate = rates[..., ref : ref + 1]
    others = np.delete(rates, ref, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slice: NaN statistic
        ratio = np.nanmax(np.where(ref_rate > 0, others / ref_rate, np.nan), axis=-1)
        diff = np.nanmax(others - ref_rate, axis=-1)
    return ratio, diff


def _intervals(
    boot: np.ndarray, estimate: float, jack: np.ndarray, weights: np.ndarray, confidence: float
) -> tuple[float, float, float, float, float]:
    """BCa and percentile limits, and the share of resamples that were undefined."""
    ok = boot[~np.isnan(boot)]
    undefined = 1 - len(ok) / len(boot)
    if len(ok) < 0.9 * len(boot) or np.isnan(estimate):
        return np.nan, np.nan, np.nan, np.nan, undefined
    alpha = 1 - confidence
    pct = np.quantile(ok, [alpha / 2, 1 - alpha / 2])
    below = (np.sum(ok < estimate) + 0.5 * np.sum(ok == estimate)) / len(ok)
    z0 = _NORMAL.inv_cdf(min(max(below, 1e-10), 1 - 1e-10))
    keep = ~np.isnan(jack) & (weights > 0)
    w, j = weights[keep], jack[keep]
    mean = np.sum(w * j) / np.sum(w)
    num, den = np.sum(w * (mean - j) ** 3), 6 * np.sum(w * (mean - j) ** 2) ** 1.5
    a = num / den if den > 0 else 0.0
    adjusted = [
        _NORMAL.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))
        for z in (_NORMAL.inv_cdf(alpha / 2), _NORMAL.inv_cdf(1 - alpha / 2))
    ]
    bca = np.quantile(ok, np.clip(adjusted, 0, 1))
    return float(bca[0]), float(bca[1]), float(pct[0]), float(pct[1]), undefined


def attribute_summaries(
    table: pd.DataFrame,
    counts: CountTable,
    specs: Sequence[MetricSpec],
    options: StatsOptions,
) -> pd.DataFrame:
    """Largest ratio and largest difference to the reference group, per attribute and
    metric, with bootstrap intervals.

    Only metrics that are proportions of each group's people and defined for every
    group are summarised; ``(missing)`` is not a group here.
    """
    rng = np.random.default_rng(options.seed)
    rows = []
    c = counts.table
    by_metric = {
        key: part.set_index("group")
        for key, part in table[table["group"] != MISSING_GROUP].groupby(
            ["attribute", "metric"], sort=False
        )
    }
    for attr in counts.attributes():
        part = c[(c["attribute"] == attr) & (c["group"] != MISSING_GROUP)].reset_index(drop=True)
        if len(part) < 2:
            continue
        cells = part[list(PARTITION)].to_numpy(float)
        if counts.squares is not None:  # resample at Kish's effective size, group by group
            sq = counts.squares
            n_sq = sq.loc[(sq["attribute"] == attr) & (sq["group"] != MISSING_GROUP), "n"]
            n, n_sq = part["n"].to_numpy(float), n_sq.to_numpy(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(n_sq > 0, n / n_sq, 0.0)  # n_eff / n = n / sum(w^2)
            cells = cells * scale[:, None]
        total = cells.sum()
        if total <= 0:
            continue
        draws = rng.multinomial(
            int(round(total)), (cells / total).ravel(), size=options.bootstrap_samples
        )
        draws = draws.reshape(options.bootstrap_samples, *cells.shape).astype(float)
        # jackknife: one person fewer in each cell, in turn
        flat = cells.ravel()
        jack_counts = np.repeat(cells[None], flat.size, axis=0)
        jack_counts.reshape(flat.size, -1)[np.arange(flat.size), np.arange(flat.size)] -= 1
        groups = part["group"].tolist()
        for spec in specs:
            if not spec.comparable:
                continue
            rows_m = by_metric.get((attr, spec.name))
            if rows_m is None:
                continue
            ref_group = rows_m["reference_group"].dropna()
            if ref_group.empty or rows_m["value"].isna().any():
                continue
            ref = groups.index(ref_group.iloc[0])
            est_ratio, est_diff = largest_gaps(cells, spec, ref)
            boot_ratio, boot_diff = largest_gaps(draws, spec, ref)
            jack_ratio, jack_diff = largest_gaps(jack_counts, spec, ref)
            rates = group_rates(cells, spec)
            others = [g for i, g in enumerate(groups) if i != ref]
            other_rates = np.delete(rates, ref)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratios = other_rates / rates[ref]
            for stat, point, boot, jack, argmax in (
                ("largest_ratio", est_ratio, boot_ratio, jack_ratio, ratios),
                ("largest_difference", est_diff, boot_diff, jack_diff, other_rates - rates[ref]),
            ):
                est = float(point)
                lo, hi, plo, phi, undefined = _intervals(boot, est, jack, flat, options.confidence)
                note = ""
                if undefined:
                    note = f"{undefined:.1%} of resamples undefined (a reference rate of 0)"
                top = others[int(np.nanargmax(argmax))] if np.isfinite(argmax).any() else None
                rows.append(
                    {
                        "attribute": attr,
                        "metric": spec.name,
                        "statistic": stat,
                        "group": top,
                        "reference_group": groups[ref],
                        "value": est,
                        "ci_low": lo,
                        "ci_high": hi,
                        "percentile_low": plo,
                        "percentile_high": phi,
                        "note": note,
                    }
                )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
