"""Metrics evaluated from counts: exact values, bounds under selective labels, random
audit sample estimates, ranges from published tables, funnels.
"""

from ._functions import metric_function
from ._funnel import FUNNEL_COLUMNS, funnel_table
from ._harm import harm_rows
from ._metrics import COMPARISON_COLUMNS, TABLE_COLUMNS, compute_metrics, default_metrics
from ._ranges import range_causes, range_metrics, ranged_comparison
from ._sample import ASSUMPTIONS, estimate_table

__all__ = [
    "ASSUMPTIONS",
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
]
