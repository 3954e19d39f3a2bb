"""Shared fixtures: paths to the real data in ../shared and small record tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "datasets"
COMPAS = SHARED / "compas" / "compas-scores-two-years.csv"
COMPAS_SHA256 = "c451db85908b2f7fef1d83203bedf6b71ecda0d5af468d82ae62178f91d0cc7d"


@pytest.fixture(scope="session")
def compas_path() -> Path:
    """ProPublica's COMPAS file, read from ../shared (never copied into the project)."""
    assert COMPAS.is_file(), f"the shared COMPAS data is missing: {COMPAS}"
    return COMPAS


def people_from_cells(
    cells: dict[str, tuple[int, int, int, int]], *, outcome: str = "y"
) -> pd.DataFrame:
    """One row per person from per-group (TP, FP, FN, TN) counts: columns g, flag, outcome."""
    parts = []
    for group, (tp, fp, fn, tn) in cells.items():
        for flag, fraud, k in ((1, 1, tp), (1, 0, fp), (0, 1, fn), (0, 0, tn)):
            parts.append(pd.DataFrame({"g": [group] * k, "flag": flag, outcome: fraud}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def small_records() -> pd.DataFrame:
    """Ten people, two groups, selective labels; counts are spelled out in tests."""
    return pd.DataFrame(
        {
            "case": [f"c{i}" for i in range(10)],
            "sex": ["F", "F", "F", "F", "F", "M", "M", "M", "M", "M"],
            "flag": ["yes", "yes", "yes", "no", "no", "yes", "no", "no", "no", "no"],
            "inv": ["yes", "yes", "no", "no", "no", "yes", "no", "no", "no", "no"],
            "fraud": ["no", "yes", None, None, None, "yes", None, None, None, None],
        }
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/e2e/ is marked ``e2e``: ``-m "not e2e and not slow"`` is
    the fast suite a developer runs between edits (CI runs everything)."""
    e2e = Path(__file__).parent / "e2e"
    for item in items:
        if e2e in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)
