"""Where the bundled datasets are: inside the installed package, or in the checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .._exceptions import BiasAuditError


def bundled_root() -> Path:
    """Folder holding every bundled dataset (``datasets/`` in the repository).

    A wheel carries the whole folder as ``biasaudit/_bundled``; an editable install reads
    it from the checkout.
    """
    packaged = Path(str(resources.files("biasaudit"))) / "_bundled"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "datasets"
    if checkout.is_dir():
        return checkout
    raise BiasAuditError(
        f"bundled datasets not found (looked in {packaged} and {checkout}); reinstall biasaudit"
    )


def bundled_dir(name: str) -> Path:
    """Folder of a bundled dataset (``datasets/<name>`` in the repository).

    A wheel carries the folder as ``biasaudit/_bundled/<name>``; an editable install
    reads it from the checkout.
    """
    packaged = Path(str(resources.files("biasaudit"))) / "_bundled" / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "datasets" / name
    if checkout.is_dir():
        return checkout
    raise BiasAuditError(
        f"bundled dataset {name!r} not found (looked in {packaged} and {checkout}); "
        "reinstall biasaudit"
    )
