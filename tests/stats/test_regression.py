"""Regression-adjusted disparity: ProPublica's COMPAS logistic regression reproduced,
and the pattern-weighted fit checked against statsmodels on the raw rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import biasaudit
from conftest import COMPAS


@pytest.fixture(scope="module")
def propublica_rows():
    df = pd.read_csv(COMPAS)
    # ProPublica's filter for its regression (../shared/datasets/compas/README.md)
    keep = (
        df["days_b_screening_arrest"].between(-30, 30)
        & (df["is_recid"] != -1)
        & (df["c_charge_degree"] != "O")
        & (df["score_text"] != "N/A")
    )
    return df[keep]


def test_reproduces_propublica_coefficients(propublica_rows):
    assert len(propublica_rows) == 6172
    fit = biasaudit.adjusted_disparity(
        propublica_rows,
        decision="score_text",
        positive=["Medium", "High"],
        groups=["race", "sex", "age_cat"],
        covariates=["priors_count", "c_charge_degree", "two_year_recid"],
        numeric=["priors_count", "two_year_recid"],
        reference={
            "race": "Caucasian",
            "sex": "Male",
            "age_cat": "25 - 45",
            "c_charge_degree": "F",
        },
        decision_label="a higher score",
    )
    t = fit.table.set_index(["variable", "level"])
    # published: African-American 0.47721, intercept -1.52554, relative risk 1.4528
    assert t.loc[("race", "African-American"), "coefficient"] == pytest.approx(0.47721, abs=5e-6)
    assert t.loc[("(intercept)", ""), "coefficient"] == pytest.approx(-1.52554, abs=5e-6)
    assert t.loc[("race", "African-American"), "relative_risk"] == pytest.approx(1.4528, abs=5e-5)
    assert fit.rows_used == 6172 and fit.rows_excluded == 0
    text = fit.sentence("race", "African-American", covariates="prior record and charge")
    assert text.startswith(
        "After accounting for prior record and charge, people with race = African-American "
        "were 45% more likely than people with race = Caucasian to get a higher score"
    )


def test_pattern_weights_equal_a_fit_on_the_rows():
    rng = np.random.default_rng(3)
    n = 2000
    df = pd.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], n),
            "region": rng.choice(["north", "south"], n),
            "priors": rng.integers(0, 5, n),
        }
    )
    logit = -1 + 0.5 * (df["g"] == "b") + 0.3 * df["priors"] - 0.4 * (df["region"] == "south")
    df["flag"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    df.loc[7, "region"] = None  # excluded and counted
    fit = biasaudit.adjusted_disparity(
        df,
        decision="flag",
        positive=[1],
        groups=["g"],
        covariates=["region", "priors"],
        numeric=["priors"],
        reference={"g": "a", "region": "north"},
    )
    rows = df.dropna()
    exog = np.column_stack(
        [
            np.ones(len(rows)),
            rows["g"] == "b",
            rows["g"] == "c",
            rows["region"] == "south",
            rows["priors"],
        ]
    ).astype(float)
    oracle = sm.Logit(rows["flag"].to_numpy(float), exog).fit(disp=0)
    assert np.allclose(fit.table["coefficient"], oracle.params, atol=1e-6)
    assert np.allclose(fit.table["std_error"], oracle.bse, atol=1e-6)
    assert fit.rows_excluded == 1 and fit.rows_used == n - 1


def test_bad_options_are_listed():
    df = pd.DataFrame({"g": ["a", "b"] * 10, "flag": [1, 0, 0, 1] * 5})
    with pytest.raises(biasaudit.ConfigError, match="not a covariate"):
        biasaudit.adjusted_disparity(
            df, decision="flag", positive=[1], groups=["g"], numeric=["x"]
        )
    with pytest.raises(biasaudit.ConfigError, match="'z' is not a level"):
        biasaudit.adjusted_disparity(
            df, decision="flag", positive=[1], groups=["g"], reference={"g": "z"}
        )


def test_standardised_relative_risk_on_propublica_data(propublica_rows):
    """issue 14: 45% is the relative risk at the reference profile only (baseline
    0.179); averaged over everyone the model saw, African-American defendants were
    about 20% more likely. Oracle: statsmodels' Logit on the rows, its predictions
    with every row set to each race averaged by hand, and the delta method by
    numerical differentiation of that average."""
    fit = biasaudit.adjusted_disparity(
        propublica_rows,
        decision="score_text",
        positive=["Medium", "High"],
        groups=["race", "sex", "age_cat"],
        covariates=["priors_count", "c_charge_degree", "two_year_recid"],
        numeric=["priors_count", "two_year_recid"],
        reference={
            "race": "Caucasian",
            "sex": "Male",
            "age_cat": "25 - 45",
            "c_charge_degree": "F",
        },
        decision_label="a higher score",
    )
    rows = propublica_rows
    y = rows["score_text"].isin(["Medium", "High"]).astype(float).to_numpy()

    def design(race: pd.Series) -> pd.DataFrame:
        x = pd.DataFrame({"const": 1.0}, index=rows.index)
        for level in sorted(set(rows["race"]) - {"Caucasian"}):
            x[f"race_{level}"] = (race == level).astype(float)
        x["female"] = (rows["sex"] == "Female").astype(float)
        x["old"] = (rows["age_cat"] == "Greater than 45").astype(float)
        x["young"] = (rows["age_cat"] == "Less than 25").astype(float)
        x["priors"] = rows["priors_count"].astype(float)
        x["misdemeanour"] = (rows["c_charge_degree"] == "M").astype(float)
        x["recid"] = rows["two_year_recid"].astype(float)
        return x

    logit = sm.Logit(y, design(rows["race"]))
    model = logit.fit(disp=0)
    black = design(pd.Series("African-American", index=rows.index))
    white = design(pd.Series("Caucasian", index=rows.index))

    def ratio(params: np.ndarray) -> float:
        return float(logit.predict(params, black).mean() / logit.predict(params, white).mean())

    beta = np.asarray(model.params)
    expected = ratio(beta)
    step = 1e-6
    grad = np.array(
        [
            (np.log(ratio(beta + step * e)) - np.log(ratio(beta - step * e))) / (2 * step)
            for e in np.eye(len(beta))
        ]
    )
    se = float(np.sqrt(grad @ np.asarray(model.cov_params()) @ grad))
    row = fit.table.set_index(["variable", "level"]).loc[("race", "African-American")]
    assert expected == pytest.approx(1.20, abs=0.01)
    assert row["marginal_relative_risk"] == pytest.approx(expected, rel=1e-6)
    z = 1.959963984540054
    assert row["marginal_relative_risk_ci_low"] == pytest.approx(
        expected * np.exp(-z * se), rel=1e-4
    )
    assert row["marginal_relative_risk_ci_high"] == pytest.approx(
        expected * np.exp(z * se), rel=1e-4
    )
    text = fit.sentence("race", "African-American", covariates="prior record and charge")
    assert "45% more likely" in text and "at the reference profile, where 18% did" in text
    assert f"(standardised), {expected - 1:.0%} more likely" in text
