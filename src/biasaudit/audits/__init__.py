"""Audits: :func:`audit` (records), :func:`audit_counts` (aggregated tables),
:func:`funnel`, the score analysis and threshold sweep, and audits run from a TOML file.

``AuditResult.report`` / ``.plot`` and ``FunnelResult.report`` / ``.plot`` hand over to the
report stage through imports inside those methods (the report stage imports this one).
"""

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
