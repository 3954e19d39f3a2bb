"""biasaudit: audit algorithmic decision systems for discrimination.

Decision records (or aggregated tables) in; per-group disparities and the three
false-accusation rates (false positive rate, false discovery rate, unfounded
investigations per person) out, with the denominators and what the data cannot show.
"""

from . import datasets
from ._aggregate import Ledger
from ._aggregated import audit_counts
from ._audit import AuditResult, audit
from ._counts import COUNT_COLUMNS, CountTable, count_table
from ._exceptions import BiasAuditError, ConfigError, Problem, RecordsError, UndefinedRateWarning
from ._functions import metric_function
from ._funnel import FUNNEL_COLUMNS
from ._funnel_audit import FunnelResult, funnel
from ._metrics import TABLE_COLUMNS, compute_metrics
from ._registry import ALIASES, METRICS, SAMPLE_METRICS, MetricSpec, metric
from ._regression import AdjustedDisparity, adjusted_disparity
from ._spec import Assumptions, Codes, Population, Roles, Threshold

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
    "Problem",
    "RecordsError",
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
