"""Disclosure control: what may be published without revealing a small count.

The one place that applies the rule of DESIGN.md §4 (``min_cell``). One
recoverability check (:func:`solve`, block by block) serves every table kind through
an adapter per kind (:func:`suppression` for results tables, :func:`funnel_suppression`,
:func:`score_suppression`); the ``mark_*`` functions set a table's ``suppressed``
column (with the reason in ``note``) and :func:`publish` blanks what was marked, for
every table kind (:data:`LAYOUTS`).
"""

from ._discover import EVERYONE_ELSE, mark_discoveries, publish_discoveries
from ._funnel import funnel_suppression
from ._periods import mark_changes, mark_periods, publish_changes
from ._publish import (
    LAYOUTS,
    WITHHELD_NOTE,
    Layout,
    follow_references,
    mark_funnel,
    mark_results,
    mark_sample,
    mark_scores,
    mark_terms,
    p_adjusted_family,
    publish,
    publish_summaries,
    quantile_minimum,
    small,
    withheld_sentence,
)
from ._results import suppression
from ._scores import ScoreBins, score_suppression
from ._solver import Block, Problem, Withheld, solve

__all__ = [
    "EVERYONE_ELSE",
    "LAYOUTS",
    "WITHHELD_NOTE",
    "Block",
    "Layout",
    "Problem",
    "ScoreBins",
    "Withheld",
    "follow_references",
    "funnel_suppression",
    "mark_changes",
    "mark_discoveries",
    "mark_funnel",
    "mark_periods",
    "mark_results",
    "p_adjusted_family",
    "mark_sample",
    "mark_scores",
    "mark_terms",
    "publish",
    "publish_changes",
    "publish_discoveries",
    "publish_summaries",
    "quantile_minimum",
    "score_suppression",
    "small",
    "solve",
    "suppression",
    "withheld_sentence",
]
