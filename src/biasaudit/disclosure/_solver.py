"""Cell suppression, block by block: the one recoverability check of biasaudit.

Every table biasaudit publishes is a set of sums over a *block*: a table of people
whose cells are the groups of one attribute (or of one intersection of attributes)
and whose columns are *layers*, the disjoint kinds of people in a group (e.g. flagged
and fraud found, flagged and nothing found, ...). A group of the block is a set of
its cells: each cell, each group of a coarser attribute (a margin) and everyone.
Every published count is the sum of one group over a set of layers.

The rule (DESIGN.md §4): no count of 1 to ``min_cell - 1`` people, published or not,
may be computable exactly from what is published. A count is computable exactly
when its vector (over the block's cells x layers) lies in the span of the published
sums' vectors; counts that are already known (a cell whose every layer is published)
are constants, so the check needs only the cells that are not fully published,
which keeps the linear algebra small whatever the size of the data.

What is withheld comes in *levels*: each published sum of a group has a rank, and a
group at level ``L`` withholds its sums of rank ``L`` or less (for decision records:
1 = the outcome-based sums, 2 = also the flagged count, 3 = also the group size).
Primary suppression raises a group to the level of its small count; complementary
suppression then raises, one at a time, the cheapest other group whose withholding
protects an exposed count: the smallest cells of the block first, margins only when
no cell suffices, everyone last (as statistical offices' cell-suppression tools do,
table block by table block). Blocks that share a group (an attribute's groups are
the margins of its intersections) are solved again until none changes. A group that
two blocks share, with no block holding both (two attributes without their
intersection share everyone), is how one block's published sums reach the other: each
takes the group's withheld sums as unknown, so none may be computable in either,
whatever its size. (A shared group that is a cell of one of the blocks, such as a
group's score range, is guarded there by the line rule of ``_lines``.)

Counts that can be narrowed to a range but not computed exactly are not protected
further (no interval-disclosure control). Cells that are themselves only known as
ranges (an aggregated table whose source hid them) are unknowns to everyone: they
protect their neighbours and never need withholding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

Key = Any  # any hashable: a group, a cell, a range of score bins

#: Relative tolerance of the span test (the vectors hold small integers).
_TOL = 1e-8


@dataclass(frozen=True)
class Block:
    """One table of people: its cells and the groups published over them.

    Parameters
    ----------
    name : str
        For messages (e.g. the attribute or intersection).
    cells : sequence of Key
        The finest groups of the block (each is also a group).
    groups : dict
        Every group of the block (cells, margins, everyone) -> the indices of the
        cells it sums. A group that publishes nothing (no entry in
        ``Problem.sums``) is a count to protect only, e.g. a range of score bins.
    weights : dict, optional
        Group -> one weight per member cell, for published sums that are not counts
        of people (e.g. the sum of scores behind a mean). Such a group is only ever
        published knowledge, never a count to protect.
    """

    name: str
    cells: tuple[Key, ...]
    groups: dict[Key, tuple[int, ...]]
    weights: dict[Key, np.ndarray] = field(default_factory=dict)


@dataclass
class Problem:
    """What is published, over which blocks, and the counts behind it.

    Parameters
    ----------
    layers : sequence of str
        The layers (disjoint kinds of people) every group is split into.
    values : dict
        Group -> people per layer (every group of every block).
    sums : dict
        Group -> list of ``(layer mask, rank)``: the sums the outputs publish for it.
    blocks : sequence of Block
    min_cell : int
    exact : dict, optional
        Group -> per-layer flag: False where the count is known only as a range
        (an aggregated table's hidden cell). Missing groups are exact.
    always : sequence of (Key, layer mask), optional
        Sums everyone knows whatever biasaudit withholds (e.g. the totals an
        aggregated table's source published).
    max_rank : int
        The rank of the group size (withholding it withholds every sum).
    forced : dict, optional
        Group -> level it starts at (withheld elsewhere, e.g. a group the results
        table withholds, in the score tables); reported as complementary.
    priority : dict, optional
        Group -> how much its rows matter to readers (default 0): complementary
        suppression withholds lower priorities first, then smaller groups.
    """

    layers: tuple[str, ...]
    values: dict[Key, np.ndarray]
    sums: dict[Key, list[tuple[np.ndarray, int]]]
    blocks: Sequence[Block]
    min_cell: int
    exact: dict[Key, np.ndarray] = field(default_factory=dict)
    always: Sequence[tuple[Key, np.ndarray]] = ()
    max_rank: int = 3
    forced: dict[Key, int] = field(default_factory=dict)
    priority: dict[Key, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Withheld:
    """The solution: each group's level and why it was raised."""

    level: dict[Key, int]
    primary: dict[Key, int]

    def hides(self, key: Key, rank: int) -> bool:
        """Whether a sum of ``key`` with ``rank`` is withheld."""
        return self.level.get(key, 0) >= rank

    def reason(self, key: Key, rank: int) -> str:
        """``"primary"``, ``"complementary"`` or ``""`` for a sum of ``key``."""
        if not self.hides(key, rank):
            return ""
        return "primary" if self.primary.get(key, 0) >= rank else "complementary"


def solve(problem: Problem) -> Withheld:
    """Withhold the fewest sums so that no small count can be computed exactly.

    Returns
    -------
    Withheld
        Each group's level (0: everything published).

    Examples
    --------
    Two groups and their total, one layer: a group of 3 people is withheld, and so is
    the other group, which would otherwise give it away by difference.

    >>> one = np.array([True])
    >>> p = Problem(
    ...     layers=("people",),
    ...     values={"a": np.array([3]), "b": np.array([40]), "all": np.array([43])},
    ...     sums={g: [(one, 1)] for g in ("a", "b", "all")},
    ...     blocks=[Block("g", ("a", "b"), {"a": (0,), "b": (1,), "all": (0, 1)})],
    ...     min_cell=10,
    ...     max_rank=1,
    ... )
    >>> w = solve(p)
    >>> w.reason("a", 1), w.reason("b", 1), w.reason("all", 1)
    ('primary', 'complementary', '')
    """
    # many small matrices: BLAS threads only contend (100x slower on a busy machine)
    with threadpool_limits(1, user_api="blas"):
        return _Solver(problem).run()


class _Solver:
    def __init__(self, problem: Problem) -> None:
        self.p = problem
        self.level: dict[Key, int] = {}
        self.primary: dict[Key, int] = {}
        k = len(problem.layers)
        self.subsets = [
            np.array([j in s for j in range(k)])
            for r in range(1, k + 1)
            for s in combinations(range(k), r)
        ]
        self._masks = np.array(self.subsets, float).reshape(len(self.subsets), k)
        self._needed: dict[tuple[Key, int], int] = {}
        self._bases: dict[tuple[Key, int], np.ndarray] = {}
        self._frees: dict[tuple[Key, int], np.ndarray] = {}
        self._always: dict[Key, list[np.ndarray]] = {}
        self._members: dict[str, tuple[dict[Key, int], Any]] = {}
        self._unfixable: set[tuple[Key, bytes]] = set()
        self._linked: dict[int, set[Key]] = {}  # id(block) -> groups shared as above
        self._all_exact = np.ones(k, bool)
        self._all_exact.flags.writeable = False  # shared by every exact group
        for key, mask in problem.always:
            self._always.setdefault(key, []).append(mask)

    # ---- what a group publishes -------------------------------------------------
    def _exact(self, key: Key) -> np.ndarray:
        got = self.p.exact.get(key)
        return self._all_exact if got is None else got

    def _published(self, key: Key) -> list[np.ndarray]:
        """Layer masks of the exact sums ``key`` publishes at its current level."""
        level, exact = self.level.get(key, 0), self._exact(key)
        return [
            mask for mask, rank in self.p.sums.get(key, ()) if rank > level and exact[mask].all()
        ]

    def _needed_level(self, key: Key, mask: np.ndarray) -> int:
        """The lowest level at which ``key``'s own sums no longer give ``mask`` away."""
        memo = (key, int(np.packbits(mask, bitorder="little")[0]) if len(mask) <= 8 else -1)
        if memo[1] >= 0 and memo in self._needed:
            return self._needed[memo]
        if not self.p.sums.get(key):  # a count to protect only: any sum will do
            return 1
        target = mask.astype(float)
        live = self.p.values[key] != 0  # a zero layer adds nothing (a funnel's may be < 0)
        target = target * live
        out = self.p.max_rank
        for level in range(1, self.p.max_rank + 1):
            rest = [m.astype(float) * live for m, rank in self.p.sums.get(key, ()) if rank > level]
            if not rest or not _in_span(np.array(rest), target[None, :])[0]:
                out = level
                break
        if memo[1] >= 0:
            self._needed[memo] = out
        return out

    # ---- main loop --------------------------------------------------------------
    def run(self) -> Withheld:
        p = self.p
        if p.min_cell <= 1:
            return Withheld({}, {})
        weighted = {key for block in p.blocks for key in block.weights}
        for key, level in p.forced.items():  # withheld elsewhere: complementary here
            self._raise(key, level)
        for key, sums in p.sums.items():  # primary: every small count published
            if key in weighted:
                continue
            values, exact = p.values[key], self._exact(key)
            for mask, rank in sums:
                v = values[mask].sum()
                if exact[mask].all() and 1 <= v < p.min_cell:
                    self._raise(key, rank, primary=True)
        of_group: dict[Key, list[int]] = {}
        for b, block in enumerate(p.blocks):
            for key in block.groups:
                of_group.setdefault(key, []).append(b)
        # a group that is a cell of some block is guarded there by its lines (_lines)
        cells_anywhere = {c for block in p.blocks for c in block.cells}
        together = _held_together([set(block.groups) for block in p.blocks])
        for b, block in enumerate(p.blocks):
            self._linked[id(block)] = {  # shared with a block no block holds with this one
                k
                for k in block.groups
                if k not in cells_anywhere and any(o not in together[b] for o in of_group[k])
            }
        todo = list(range(len(p.blocks)))
        queued = set(todo)
        rounds = 0
        while todo:
            rounds += 1
            if rounds > 50 * len(p.blocks) + 100:  # cannot happen: levels only rise
                raise RuntimeError("disclosure control did not settle; please report this")
            b = todo.pop(0)
            queued.discard(b)
            for key in self._solve_block(p.blocks[b]):
                for other in of_group[key]:
                    if other not in queued:
                        todo.append(other)
                        queued.add(other)
        return Withheld(dict(self.level), dict(self.primary))

    def _raise(self, key: Key, level: int, *, primary: bool = False) -> bool:
        if self.level.get(key, 0) >= level:
            return False
        self.level[key] = level
        if primary:
            self.primary[key] = max(self.primary.get(key, 0), level)
        return True

    def _solve_block(self, block: Block) -> set[Key]:
        """Raise levels in ``block`` until no small count is exposed; the raised groups."""
        changed: set[Key] = set()
        targets = self._targets(block)
        if targets and self.p.always:  # counts the source's own cells give away anyway
            before = dict(self.level)
            self.level.update(dict.fromkeys(block.groups, self.p.max_rank))
            public = {(k, m.tobytes()) for k, m, _ in self._exposed(block, targets)}
            self.level = before
            targets = [t for t in targets if (t[0], t[1].tobytes()) not in public]
        if not targets and not self._linked_targets(block):
            return changed
        small = targets
        while True:
            changed |= self._lines(block)
            # withheld sums of linked groups grow with the levels: look again each round
            targets = [*small, *self._linked_targets(block)]
            exposed = self._exposed(block, targets) if targets else []
            if not exposed:
                return changed
            seen: set[Key] = set()
            moved = False
            for key, mask, value in exposed:  # one fix per group and round, smallest first
                if key in seen or (key, mask.tobytes()) in self._unfixable:
                    continue
                seen.add(key)
                need = self._needed_level(key, mask)
                mine = self.p.sums.get(key)
                if mine and self._raise(key, need):  # its own sums give it away
                    changed.add(key)
                    moved = True
                    continue
                pick = self._complement(block, key, mask, need)
                if pick is not None and self._raise(*pick):
                    changed.add(pick[0])
                    moved = True
                    continue
                # nothing cheap helps: withhold every sum sharing its people
                share, fixed = set(block.groups[key]), False
                for g, members in block.groups.items():
                    if (
                        g not in block.weights
                        and self.p.sums.get(g)
                        and share & set(members)
                        and self._raise(g, need)
                    ):
                        changed.add(g)
                        fixed = moved = True
                if not fixed and not 1 <= value < self.p.min_cell:  # a withheld linked sum
                    pick = self._escalate(block, key)
                    if pick is not None:
                        self._raise(pick, self.level.get(pick, 0) + 1)
                        changed.add(pick)
                        fixed = moved = True
                if not fixed:  # only sums everyone knows anyway give it away
                    self._unfixable.add((key, mask.tobytes()))
            if not moved and all((k, m.tobytes()) in self._unfixable for k, m, _ in exposed):
                return changed

    def _escalate(self, block: Block, key: Key) -> Key | None:
        """The cheapest other group of ``key``'s people that can withhold more, if any."""
        cells, mine = set(block.cells), set(block.groups[key])
        options = [
            g
            for g in block.groups
            if g != key
            and g not in block.weights
            and self.level.get(g, 0) < self.p.max_rank
            and self.p.values[g].sum() > 0
            and set(block.groups[g]) & mine
        ]
        if not options:
            return None
        return min(options, key=lambda g: (g not in cells, float(self.p.values[g].sum())))

    def _lines(self, block: Block) -> set[Key]:
        """Classic complementary suppression along the block's lines, to a fixed point.

        A published total (a margin, everyone) with exactly one withheld member gives
        that member away by difference: withhold the cheapest other member too. A
        withheld total whose members are all published is their sum: withhold its
        cheapest member. This settles most blocks; the exact check catches the rest.
        """
        changed: set[Key] = set()
        cells = block.cells
        people = np.array([float(self.p.values[c].sum()) for c in cells])
        exact = np.array([bool(self._exact(c).all()) for c in cells], dtype=bool)
        lines = [
            (g, np.asarray(members), max((r for _, r in self.p.sums.get(g, ())), default=0))
            for g, members in block.groups.items()
            if len(members) > 1 and self.p.values[g].sum() > 0 and g not in block.weights
        ]
        through: dict[int, list[int]] = {}  # cell -> the lines it lies on
        for n, (_, members, _) in enumerate(lines):
            for i in members:
                through.setdefault(int(i), []).append(n)

        for level in range(self.p.max_rank, 0, -1):
            # unknown to the attacker at this level; kept up to date as cells are raised
            levels = np.array([self.level.get(c, 0) for c in cells])
            is_open = (people > 0) & ((levels >= level) | ~exact)
            open_on = np.array([int(is_open[m].sum()) for _, m, _ in lines], dtype=int)

            def cost(
                i: int, line: int, level: int = level, open_on: np.ndarray = open_on
            ) -> tuple[int, int, float]:
                # a partner that also mends another line with one withheld member is
                # cheapest (the rectangle of a two-way table); one that would leave a
                # new line with a single withheld member costs a further partner
                mends = opens = 0
                for n in through.get(i, ()):
                    g, _, top = lines[n]
                    if n == line or top < level or self.level.get(g, 0) >= level:
                        continue
                    mends += open_on[n] == 1
                    opens += open_on[n] == 0
                return (opens - mends, 0 if self.level.get(cells[i], 0) > 0 else 1, people[i])

            moved = True
            while moved:
                moved = False
                for n, (g, members, top) in enumerate(lines):
                    if top < level:  # publishes nothing at this level
                        continue
                    withheld = self.level.get(g, 0) >= level
                    if (not withheld and open_on[n] != 1) or (withheld and open_on[n]):
                        continue
                    others = members[(people[members] > 0) & ~is_open[members]]
                    if not len(others):
                        continue
                    costs = [cost(int(i), n) for i in others]
                    i = int(others[costs.index(min(costs))])
                    self._raise(cells[i], level)
                    changed.add(cells[i])
                    is_open[i] = True
                    for m in through[i]:
                        open_on[m] += 1
                    moved = True
        return changed

    def _targets(self, block: Block) -> list[tuple[Key, np.ndarray, float]]:
        """Every small exact count of every group of the block: (group, layers, value)."""
        out = []
        lo, hi = 1, self.p.min_cell
        for key in block.groups:
            if key in block.weights:
                continue
            values, exact = self.p.values[key], self._exact(key)
            for mask in self.subsets:
                v = values[mask].sum()
                if lo <= v < hi and exact[mask].all():
                    out.append((key, mask, float(v)))
        out.sort(key=lambda t: t[2])
        return out

    def _linked_targets(self, block: Block) -> list[tuple[Key, np.ndarray, float]]:
        """Every exact sum a group linked to another block (module notes) withholds now,
        small or not: (group, layers, value)."""
        out = []
        for key in self._linked.get(id(block), ()):
            if not self.level.get(key, 0) or key in block.weights:
                continue
            values, exact = self.p.values[key], self._exact(key)
            live = values != 0
            masks = self._masks * live
            every = [m for m, _ in self.p.sums.get(key, ())] + self._always.get(key, [])
            if not every:
                continue
            known = self._known_sums(key)
            full = _in_span(np.array(every, float) * live, masks)
            now = _in_span(np.array(known, float) * live, masks) if known else ~masks.any(1)
            for i in np.flatnonzero(full & ~now):
                mask = self.subsets[i]
                if exact[mask].all() and (key, mask.tobytes()) not in self._unfixable:
                    out.append((key, mask, float(values[mask].sum())))
        return out

    def _system(self, block: Block) -> tuple[np.ndarray, list[Any]]:
        """The block's published sums over what is still unknown of its cells.

        A cell's own published sums are eliminated exactly: each cell keeps only the
        directions of its layers that they leave open (``free``), so the system has
        one row per independent published sum of a margin and one column per open
        direction of a cell, however many people and cells the block has. Returns
        the system and, per layer, each cell's coordinates (a cells x width matrix:
        a cell's directions are its own columns, so a large block holds it sparse and
        never as a dense cells x layers x width array).
        """
        frees = [self._free(cell) for cell in block.cells]
        sizes = np.array([f.shape[1] for f in frees], dtype=int)
        width = int(sizes.sum())
        k = len(self.p.layers)
        rows = np.repeat(np.arange(len(block.cells)), sizes)
        cols = np.arange(width)
        values = (
            np.concatenate([f for f in frees if f.shape[1]], axis=1) if width else np.zeros((k, 0))
        )
        shape = (len(block.cells), width)
        dense = _small(block)
        coords = [_matrix(values[layer], rows, cols, shape, dense) for layer in range(k)]
        index, members = self._membership(block)
        cells = set(block.cells)
        bases = [(index[key], self._basis(key)) for key in block.groups if key not in cells]
        bases = [(i, basis) for i, basis in bases if len(basis)]
        if not bases:
            return np.zeros((0, width)), coords
        # every margin's sums over the open directions: its basis (rows x layers) times
        # its per-layer totals, as one product per layer
        row_of = np.repeat(np.arange(len(bases)), [len(b) for _, b in bases])
        weights = np.vstack([b for _, b in bases])  # (rows, layers)
        margins = members[[i for i, _ in bases]]
        matrix: Any = np.zeros((len(weights), width))
        for layer in range(k):
            spread = _matrix(
                weights[:, layer],
                np.arange(len(weights)),
                row_of,
                (len(weights), len(bases)),
                dense,
            )
            matrix = matrix + spread @ (margins @ coords[layer])
        system = _dense(matrix)
        return system[np.abs(system).max(axis=1, initial=0.0) > _TOL], coords

    def _membership(self, block: Block) -> tuple[dict[Key, int], Any]:
        """Each group's row of a groups x cells matrix (weights where given)."""
        memo = self._members.get(block.name)
        if memo is None:
            index = {key: i for i, key in enumerate(block.groups)}
            rows, cols, vals = [], [], []
            for key, i in index.items():
                scale = block.weights.get(key)
                for j, c in enumerate(block.groups[key]):
                    rows.append(i)
                    cols.append(c)
                    vals.append(1.0 if scale is None else float(scale[j]))
            shape = (len(index), len(block.cells))
            matrix = _matrix(np.array(vals), rows, cols, shape, _small(block))
            memo = self._members[block.name] = (index, matrix)
        return memo

    def _vectors(
        self, block: Block, coords: Sequence[Any], items: Sequence[tuple[Key, np.ndarray]]
    ) -> Any:
        """Each (group, layer mask) as a vector over the open directions (rows)."""
        width = coords[0].shape[1] if coords else 0
        if not items:
            return np.zeros((0, width))
        index, members = self._membership(block)
        picked = members[[index[key] for key, _ in items]]
        masks = np.array([np.asarray(m, float) for _, m in items])
        out: Any = np.zeros((len(items), width)) if _small(block) else None
        for layer, layer_coords in enumerate(coords):
            part = _scale_rows(picked @ layer_coords, masks[:, layer])
            out = part if out is None else out + part
        if out is None:
            return np.zeros((len(items), width))
        return out.tocsr() if hasattr(out, "tocsr") else out

    def _known_sums(self, key: Key) -> list[np.ndarray]:
        """Layer masks of every exact sum of ``key`` anyone can read."""
        return [*self._published(key), *self._always.get(key, ())]

    def _basis(self, key: Key) -> np.ndarray:
        """Orthonormal basis of the sums of ``key`` anyone can read (over layers)."""
        memo = (key, self.level.get(key, 0))
        if memo not in self._bases:
            sums = self._known_sums(key)
            self._bases[memo] = _row_basis(np.array(sums, float)) if sums else np.zeros((0, 0))
        return self._bases[memo]

    def _free(self, cell: Key) -> np.ndarray:
        """Directions of a cell's layers (columns) that no published sum determines.

        Layers without people are known to be empty (the cautious choice: an attacker
        may know them), unless the count is only known as a range.
        """
        memo = (cell, self.level.get(cell, 0))
        if memo not in self._frees:
            k = len(self.p.layers)
            open_layers = (self.p.values[cell] != 0) | ~self._exact(cell)
            projector = np.diag(open_layers.astype(float))
            sums = self._known_sums(cell)
            if sums:
                known = _row_basis(np.array(sums, float) * open_layers)
                projector = projector - known.T @ known
            values, vectors = np.linalg.eigh(projector)
            self._frees[memo] = vectors[:, values > 0.5] if k else np.zeros((0, 0))
        return self._frees[memo]

    def _exposed(
        self, block: Block, targets: list[tuple[Key, np.ndarray, float]]
    ) -> list[tuple[Key, np.ndarray, float]]:
        matrix, coords = self._system(block)
        vectors = self._vectors(block, coords, [(key, mask) for key, mask, _ in targets])
        hit = _in_span(matrix, vectors)
        return [t for t, h in zip(targets, hit, strict=True) if h]

    def _complement(
        self,
        block: Block,
        key: Key,
        mask: np.ndarray,
        need: int,
    ) -> tuple[Key, int] | None:
        """The cheapest group (and level) whose withholding protects ``(key, mask)``."""
        cells = set(block.cells)
        everyone = max(block.groups, key=lambda g: len(block.groups[g]))
        share = set(block.groups[key])

        def cost(g: Key) -> tuple[int, int, int, float]:
            tier = 0 if g in cells else (2 if g == everyone else 1)
            people = int(self.p.values[g].sum())
            return (tier, self.p.priority.get(g, 0), people, float(len(block.groups[g])))

        for level in (need,):  # a count of one level never costs a higher level's rows
            candidates = sorted(
                (
                    g
                    for g in block.groups
                    if g != key
                    and g not in block.weights
                    and self.level.get(g, 0) < level
                    and any(r <= level for _, r in self.p.sums.get(g, ()))
                    and np.any(self.p.values[g][mask] != 0)  # a funnel layer may be < 0
                ),
                key=cost,
            )
            if not candidates:
                continue
            me = [(key, mask, 0.0)]
            for g in candidates[:16]:
                before = self.level.get(g, 0)
                self.level[g] = level
                safe = not self._exposed(block, me)
                self.level[g] = before
                if safe:
                    return g, level
            # no single group suffices (a table of two dimensions needs a rectangle):
            # withhold the cheapest one that shares the count's people, and look again
            pick = next((g for g in candidates if set(block.groups[g]) & share), candidates[0])
            return pick, level
        return None


# A block this small is held as dense arrays: scipy's sparse matrices cost about
# 0.1 ms each to build, which dominates the many tiny blocks of score and funnel
# tables; larger blocks (a 5-way intersection has 28,800 cells) stay sparse.
_DENSE_CELLS = 400


def _small(block: Block) -> bool:
    return len(block.cells) <= _DENSE_CELLS


def _matrix(values: Any, rows: Any, cols: Any, shape: tuple[int, int], dense: bool) -> Any:
    """``values`` placed at ``(rows, cols)`` (duplicates summed), dense or sparse."""
    if dense:
        out = np.zeros(shape)
        np.add.at(out, (np.asarray(rows, int), np.asarray(cols, int)), values)
        return out
    from scipy import sparse

    return sparse.csr_matrix((values, (rows, cols)), shape=shape)


def _scale_rows(matrix: Any, factors: np.ndarray) -> Any:
    if isinstance(matrix, np.ndarray):
        return factors[:, None] * matrix
    from scipy import sparse

    return sparse.diags(factors) @ matrix


def _dense(matrix: Any) -> np.ndarray:
    return matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)


def _held_together(groups: Sequence[set[Key]]) -> list[set[int]]:
    """For each block, the blocks that some block holds together with it.

    Blocks ``b`` and ``o`` are held together when one block's groups include both of
    theirs: when both are among the blocks that block contains. Computed from each
    block's contained blocks (a quadratic number of subset tests) instead of testing
    every pair against every block.
    """
    together: list[set[int]] = [set() for _ in groups]
    for outer in groups:
        inside = [o for o, g in enumerate(groups) if len(g) <= len(outer) and g <= outer]
        for b in inside:
            together[b].update(inside)
    return together


def _row_basis(matrix: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the row space of a small matrix."""
    if not len(matrix):
        return np.zeros((0, matrix.shape[1] if matrix.ndim == 2 else 0))
    _, s, vt = np.linalg.svd(matrix, full_matrices=False)
    return vt[s > max(s.max(initial=0.0), 1.0) * _TOL]


def _in_span(matrix: np.ndarray, vectors: Any) -> np.ndarray:
    """Whether each row of ``vectors`` (dense, or sparse rows) lies in the row space
    of ``matrix``.

    Sparse rows (a block's counts over its open directions: most touch a few cells)
    are projected without making them dense; only the rows that the projection leaves
    close to the span get the exact residual, a few thousand at a time, so a block
    with a hundred thousand small counts never holds them all as dense vectors.
    """
    if not hasattr(vectors, "toarray"):
        vectors = np.atleast_2d(vectors)
    n, width = vectors.shape
    if width == 0:
        return np.ones(n, bool)  # nothing unknown: computable
    if not len(matrix):
        dense = vectors.toarray() if hasattr(vectors, "toarray") else vectors
        return np.linalg.norm(dense, axis=1) < _TOL
    basis = _row_basis(matrix)
    rows = np.arange(n)
    if hasattr(vectors, "toarray"):
        squares = np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel()
        projected = np.asarray(vectors @ basis.T)
        left = squares - np.sum(projected * projected, axis=1)  # |residual|^2, roughly
        # far from the span by a wide margin: not computable; the rest exactly
        rows = np.flatnonzero(left <= 1e-6 * np.maximum(squares, 1.0))
    out = np.zeros(n, bool)
    step = max(1, 4_000_000 // width)
    for start in range(0, len(rows), step):
        at = rows[start : start + step]
        chunk = vectors[at]
        chunk = chunk.toarray() if hasattr(chunk, "toarray") else chunk
        norms = np.linalg.norm(chunk, axis=1)
        residual = chunk - (chunk @ basis.T) @ basis
        out[at] = np.linalg.norm(residual, axis=1) <= _TOL * np.maximum(norms, 1.0) * 10
    return out


def subset_masks(k: int) -> list[np.ndarray]:
    """Every nonempty subset of ``k`` layers as a mask (for callers' targets)."""
    return [
        np.array([j in s for j in range(k)])
        for r in range(1, k + 1)
        for s in combinations(range(k), r)
    ]


RankOf = Callable[[np.ndarray], int]
