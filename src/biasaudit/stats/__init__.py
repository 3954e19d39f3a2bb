"""Statistics on counts: intervals, tests, multiplicity corrections, bootstrap,
regression and score statistics.
"""

from ._bootstrap import SUMMARY_COLUMNS, attribute_summaries
from ._change import ratio_change
from ._inference import _adjust_family, add_inference
from ._planning import PLAN_COLUMNS, plan_option_problems, plan_sample, plan_sentence
from ._regression import AdjustedDisparity, adjusted_disparity, fit_adjusted
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
from ._stats import (
    Correction,
    IntervalMethod,
    adjust_pvalues,
    difference_interval,
    effective_counts,
    proportion_interval,
    ratio_interval,
    two_proportion_test,
)

__all__ = [
    "AdjustedDisparity",
    "Correction",
    "IntervalMethod",
    "PLAN_COLUMNS",
    "SUMMARY_COLUMNS",
    "_adjust_family",
    "add_inference",
    "adjust_pvalues",
    "adjusted_disparity",
    "attribute_summaries",
    "auc_table",
    "calibration_bins",
    "calibration_gap_table",
    "calibration_table",
    "decile_edges",
    "decile_table",
    "difference_interval",
    "distribution_table",
    "effective_counts",
    "excess_table",
    "fit_adjusted",
    "histograms",
    "plan_option_problems",
    "plan_sample",
    "plan_sentence",
    "proportion_interval",
    "quantile_table",
    "ratio_change",
    "ratio_interval",
    "top_decile_threshold",
    "two_proportion_test",
]
