"""biasaudit: audit algorithmic decision systems for discrimination.

Decision records (or aggregated tables) in; per-group disparities and the three
false-accusation rates (false positive rate, false discovery rate, unfounded
investigations per person) out, with the denominators and what the data cannot show.
"""

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
    METRICS,
    SAMPLE_METRICS,
    Assumptions,
    Codes,
    MetricSpec,
    Population,
    Roles,
    SampleDesign,
    Threshold,
    metric,
)
from .stats import AdjustedDisparity, adjusted_disparity

__version__ = "0.1.0.dev0"

__all__ = [
    "ALIASES",
    "AdjustedDisparity",
    "COUNT_COLUMNS",
    "FUNNEL_COLUMNS",
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
]
