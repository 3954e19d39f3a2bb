"""Counts, the interface: the one pass over the rows (:func:`aggregate`), per-group count
tables, score histograms, funnel stage counts, and aggregated tables read as (interval)
counts. Everything after this stage works on counts, never on rows.

``_keys``, ``_check_parents``, ``_lineage`` and ``_shown`` are private helpers that the
stats and metrics stages share.
"""

from ._aggregate import Aggregation, Ledger, _keys, aggregate
from ._counts import (
    ALL,
    COUNT_COLUMNS,
    OVERALL,
    PARTITION,
    CountTable,
    completion,
    count_table,
    partition_cells,
)
from ._margins import CELLS, CountModel, cell_label
from ._scores import ScoreCube, ScoreHistogram, order_statistic
from ._stages import (
    FUNNEL_COUNT_COLUMNS,
    FunnelCounts,
    StageSpec,
    Tree,
    _check_parents,
    _lineage,
    _shown,
    funnel_counts,
    funnel_counts_from_table,
)
from ._tables import SUPPRESSED, TOTAL_LABELS, IntervalCounts, load_table, read_counts

__all__ = [
    "ALL",
    "Aggregation",
    "CELLS",
    "COUNT_COLUMNS",
    "CountModel",
    "CountTable",
    "FUNNEL_COUNT_COLUMNS",
    "FunnelCounts",
    "IntervalCounts",
    "Ledger",
    "OVERALL",
    "PARTITION",
    "SUPPRESSED",
    "ScoreCube",
    "ScoreHistogram",
    "StageSpec",
    "TOTAL_LABELS",
    "Tree",
    "_check_parents",
    "_keys",
    "_lineage",
    "_shown",
    "aggregate",
    "cell_label",
    "completion",
    "count_table",
    "funnel_counts",
    "funnel_counts_from_table",
    "load_table",
    "order_statistic",
    "partition_cells",
    "read_counts",
]
