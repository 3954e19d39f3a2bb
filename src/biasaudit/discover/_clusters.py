"""Bias-aware hierarchical clustering on the model's inputs, and each cluster in words.

The clustering is the hierarchical bias-aware k-means of Misztal-Radecka and Indurkhya
(2021, *Information Processing & Management* 58(3), 102519), which bias-detection tools
for welfare audits use, written here on scikit-learn from the paper's description:

1. Start with everyone (of the find half) in one cluster.
2. Take the cluster whose people differ most in the searched rate (the highest variance
   of the per-person indicator among those in its denominator) that may still be split,
   and split it in two with k-means.
3. Keep the split when both halves have at least ``min_size`` people and one of them
   deviates from everyone outside it more than the parent did (a larger *bias*: its rate
   minus the rate of everyone else, in the direction that is worse for the group);
   otherwise the cluster is final.
4. Repeat until no cluster may be split or ``max_splits`` splits were tried.

The final clusters with a positive bias become candidates. A cluster is a region of the
input space that k-means drew, which nobody can read, so each is turned into a rule: a
box of at most three conditions on its inputs (a range of numbers, a set of categories),
chosen greedily to match the cluster's members best (Jaccard index), with bounds rounded
outward. The rule, not the cluster, is what the test half tests and the report names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._exceptions import ConfigError, Problem
from ._search import Candidate, Target, nested, scores
from ._subgroups import Condition, nice

#: Share of a cluster's members a category needs to enter its rule.
_CATEGORY_SHARE = 0.05
#: Quantiles of a cluster's values that bound a numeric condition.
_QUANTILES = (0.05, 0.95)
#: ... and, for the box grown by its score, also the quartiles.
_MORE = (0.05, 0.25, 0.75, 0.95)
_MAX_CONDITIONS = 3


@dataclass(frozen=True)
class Feature:
    """One input column of the find half: numbers, or category labels."""

    name: str
    values: np.ndarray
    numeric: bool


def design_matrix(features: Mapping[str, Feature]) -> np.ndarray:
    """Numbers standardised, categories one-hot: the space k-means measures distance in."""
    parts = []
    for f in features.values():
        if f.numeric:
            x = f.values.astype(float)
            sd = x.std()
            if sd > 0:
                parts.append(((x - x.mean()) / sd)[:, None])
        else:
            levels = np.unique(f.values.astype(str))
            if len(levels) > 1:
                parts.append((f.values.astype(str)[:, None] == levels[None, :]).astype(float))
    if not parts:
        return np.zeros((len(next(iter(features.values())).values), 0))
    return np.hstack(parts)


def bias_aware_clusters(
    x: np.ndarray,
    target: Target,
    *,
    min_size: int,
    max_splits: int,
    seed: int,
) -> list[np.ndarray]:
    """The final clusters (as member masks) of the bias-aware clustering."""
    from threadpoolctl import threadpool_limits

    try:  # loaded on first use: import biasaudit stays quick
        from sklearn.cluster import KMeans
    except ImportError as exc:
        raise ConfigError(
            [
                Problem(
                    "discover.features: clustering needs scikit-learn, which is not "
                    "installed: pip install 'biasaudit[discover]'",
                    column="discover.features",
                    reason="missing_package",
                )
            ]
        ) from exc

    # many small fits: threads only contend on a shared machine (50x slower)
    with threadpool_limits(1):
        return _clusters(x, target, KMeans, min_size=min_size, max_splits=max_splits, seed=seed)


def _clusters(
    x: np.ndarray, target: Target, kmeans: Any, *, min_size: int, max_splits: int, seed: int
) -> list[np.ndarray]:

    n = len(x)
    num, den = target.num, target.den
    total_num, total_den = num.sum(), den.sum()
    sign = 1.0 if target.burden else -1.0

    def bias(members: np.ndarray) -> float:
        k, d = num[members].sum(), den[members].sum()
        rest = total_den - d
        if d <= 0 or rest <= 0:
            return -np.inf
        return float(sign * (k / d - (total_num - k) / rest))

    def spread(members: np.ndarray) -> float:
        d = den[members].sum()
        if d <= 0:
            return -1.0
        p = num[members].sum() / d
        return float(p * (1 - p))

    clusters = [np.ones(n, dtype=bool)]
    final = [x.shape[1] == 0]
    for _ in range(max_splits):
        open_ = [i for i, done in enumerate(final) if not done]
        if not open_:
            break
        pick = max(open_, key=lambda i: (spread(clusters[i]), -i))
        members = clusters[pick]
        if int(members.sum()) < 2 * min_size:
            final[pick] = True
            continue
        rows = np.flatnonzero(members)
        km = kmeans(n_clusters=2, n_init=3, random_state=seed).fit(x[rows])
        halves = [np.zeros(n, dtype=bool) for _ in range(2)]
        for j in range(2):
            halves[j][rows[km.labels_ == j]] = True
        sizes = [int(h.sum()) for h in halves]
        parent = bias(members)  # everyone: -inf, so the first split is always kept
        if min(sizes) >= min_size and max(bias(h) for h in halves) > parent:
            clusters[pick], final[pick] = halves[0], False
            clusters.append(halves[1])
            final.append(False)
        else:
            final[pick] = True
    return [c for c in clusters if bias(c) > 0 and 0 < c.sum() < n]


def describe(members: np.ndarray, features: Mapping[str, Feature]) -> tuple[Condition, ...]:
    """The box of at most three conditions that best matches ``members`` (Jaccard)."""
    options = [c for f in features.values() for c in _conditions(members, f)]
    box = np.ones(len(members), dtype=bool)
    chosen: list[Condition] = []
    best = _jaccard(box, members)
    while len(chosen) < _MAX_CONDITIONS:
        used = {c.column for c in chosen}
        trials = [
            (_jaccard(box & c.mask(features[c.column].values), members), i, c)
            for i, c in enumerate(options)
            if c.column not in used
        ]
        if not trials:
            break
        score, _, pick = max(trials, key=lambda t: (t[0], -t[1]))
        if score < best + 0.01:
            break
        chosen.append(pick)
        box &= pick.mask(features[pick.column].values)
        best = score
    order = {name: i for i, name in enumerate(features)}
    return tuple(sorted(chosen, key=lambda c: order[c.column]))


def _conditions(
    members: np.ndarray, feature: Feature, *, quantiles: tuple[float, ...] = _QUANTILES
) -> list[Condition]:
    """Candidate conditions on one input that the cluster's members mostly meet: for
    numbers, at least its low quantiles, at most its high ones, and between the outer
    two."""
    inside = feature.values[members]
    if not len(inside):
        return []
    if feature.numeric:
        x = feature.values.astype(float)
        qs = np.quantile(inside.astype(float), quantiles)
        half = len(quantiles) // 2
        lows = [nice(float(q), up=False) for q in qs[:half]]
        highs = [nice(float(q), up=True) for q in qs[half:]]
        out = [Condition(feature.name, low=lo) for lo in dict.fromkeys(lows) if lo > x.min()]
        out += [Condition(feature.name, high=hi) for hi in dict.fromkeys(highs) if hi < x.max()]
        low, high = lows[0], highs[-1]
        if low > x.min() and high < x.max():
            out.append(Condition(feature.name, low=low, high=high))
        return out
    labels, counts = np.unique(inside.astype(str), return_counts=True)
    values = tuple(
        sorted(
            str(v)
            for v, k in zip(labels, counts, strict=True)
            if k >= _CATEGORY_SHARE * len(inside)
        )
    )
    if not values or len(values) == len(np.unique(feature.values.astype(str))):
        return []
    return [Condition(feature.name, values=values)]


def _grow(
    members: np.ndarray,
    features: Mapping[str, Feature],
    target: Target,
    min_size: int,
    confidence: float,
) -> tuple[tuple[Condition, ...], np.ndarray, float]:
    """The box grown the bias-aware way: from the cluster's candidate conditions (also
    at its quartiles), one at a time, the one that raises the box's score on the find
    half most, while one does (at most three)."""
    options = [c for f in features.values() for c in _conditions(members, f, quantiles=_MORE)]
    rule: tuple[Condition, ...] = ()
    box = np.ones(len(members), dtype=bool)
    best = -np.inf
    while len(rule) < _MAX_CONDITIONS:
        used = {c.column for c in rule}
        trials = []
        for i, c in enumerate(options):
            if c.column in used:
                continue
            m = box & c.mask(features[c.column].values)
            trials.append((_score(m, target, min_size, confidence), -i, c, m))
        if not trials:
            break
        s, _, pick, m = max(trials, key=lambda t: (t[0], t[1]))
        if not s > best:
            break
        rule, box, best = (*rule, pick), m, s
    order = {name: i for i, name in enumerate(features)}
    return tuple(sorted(rule, key=lambda c: order[c.column])), box, best


def _score(members: np.ndarray, target: Target, min_size: int, confidence: float) -> float:
    """A box's score on the find half (-inf when it is too small or undefined)."""
    if members.sum() < min_size:
        return -np.inf
    s = scores(
        target,
        np.r_[target.num[members].sum()],
        np.r_[target.den[members].sum()],
        np.r_[target.den_sq[members].sum()],
        confidence=confidence,
    )[0]
    return float(s) if s == s else -np.inf


