"""The audit entry points and their frozen results.

Loaded on first use (PEP 562): reading a configuration does not load the audit
machinery, so a configuration error is printed without waiting for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY = {
    "AuditResult": "_audit",
    "FunnelResult": "_funnel_audit",
    "audit": "_audit",
    "audit_counts": "_aggregated",
    "funnel": "_funnel_audit",
    "load_config": "_config",
    "run_config": "_config",
    "spec_to_dict": "_audit",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


if TYPE_CHECKING:
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
