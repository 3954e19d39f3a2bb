"""Metrics from counts: the results table, ranges from interval counts, random-sample
estimates, funnel rates and scikit-learn-style metric functions."""

from ._functions import metric_function
from ._funnel import FUNNEL_COLUMNS, funnel_sentence, funnel_table, published_funnel
from ._metrics import COMPARISON_COLUMNS, TABLE_COLUMNS, compute_metrics
from ._ranges import range_metrics
from ._sample import ASSUMPTIONS, estimate_table

__all__ = [
    "ASSUMPTIONS",
    "COMPARISON_COLUMNS",
    "FUNNEL_COLUMNS",
    "TABLE_COLUMNS",
    "compute_metrics",
    "estimate_table",
    "funnel_sentence",
    "funnel_table",
    "metric_function",
    "published_funnel",
    "range_metrics",
]
