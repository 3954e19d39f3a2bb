"""Disclosure control of the results table (records, aggregated tables, samples).

Each row of the results table publishes counts of one group: its size, the metric's
numerator and denominator (or the whole population's, for shares of everyone) and,
for outcome metrics under selective labels, the counts behind the worst- and
best-case bounds. Each is a sum of the group's *partition cells* (TP, FP, FN, TN,
flagged and unflagged with unknown outcome). Every attribute, and every intersection
with the attributes and intersections it refines as its margins, is one block of
the one solver (:mod:`._solver`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..counts import ALL, OVERALL, PARTITION, CountTable, completion, partition_cells
from ..spec import INTERSECTION_SEP, REST_GROUP, MetricSpec, metric
from ._solver import Block, Problem, solve

GroupKey = tuple[str, str]

#: Ranks of a group's sums: withholding rank r withholds every sum of rank <= r.
OUTCOME, DECISION, SIZE = 1, 2, 3


def suppression(
    table: pd.DataFrame,
    counts: CountTable,
    specs: Sequence[MetricSpec],
    min_cell: int,
    *,
    exact: Mapping[GroupKey, np.ndarray] | None = None,
    always: Sequence[tuple[GroupKey, frozenset[str]]] = (),
    blocks: Sequence[Block] | None = None,
    unpublished: Mapping[GroupKey, np.ndarray] | None = None,
) -> pd.Series:
    """Why each row of the results table must not be published (``""`` = publish).

    Values: ``"primary"`` (a count of 1 to ``min_cell - 1`` people) or
    ``"complementary"`` (publishing it would let such a count be computed).

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with ``attribute, group, metric, value``.
    counts : CountTable
        The counts behind the rows; the rule counts people (rows), not weights.
    specs : sequence of MetricSpec
        The metrics of the rows.
    min_cell : int
        Counts of 1 to ``min_cell - 1`` people are protected; 0 or 1 turns it off.
    exact : mapping, optional
        Group -> per partition cell, False where the count is only known as a range
        (an aggregated table's hidden cells).
    always : sequence, optional
        Sums everyone knows anyway: (group, partition cells), e.g. an aggregated
        table's published totals.
    blocks : sequence of Block, optional
        The blocks to solve, instead of one per attribute and intersection (e.g. the
        overlapping subgroups of a discovery over their finest cells).
    unpublished : mapping, optional
        Cells of ``blocks`` that no row publishes -> people per partition cell: they
        start withheld, so the check treats them as unknowns to protect.
    """
    reason = pd.Series("", index=table.index, dtype=object)
    if min_cell <= 1 or table.empty:
        return reason
    people = _people(counts)
    keys = list(zip(people["attribute"], people["group"], strict=True))
    grid = people[list(PARTITION)].to_numpy(float)
    live = [j for j, c in enumerate(PARTITION) if grid[0, j] > 0 or _hidden(exact, j)]
    layers = tuple(PARTITION[j] for j in live)
    values = {key: grid[i, live] for i, key in enumerate(keys)}
    for key, cells in (unpublished or {}).items():
        values[key] = np.asarray(cells, float)[live]
    exact_live = {k: np.asarray(v, bool)[live] for k, v in (exact or {}).items()}

    def mask(cells: frozenset[str]) -> np.ndarray:
        return np.array([c in cells for c in layers])

    named = {s.name for s in specs}
    specs = [*specs, *(metric(m) for m in table["metric"].drop_duplicates() if m not in named)]
    plans = {
        (s.name, nan, rest): _plan(s, mask, rest=rest)[nan]
        for s in specs
        for nan in (False, True)
        for rest in (False, True)
    }
    # compared with everyone else: the complement's sums are everyone's less the group's
    rest = (table["reference_group"] == REST_GROUP) if "reference_group" in table else False
    rest = pd.Series(rest, index=table.index).to_numpy(bool)
    plan = list(zip(table["metric"], table["value"].isna(), rest, strict=True))
    keys_of = list(zip(table["attribute"], table["group"], strict=True))
    sums: dict[GroupKey, dict[bytes, tuple[np.ndarray, int]]] = {}
    size = mask(frozenset(PARTITION))
    by_group: dict[GroupKey, set[tuple[str, bool, bool]]] = {}
    for key, p in zip(keys_of, plan, strict=True):
        by_group.setdefault(key, set()).add(p)
    for key, got in by_group.items():
        for whose, (m, rank) in [("group", (size, SIZE)), *(x for p in got for x in plans[p])]:
            owner = key if whose == "group" else (OVERALL, ALL)
            sums.setdefault(owner, {})[m.tobytes()] = (m, rank)
    if unpublished:
        # a cell nobody publishes has every sum the groups publish, all withheld: the
        # level a partner must reach is that of the sums that would give it away
        every = {b: got for owner in sums.values() for b, got in owner.items()}
        for key in unpublished:
            sums[key] = dict(every)
    problem = Problem(
        layers=layers,
        values=values,
        sums={k: list(v.values()) for k, v in sums.items()},
        blocks=_blocks(keys) if blocks is None else blocks,
        min_cell=min_cell,
        forced=dict.fromkeys(unpublished or {}, SIZE),
        exact=exact_live,
        always=[(k, mask(cells)) for k, cells in always],
        max_rank=SIZE,
        # every comparison is with the reference group: withhold it last
        priority={
            (a, r): 1
            for a, r in zip(table["attribute"], table["reference_group"], strict=True)
            if isinstance(r, str) and r
        },
    )
    withheld = solve(problem)
    # a row is withheld when any sum it shows is; "primary" when one is a small count
    lowest = {
        p: (
            min([SIZE, *(r for w, (_, r) in got if w == "group")]),
            min([np.inf, *(r for w, (_, r) in got if w == "overall")]),
        )
        for p, got in plans.items()
    }
    own = np.array([lowest[p][0] for p in plan], float)
    of_all = np.array([lowest[p][1] for p in plan], float)
    level = np.array([withheld.level.get(k, 0) for k in keys_of], float)
    first = np.array([withheld.primary.get(k, 0) for k in keys_of], float)
    everyone = (OVERALL, ALL)
    hidden = (level >= own) | (withheld.level.get(everyone, 0) >= of_all)
    primary = (first >= own) | (withheld.primary.get(everyone, 0) >= of_all)
    reason[:] = np.where(primary, "primary", np.where(hidden, "complementary", ""))
    return reason


def _plan(
    spec: MetricSpec, mask: Callable[[frozenset[str]], np.ndarray], *, rest: bool = False
) -> dict[bool, list[tuple[str, tuple[np.ndarray, int]]]]:
    """The sums a row of ``spec`` publishes besides the group size, by "value is NaN".

    ``rest``: the row is compared with everyone else, whose counts are everyone's less
    the group's: everyone's numerator and denominator are published with it.
    """
    everything, flagged = mask(frozenset(PARTITION)), mask(partition_cells(["flagged"]))
    shown: list[tuple[str, frozenset[str]]] = [("group", partition_cells(spec.numerator))]
    others: list[tuple[str, frozenset[str]]] = []
    if rest and spec.scope == "group":  # shown with the row's value or without it
        others = [("overall", partition_cells(n)) for n in (spec.numerator, spec.denominator)]
    if spec.scope == "overall":  # e.g. share_of_flagged: flagged_all / ...
        shown.append(("overall", partition_cells(spec.denominator)))
    elif "expected_flagged" in spec.denominator:  # n_g * flagged_all / n_all
        shown += [("overall", partition_cells(["flagged"])), ("overall", frozenset(PARTITION))]
    else:
        shown.append(("group", partition_cells(spec.denominator)))
    bounds: list[tuple[str, frozenset[str]]] = []
    if spec.kind != "decision":
        # the note counts the flagged and unflagged without a known outcome, and the
        # worst/best-case bounds publish the corners
        bounds += [("group", frozenset({c})) for c in PARTITION[4:]]
        for guilty in (False, True):
            for unflagged_guilty in (False, True):
                for names in (spec.numerator, spec.denominator):
                    bounds.append(("group", completion(names, guilty, unflagged_guilty)))

    def sums(parts: list[tuple[str, frozenset[str]]]) -> list[tuple[str, tuple[np.ndarray, int]]]:
        out = []
        for whose, cells in parts:
            m = mask(cells)
            if m.any():
                out.append((whose, (m, _rank(m, everything, flagged))))
        return out

    return {False: sums([*shown, *bounds, *others]), True: sums([*bounds, *others])}


def _hidden(exact: Mapping[GroupKey, np.ndarray] | None, j: int) -> bool:
    return exact is not None and any(not np.asarray(v, bool)[j] for v in exact.values())


def _rank(m: np.ndarray, everything: np.ndarray, flagged: np.ndarray) -> int:
    """SIZE for the group size, DECISION for sums of the decision alone, else OUTCOME."""
    if (m == everything).all():
        return SIZE
    if (m == (flagged & everything)).all() or (m == (~flagged & everything)).all():
        return DECISION
    return OUTCOME


def _blocks(keys: Sequence[GroupKey]) -> list[Block]:
    """One block per attribute and per intersection, with the margins it refines."""
    names = list(dict.fromkeys(a for a, _ in keys if a != OVERALL))
    groups_of = {a: [g for b, g in keys if b == a] for a in names}
    blocks = []
    for name in names:
        parts = name.split(INTERSECTION_SEP)
        cells = [(name, g) for g in groups_of[name]]
        labels = [g.split(INTERSECTION_SEP) for g in groups_of[name]]
        if any(len(lab) != len(parts) for lab in labels):  # a label holding the separator
            labels = [[g] for g in groups_of[name]]
            parts = [name]
        members: dict[GroupKey, tuple[int, ...]] = {c: (i,) for i, c in enumerate(cells)}
        for other in names:
            sub = other.split(INTERSECTION_SEP)
            if other == name or not set(sub) < set(parts):
                continue
            where = [parts.index(a) for a in sub]
            index: dict[tuple[str, ...], list[int]] = {}
            for i, lab in enumerate(labels):
                index.setdefault(tuple(lab[w] for w in where), []).append(i)
            for g in groups_of[other]:
                got = index.get(tuple(g.split(INTERSECTION_SEP)), [])
                members[(other, g)] = tuple(got)
        members[(OVERALL, ALL)] = tuple(range(len(cells)))
        blocks.append(Block(name, tuple(cells), members))
    return blocks


def _people(counts: CountTable) -> pd.DataFrame:
    """Per-group counts of people (row counts), whatever the weights."""
    if not counts.weighted:
        return counts.table
    from ..counts import count_table

    if counts.base is None:  # never publish unchecked: say so instead
        raise ValueError(
            "disclosure control counts people, and these counts are weighted sums without "
            "the table of people they were summed from (CountTable.base). Got base=None "
            "with weighted=True. Pass min_cell=0 for an unpublished, restricted view."
        )
    names = counts.attributes()
    attributes = [a for a in names if INTERSECTION_SEP not in a]
    intersections = [a.split(INTERSECTION_SEP) for a in names if INTERSECTION_SEP in a]
    base = counts.base.assign(w=counts.base["rows"].astype(float))
    return count_table(base, attributes, intersections).table
