"""Disclosure control of the funnel table (people per group at each stage).

A row of the funnel table (attribute, group, stage) publishes three counts of the
group: at the stage, at the first stage (the group's size, behind the share) and at
the parent stage (behind the transition and its interval). In the one solver's terms
(:mod:`._solver`), the *layers* of a group are the disjoint kinds of people in it: for
each stage, the people who reached it but none of the stages right below it ("stopped
at" the stage; at a leaf, everyone there). A stage count is the sum of the layers of
its subtree, so every count a row publishes is a sum of layers, and so is every
protected quantity: a small count, 1 to ``min_cell - 1`` people who reached a stage
but not a later one, or who stopped at a stage.

Ranks: deeper stages are withheld first and, of two stages at one depth, the one
listed later (each stage has a rank of its own, so a small count takes a sibling
branch along only when it has to). The deepest stage has rank 1, the first stage (the
group size) the highest; a group at level ``L`` withholds its stages of rank ``L`` or
less, and a row is withheld when its stage is (its parent stage and the group size
rank higher). The blocks are those of the results table
(:func:`._results._blocks`): one per attribute, its groups the cells and everyone
(``(overall)``) the total.

Branches that overlap (a yes/no column per stage lets a person reach two sibling
stages) make a layer a count minus its children's counts, which may be negative. The
stage counts are still exactly the sums of their subtrees' layers (the sum
telescopes), so what is computable from what is published is the same; a cell's
layer that is not positive is taken as known to everyone, which only protects more.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._results import _blocks
from ._solver import Problem, Withheld, solve

if TYPE_CHECKING:
    from ..counts import Tree

GroupKey = tuple[str, str]


def funnel_suppression(
    table: pd.DataFrame,
    tree: Tree,
    min_cell: int,
    *,
    exact: Mapping[tuple[str, str, str], bool] | None = None,
) -> list[str]:
    """Why each row of a funnel must not be published (``""`` = publish).

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`biasaudit.counts._stages.FunnelCounts.table`: columns ``attribute, group, stage,
        count``, every attribute x group at every stage, ``(overall)`` included.
    tree : tuple of (str, str or None)
        Each stage with its parent stage, in funnel order.
    min_cell : int
        Counts of 1 to ``min_cell - 1`` people are protected; 0 or 1 turns it off.
    exact : mapping, optional
        (attribute, group, stage) -> whether the count is known exactly; False for a
        count the source published only as a range (a suppressed or rounded cell),
        whose ``count`` is then one value consistent with it. A layer is exact when
        its stage's count and those of the stages right below it are. Missing: every
        count is exact.

    Returns
    -------
    list of str
        One reason per row of ``table``.

    Examples
    --------
    Two groups of 100 people; 4 of group b reach "visit", and 64 in all: b's row at
    "visit" is withheld (primary), and so is a's (complementary: 64 - 60 = 4).

    >>> import pandas as pd
    >>> table = pd.DataFrame({
    ...     "attribute": ["(overall)"] * 2 + ["g"] * 4,
    ...     "group": ["(all)"] * 2 + ["a", "a", "b", "b"],
    ...     "stage": ["all", "visit"] * 3,
    ...     "count": [200, 64, 100, 60, 100, 4],
    ... })
    >>> funnel_suppression(table, (("all", None), ("visit", "all")), 10)
    ['', '', '', 'complementary: would let a suppressed count be computed', '', \
'a count of fewer than 10 people']
    """
    if min_cell <= 1 or table.empty:
        return [""] * len(table)
    names = [s for s, _ in tree]
    root = names[0]
    below = {s: [c for c, p in tree if p == s] for s in names}
    depth: dict[str, int] = {}
    for s, p in tree:  # parents come first
        depth[s] = 0 if p is None else depth[p] + 1
    order = sorted(names, key=lambda s: (-depth[s], -names.index(s)))  # rank 1 first
    rank = {s: i + 1 for i, s in enumerate(order)}
    subtree = {s: _subtree(s, below) for s in names}

    rows = list(zip(table["attribute"], table["group"], table["stage"], strict=True))
    count = dict(zip(rows, table["count"].to_numpy(float), strict=True))
    keys: list[GroupKey] = list(dict.fromkeys((a, g) for a, g, _ in rows))
    stopped = {
        key: np.array([count[(*key, s)] - sum(count[(*key, c)] for c in below[s]) for s in names])
        for key in keys
    }
    # a layer without anyone in any group is known to be empty: leave it out
    live = np.flatnonzero(np.any([v != 0 for v in stopped.values()], axis=0))
    masks = {
        s: np.isin(np.arange(len(names)), [names.index(t) for t in subtree[s]])[live]
        for s in names
    }
    published = [(masks[s], rank[s]) for s in names if masks[s].any()]
    known = {}
    if exact is not None:
        known = {
            key: np.array(
                [exact[(*key, s)] and all(exact[(*key, c)] for c in below[s]) for s in names]
            )[live]
            for key in keys
        }
    problem = Problem(
        layers=tuple(names[j] for j in live),
        values={key: v[live] for key, v in stopped.items()},
        sums={key: list(published) for key in keys},
        blocks=_blocks(keys),
        min_cell=min_cell,
        exact=known,
        max_rank=rank[root],
    )
    withheld = solve(problem)
    return [_reason(withheld, (a, g), s, count, tree, rank, min_cell) for a, g, s in rows]


def _subtree(stage: str, below: dict[str, list[str]]) -> list[str]:
    out, todo = [], [stage]
    while todo:
        s = todo.pop()
        out.append(s)
        todo += below[s]
    return out


def _reason(
    withheld: Withheld,
    key: GroupKey,
    stage: str,
    count: dict[tuple[str, str, str], float],
    tree: Tree,
    rank: dict[str, int],
    min_cell: int,
) -> str:
    """Why the row of ``key`` at ``stage`` is withheld, in words (``""``: it is not)."""
    if not withheld.hides(key, rank[stage]):
        return ""
    parent_of = dict(tree)
    root = tree[0][0]

    def small(x: float) -> bool:
        return 1 <= x < min_cell

    def at(s: str) -> float:
        return count[(*key, s)]

    if small(at(stage)):
        return f"a count of fewer than {min_cell} people"
    up = parent_of[stage]
    while up is not None:
        if small(at(up) - at(stage)):
            return f"fewer than {min_cell} people reached an earlier stage but not this one"
        up = parent_of[up]
    up = parent_of[stage]
    if up is not None:
        kids = [s for s, p in tree if p == up]
        if len(kids) > 1 and small(at(up) - sum(at(c) for c in kids)):
            return f"fewer than {min_cell} people stopped at {up!r}, which this would show"
        if withheld.hides(key, rank[root]):
            return f"the group's size at {root!r} is suppressed"
        if withheld.hides(key, rank[up]):
            return f"the count at {up!r} is suppressed"
    # a small count of the group ranked at or above this stage set the group's level
    first = [
        s
        for s, _ in tree
        if rank[stage] <= rank[s] <= withheld.primary.get(key, 0) and small(at(s))
    ]
    if first:
        return (
            f"withheld with the count at {first[0]!r}, fewer than {min_cell} people (a "
            "group's stages are withheld from the deepest up)"
        )
    return "complementary: would let a suppressed count be computed"
