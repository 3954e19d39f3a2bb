"""Brute-force oracle for funnels with suppressed or rounded cells (issue 14).

Every whole-number completion of a small published funnel is enumerated: each cell
takes every value its published text allows, a stage never holds more people than
its parent stage, and (for several attributes) the attributes' groups add up to the
same people. Rates are computed by hand on each completion; their smallest and
largest values are what biasaudit's ranges must equal. Written without biasaudit.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np


def values(text: str, *, below: int = 10, rounding: int | None = None) -> list[int]:
    """Every count a published cell may hide: ``<k`` / blank / ``x``, or a rounded v."""
    text = text.strip()
    if text.startswith("<"):
        return list(range(int(text[1:])))
    if text in ("", "x"):
        return list(range(below))
    v = int(text)
    if rounding is None:
        return [v]
    half = rounding / 2
    return list(range(max(0, math.ceil(v - half)), math.floor(v + half) + 1))


def group_funnels(
    cells: Sequence[str], parents: Sequence[int | None], **read: int | None
) -> np.ndarray:
    """Every whole-number funnel of one published row (a row per funnel, stages as columns)."""
    options = [values(c, **read) for c in cells]  # type: ignore[arg-type]
    keep = [
        t
        for t in itertools.product(*options)
        if all(p is None or t[j] <= t[p] for j, p in enumerate(parents))
    ]
    return np.array(keep, dtype=np.int64).reshape(-1, len(cells))


def everyone(funnels: Mapping[str, np.ndarray]) -> np.ndarray:
    """Every funnel of the whole population: a sum of one funnel of each group (unique)."""
    total = np.zeros((1, next(iter(funnels.values())).shape[1]), dtype=np.int64)
    for rows in funnels.values():
        total = np.unique(
            (total[:, None, :] + rows[None, :, :]).reshape(-1, rows.shape[1]), axis=0
        )
    return total


def rate_range(funnels: np.ndarray, num: int, den: int) -> tuple[float, float] | None:
    """Smallest and largest ``funnel[num] / funnel[den]`` over funnels with den >= 1."""
    ok = funnels[:, den] >= 1
    if not ok.any():
        return None
    r = funnels[ok, num] / funnels[ok, den]
    return float(r.min()), float(r.max())
