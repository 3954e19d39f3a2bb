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
