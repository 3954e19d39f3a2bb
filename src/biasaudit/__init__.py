"""biasaudit: audit algorithmic decision systems for discrimination.

Decision records (or aggregated tables) in; per-group disparities and the three
false-accusation rates (false positive rate, false discovery rate, unfounded
investigations per person) out, with the denominators and what the data cannot show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy

__version__ = "0.1.0.dev0"

#: Where each public name lives. Loaded on first use (PEP 562), so ``biasaudit --help``
#: and a configuration error do not wait for pandas or the plotting and statistics stack.
_LAZY = {
    "datasets": "datasets",
    "BiasAuditError": "_exceptions",
    "ConfigError": "_exceptions",
    "Problem": "_exceptions",
    "RecordsError": "_exceptions",
    "SolverError": "_exceptions",
    "UndefinedRateWarning": "_exceptions",
    "AuditResult": "audits",
    "FunnelResult": "audits",
    "audit": "audits",
    "audit_counts": "audits",
    "funnel": "audits",
    "COUNT_COLUMNS": "counts",
    "CountTable": "counts",
    "Ledger": "counts",
    "count_table": "counts",
    "FUNNEL_COLUMNS": "metrics",
    "TABLE_COLUMNS": "metrics",
    "compute_metrics": "metrics",
    "metric_function": "metrics",
    "ALIASES": "spec",
    "METRICS": "spec",
    "SAMPLE_METRICS": "spec",
    "HARM_METRICS": "spec",
    "Assumptions": "spec",
    "Codes": "spec",
    "HarmOptions": "spec",
    "HarmSpec": "spec",
    "MetricSpec": "spec",
    "Population": "spec",
    "Roles": "spec",
    "SampleDesign": "spec",
    "Threshold": "spec",
    "metric": "spec",
    "AdjustedDisparity": "stats",
    "adjusted_disparity": "stats",
    "plan_sample": "stats",
}


__getattr__, __dir__ = lazy(__name__, _LAZY, globals())


if TYPE_CHECKING:
    from . import datasets
    from ._exceptions import (
        BiasAuditError,
        ConfigError,
        Problem,
        RecordsError,
        SolverError,
        UndefinedRateWarning,
    )
    from .audits import AuditResult, FunnelResult, audit, audit_counts, funnel
    from .counts import COUNT_COLUMNS, CountTable, Ledger, count_table
    from .metrics import FUNNEL_COLUMNS, TABLE_COLUMNS, compute_metrics, metric_function
    from .spec import (
        ALIASES,
        HARM_METRICS,
        METRICS,
        SAMPLE_METRICS,
        Assumptions,
        Codes,
        HarmOptions,
        HarmSpec,
        MetricSpec,
        Population,
        Roles,
        SampleDesign,
        Threshold,
        metric,
    )
    from .stats import AdjustedDisparity, adjusted_disparity, plan_sample

__all__ = [
    "ALIASES",
    "AdjustedDisparity",
    "COUNT_COLUMNS",
    "FUNNEL_COLUMNS",
    "HARM_METRICS",
    "METRICS",
    "SAMPLE_METRICS",
    "TABLE_COLUMNS",
    "Assumptions",
    "AuditResult",
    "BiasAuditError",
    "Codes",
    "ConfigError",
    "CountTable",
    "FunnelResult",
    "HarmOptions",
    "HarmSpec",
    "Ledger",
    "MetricSpec",
    "Population",
    "SampleDesign",
    "Problem",
    "RecordsError",
    "SolverError",
    "Roles",
    "Threshold",
    "UndefinedRateWarning",
    "__version__",
    "adjusted_disparity",
    "audit",
    "audit_counts",
    "compute_metrics",
    "count_table",
    "datasets",
    "funnel",
    "metric",
    "metric_function",
    "plan_sample",
]
