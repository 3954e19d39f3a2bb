"""Regression-adjusted disparity: a logistic regression of the decision on protected
attributes and legitimate covariates (as ProPublica did for COMPAS).

Counts are the interface here too: the rows are grouped once by every variable of the
model and the decision (on whatever engine holds them), and the logistic regression is
fitted to those covariate patterns with frequency weights, which gives the same
estimates as a fit to the rows. Categorical variables enter as indicators against a
reference level; odds ratios are turned into relative risks at the baseline
probability (the reference profile's, ``logistic(intercept)``), the way ProPublica
reported "45% more likely". That relative risk holds for the reference profile only;
the standardised (marginal) relative risk averages the model's predictions over
everyone in the fit, once with every person in the level and once in the reference
level (about 1.20 for ProPublica's data), with a delta-method interval (issue 14).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from .._exceptions import ConfigError, Problem
from ..counts import _keys
from ..io import open_records
from ..spec import value_key

#: Columns of :attr:`AdjustedDisparity.table`, always in this order.
REGRESSION_COLUMNS = [
    "variable",
    "level",
    "reference_level",
    "coefficient",
    "std_error",
    "odds_ratio",
    "odds_ratio_ci_low",
    "odds_ratio_ci_high",
    "relative_risk",
    "relative_risk_ci_low",
    "relative_risk_ci_high",
    "marginal_relative_risk",
    "marginal_relative_risk_ci_low",
    "marginal_relative_risk_ci_high",
    "p_value",
    "people",
    "suppressed",
]


@dataclass(frozen=True)
class AdjustedDisparity:
    """A fitted regression-adjusted disparity.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model term (the intercept first), columns
        :data:`REGRESSION_COLUMNS`.
    baseline : float
        The modelled probability of the decision for the reference profile (every
        categorical variable at its reference level, numeric covariates at 0): the
        profile ``relative_risk`` holds for. ``marginal_relative_risk`` holds for the
        people in the fit instead (standardised over their covariates).
    rows_used, rows_excluded : int
        Rows in the fit, and rows left out for a missing value in a model variable.
    decision : str
        What was modelled, e.g. ``"score_text in ['Medium', 'High']"``.
    """

    table: pd.DataFrame
    baseline: float
    rows_used: int
    rows_excluded: int
    decision: str
    confidence: float = 0.95

    def sentence(self, variable: str, level: str, *, covariates: str = "") -> str:
        """The disparity of one group as a plain sentence.

        Examples
        --------
        >>> t = pd.DataFrame([{"variable": "race", "level": "B", "reference_level": "W",
        ...                    "relative_risk": 1.4528, "relative_risk_ci_low": 1.3,
        ...                    "relative_risk_ci_high": 1.6, "marginal_relative_risk": 1.2,
        ...                    "marginal_relative_risk_ci_low": 1.15,
        ...                    "marginal_relative_risk_ci_high": 1.26}])
        >>> AdjustedDisparity(t, 0.18, 100, 0, "a higher score").sentence(
        ...     "race", "B", covariates="prior record and charge")
        'After accounting for prior record and charge, people with race = B were 45% more likely than people with race = W to get a higher score at the reference profile, where 18% did (95% CI 30% to 60%); averaged over everyone in the data (standardised), 20% more likely (95% CI 15% to 26%).'
        """
        row = self.table[(self.table["variable"] == variable) & (self.table["level"] == level)]
        if row.empty:
            raise ValueError(f"no term for {variable} = {level!r}. Got {variable!r}, {level!r}.")
        r = row.iloc[0]
        rr, lo, hi = r["relative_risk"], r["relative_risk_ci_low"], r["relative_risk_ci_high"]
        lead = f"After accounting for {covariates}, p" if covariates else "P"
        text = (
            f"{lead}eople with {variable} = {level} were {_likely(rr)} than people "
            f"with {variable} = {r['reference_level']} to get {self.decision} at the "
            f"reference profile, where {self.baseline:.0%} did ({self._ci(lo, hi)})"
        )
        m = r.get("marginal_relative_risk", math.nan)
        if isinstance(m, float | np.floating) and math.isfinite(m):
            m_lo, m_hi = r["marginal_relative_risk_ci_low"], r["marginal_relative_risk_ci_high"]
            text += (
                f"; averaged over everyone in the data (standardised), {_likely(float(m))} "
                f"({self._ci(m_lo, m_hi)})"
            )
        return text + "."

    def _ci(self, lo: float, hi: float) -> str:
        return f"{self.confidence:.0%} CI {lo - 1:+.0%} to {hi - 1:+.0%}".replace(
            "CI +", "CI "
        ).replace(" to +", " to ")


def _likely(rr: float) -> str:
    """``45% more likely`` (or less) for a relative risk."""
    return f"{abs(rr - 1):.0%} {'more' if rr >= 1 else 'less'} likely"


def adjusted_disparity(
    records: Any,
    *,
    decision: str,
    positive: Sequence[Any],
    groups: Sequence[str],
    covariates: Sequence[str] = (),
    numeric: Sequence[str] = (),
    reference: Mapping[str, str] | None = None,
    confidence: float = 0.95,
    decision_label: str | None = None,
) -> AdjustedDisparity:
    """Logistic regression of a decision on protected attributes and covariates.

    Parameters
    ----------
    records : path or dataframe
        Decision records (any engine biasaudit reads).
    decision : str
        The column modelled; ``positive`` lists the values counted as 1 (e.g. a
        higher score category, or flagged).
    groups : sequence of str
        Protected attributes (categorical).
    covariates : sequence of str
        Legitimate covariates; categorical unless listed in ``numeric``.
    numeric : sequence of str
        Covariates entered as numbers (e.g. ``priors_count``).
    reference : mapping, optional
        Reference level per categorical variable (default: its most common level).
    confidence : float, default=0.95
        Level of the intervals (Wald, on the log-odds scale).
    decision_label : str, optional
        How the decision reads in sentences (default ``"<decision> in [...]"``).

    Returns
    -------
    AdjustedDisparity

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"g": ["a"] * 50 + ["b"] * 50,
    ...                    "flag": [1] * 20 + [0] * 30 + [1] * 10 + [0] * 40})
    >>> fit = adjusted_disparity(df, decision="flag", positive=[1], groups=["g"],
    ...                          reference={"g": "b"})
    >>> round(float(fit.table.set_index("level").loc["a", "odds_ratio"]), 4)  # (20/30)/(10/40)
    2.6667
    >>> round(float(fit.table.set_index("level").loc["a", "relative_risk"]), 4)  # 0.4 / 0.2
    2.0
    """
    reference = dict(reference or {})
    variables = [*groups, *covariates]
    problems = [
        Problem(f"numeric: {c!r} is not a covariate; list it in covariates", column=c)
        for c in numeric
        if c not in covariates
    ]
    if not groups:
        problems.append(Problem("groups: name at least one protected attribute", column="groups"))
    if problems:
        raise ConfigError(problems)
    categorical = [v for v in variables if v not in numeric]
    opened = open_records(
        records, columns=[decision, *variables], text_columns=[decision, *categorical]
    )
    return fit_adjusted(
        opened.frame,
        decision=decision,
        positive=positive,
        groups=groups,
        covariates=covariates,
        numeric=numeric,
        reference=reference,
        confidence=confidence,
        decision_label=decision_label,
    )


def fit_adjusted(
    frame: Any,
    *,
    decision: str,
    positive: Sequence[Any],
    groups: Sequence[str],
    covariates: Sequence[str] = (),
    numeric: Sequence[str] = (),
    reference: Mapping[str, str] | None = None,
    confidence: float = 0.95,
    decision_label: str | None = None,
) -> AdjustedDisparity:
    """:func:`adjusted_disparity` on an opened narwhals frame (one group-by, then a fit)."""
    reference = dict(reference or {})
    variables = [*groups, *covariates]
    grouped = frame.group_by(decision, *variables, drop_null_keys=False).agg(nw.len().alias("__k"))
    grouped = grouped.collect() if isinstance(grouped, nw.LazyFrame) else grouped
    cells = grouped.to_pandas()
    wanted = {value_key(v) for v in positive}
    y = _keys(cells[decision]).isin(wanted).astype(float).to_numpy()
    missing = cells[variables].isna().any(axis=1).to_numpy() | _keys(cells[decision]).isna()
    k = cells["__k"].to_numpy(dtype=float)
    excluded = int(k[missing].sum())
    cells, y, k = cells[~missing], y[~missing], k[~missing]
    columns: list[np.ndarray] = [np.ones(len(cells))]
    terms: list[tuple[str, str, str]] = [("(intercept)", "", "")]
    people: list[float] = [np.nan]  # rows at each categorical level
    for v in variables:
        if v in numeric:
            columns.append(cells[v].to_numpy(dtype=float))
            terms.append((v, "", ""))
            people.append(np.nan)
            continue
        labels = _keys(cells[v])
        counts = pd.Series(k, index=labels.index).groupby(labels).sum()
        ref = reference.get(v, str(counts.idxmax()))
        if ref not in counts.index:
            raise ConfigError(
                [
                    Problem(
                        f"reference.{v}: {ref!r} is not a level of {v!r}; levels: "
                        + ", ".join(map(repr, counts.index)),
                        column=v,
                        value=ref,
                    )
                ]
            )
        for level in sorted(set(counts.index) - {ref}):
            columns.append((labels == level).to_numpy(dtype=float))
            terms.append((v, str(level), ref))
            people.append(float(counts[level]))
    import statsmodels.api as sm  # after the checks: a configuration error stays quick
    from scipy.stats import norm

    exog = np.column_stack(columns)
    fit = sm.GLM(y, exog, family=sm.families.Binomial(), freq_weights=k).fit()
    z = norm.ppf(0.5 + confidence / 2)
    beta, se = np.asarray(fit.params), np.asarray(fit.bse)
    p0 = 1 / (1 + math.exp(-beta[0]))
    with np.errstate(over="ignore"):
        odds = np.exp(beta)
        lo, hi = np.exp(beta - z * se), np.exp(beta + z * se)

    def risk(o: np.ndarray) -> np.ndarray:
        return o / (1 - p0 + p0 * o)  # relative risk at the baseline probability

    marginal = _marginal_risks(exog, k, beta, np.asarray(fit.cov_params()), terms, z)

    table = pd.DataFrame(
        {
            "variable": [t[0] for t in terms],
            "level": [t[1] for t in terms],
            "reference_level": [t[2] for t in terms],
            "coefficient": beta,
            "std_error": se,
            "odds_ratio": odds,
            "odds_ratio_ci_low": lo,
            "odds_ratio_ci_high": hi,
            "relative_risk": risk(odds),
            "relative_risk_ci_low": risk(lo),
            "relative_risk_ci_high": risk(hi),
            "marginal_relative_risk": marginal[:, 0],
            "marginal_relative_risk_ci_low": marginal[:, 1],
            "marginal_relative_risk_ci_high": marginal[:, 2],
            "p_value": np.asarray(fit.pvalues),
            "people": people,
        }
    )
    table.loc[0, ["odds_ratio", "odds_ratio_ci_low", "odds_ratio_ci_high"]] = np.nan
    table.loc[0, ["relative_risk", "relative_risk_ci_low", "relative_risk_ci_high"]] = np.nan
    label = decision_label or f"{decision} in {list(positive)}"
    table["suppressed"] = False  # marked by disclosure control (the audits stage)
    return AdjustedDisparity(table, p0, int(k.sum()), excluded, label, confidence)


def _marginal_risks(
    exog: np.ndarray,
    weights: np.ndarray,
    beta: np.ndarray,
    cov: np.ndarray,
    terms: Sequence[tuple[str, str, str]],
    z: float,
) -> np.ndarray:
    """Standardised relative risk of each categorical level, with its interval.

    For a level of variable v: the mean modelled probability over everyone in the fit
    with v set to the level, over the same with v set to its reference level. The
    interval is the delta method on the log of that ratio (gradient of each mean
    probability: the mean of p (1 - p) x). Rows: the terms; columns: value, low, high
    (NaN for the intercept and numeric covariates).
    """
    out = np.full((len(terms), 3), np.nan)
    total = weights.sum()
    for j, (variable, level, _) in enumerate(terms):
        if not level:
            continue
        mine = [i for i, t in enumerate(terms) if t[0] == variable and t[1]]
        means, grads = [], []
        for on in (j, None):  # the level, then the reference level
            x = exog.copy()
            x[:, mine] = 0.0
            if on is not None:
                x[:, on] = 1.0
            p = 1 / (1 + np.exp(-(x @ beta)))
            means.append(float(weights @ p) / total)
            grads.append((weights * p * (1 - p)) @ x / total)
        if not (means[0] > 0 and means[1] > 0):
            continue
        g = grads[0] / means[0] - grads[1] / means[1]  # gradient of the log ratio
        log_ratio = math.log(means[0] / means[1])
        se = math.sqrt(max(float(g @ cov @ g), 0.0))
        out[j] = [math.exp(log_ratio), math.exp(log_ratio - z * se), math.exp(log_ratio + z * se)]
    return out
