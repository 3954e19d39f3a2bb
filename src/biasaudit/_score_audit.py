"""The score analyses of a records audit, gathered in one result with disclosure control.

:func:`analyse_scores` runs every analysis of :mod:`._score_stats` and :mod:`._sweep` on
the score cube of the one pass and marks what may not be published:

* distributions, AUCs and calibration gaps of groups with fewer than ``2 * min_cell``
  people (quantiles of a handful of people show their scores);
* decile, excess-share and calibration cells with 1 to ``min_cell - 1`` people, and
  the complementary cells :func:`._disclosure.line_suppression` picks so that a row or
  column total does not give them away;
* sweep rows exactly as the plain audit's disclosure control marks them.

Published tables (``published()``) blank every number of a marked row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from ._counts import OVERALL
from ._disclosure import line_suppression
from ._score_stats import (
    auc_table,
    calibration_gap_table,
    calibration_table,
    decile_table,
    distribution_table,
    excess_table,
    quantile_table,
    top_decile_threshold,
)
from ._scores import ScoreCube
from ._spec import AuditSpec
from ._sweep import sweep_table, what_if_table

#: Columns that stay visible in a suppressed row.
_KEYS = {
    "attribute",
    "group",
    "reference_group",
    "decile",
    "quantile",
    "bin",
    "cut",
    "threshold",
    "score_low",
    "score_high",
    "overall_share",
    "metric",
    "sweep",
    "point",
    "flagged_people",
    "flagged_share",
    "common_threshold",
    "target",
    "suppressed",
    "note",
}


@dataclass(frozen=True)
class ScoreAnalysis:
    """Score distributions, deciles, AUC, calibration and threshold analyses by group.

    Every table has the same columns every time (see ``DISTRIBUTION_COLUMNS`` and the
    others in ``biasaudit._score_stats`` / ``biasaudit._sweep``) and a ``suppressed``
    column; :meth:`published` gives the version that may be shown.

    Attributes
    ----------
    distribution : DataFrame
        Per group: people, mean (t interval), sd, quantiles, median with its
        order-statistic interval, Kolmogorov-Smirnov and Mann-Whitney comparisons with
        the reference group (``prob_higher``: chance a member of the group scores
        higher than a member of the reference group), adjusted p-values.
    quantiles : DataFrame
        Per group and quantile (10th, 25th, 50th, 75th, 90th percentile): the score
        and its distribution-free interval (order statistics).
    deciles : DataFrame
        Each group's people in each score decile of everyone.
    excess : DataFrame
        Share of each group at or above the top-decile threshold (and the audit's
        cut-off), minus everyone's share.
    auc : DataFrame
        AUC per group among people with a known outcome (DeLong intervals).
    calibration : DataFrame
        Observed outcome rate per score bin and group, Wilson intervals.
    calibration_gap : DataFrame
        Outcome rate minus the reference group's at the same score, averaged over bins.
    sweep : DataFrame
        Every metric at every threshold of the sweep (the plain audit's table).
    what_if : DataFrame
        Per group, the threshold that would bring a rate to everyone's level.
    cutoff : float or None
        The audit's own score cut-off, when the flag was derived from the score.
    top_decile : float
        The lowest score of the top decile.
    notes : tuple of str
        What the analyses assume (e.g. outcomes known only for the investigated).
    """

    distribution: pd.DataFrame
    quantiles: pd.DataFrame
    deciles: pd.DataFrame
    excess: pd.DataFrame
    auc: pd.DataFrame
    calibration: pd.DataFrame
    calibration_gap: pd.DataFrame
    sweep: pd.DataFrame
    what_if: pd.DataFrame
    cutoff: float | None
    top_decile: float
    notes: tuple[str, ...] = field(default=())

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), pd.DataFrame)
        }

    def published(self, name: str) -> pd.DataFrame:
        """Table ``name`` as it may be published: numbers of suppressed rows blanked."""
        table = self.tables[name].copy()
        hidden = table["suppressed"].to_numpy(dtype=bool)
        for column in (c for c in table.columns if c not in _KEYS):
            if pd.api.types.is_bool_dtype(table[column]):
                table[column] = table[column].astype("boolean").where(~hidden)
            elif pd.api.types.is_integer_dtype(table[column]):  # counts stay whole
                table[column] = table[column].astype("Int64").where(~hidden)
            elif pd.api.types.is_numeric_dtype(table[column]):
                table[column] = table[column].astype(float).where(~hidden)  # blank is NaN
            else:
                table[column] = table[column].where(~hidden, None)
        return table


def analyse_scores(
    cube: ScoreCube,
    spec: AuditSpec,
    references: Mapping[str, str],
    *,
    metrics: Sequence[str] | None,
    cutoff: float | None,
    flagged: float,
) -> ScoreAnalysis:
    """Every score analysis of one audit, with the rows to withhold marked.

    ``references`` maps each attribute to its reference group (as in the results
    table); ``cutoff`` is the audit's score cut-off, if any, and ``flagged`` the number
    of people flagged (without a cut-off, the what-if table uses the threshold that
    flags about as many).
    """
    options, min_cell = spec.stats, spec.stats.min_cell
    top = top_decile_threshold(cube)
    cuts = [("top decile", top)]
    if cutoff is not None and math.isfinite(cutoff):
        cuts.append((f"score >= {cutoff:g} (the audit's cut-off)", cutoff))
    distribution = distribution_table(cube, references, options)
    quantiles = quantile_table(cube, options)
    deciles = decile_table(cube)
    excess = excess_table(cube, cuts, options)
    auc = auc_table(cube, references, options)
    calibration = calibration_table(cube, spec.scores.calibration_bins, options)
    low = float(cube.table["low"].min())
    high = float(cube.table["high"].max())
    gap = calibration_gap_table(
        calibration, references, options, probability=low >= 0 and high <= 1
    )
    sweep = sweep_table(cube, spec, metrics=metrics, include=cutoff)
    common = cutoff if cutoff is not None else _threshold_flagging(cube, flagged)
    what_if = what_if_table(cube, common, spec.scores.equalise, min_cell)

    small = 2 * min_cell if min_cell > 0 else 0
    distribution["suppressed"] = distribution["people"] < small
    quantiles["suppressed"] = quantiles["people"] < small
    gap["suppressed"] = gap["people"] < small
    auc["suppressed"] = _lines(auc, ["positives", "negatives"], min_cell) | (
        (auc["positives"] + auc["negatives"]) < small
    )
    deciles["suppressed"] = _grid(deciles, "decile", ["people"], min_cell)
    excess["above_not"] = excess["people"] - excess["above"]
    excess["suppressed"] = _grid(excess, "cut", ["above", "above_not"], min_cell)
    excess = excess.drop(columns="above_not")
    calibration["negatives"] = calibration["people"] - calibration["positives"]
    calibration["suppressed"] = _grid(calibration, "bin", ["positives", "negatives"], min_cell)
    calibration = calibration.drop(columns="negatives")
    for table in (distribution, gap, auc):
        table.loc[table["suppressed"], "note"] = "suppressed when published (fewer people)"
    notes = [
        "AUC and calibration use the people whose outcome is known"
        + (" (the investigated only: the others are not in them)" if _selective(cube) else ""),
        "score analyses count records (weights are not applied)"
        if spec.roles.weight is not None
        else "",
        "the what-if table is analysis of how unequal the score is, not a recommendation "
        "to use group-specific thresholds",
    ]
    return ScoreAnalysis(
        distribution,
        quantiles,
        deciles,
        excess,
        auc,
        calibration,
        gap,
        sweep,
        what_if,
        cutoff,
        top,
        tuple(n for n in notes if n),
    )


def _selective(cube: ScoreCube) -> bool:
    return bool((cube.table["outcome"] < 0).any())


def _threshold_flagging(cube: ScoreCube, flagged: float) -> float:
    """The highest bin edge that flags at least ``flagged`` people."""
    t = cube.table.groupby("bin")[["rows", "low"]].agg({"rows": "sum", "low": "first"})
    at_or_above = t["rows"][::-1].cumsum()[::-1]
    ok = t["low"][at_or_above >= flagged]
    return float(ok.max()) if len(ok) else float(t["low"].min())


def _lines(table: pd.DataFrame, columns: list[str], min_cell: int) -> np.ndarray:
    """Per attribute: rows x ``columns`` as a two-way table with both totals published."""
    hide = np.zeros(len(table), dtype=bool)
    for _, part in table.groupby("attribute", sort=False):
        if part["attribute"].iloc[0] == OVERALL:
            continue
        marked = line_suppression(part[columns].to_numpy(dtype=float), min_cell)
        hide[table.index.get_indexer(part.index)] = marked.any(axis=1)
    return hide


def _grid(table: pd.DataFrame, by: str, columns: list[str], min_cell: int) -> np.ndarray:
    """Per attribute, groups x (``by`` levels x ``columns``) with row and column totals."""
    hide = np.zeros(len(table), dtype=bool)
    for attr, part in table.groupby("attribute", sort=False):
        if attr == OVERALL:
            continue
        wide = part.pivot_table(index="group", columns=by, values=columns, aggfunc="sum")
        wide = wide.fillna(0)
        marked = np.zeros(wide.shape, dtype=bool)
        for c in columns:  # each layer is its own table with its own totals
            cols = [i for i, key in enumerate(wide.columns) if key[0] == c]
            marked[:, cols] = line_suppression(wide.iloc[:, cols].to_numpy(), min_cell)
        hidden = {
            (g, key[1])
            for i, g in enumerate(wide.index)
            for j, key in enumerate(wide.columns)
            if marked[i, j]
        }
        mask = [(g, b) in hidden for g, b in zip(part["group"], part[by], strict=True)]
        hide[table.index.get_indexer(part.index)] = mask
    return hide
