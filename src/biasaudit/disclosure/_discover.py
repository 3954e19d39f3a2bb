"""Disclosure control of discovered subgroups: overlapping groups over their finest cells.

Discovered subgroups overlap (``gender = F and age_band = 18-29`` and ``income at most
14,000`` share people), and each is published with its complement, everyone else. Every
count the discoveries table shows is then a sum over the *finest cells* of the test
half: the people who are in exactly the same subgroups. Two overlapping subgroups'
published counts can give away a small finest cell by difference (a subgroup that all
but 4 members of another one belong to), so primary suppression of small rows is not
enough: the subgroups, their complements and everyone form one block of the one
recoverability check (:mod:`._solver`), whose cells are the finest cells, never
published, and protected like any group.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..counts import ALL, OVERALL, PARTITION, CountTable
from ..spec import metric
from ._publish import _with_reasons, publish
from ._results import suppression
from ._solver import Block

#: The group every discovered subgroup is compared with: the rest of the test half.
EVERYONE_ELSE = "everyone else"
_FINEST = "(finest cell)"


def mark_discoveries(
    table: pd.DataFrame,
    membership: np.ndarray | None,
    cells: np.ndarray,
    names: Sequence[str],
    *,
    min_cell: int,
) -> pd.DataFrame:
    """The discoveries' results table with ``suppressed`` set and reasons in ``note``.

    Parameters
    ----------
    table : pandas.DataFrame
        Results rows of the subgroups (attribute = subgroup name; group = its rule or
        :data:`EVERYONE_ELSE`) and of everyone (``(overall)``).
    membership : numpy.ndarray or None
        People x subgroups, True where the person is a member (None: no subgroup).
    cells : numpy.ndarray
        Each person's partition cell (``tp`` ... ``unflagged_unlabelled``).
    names : sequence of str
        The subgroups' names, in the order of ``membership``'s columns.
    min_cell : int
        Counts of 1 to ``min_cell - 1`` people are protected.

    Examples
    --------
    Two nested subgroups whose difference is 4 people: publishing both sizes would give
    the 4 away, so the larger one is withheld, with its complement (everyone less it).

    >>> import pandas as pd, numpy as np
    >>> inside = np.r_[np.ones(40, bool), np.zeros(60, bool)]
    >>> member = np.column_stack([inside, np.r_[np.ones(36, bool), np.zeros(64, bool)]])
    >>> cells = np.array(["fp"] * 100)
    >>> rows = [("(overall)", "(all)", "")] + [
    ...     (d, g, "everyone else" if g == "rest" else "in") for d in ("D1", "D2")
    ...     for g in ("in", "rest")]
    >>> t = pd.DataFrame({"attribute": [r[0] for r in rows],
    ...     "group": [r[1] if r[1] != "rest" else "everyone else" for r in rows],
    ...     "metric": "selection_rate", "value": 1.0, "reference_group": "everyone else",
    ...     "note": ""})
    >>> mark_discoveries(t, member, cells, ["D1", "D2"], min_cell=10)["suppressed"].tolist()
    [False, True, True, False, False]
    """
    out = table.copy()
    if min_cell <= 1 or out.empty:
        out["suppressed"] = False
        return out
    people, finest, groups = _finest(out, membership, cells, names)
    hidden = dict(finest)
    # two subgroups' overlap and difference (members of one but not the other) are the
    # classic attack by differencing: protected like the finest cells
    for key, members in _pairs(names, list(finest)).items():
        groups[key] = members
        hidden[key] = np.sum([finest[list(finest)[i]] for i in members], axis=0)
    block = Block("discovered subgroups", tuple(finest), groups)
    specs = [metric(m) for m in out["metric"].drop_duplicates()]
    why = suppression(out, people, specs, min_cell, blocks=[block], unpublished=hidden)
    return _with_reasons(out, list(why))


def _finest(
    table: pd.DataFrame, membership: np.ndarray | None, cells: np.ndarray, names: Sequence[str]
) -> tuple[CountTable, dict[tuple[str, str], np.ndarray], dict[tuple[str, str], tuple[int, ...]]]:
    """People per partition cell of every published group, of every finest cell, and
    the finest cells each group sums."""
    if membership is None or not len(names):
        patterns, inverse = np.zeros((1, 0), dtype=bool), np.zeros(len(cells), dtype=np.int64)
    else:
        membership = np.asarray(membership, dtype=bool).reshape(len(cells), len(names))
        patterns, inverse = np.unique(membership, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).ravel()
    layer = {c: j for j, c in enumerate(PARTITION)}
    which = np.array([layer[c] for c in cells], dtype=np.int64)
    grid = np.zeros((len(patterns), len(PARTITION)))
    np.add.at(grid, (inverse, which), 1.0)
    finest = {
        (_FINEST, "".join("1" if b else "0" for b in p)): grid[i] for i, p in enumerate(patterns)
    }
    keys = list(finest)
    groups: dict[tuple[str, str], tuple[int, ...]] = {k: (i,) for i, k in enumerate(keys)}
    described = {
        a: g
        for a, g in zip(table["attribute"], table["group"], strict=True)
        if a != OVERALL and g != EVERYONE_ELSE
    }
    rows = [(OVERALL, ALL, grid.sum(axis=0))]
    groups[(OVERALL, ALL)] = tuple(range(len(keys)))
    for j, name in enumerate(names):
        label = described.get(name, name)
        inside = tuple(int(i) for i in np.flatnonzero(patterns[:, j]))
        outside = tuple(int(i) for i in np.flatnonzero(~patterns[:, j]))
        groups[(name, label)] = inside
        groups[(name, EVERYONE_ELSE)] = outside
        rows.append((name, label, grid[list(inside)].sum(axis=0)))
        rows.append((name, EVERYONE_ELSE, grid[list(outside)].sum(axis=0)))
    frame = pd.DataFrame(
        [{"attribute": a, "group": g, **dict(zip(PARTITION, v, strict=True))} for a, g, v in rows]
    )
    return CountTable(frame), finest, groups


def _pairs(
    names: Sequence[str], finest: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, ...]]:
    """For each two subgroups, the finest cells of their overlap and of each one's
    members outside the other (those with people only)."""
    patterns = np.array([[c == "1" for c in key[1]] for key in finest], dtype=bool)
    out: dict[tuple[str, str], tuple[int, ...]] = {}
    seen: set[tuple[int, ...]] = set()
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i == j:
                continue
            for label, rows in (
                (f"{a} and {b}", patterns[:, i] & patterns[:, j]),
                (f"{a} not {b}", patterns[:, i] & ~patterns[:, j]),
            ):
                members = tuple(int(k) for k in np.flatnonzero(rows))
                if len(members) > 1 and members not in seen:
                    seen.add(members)
                    out[(_FINEST, label)] = members
    return out


def publish_discoveries(
    table: pd.DataFrame, searched: str, *, correction: str = "holm", family: str = "holm"
) -> pd.DataFrame:
    """The discoveries table as it may be published.

    Withheld rows are blanked as in the results table (:func:`publish`, whose
    ``p_adjusted`` is adjusted again over the published tests with ``correction``).
    ``discovery_p_adjusted`` keeps its adjustment (``family``) over every subgroup
    tested, which is what decided ``reported``; a value that was attained at a
    withheld test is blanked instead (it would give that test's p-value away).
    """
    out = publish(table, "results", correction=correction)
    if "discovery_p_adjusted" not in out:
        return out
    primary = (
        (table["metric"] == searched)
        & (table["group"] != EVERYONE_ELSE)
        & (table["attribute"] != OVERALL)
        & table["p_value"].notna()
    ).to_numpy()
    adjusted = np.full(len(out), np.nan)
    if primary.any():
        shown = out["p_value"].notna().to_numpy()[primary]
        adjusted[primary] = _attained(table.loc[primary, "p_value"].to_numpy(float), shown, family)
    out["discovery_p_adjusted"] = adjusted
    return out


def _attained(p: np.ndarray, shown: np.ndarray, method: str) -> np.ndarray:
    """Adjusted p-values over the whole family, blank where one is shown but attained
    at a withheld test (Holm's is a multiple of a smaller p-value, Benjamini and
    Hochberg's of a larger one: published, it would give the withheld one away).

    >>> _attained(np.array([0.001, 0.02, 0.5]), np.array([False, True, True]), "holm")
    array([ nan, 0.04, 0.5 ])
    """
    k = len(p)
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "holm":
        raw = (k - np.arange(k)) * ranked
        at = np.array([int(np.argmax(raw[: i + 1])) for i in range(k)])
    else:
        raw = k * ranked / np.arange(1, k + 1)
        at = np.array([i + int(np.argmin(raw[i:])) for i in range(k)])
    value = np.minimum(raw[at], 1.0)
    safe = shown[order][at] | (value >= 1.0)
    out = np.full(k, np.nan)
    out[order] = np.where(shown[order] & safe, value, np.nan)
    return out
