"""Threshold sweep and what-if thresholds, from the score cube.

The sweep re-flags the cube's score bins at each threshold (``score >= threshold``) and
runs the very same count table, metrics, intervals, tests and disclosure control as a
plain audit, so a sweep row at a threshold is the plain audit's row at that threshold.
Thresholds are bin edges: exact for a score with few distinct values and at every
cut-off named before the pass (the audit's own, the swept score values); a top-k or
top-fraction point on a continuous score is resolved to the bin edge that flags at
least that many, and each row says how many were flagged.

The what-if table shows, per group, the threshold at which the group's rate would come
closest to everyone's rate at the common threshold. It is analysis of how unequal the
score is, not a recommendation to use group-specific thresholds (which would itself
treat people differently by a protected attribute).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._exceptions import UndefinedRateWarning
from ..counts import OVERALL, ScoreCube, count_table
from ..disclosure import mark_results
from ..metrics import TABLE_COLUMNS, compute_metrics, default_metrics
from ..spec import HARM_METRICS, AuditSpec, ScoreOptions
from ..stats import decile_edges, histograms

#: Columns in front of the results-table columns in :func:`sweep_table`.
SWEEP_KEYS = ["sweep", "point", "threshold", "flagged_people", "flagged_share"]
WHAT_IF_COLUMNS = [
    "attribute",
    "group",
    "metric",
    "target",
    "common_threshold",
    "rate_at_common",
    "threshold_needed",
    "rate_at_needed",
    "people",
    "flagged_at_common",
    "flagged_at_needed",
    "suppressed",
    "note",
]


def sweep_thresholds(
    cube: ScoreCube, options: ScoreOptions, *, include: float | None = None
) -> list[tuple[str, float, float]]:
    """``(kind, point, threshold)`` of every sweep point, plus the audit's own cut-off.

    A threshold of ``inf`` flags nobody.
    """
    everyone = histograms(cube, OVERALL)
    c, low = everyone.counts[0], everyone.low
    n = c.sum()
    kind = options.sweep
    points = options.resolved_points()
    if kind == "score" and not points:  # the score's deciles
        decile = decile_edges(everyone, cube.top_decile)
        points = tuple(float(low[decile == d].min()) for d in sorted(set(decile))[1:])
    out: list[tuple[str, float, float]] = []
    for p in points:
        if kind == "score":
            threshold = _at_or_above(low, p)
        else:
            k = p if kind == "top_k" else math.floor(p * n + 1e-9)
            threshold = _flagging_at_least(low, c, k)
        out.append((kind, float(p), threshold))
    if include is not None:
        at = _at_or_above(low, include)
        if all(t != at for _, _, t in out):
            out.append(("audit", include, at))
    return sorted(out, key=lambda x: -x[2])


def _flagging_at_least(low: np.ndarray, counts: np.ndarray, k: float) -> float:
    """The highest bin edge that flags at least ``k`` people (``inf``: nobody, k < 1)."""
    at_or_above = counts[::-1].cumsum()[::-1]
    ok = np.flatnonzero(at_or_above >= k) if k >= 1 else np.array([], dtype=int)
    return float(low[ok.max()]) if len(ok) else math.inf


def threshold_flagging(cube: ScoreCube, k: float) -> float:
    """The highest bin edge that flags at least ``k`` people (the lowest edge if none does)."""
    everyone = histograms(cube, OVERALL)
    edge = _flagging_at_least(everyone.low, everyone.counts[0], max(k, 1))
    return edge if math.isfinite(edge) else float(everyone.low.min())


def _at_or_above(low: np.ndarray, value: float) -> float:
    """The lowest bin edge at or above ``value`` (flags the same people as ``value``)."""
    ok = low[low >= value - 1e-12 * max(1.0, abs(value))]
    return float(ok.min()) if len(ok) else math.inf


def cells_at(cube: ScoreCube, threshold: float, spec: AuditSpec) -> pd.DataFrame:
    """The plain audit's base cells had ``flagged = score >= threshold``."""
    t = cube.table
    flagged = (t["low"] >= threshold).astype(int)
    # without an investigated column the flagged are the investigated, as in an audit
    investigated = t["investigated"] if spec.roles.investigated is not None else flagged
    cells = t[list(cube.attributes)].assign(
        flagged=flagged.to_numpy(),
        investigated=investigated.to_numpy(),
        outcome=t["outcome"].to_numpy(),
        rows=t["rows"].to_numpy(),
        w=t["w"].to_numpy(),
        w2=t["w2"].to_numpy(),
    )
    keys = [*cube.attributes, "flagged", "investigated", "outcome"]
    return cells.groupby(keys, observed=True)[["rows", "w", "w2"]].sum().reset_index()


