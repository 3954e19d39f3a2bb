"""A synthetic fraud model with known direct and proxy effects, for probing.

The records: gender, nationality, a Dutch language level (1 to 4) that depends on
nationality (the planted proxy), monthly income, children, months on benefit, and
whether fraud was found, drawn from the planted logistic model :data:`PROBE_TRUTH`:

    logit P(fraud) = -1.2 + 0.6 [gender = F] - 0.45 language_level - 0.5 income
                     + 0.4 has_children + 0.01 months_on_benefit

The model is the direct gender coefficient plus a language feature that stands in for
nationality. :func:`probe_model` builds it as a scikit-learn pipeline at run time
(never a pickled file, so a new scikit-learn release cannot break it),
:func:`probe_scorecard_text` writes the same model as a scorecard, and
:func:`probe_logit` computes it by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._generate import GENDERS, NATIONALITIES, _draw

#: The planted model: intercept, points per category level, points per unit.
PROBE_TRUTH: dict[str, Any] = {
    "intercept": -1.2,
    "levels": {"gender": {"F": 0.6, "M": 0.0}},
    "numeric": {
        "language_level": -0.45,
        "income": -0.5,
        "has_children": 0.4,
        "months_on_benefit": 0.01,
    },
}
#: The model's features, in the pipeline's order.
PROBE_FEATURES = ("gender", "language_level", "income", "has_children", "months_on_benefit")
#: Language level (1 = none, 4 = fluent) by nationality: the planted proxy.
_LANGUAGE = {
    True: (0.02, 0.05, 0.18, 0.75),  # Dutch
    False: (0.25, 0.30, 0.25, 0.20),  # not Dutch
}
PROBE_SEED = 20261207


def probe_logit(frame: pd.DataFrame) -> np.ndarray:
    """The planted model's linear predictor, computed by hand from :data:`PROBE_TRUTH`.

    >>> probe_logit(pd.DataFrame({"gender": ["F"], "language_level": [4], "income": [1.0],
    ...     "has_children": [1], "months_on_benefit": [10]})).round(2).tolist()
    [-2.4]
    """
    eta = PROBE_TRUTH["intercept"] + np.where(frame["gender"].to_numpy() == "F", 0.6, 0.0)
    for name, coef in PROBE_TRUTH["numeric"].items():
        eta = eta + coef * frame[name].to_numpy(dtype=float)
    return np.asarray(eta, dtype=float)


def generate_probe_records(n: int = 20_000, *, seed: int = PROBE_SEED) -> pd.DataFrame:
    """Synthetic benefit records scored by (and with outcomes from) the planted model.

    Returns
    -------
    pandas.DataFrame
        Columns ``person_id, gender, nationality, language_level, income,
        has_children, months_on_benefit, fraud``.

    Examples
    --------
    >>> df = generate_probe_records(1_000, seed=1)
    >>> sorted(df["language_level"].unique().tolist())
    [1, 2, 3, 4]
    """
    rng = np.random.default_rng(seed)
    gender = _draw(rng, GENDERS, n)
    nationality = _draw(rng, NATIONALITIES, n)
    dutch = nationality == "Dutch"
    language = np.empty(n, dtype=np.int64)
    for is_dutch, probs in _LANGUAGE.items():
        m = dutch == is_dutch
        language[m] = rng.choice([1, 2, 3, 4], size=int(m.sum()), p=probs)
    income = np.round(np.clip(rng.normal(1.6, 0.6, n), 0.2, None), 2)  # thousand euro a month
    children = (rng.random(n) < 0.4).astype(np.int64)
    months = rng.integers(1, 121, n)
    frame = pd.DataFrame(
        {
            "person_id": [f"P{i:06d}" for i in range(1, n + 1)],
            "gender": gender.astype(str),
            "nationality": nationality.astype(str),
            "language_level": language,
            "income": income,
            "has_children": children,
            "months_on_benefit": months,
        }
    )
    p = 1.0 / (1.0 + np.exp(-probe_logit(frame)))
    frame["fraud"] = (rng.random(n) < p).astype(np.int64)
    return frame


def _pipeline(records: pd.DataFrame) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    numeric = list(PROBE_FEATURES[1:])
    encode = ColumnTransformer(
        [
            ("gender", OneHotEncoder(categories=[["M", "F"]], drop="first"), ["gender"]),
            ("numeric", "passthrough", numeric),
        ],
        verbose_feature_names_out=False,
    )
    return Pipeline([("encode", encode), ("model", LogisticRegression(C=np.inf, max_iter=1000))])


def probe_model(records: pd.DataFrame | None = None) -> Any:
    """The planted model as a scikit-learn pipeline (one-hot gender, then a logistic
    regression whose coefficients are set to :data:`PROBE_TRUTH`, not fitted).

    Examples
    --------
    >>> df = generate_probe_records(200, seed=1)
    >>> model = probe_model(df)
    >>> bool(np.allclose(model.predict_proba(df)[:, 1], 1 / (1 + np.exp(-probe_logit(df)))))
    True
    """
    records = generate_probe_records(200) if records is None else records
    pipe = _pipeline(records)
    pipe.steps[0][1].fit(records[list(PROBE_FEATURES)])
    lr = pipe.steps[-1][1]
    lr.classes_ = np.array([0, 1])
    lr.coef_ = np.array([[0.6, *PROBE_TRUTH["numeric"].values()]])
    lr.intercept_ = np.array([PROBE_TRUTH["intercept"]])
    lr.n_features_in_ = 5
    lr.n_iter_ = np.array([0])
    return pipe


def fit_probe_model(records: pd.DataFrame) -> Any:
    """A logistic regression fitted to the records' ``fraud`` (as an agency would
    have trained it): its coefficients estimate :data:`PROBE_TRUTH`."""
    pipe = _pipeline(records)
    return pipe.fit(records[list(PROBE_FEATURES)], records["fraud"])


def probe_scorecard_text() -> str:
    """The planted model as a scorecard file (TOML).

    >>> print(probe_scorecard_text().splitlines()[0])
    # The synthetic fraud model of biasaudit.synthetic, as a scorecard.
    """
    lines = [
        "# The synthetic fraud model of biasaudit.synthetic, as a scorecard.",
        'name = "synthetic fraud model"',
        f"intercept = {PROBE_TRUTH['intercept']}",
        'link = "logistic"',
        "",
        "[numeric]",
        *(f"{k} = {v}" for k, v in PROBE_TRUTH["numeric"].items()),
        "",
        "[levels.gender]",
        *(f"{k} = {v}" for k, v in PROBE_TRUTH["levels"]["gender"].items()),
    ]
    return "\n".join(lines) + "\n"
