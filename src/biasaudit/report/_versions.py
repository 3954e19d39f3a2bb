"""The versions of Python and of the packages that can affect the numbers (for the
manifest and the report's dossier)."""

from __future__ import annotations

import platform
from importlib import metadata

_VERSIONED = ("biasaudit", "numpy", "scipy", "pandas", "narwhals", "pyarrow", "polars", "duckdb")


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that can affect the numbers."""
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out
