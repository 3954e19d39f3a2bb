"""A seeded generator of synthetic welfare-fraud decision records.

The bundled demo data (``datasets/welfare-synthetic/decisions.csv``) is written by
:func:`write_welfare` with the default arguments; tests check that it still is.

How the people are made (all draws from one seeded generator):

* gender, age band, nationality (about 1% missing), household type;
* true fraud with probability 5% for everyone, 7% for single parents: the small
  real difference the score is allowed to see;
* a risk score in [0, 1] that sees true fraud, but also gives women, non-Dutch
  nationals, single parents and people under 30 extra points (the built-in
  disparity);
* the top ``flag_fraction`` of scores flagged ("selected");
* 95% of the flagged investigated; the rest are pending (no outcome);
* outcomes known only for the investigated ("Errors Found" / "No Errors Found",
  blank otherwise): selective labels, as in Rotterdam's system.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

GENDERS = (("F", 0.52), ("M", 0.48))
AGE_BANDS = (("18-29", 0.22), ("30-44", 0.33), ("45-64", 0.35), ("65+", 0.10))
NATIONALITIES = (
    ("Dutch", 0.70),
    ("Moroccan", 0.08),
    ("Turkish", 0.08),
    ("Surinamese", 0.06),
    ("Polish", 0.04),
    ("Other", 0.04),
)
HOUSEHOLDS = (
    ("single", 0.40),
    ("couple", 0.20),
    ("couple with children", 0.25),
    ("single parent", 0.15),
)
#: Extra score points (on the logit scale) the synthetic score gives each group.
SCORE_BIAS = {"F": 0.35, "non-Dutch": 0.6, "single parent": 0.5, "18-29": 0.3}
DEFAULT_SEED = 20261123


def _draw(rng: np.random.Generator, table: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    labels, probs = zip(*table, strict=True)
    return rng.choice(np.array(labels, dtype=object), size=n, p=np.array(probs))


def generate_welfare(
    n: int = 40_000, *, seed: int = DEFAULT_SEED, flag_fraction: float = 0.10
) -> pd.DataFrame:
    """Synthetic welfare-fraud decision records with built-in disparities.

    Parameters
    ----------
    n : int, default=40_000
        Number of people.
    seed : int
        Seed of the random generator; the same seed gives the same rows.
    flag_fraction : float, default=0.10
        Share of people flagged (the highest scores).

    Returns
    -------
    pandas.DataFrame
        Columns ``case_id, gender, age_band, nationality, household, risk_score,
        selected, investigated, fraud_found``.

    Examples
    --------
    >>> df = generate_welfare(1_000, seed=1)
    >>> int((df["selected"] == "yes").sum())
    100
    """
    rng = np.random.default_rng(seed)
    gender = _draw(rng, GENDERS, n)
    age = _draw(rng, AGE_BANDS, n)
    nationality = _draw(rng, NATIONALITIES, n)
    household = _draw(rng, HOUSEHOLDS, n)
    fraud = rng.random(n) < np.where(household == "single parent", 0.07, 0.05)
    logit = (
        -2.5
        + 1.2 * fraud
        + SCORE_BIAS["F"] * (gender == "F")
        + SCORE_BIAS["non-Dutch"] * (nationality != "Dutch")
        + SCORE_BIAS["single parent"] * (household == "single parent")
        + SCORE_BIAS["18-29"] * (age == "18-29")
        + rng.normal(0.0, 0.8, n)
    )
    score = np.round(1.0 / (1.0 + np.exp(-logit)), 4)
    k = int(np.floor(flag_fraction * n))
    order = np.lexsort((rng.random(n), -score))  # random tie-break, then highest first
    flagged = np.zeros(n, dtype=bool)
    flagged[order[:k]] = True
    investigated = flagged & (rng.random(n) < 0.95)
    nationality = nationality.copy()
    nationality[rng.random(n) < 0.01] = None  # about 1% not recorded
    outcome = np.where(
        investigated, np.where(fraud, "Errors Found", "No Errors Found"), ""
    ).astype(object)
    return pd.DataFrame(
        {
            "case_id": [f"C{i:06d}" for i in range(1, n + 1)],
            "gender": gender,
            "age_band": age,
            "nationality": nationality,
            "household": household,
            "risk_score": score,
            "selected": np.where(flagged, "yes", "no"),
            "investigated": np.where(investigated, "yes", "no"),
            "fraud_found": outcome,
        }
    )


def write_welfare(path: str | Path, **kwargs: object) -> Path:
    """Write :func:`generate_welfare` as CSV (UTF-8, ``\\n`` line ends)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    generate_welfare(**kwargs).to_csv(path, index=False, lineterminator="\n")  # type: ignore[arg-type]
    return path
