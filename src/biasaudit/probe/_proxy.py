"""Proxy audit: which inputs stand in for a protected attribute?

For every input feature and protected attribute: how well the feature predicts the
attribute (AUC for a two-level attribute, normalised mutual information otherwise,
with seeded basic bootstrap intervals, resampling people), and how much the feature moves the model's score
(for a scorecard, its points' spread: coefficient x the feature's spread; for any
other model, permutation importance: the mean absolute score change when the
feature's values are shuffled). Features are ranked by proxy strength x influence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import Problem, RecordsError
from ._model import Model
from ._phrases import Phrase
from ._scorecard import level_keys

PROXY_COLUMNS = [
    "attribute",
    "feature",
    "measure",
    "strength",
    "strength_ci_low",
    "strength_ci_high",
    "influence",
    "influence_share",
    "influence_method",
    "proxy_score",
    "rank",
    "n",
    "note",
]


@dataclass(frozen=True)
class ProxyResult:
    """The proxy table (columns :data:`PROXY_COLUMNS`, ranked within each attribute)
    and how it was computed."""

    table: pd.DataFrame
    rows: int
    bootstrap: int
    seed: int
    said: tuple[Phrase, ...]

    @property
    def notes(self) -> tuple[str, ...]:
        """The notes (the sample, records left out), in English words."""
        return tuple(str(n) for n in self.said)

    def top(self, attribute: str) -> str:
        """The feature ranked first for ``attribute``."""
        t = self.table[(self.table["attribute"] == attribute) & (self.table["rank"] == 1)]
        return str(t["feature"].iloc[0])

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (without the table) for the manifest."""
        return {
            "rows": self.rows,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "notes": list(self.notes),
        }


def _numeric(column: pd.Series) -> np.ndarray | None:
    """The column as floats when it holds numbers (missing as the median), else None."""
    if pd.api.types.is_bool_dtype(column.dtype) or not pd.api.types.is_numeric_dtype(column.dtype):
        return None
    x = column.to_numpy(dtype=float)
    if np.isnan(x).any():
        x = np.where(np.isnan(x), np.nanmedian(x), x)
    return x


def _codes(column: pd.Series, bins: int = 10) -> np.ndarray:
    """Category codes: the levels, or up to ``bins`` quantile bins of a number."""
    x = _numeric(column)
    if x is not None and len(np.unique(x)) > bins:
        return np.asarray(pd.qcut(x, bins, labels=False, duplicates="drop"), dtype=np.int64)
    keys = level_keys(column).fillna("(missing)")
    return np.asarray(pd.factorize(keys)[0], dtype=np.int64)


def _encoded(feature: pd.Series) -> tuple[np.ndarray, bool]:
    """The feature as numbers (True) or as category codes (False), computed once."""
    x = _numeric(feature)
    return (x, True) if x is not None else (_codes(feature), False)


