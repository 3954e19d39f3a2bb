"""The score analyses of a records audit, gathered in one result with disclosure control.

:func:`analyse_scores` runs every analysis of :mod:`._score_stats` and :mod:`._sweep` on
the score cube of the one pass; disclosure control marks what may not be published
(:func:`biasaudit.disclosure.mark_scores`: the score tables are blocks of the one
recoverability check, and quantile-like rows need twice ``min_cell`` people).

Published tables (``published()``) blank every number of a marked row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from ..counts import OVERALL, ScoreCube
from ..disclosure import ScoreBins, mark_scores, publish
from ..spec import AuditSpec
from ..stats import (
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
from ._sweep import sweep_table, threshold_flagging, what_if_table


@dataclass(frozen=True)
class ScoreAnalysis:
    """Score distributions, deciles, AUC, calibration and threshold analyses by group.

    Every table has the same columns every time (see ``DISTRIBUTION_COLUMNS`` and the
    others in ``biasaudit.stats._score_stats`` / ``biasaudit.audits._sweep``) and a ``suppressed``
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
    correction: str = "holm"

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
        return publish(
            self.tables[name],
            "sweep" if name == "sweep" else "scores",
            correction=self.correction,
        )


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
    options = spec.stats
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
    what_if = what_if_table(cube, common, spec.scores.equalise)

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
    mark_scores(
        tables,
        score_bins(cube),
        spec.stats.min_cell,
        decile_of=decile_edges(everyone, cube.top_decile),
        calibration_of=calibration_bins(cube, spec.scores.calibration_bins),
        forced=withheld,
    )
    notes = [
        "AUC and calibration use the people whose outcome is known"
        + (" (the investigated only: the others are not in them)" if _selective(cube) else ""),
        "score analyses count people, each row as its count"
        + (" (survey weights are not applied)" if spec.roles.weight is not None else "")
        if spec.roles.count is not None
        else "score analyses count records (weights are not applied)"
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
        spec.stats.correction,
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
