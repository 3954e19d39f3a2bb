"""The audit entry points and their frozen results.

Loaded on first use (PEP 562): reading a configuration does not load the audit
machinery, so a configuration error is printed without waiting for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy

_LAZY = {
    "AuditResult": "_audit",
    "FunnelResult": "_funnel_audit",
    "audit": "_audit",
    "audit_counts": "_aggregated",
    "REPORT_LANGUAGES": "_report_section",
    "check_language": "_report_section",
    "check_report_section": "_report_section",
    "funnel": "_funnel_audit",
    "load_config": "_config",
    "run_config": "_config",
    "spec_to_dict": "_audit",
}


__getattr__, __dir__ = lazy(__name__, _LAZY, globals())


if TYPE_CHECKING:
    from ._aggregated import audit_counts
    from ._audit import AuditResult, audit, spec_to_dict
    from ._config import load_config, run_config
    from ._funnel_audit import FunnelResult, funnel
    from ._report_section import REPORT_LANGUAGES, check_language, check_report_section

__all__ = [
    "REPORT_LANGUAGES",
    "AuditResult",
    "FunnelResult",
    "audit",
    "audit_counts",
    "check_language",
    "check_report_section",
    "funnel",
    "load_config",
    "run_config",
    "spec_to_dict",
]
