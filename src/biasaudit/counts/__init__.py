"""The interface of biasaudit: counts per group, from records (one narwhals pass),
published tables, funnels and scores.
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
from ._funnel_ranges import FunnelRanges, count_text
from ._margins import CELLS, CountModel, cell_label
from ._periods import period_counts, period_people
from ._scores import ScoreCube, ScoreHistogram, order_statistic
from ._stages import (
    FUNNEL_COUNT_COLUMNS,
    FunnelCounts,
    StageSpec,
    Tree,
    _check_parents,
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
    "FunnelRanges",
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
    "_shown",
    "aggregate",
    "cell_label",
    "completion",
    "count_table",
    "count_text",
    "funnel_counts",
    "funnel_counts_from_table",
    "load_table",
    "order_statistic",
    "partition_cells",
    "period_counts",
    "period_people",
    "read_counts",
]
