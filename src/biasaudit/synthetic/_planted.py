"""Synthetic decision records with a planted disadvantaged subgroup (known truth).

For the subgroup discovery's tests, benchmark and worked example. Everyone is flagged
with the same probability except the members of the planted subgroups:

* ``"attributes"``: women aged 18-29 who are single parents (three attributes at once;
  no single attribute nor pair of them is the group);
* ``"features"``: people with an income of at most 14,000 who have been on benefits for
  more than 60 months (input features only: no protected attribute is involved).

The ``planted`` column names the subgroup each person belongs to (``""`` for nobody):
the truth, not an input of the audit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: The rule of each planted subgroup, as a reader writes it.
PLANTED_RULES = {
    "attributes": "gender = F and age_band = 18-29 and household = single parent",
    "features": "income at most 14,000 and months_on_benefit more than 60",
}


def planted_records(
    n: int = 20_000,
    *,
    seed: int = 7,
    plant: Sequence[str] = ("attributes", "features"),
    base_rate: float = 0.10,
    planted_rate: float = 0.30,
) -> pd.DataFrame:
    """Records of ``n`` people with the ``plant`` subgroups flagged at ``planted_rate``.

    Columns: ``case_id``, protected attributes (``gender``, ``age_band``,
    ``household``, ``nationality``, ``district``), input features (``income``,
    ``months_on_benefit``, ``hours_worked``, ``household_size``), ``flagged`` (yes/no),
    ``fraud_found`` (yes/no/blank: known for the flagged only) and ``planted``.

    Examples
    --------
    >>> df = planted_records(2_000, seed=1)
    >>> sorted(df["planted"].unique())
    ['', 'attributes', 'features']
    """
    unknown = set(plant) - set(PLANTED_RULES)
    if unknown:
        raise ValueError(
            f"plant: expected names from {sorted(PLANTED_RULES)}. Got {sorted(unknown)}."
        )
    rng = np.random.default_rng(seed)
    gender = rng.choice(["F", "M"], n)
    age = rng.choice(["18-29", "30-44", "45-64", "65+"], n, p=[0.25, 0.3, 0.3, 0.15])
    household = rng.choice(
        ["single", "couple", "couple with children", "single parent"], n, p=[0.3, 0.25, 0.3, 0.15]
    )
    nationality = rng.choice(
        ["Dutch", "Moroccan", "Turkish", "Surinamese", "Other"], n, p=[0.7, 0.08, 0.08, 0.07, 0.07]
    )
    district = rng.choice(["North", "East", "South", "West", "Centre"], n)
    income = np.round(rng.gamma(3.0, 8_000.0, n), -1)
    months = rng.integers(0, 121, n)
    hours = np.clip(np.round(rng.normal(20, 12, n)), 0, 48)
    size = rng.integers(1, 6, n)
    in_attributes = (gender == "F") & (age == "18-29") & (household == "single parent")
    in_features = (income <= 14_000) & (months > 60)
    planted = np.full(n, "", dtype=object)
    p = np.full(n, base_rate)
    if "attributes" in plant:
        p[in_attributes] = planted_rate
        planted[in_attributes] = "attributes"
    if "features" in plant:
        p[in_features] = planted_rate
        planted[in_features & (planted == "")] = "features"
    flagged = rng.random(n) < p
    fraud = rng.random(n) < 0.3
    return pd.DataFrame(
        {
            "case_id": [f"P{i:06d}" for i in range(n)],
            "gender": gender,
            "age_band": age,
            "household": household,
            "nationality": nationality,
            "district": district,
            "income": income,
            "months_on_benefit": months,
            "hours_worked": hours,
            "household_size": size,
            "flagged": np.where(flagged, "yes", "no"),
            "fraud_found": np.where(flagged, np.where(fraud, "yes", "no"), ""),
            "planted": planted,
        }
    )
