"""The score analyses of a records audit, gathered in one result with disclosure control.

:func:`analyse_scores` runs every analysis of :mod:`._score_stats` and :mod:`._sweep` on
the score cube of the one pass and marks what may not be published:

* distributions, quantiles, AUCs and calibration gaps of groups with fewer than
  ``2 * min_cell`` people (quantiles of a handful of people show their scores);
* every row of a group with a count of 1 to ``min_cell - 1`` in a family of score
  tables, in the whole family at once, plus a complementary group
  (:func:`withheld_groups`): suppressing table by table would let one table give away
  what another hides. The families: people by score range (distribution, quantiles,
  deciles, excess, what-if) and people with a known outcome by score range (AUC,
  calibration, calibration gap);
* sweep rows as the plain audit's disclosure control marks them at each threshold.

Published tables (``published()``) blank every number of a marked row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from ._counts import OVERALL
from ._disclosure import published
from ._score_stats import (
    auc_table,
    calibration_bins,
    calibration_gap_table,
    calibration_table,
    decile_edges,
    decile_table,
    distribution_table,
    excess_table,
    histograms,
    quantile_table,
    top_decile_threshold,
)
from ._scores import ScoreCube
from ._spec import AuditSpec
from ._sweep import sweep_table, threshold_flagging, what_if_table
from .disclosure import ScoreBins, score_suppression

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
    min_cell : int
        The disclosure threshold the tables were checked against.
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
    min_cell: int = 10

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), pd.DataFrame)
        }

    def published(self, name: str) -> pd.DataFrame:
        """Table ``name`` as it may be published: numbers of suppressed rows blanked.

        The sweep is published threshold by threshold like the results table, so a
        comparison with a suppressed reference group is blanked too.
        """
        if name == "sweep":
            parts = self.sweep.groupby(["sweep", "point"], sort=False)
            blanked = [published(part, self.min_cell) for _, part in parts]
            return pd.concat(blanked).loc[self.sweep.index]
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
    withheld: Mapping[tuple[str, str], int] | None = None,
) -> ScoreAnalysis:
    """Every score analysis of one audit, with the rows to withhold marked.

    ``references`` maps each attribute to its reference group (as in the results
    table); ``cutoff`` is the audit's score cut-off, if any, and ``flagged`` the number
    of people flagged (without a cut-off, the what-if table uses the threshold that
    flags about as many). ``withheld``: (attribute, group) -> what the results table
    withholds of the group (2: everything, 1: its outcome-based counts).
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
    common = cutoff if cutoff is not None else threshold_flagging(cube, flagged)
    what_if = what_if_table(cube, common, spec.scores.equalise, min_cell)

    small = 2 * min_cell if min_cell > 0 else 0
    distribution["suppressed"] = distribution["people"] < small
    quantiles["suppressed"] = quantiles["people"] < small
    gap["suppressed"] = gap["people"] < small
    auc["suppressed"] = (auc["positives"] + auc["negatives"]) < small

    tables = {
        "distribution": distribution,
        "quantiles": quantiles,
        "deciles": deciles,
        "excess": excess,
        "auc": auc,
        "calibration": calibration,
        "calibration_gap": gap,
        "what_if": what_if,
        "sweep": sweep,
    }
    everyone = histograms(cube, OVERALL)
    marks = score_suppression(
        score_bins(cube),
        tables,
        min_cell=min_cell,
        decile_of=decile_edges(everyone, cube.top_decile),
        calibration_of=calibration_bins(cube, spec.scores.calibration_bins),
        forced=withheld or {},
    )
    why = {
        "primary": "withheld from the score tables: a count below min_cell (disclosure control)",
        "complementary": "withheld from the score tables: publishing it would let a count "
        "below min_cell elsewhere be computed (complementary disclosure control)",
    }
    for name, table in tables.items():
        marked = marks[name] != ""
        newly = marked & ~table["suppressed"].to_numpy(dtype=bool)
        if "note" in table.columns:
            table.loc[newly, "note"] = [
                (f"{note}; " if isinstance(note, str) and note else "") + why[reason]
                for note, reason in zip(table.loc[newly, "note"], marks[name][newly], strict=True)
            ]
        table["suppressed"] = table["suppressed"].to_numpy(dtype=bool) | marked
    for table in (distribution, gap, auc):
        few = table["suppressed"] & ~table["note"].astype(str).str.contains("withheld")
        table.loc[few, "note"] = "suppressed when published (fewer people)"
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
        min_cell,
    )


def _selective(cube: ScoreCube) -> bool:
    return bool((cube.table["outcome"] < 0).any())


def score_bins(cube: ScoreCube) -> ScoreBins:
    """People per attribute, group, score bin and outcome status (for disclosure control)."""
    groups, counts = {}, {}
    low = high = np.zeros(0)
    exact = cube.exact
    for attr in (OVERALL, *cube.attributes):
        parts = [histograms(cube, attr, outcome=o) for o in (1, 0, -1)]
        groups[attr] = list(parts[0].groups)
        counts[attr] = np.stack([p.counts for p in parts], axis=-1)
        low, high, exact = parts[0].low, parts[0].high, parts[0].exact
    return ScoreBins(groups, counts, low, high, exact)