def _simplify(
    rule: tuple[Condition, ...],
    features: Mapping[str, Feature],
    target: Target,
    min_size: int,
    confidence: float,
) -> tuple[tuple[Condition, ...], np.ndarray, float]:
    """Drop the conditions of a cluster's box that only trace k-means' geometry: one at
    a time, while leaving one out raises the box's score on the find half."""

    def scored(conditions: tuple[Condition, ...]) -> tuple[np.ndarray, float]:
        members = np.ones(len(target.num), dtype=bool)
        for c in conditions:
            members &= c.mask(features[c.column].values)
        return members, _score(members, target, min_size, confidence)

    members, best = scored(rule)
    while len(rule) > 1:
        trials = [(scored(rule[:i] + rule[i + 1 :]), i) for i in range(len(rule))]
        (m, s), i = max(trials, key=lambda t: (t[0][1], -t[1]))
        if s <= best:
            break
        rule, members, best = rule[:i] + rule[i + 1 :], m, s
    return rule, members, best


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    union = int((a | b).sum())
    return int((a & b).sum()) / union if union else 0.0


def search_clusters(
    features: Mapping[str, Feature],
    target: Target,
    *,
    min_size: int,
    max_groups: int,
    max_splits: int,
    confidence: float,
    seed: int,
) -> list[Candidate]:
    """The best-scoring rules that describe the bias-aware clusters of the find half."""
    x = design_matrix(features)
    clusters = bias_aware_clusters(x, target, min_size=min_size, max_splits=max_splits, seed=seed)
    found: list[Candidate] = []
    seen: set[tuple[Condition, ...]] = set()
    for cluster in clusters:
        fitted = describe(cluster, features)
        rules = [_simplify(fitted, features, target, min_size, confidence)] if fitted else []
        rules.append(_grow(cluster, features, target, min_size, confidence))
        for rule, members, s in rules:
            if not rule or rule in seen:
                continue
            seen.add(rule)
            if s > 1:
                found.append(Candidate(rule, members, float(s)))
    found.sort(key=lambda c: (-c.score, len(c.conditions)))
    kept: list[Candidate] = []
    for c in found:
        if not nested(c.members, kept):
            kept.append(c)
        if len(kept) == max_groups:
            break
    return kept
