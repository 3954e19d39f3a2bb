"""The search over combinations of attributes, on the find half.

Every conjunction ``a1 = v1 and ... and ak = vk`` of up to ``depth`` attributes with at
least ``min_size`` people is a candidate. Candidates are ranked by how large a disparity
the find half can vouch for: the lower end of the confidence interval of their ratio to
everyone else (Katz), so that neither a small group with a noisy high rate nor a large
group with a slight one comes first. Candidates whose interval does not lie above 1 are
dropped, and a candidate that narrows or widens one already kept is skipped: it carries
the same signal (``gender = F`` after ``gender = F and household = single parent``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from ..stats import ratio_interval
from ._subgroups import Condition


@dataclass(frozen=True)
class Target:
    """The searched rate, person by person (one half of the records).

    ``num`` and ``den`` are each person's weight where they count in the rate's
    numerator and denominator (0 elsewhere); ``den_sq`` the squared weight where they
    count in the denominator (Kish's effective sample size); ``burden``: a higher rate
    is worse for the group (else lower is worse, e.g. precision).
    """

    num: np.ndarray
    den: np.ndarray
    den_sq: np.ndarray
    burden: bool

    def subset(self, rows: np.ndarray) -> Target:
        """The same rate for ``rows`` only."""
        return Target(self.num[rows], self.den[rows], self.den_sq[rows], self.burden)


@dataclass(frozen=True)
class Candidate:
    """A rule, its members in the find half and its score (the ratio's lower bound)."""

    conditions: tuple[Condition, ...]
    members: np.ndarray
    score: float


def scores(
    target: Target,
    num: np.ndarray,
    den: np.ndarray,
    den_sq: np.ndarray,
    *,
    confidence: float,
) -> np.ndarray:
    """Lower confidence bound of each group's ratio to everyone else, in the direction
    that is worse for the group (NaN where a side has no denominator).

    ``num``, ``den``, ``den_sq``: the groups' sums of the target's arrays.

    Examples
    --------
    >>> t = Target(np.r_[np.ones(30), np.zeros(70), np.ones(15), np.zeros(85)],
    ...            np.ones(200), np.ones(200), burden=True)
    >>> round(float(scores(t, np.r_[30.0], np.r_[100.0], np.r_[100.0], confidence=0.95)[0]), 3)
    1.149
    """
    total_num, total_den, total_sq = target.num.sum(), target.den.sum(), target.den_sq.sum()
    rest_num, rest_den, rest_sq = total_num - num, total_den - den, total_sq - den_sq

    def effective(k: np.ndarray, n: np.ndarray, sq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(divide="ignore", invalid="ignore"):
            n_eff = np.where(sq > 0, n * n / np.where(sq > 0, sq, 1.0), 0.0)
            k_eff = np.where(n > 0, k / np.where(n > 0, n, 1.0) * n_eff, 0.0)
        return k_eff, n_eff

    k1, n1 = effective(num, den, den_sq)
    k2, n2 = effective(rest_num, rest_den, rest_sq)
    if target.burden:
        low, _ = ratio_interval(k1, n1, k2, n2, confidence=confidence)
    else:
        low, _ = ratio_interval(k2, n2, k1, n1, confidence=confidence)
    return np.where((n1 > 0) & (n2 > 0), low, np.nan)


def search_combinations(
    labels: Mapping[str, np.ndarray],
    target: Target,
    *,
    depth: int,
    min_size: int,
    max_groups: int,
    confidence: float,
) -> list[Candidate]:
    """The best-scoring combinations of attribute values (see the module notes).

    ``labels``: each attribute's group label per person of the find half.
    """
    names = list(labels)
    codes: dict[str, np.ndarray] = {}
    levels: dict[str, np.ndarray] = {}
    for a in names:
        c, u = pd.factorize(pd.Series(labels[a], dtype=object), sort=True)
        codes[a], levels[a] = c.astype(np.int64), np.asarray(u, dtype=object)
    found: list[tuple[float, tuple[Condition, ...]]] = []
    for k in range(1, min(depth, len(names)) + 1):
        for combo in combinations(names, k):
            shape = tuple(len(levels[a]) for a in combo)
            flat = np.ravel_multi_index(tuple(codes[a] for a in combo), shape)
            cells, inverse = np.unique(flat, return_inverse=True)
            people = np.bincount(inverse, minlength=len(cells))
            keep = people >= min_size
            if not keep.any():
                continue
            sums = [
                np.bincount(inverse, weights=x, minlength=len(cells))[keep]
                for x in (target.num, target.den, target.den_sq)
            ]
            score = scores(target, *sums, confidence=confidence)
            for cell, s in zip(cells[keep], score, strict=True):
                if not s > 1:
                    continue
                idx = np.unravel_index(int(cell), shape)
                conditions = tuple(
                    Condition(a, values=(str(levels[a][i]),))
                    for a, i in zip(combo, idx, strict=True)
                )
                found.append((float(s), conditions))
    # best first; ties: fewer conditions, then the rule's text (a stable order)
    found.sort(key=lambda t: (-t[0], len(t[1]), " and ".join(c.describe() for c in t[1])))
    return _prune(found, labels, max_groups)


def _prune(
    found: Sequence[tuple[float, tuple[Condition, ...]]],
    labels: Mapping[str, np.ndarray],
    max_groups: int,
) -> list[Candidate]:
    kept: list[Candidate] = []
    sets: list[frozenset[tuple[str, str]]] = []
    for score, conditions in found:
        mine = frozenset((c.column, c.values[0]) for c in conditions)
        if any(mine <= other or other <= mine for other in sets):
            continue  # narrows or widens a kept one: the same signal
        members = np.ones(len(next(iter(labels.values()))), dtype=bool)
        for c in conditions:
            members &= c.mask(labels[c.column])
        if nested(members, kept):
            continue
        kept.append(Candidate(conditions, members, score))
        sets.append(mine)
        if len(kept) == max_groups:
            break
    return kept


def nested(members: np.ndarray, kept: Sequence[Candidate]) -> bool:
    """Whether ``members`` (find half) lie within, or contain, a kept candidate's
    members: other words for (part of) the same people and the same signal."""
    return any(not (members & ~k.members).any() or not (k.members & ~members).any() for k in kept)
