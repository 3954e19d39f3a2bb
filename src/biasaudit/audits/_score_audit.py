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

from ..counts import OVERALL, ScoreCube
from ..disclosure import published
from ..spec import AuditSpec
from ..stats import (
    auc_table,
    calibration_gap_table,
    calibration_table,
    decile_table,
    distribution_table,
    excess_table,
    quantile_table,
    top_decile_threshold,
)
from ._sweep import sweep_table, threshold_flagging, what_if_table

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
    common = cutoff if cutoff is not None else threshold_flagging(cube, flagged)
    what_if = what_if_table(cube, common, spec.scores.equalise, min_cell)

    small = 2 * min_cell if min_cell > 0 else 0
    distribution["suppressed"] = distribution["people"] < small
    quantiles["suppressed"] = quantiles["people"] < small
    gap["suppressed"] = gap["people"] < small
    auc["suppressed"] = (auc["positives"] + auc["negatives"]) < small

    def people(table: pd.DataFrame, column: str) -> pd.DataFrame:
        return table[["attribute", "group"]].assign(people=table[column].to_numpy())

    # Two families, each withheld as one: people by score range (deciles, excess,
    # what-if) and people with a known outcome by score range (calibration, AUC).
    scored = [
        people(deciles, "people"),
        people(excess, "above"),
        people(excess.assign(below=excess["people"] - excess["above"]), "below"),
        people(what_if, "flagged_at_common"),
        people(what_if, "flagged_at_needed"),
    ]
    labelled = [
        people(calibration, "positives"),
        people(
            calibration.assign(negatives=calibration["people"] - calibration["positives"]),
            "negatives",
        ),
        people(auc, "positives"),
        people(auc, "negatives"),
    ]
    families = (
        (scored, (distribution, quantiles, deciles, excess, what_if)),
        (labelled, (auc, calibration, gap)),
    )
    for counts, tables in families:
        hidden = withheld_groups(pd.concat(counts, ignore_index=True), references, min_cell)
        for table in tables:
            keys = zip(table["attribute"], table["group"], strict=True)
            withheld = np.array([k in hidden for k in keys], dtype=bool)
            newly = withheld & ~table["suppressed"].to_numpy(dtype=bool)
            if "note" in table.columns:
                table.loc[newly, "note"] = [
                    (f"{note}; " if note else "")
                    + "withheld from the score tables: a count below min_cell "
                    "(disclosure control)"
                    for note in table.loc[newly, "note"]
                ]
            table["suppressed"] = table["suppressed"].to_numpy(dtype=bool) | withheld
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


def withheld_groups(
    counts: pd.DataFrame, references: Mapping[str, str], min_cell: int
) -> set[tuple[str, str]]:
    """``(attribute, group)`` pairs withheld from every score table.

    ``counts`` lists every count the score tables publish (columns attribute, group,
    people). A group with a count of 1 to ``min_cell - 1`` anywhere is withheld from
    all the score tables at once, so no table gives away what another hides; when that
    leaves one withheld group in an attribute, the smallest other group is withheld too
    (the everyone rows would give it away). A withheld reference group withholds its
    whole attribute: the other groups' rows compare with it.

    Not covered: differences between tables whose score ranges nearly coincide (a
    decile and a swept threshold, or a calibration bin and a decile across the two
    families) can still isolate a few people; the threshold sweep is controlled
    threshold by threshold, like the results table.

    Examples
    --------
    >>> c = pd.DataFrame({"attribute": "g", "group": ["a", "b", "c"], "people": [3, 50, 20]})
    >>> sorted(withheld_groups(c, {"g": "b"}, 10))  # a, and c to protect it
    [('g', 'a'), ('g', 'c')]
    """
    if min_cell <= 0:
        return set()
    counts = counts[counts["attribute"] != OVERALL].dropna(subset=["people"])
    hidden: set[tuple[str, str]] = set()
    for attr, part in counts.groupby("attribute", sort=False):
        small = part[(part["people"] > 0) & (part["people"] < min_cell)]
        unsafe = set(small["group"])
        if len(unsafe) == 1:
            size = part.groupby("group")["people"].max().sort_values(kind="stable")
            unsafe |= set([g for g in size.index if g not in unsafe][:1])
        if references.get(str(attr)) in unsafe:
            unsafe = set(part["group"])
        hidden |= {(str(attr), g) for g in unsafe}
    return hidden
