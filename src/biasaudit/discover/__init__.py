"""Subgroup discovery: the groups hit hardest when nobody named them in advance.

A search over combinations of attributes and a bias-aware clustering of the model's
inputs, on one half of the records; a test of what they found on the other half, with
the audit's own metrics, intervals, tests and disclosure control.

Loaded on first use (PEP 562): reading a configuration's ``[discover]`` section does not
load the statistics stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy

_LAZY = {
    "DISCOVERY_COLUMNS": "_discover",
    "Discoveries": "_discover",
    "discover_subgroups": "_discover",
    "DISCOVER_CORRECTIONS": "_options",
    "DISCOVER_KEYS": "_options",
    "DiscoverOptions": "_options",
    "as_discover_options": "_options",
    "METHODS": "_subgroups",
    "Condition": "_subgroups",
    "Subgroup": "_subgroups",
}

__getattr__, __dir__ = lazy(__name__, _LAZY, globals())

if TYPE_CHECKING:
    from ._discover import DISCOVERY_COLUMNS, Discoveries, discover_subgroups
    from ._options import (
        DISCOVER_CORRECTIONS,
        DISCOVER_KEYS,
        DiscoverOptions,
        as_discover_options,
    )
    from ._subgroups import METHODS, Condition, Subgroup

__all__ = [
    "DISCOVERY_COLUMNS",
    "DISCOVER_CORRECTIONS",
    "DISCOVER_KEYS",
    "METHODS",
    "Condition",
    "DiscoverOptions",
    "Discoveries",
    "Subgroup",
    "as_discover_options",
    "discover_subgroups",
]