def auc(target: np.ndarray, x: np.ndarray) -> float:
    """Area under the ROC curve of ``x`` for a 0/1 ``target``, from ranks (ties
    averaged): the Mann-Whitney form, equal to scikit-learn's ``roc_auc_score`` and
    fast enough for a bootstrap.

    >>> auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.75
    """
    from scipy.stats import rankdata

    pos = target == 1
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0:
        return math.nan
    ranks = rankdata(x)
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def nmi(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised mutual information of two code arrays (arithmetic mean of the
    entropies, scikit-learn's default), from their contingency table.

    >>> round(nmi(np.array([0, 0, 1, 1]), np.array([0, 0, 1, 1])), 6)
    1.0
    """
    ka, kb = int(a.max()) + 1, int(b.max()) + 1
    joint = np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb) / len(a)
    pa, pb = joint.sum(axis=1), joint.sum(axis=0)
    nz = joint > 0
    mi = float((joint[nz] * np.log(joint[nz] / np.outer(pa, pb)[nz])).sum())
    ha = -float((pa[pa > 0] * np.log(pa[pa > 0])).sum())
    hb = -float((pb[pb > 0] * np.log(pb[pb > 0])).sum())
    if ha == 0 and hb == 0:
        return 1.0
    denominator = (ha + hb) / 2
    return max(mi, 0.0) / denominator if denominator > 0 else 0.0


def _strength(
    x: np.ndarray, numeric: bool, codes: np.ndarray, target: np.ndarray, binary: bool
) -> float:
    if binary:
        if not numeric:  # a category: each level's share of the attribute's second level
            hits = np.bincount(x, weights=target, minlength=int(x.max()) + 1)
            sizes = np.bincount(x, minlength=int(x.max()) + 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                x = (hits / sizes)[x]
        value = auc(target, x)
        return max(value, 1.0 - value)
    return nmi(target, codes)


def _influence(
    model: Model, frame: pd.DataFrame, features: Sequence[str], seed: int
) -> tuple[dict[str, float], str]:
    card = model.scorecard
    if card is not None:
        parts = card.contributions(frame)
        return (
            {f: float(parts[f].std(ddof=0)) if f in parts else 0.0 for f in features},
            "spread of the scorecard's points (log-odds)"
            if card.link == "logistic"
            else "spread of the scorecard's points",
        )
    from sklearn.inspection import permutation_importance

    base = model.score(frame)

    class _Scores:  # what permutation_importance needs: something that predicts
        def fit(self, x: Any, y: Any) -> _Scores:
            return self

        def predict(self, x: pd.DataFrame) -> np.ndarray:
            return model.score(x)

    def scorer(est: Any, x: pd.DataFrame, y: np.ndarray) -> float:
        return -float(np.mean(np.abs(est.predict(x) - y)))

    cols = list(model.features) if model.features else list(frame.columns)
    out = permutation_importance(
        _Scores(), frame[cols], base, scoring=scorer, n_repeats=3, random_state=seed
    )
    means = dict(zip(cols, out.importances_mean, strict=True))
    return (
        {f: max(0.0, float(means.get(f, 0.0))) for f in features},
        "permutation importance (mean absolute score change)",
    )


def proxy_audit(
    frame: pd.DataFrame,
    model: Model,
    *,
    attributes: Sequence[str],
    features: Sequence[str] | None = None,
    bootstrap: int = 200,
    sample: int | None = 20_000,
    seed: int = 20261207,
    confidence: float = 0.95,
    min_cell: int = 10,
) -> ProxyResult:
    """Rank the model's inputs by how well they stand in for each protected attribute.

    Parameters
    ----------
    frame : pandas.DataFrame
        Records with the model's features and the protected attributes.
    model : Model
    attributes : sequence of str
        Protected attributes (need not be model inputs).
    features : sequence of str, optional
        Features to audit (default: the model's).
    bootstrap : int, default=200
        Resamples (of people) for the intervals; 0: none.
    sample : int or None, default=20_000
        Records used (a seeded sample; None: all).
    seed, confidence, min_cell
        Groups of fewer than ``min_cell`` people are left out.

    Raises
    ------
    RecordsError
        When a column is missing or the model fails.
    """
    feats = list(features or model.features)
    problems = (
        model.missing_columns(frame)
        + [
            Problem(f"proxy attribute {a!r}: column not found", column=a, reason="missing_column")
            for a in attributes
            if a not in frame.columns
        ]
        + [
            Problem(f"proxy feature {f!r}: column not found", column=f, reason="missing_column")
            for f in feats
            if f not in frame.columns
        ]
    )
    if problems:
        raise RecordsError(problems)
    rng = np.random.default_rng(seed)
    data = frame
    if sample is not None and sample < len(frame):
        data = frame.iloc[np.sort(rng.choice(len(frame), size=sample, replace=False))]
    data = data.reset_index(drop=True)
    influence, method = _influence(model, data, feats, seed)
    total = sum(influence.values())
    rows, notes = [], []
    if len(data) < len(frame):
        notes.append(Phrase("proxy_sample", {"sampled": len(data), "rows": len(frame)}))
    for a in attributes:
        keys = level_keys(data[a])
        counts = keys.value_counts()
        keep = keys.notna() & keys.isin(counts[counts >= max(min_cell, 1)].index)
        dropped = int((~keep).sum())
        if dropped:
            notes.append(
                Phrase(
                    "proxy_left_out", {"attribute": a, "dropped": dropped, "min_cell": min_cell}
                )
            )
        sub = data[keep.to_numpy()].reset_index(drop=True)
        target_keys = keys[keep].to_numpy()
        levels = sorted(set(target_keys))
        binary = len(levels) == 2
        target = (target_keys == levels[1]).astype(int) if binary else pd.factorize(target_keys)[0]
        for f in feats:
            same = f == a
            x, numeric = _encoded(sub[f])
            codes = _codes(sub[f])
            value = _strength(x, numeric, codes, target, binary) if len(sub) else math.nan
            lo = hi = math.nan
            if bootstrap and len(sub) and not same:
                draws = []
                for _ in range(bootstrap):
                    idx = rng.integers(0, len(sub), len(sub))
                    draws.append(_strength(x[idx], numeric, codes[idx], target[idx], binary))
                q_lo, q_hi = np.nanquantile(draws, [(1 - confidence) / 2, (1 + confidence) / 2])
                # basic bootstrap: a measure at its floor (AUC 0.5, information 0) is
                # biased upwards in resamples; reflecting the quantiles corrects that
                floor = 0.5 if binary else 0.0
                lo = float(np.clip(2 * value - q_hi, floor, 1.0))
                hi = float(np.clip(2 * value - q_lo, floor, 1.0))
            share = influence[f] / total if total > 0 else math.nan
            scaled = (2 * value - 1) if binary else value
            rows.append(
                {
                    "attribute": a,
                    "feature": f,
                    "measure": "AUC" if binary else "normalised mutual information",
                    "strength": value,
                    "strength_ci_low": lo,
                    "strength_ci_high": hi,
                    "influence": influence[f],
                    "influence_share": share,
                    "influence_method": method,
                    "proxy_score": math.nan if same else scaled * share,
                    "rank": pd.NA,
                    "n": len(sub),
                    "note": "the attribute itself is a model input (direct use, not a proxy)"
                    if same
                    else "",
                }
            )
    table = pd.DataFrame(rows, columns=PROXY_COLUMNS)
    table["rank"] = (
        table.groupby("attribute")["proxy_score"]
        .rank(ascending=False, method="min")
        .astype("Int64")
    )
    table = table.sort_values(["attribute", "rank"], kind="stable", na_position="last")
    return ProxyResult(
        table=table.reset_index(drop=True),
        rows=len(data),
        bootstrap=bootstrap,
        seed=seed,
        said=tuple(notes),
    )