def sweep_table(
    cube: ScoreCube,
    spec: AuditSpec,
    *,
    metrics: Sequence[str] | None,
    include: float | None = None,
) -> pd.DataFrame:
    """Every metric at every sweep point: the plain audit's table, point by point.

    Attributes only (no intersections), to keep the table readable. Undefined rates at
    extreme thresholds are NaN with a note on the row, not one warning per point.
    """
    parts = []
    weighted = spec.roles.weight is not None
    for kind, point, threshold in sweep_thresholds(cube, spec.scores, include=include):
        counts = count_table(
            cells_at(cube, threshold, spec), spec.attributes, (), weighted=weighted
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedRateWarning)
            table, _ = compute_metrics(
                counts,
                # rates only: a harm count at every threshold is not what a sweep shows
                metrics=[m for m in metrics or default_metrics(counts) if m not in HARM_METRICS],
                reference=spec.reference,
                options=spec.stats,
                assumptions=spec.assumptions,
            )
        table = mark_results(table, counts, spec.stats.min_cell)
        overall = counts.overall
        table.insert(0, "flagged_share", overall["flagged"] / overall["n"])
        table.insert(0, "flagged_people", overall["flagged"])
        table.insert(0, "threshold", threshold)
        table.insert(0, "point", point)
        table.insert(0, "sweep", kind)
        parts.append(table)
    return pd.concat(parts, ignore_index=True)[[*SWEEP_KEYS, *TABLE_COLUMNS]]


def _rates(pos: np.ndarray, neg: np.ndarray, unknown: np.ndarray, name: str) -> np.ndarray:
    """A group's rate when flagging bins ``b..`` for every b (last entry: nobody flagged)."""

    def at_or_above(x: np.ndarray) -> np.ndarray:
        return np.append(x[::-1].cumsum()[::-1], 0.0)

    tp, fp = at_or_above(pos), at_or_above(neg)
    flagged = tp + fp + at_or_above(unknown)
    n = pos.sum() + neg.sum() + unknown.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "selection_rate":
            return flagged / n
        if name == "false_positive_rate":
            return fp / neg.sum()
        if name == "true_positive_rate":
            return tp / pos.sum()
        if name == "false_negative_rate":
            return 1 - tp / pos.sum()
        return tp / (tp + fp)  # precision


def what_if_table(cube: ScoreCube, common: float, name: str) -> pd.DataFrame:
    """Per group: the threshold that brings its ``name`` rate closest to everyone's.

    ``common`` is the threshold everyone shares (the audit's cut-off, or the one that
    flags as many people as were flagged). Label-based rates need every outcome known.
    """
    low = histograms(cube, OVERALL).low
    edges = np.append(low, math.inf)  # edges[b]: flag bins b.. ; the last flags nobody
    at_common = int(np.searchsorted(edges, common - 1e-12 * max(1.0, abs(common))))
    # a label-based rate among the labelled only is not the rate (the plain audit
    # reports it as not identifiable): no numbers then, only the note
    unidentified = name != "selection_rate" and bool((cube.table["outcome"] < 0).any())
    rows = []
    everyone = _curves(cube, OVERALL, name)
    target = math.nan if unidentified else float(everyone[0][1][at_common])
    for attr in cube.attributes:
        for group, rate, flagged in _curves(cube, attr, name):
            note = ""
            finite = np.isfinite(rate)
            if unidentified:
                note = f"{name} needs every outcome known; some are not"
                best = None
            elif not finite.any() or not math.isfinite(target):
                note = "undefined for this group"
                best = None
            else:
                gap = np.where(finite, np.abs(rate - target), np.inf)
                # among equally close thresholds, the highest (flags the fewest)
                best = int(np.flatnonzero(gap == gap.min()).max())
            people = int(flagged[0])
            rows.append(
                {
                    "attribute": attr,
                    "group": group,
                    "metric": name,
                    "target": target,
                    "common_threshold": float(edges[at_common]),
                    "rate_at_common": math.nan if unidentified else float(rate[at_common]),
                    "threshold_needed": float(edges[best]) if best is not None else math.nan,
                    "rate_at_needed": float(rate[best]) if best is not None else math.nan,
                    "people": people,
                    "flagged_at_common": int(flagged[at_common]),
                    "flagged_at_needed": int(flagged[best]) if best is not None else -1,
                    "suppressed": False,
                    "note": note,
                }
            )
    out = pd.DataFrame(rows, columns=WHAT_IF_COLUMNS)
    out["flagged_at_needed"] = out["flagged_at_needed"].where(out["flagged_at_needed"] >= 0)
    return out


def _curves(
    cube: ScoreCube, attribute: str, name: str
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    pos = histograms(cube, attribute, outcome=1)
    neg = histograms(cube, attribute, outcome=0)
    unknown = histograms(cube, attribute, outcome=-1)
    out = []
    for i, group in enumerate(pos.groups):
        p, q, u = pos.counts[i], neg.counts[i], unknown.counts[i]
        flagged = np.append((p + q + u)[::-1].cumsum()[::-1], 0.0)
        out.append((group, _rates(p, q, u, name), flagged))
    return out
