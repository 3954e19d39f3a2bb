"""Statistics on counts: intervals, tests and adjusted p-values, the results table's
inference columns, bootstrap summaries, score statistics and the adjusted regression.

scipy and statsmodels are imported inside the functions that use them.
``_adjust_family`` is a private helper that the metrics stage shares.
"""

from ._bootstrap import attribute_summaries
from ._inference import _adjust_family, add_inference
from ._regression import AdjustedDisparity, adjusted_disparity, fit_adjusted
from ._score_stats import (
    auc_table,
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
from ._stats import (
    adjust_pvalues,
    effective_counts,
    proportion_interval,
    ratio_interval,
    two_proportion_test,
)

__all__ = [
    "AdjustedDisparity",
    "_adjust_family",
    "add_inference",
    "adjust_pvalues",
    "adjusted_disparity",
    "attribute_summaries",
    "auc_table",
    "calibration_gap_table",
    "calibration_table",
    "decile_edges",
    "decile_table",
    "distribution_table",
    "effective_counts",
    "excess_table",
    "fit_adjusted",
    "histograms",
    "proportion_interval",
    "quantile_table",
    "ratio_interval",
    "top_decile_threshold",
    "two_proportion_test",
]
