"""What an audit is asked to do: roles, codes, options and the metric registry.

The first stage: it builds on nothing but the exceptions.
"""

from ._analysis_spec import ScoreOptions
from ._registry import ALIASES, HEADLINE, METRICS, SAMPLE_METRICS, MetricSpec, metric
from ._spec import (
    CORRECTIONS,
    DEFAULT_NO,
    DEFAULT_YES,
    INTERSECTION_SEP,
    INTERVAL_METHODS,
    MISSING_GROUP,
    MISSING_POLICIES,
    REFERENCE_RULES,
    Assumptions,
    AuditSpec,
    Codes,
    Correction,
    IntervalMethod,
    MissingPolicy,
    Population,
    Roles,
    StatsOptions,
    Threshold,
    check_stats,
    intersection_name,
    make_spec,
    value_key,
)

__all__ = [
    "HEADLINE",
    "ALIASES",
    "Assumptions",
    "AuditSpec",
    "CORRECTIONS",
    "Codes",
    "Correction",
    "DEFAULT_NO",
    "DEFAULT_YES",
    "INTERSECTION_SEP",
    "INTERVAL_METHODS",
    "IntervalMethod",
    "METRICS",
    "MISSING_GROUP",
    "MISSING_POLICIES",
    "MetricSpec",
    "MissingPolicy",
    "Population",
    "REFERENCE_RULES",
    "Roles",
    "SAMPLE_METRICS",
    "ScoreOptions",
    "StatsOptions",
    "Threshold",
    "check_stats",
    "intersection_name",
    "make_spec",
    "metric",
    "value_key",
]
