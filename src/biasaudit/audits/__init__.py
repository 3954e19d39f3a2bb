"""The audit entry points and their frozen results."""

from ._aggregated import audit_counts
from ._audit import AuditResult, audit, spec_to_dict
from ._config import load_config, run_config
from ._funnel_audit import FunnelResult, funnel

__all__ = [
    "AuditResult",
    "FunnelResult",
    "audit",
    "audit_counts",
    "funnel",
    "load_config",
    "run_config",
    "spec_to_dict",
]
