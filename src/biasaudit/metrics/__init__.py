"""Metrics evaluated from counts: exact values, bounds under selective labels, random
audit sample estimates, ranges from published tables, funnels.
"""

from ._change import CHANGE_COLUMNS, change_metrics, change_table, pairs
from ._functions import metric_function
from ._funnel import FUNNEL_COLUMNS, funnel_table
from ._harm import harm_rows
from ._metrics import (
    COMPARISON_COLUMNS,
    TABLE_COLUMNS,
    compute_metrics,
    default_metrics,
    undefined_message,
)
from ._ranges import range_causes, range_metrics, ranged_comparison
from ._sample import ASSUMPTIONS, estimate_table

__all__ = [
    "ASSUMPTIONS",
    "CHANGE_COLUMNS",
    "change_metrics",
    "change_table",
    "pairs",
    "COMPARISON_COLUMNS",
    "FUNNEL_COLUMNS",
    "TABLE_COLUMNS",
    "compute_metrics",
    "default_metrics",
    "estimate_table",
    "funnel_table",
    "harm_rows",
    "metric_function",
    "range_causes",
    "range_metrics",
    "ranged_comparison",
    "undefined_message",
]
