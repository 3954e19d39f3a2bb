"""Funnels whose published stage counts are intervals (suppressed or rounded cells).

An office that publishes a funnel as stage counts per group often hides small cells
("<10", blank) or rounds every count (DESIGN.md §2, data shape 4). Each such cell is
an interval of whole numbers (read by :func:`~biasaudit.counts._tables.read_cell`, as
for tables of counts). The funnels of whole numbers consistent with the published
cells are the integer points of a polytope:

* each published cell (a row of the table at a stage) within its interval, >= 0;
* a stage holds no more people than its parent stage, row by row (so for every
  group and for everyone);
* every attribute's groups add up to the whole population at each stage (the
  whole population is not published: a funnel table has no total row, so
  ``total_is_sum`` has nothing to apply to).

:class:`FunnelModel` holds it as linear programs for :func:`scipy.optimize.linprog`
(HiGHS, with the fallbacks of :func:`~biasaudit.counts._margins._linprog`). Each
published cell is narrowed to the bounds the whole table implies (the continuous
relaxation's bounds, rounded inwards: sound for whole numbers). A rate (a group's
count at one stage over its count at another) is a linear-fractional program, solved
after the Charnes-Cooper transformation; an end whose optimal table is made of whole
numbers is the exact bound over whole-number funnels, and any other end is made
exact by Dinkelbach's iteration over integer programs. Only when that fails is the
relaxation's value kept, and :meth:`FunnelModel.ratio_span` says the end is an outer
bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import Problem, SolverError
from ._margins import LinearModel, _check, _linprog, interval_rows, span

_WHOLE = 1e-6  # how close to a whole number a solver's count must be to count as one
_DINKELBACH_STEPS = 60


class FunnelModel(LinearModel):
    """Every funnel of counts consistent with the published cells.

    Parameters
    ----------
    low, high : numpy.ndarray
        Published bounds, units (rows of the table) x stages.
    parents : sequence of int or None
        Each stage's parent stage (index), None for the first stage.
    partitions : sequence of sequence of int
        Units that add up to the whole population, one list per attribute.

    Notes
    -----
    Variables: each unit's count at each stage, then the whole population's
    (``(units + 1) x stages``, row-major). Every bound is a constraint row (none is a
    variable bound), so that the Charnes-Cooper transformation scales them all.
    """

    def __init__(
        self,
        low: np.ndarray,
        high: np.ndarray,
        parents: Sequence[int | None],
        partitions: Sequence[Sequence[int]],
    ) -> None:

        units, stages = low.shape
        self.units, self.stages = units, stages
        self.size = (units + 1) * stages
        ub: list[np.ndarray] = []
        ub_rhs: list[float] = []
        eq: list[np.ndarray] = []
        eq_rhs: list[float] = []
        for u in range(units):
            for j in range(stages):
                w = self.unit(u, j)
                interval_rows(w, float(low[u, j]), float(high[u, j]), ub, ub_rhs, eq, eq_rhs)
        for u in range(units + 1):  # a stage holds no more people than its parent
            for j, p in enumerate(parents):
                if p is not None:
                    ub.append(self.unit(u, j) - self.unit(u, p))
                    ub_rhs.append(0.0)
        for members in partitions:  # each attribute's groups make up everyone
            for j in range(stages):
                w = -self.unit(units, j)
                for u in members:
                    w += self.unit(u, j)
                eq.append(w)
                eq_rhs.append(0.0)
        bounds = np.column_stack([np.zeros(self.size), np.full(self.size, np.inf)])
        self._constraints(ub, ub_rhs, eq, eq_rhs, bounds)

    def unit(self, u: int, j: int) -> np.ndarray:
        """Coefficients of one unit's count at stage ``j`` (``u = units``: everyone)."""
        w = np.zeros(self.size)
        w[u * self.stages + j] = 1.0
        return w

    def feasible(self) -> bool:
        """Whether any funnel of real numbers satisfies every constraint."""
        return _check(self._solve(np.zeros(self.size))) is not None

    def span(self, w: np.ndarray) -> tuple[float, float]:
        """Smallest and largest ``w @ z`` (continuous relaxation; the model is feasible)."""
        out = []
        for sign in (1.0, -1.0):
            z = _check(self._solve(sign * w))
            if z is None:
                raise SolverError("the funnel's linear program became infeasible")
            out.append(float(w @ z))
        return out[0], out[1]

    def closest(self, targets: np.ndarray, weight: np.ndarray) -> np.ndarray | None:
        """The funnel of whole numbers nearest to ``targets`` (the units' counts).

        Smallest weighted total distance; None when no funnel of whole numbers
        satisfies the constraints.
        """
        from scipy import sparse

        m = self.size
        k = self.units * self.stages
        pick = sparse.hstack([sparse.eye_array(k, format="csr"), sparse.csr_array((k, m - k))])
        dev = sparse.eye_array(k, format="csr")
        a_ub = sparse.vstack(
            [
                sparse.hstack([self.a_ub, sparse.csr_array((self.a_ub.shape[0], k))]),
                sparse.hstack([pick, -dev]),
                sparse.hstack([-pick, -dev]),
            ],
            format="csr",
        )
        b_ub = np.concatenate([self.b_ub, targets.ravel(), -targets.ravel()])
        a_eq = sparse.hstack([self.a_eq, sparse.csr_array((self.a_eq.shape[0], k))], format="csr")
        res = _linprog(
            np.concatenate([np.zeros(m), weight.ravel()]),
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq if a_eq.shape[0] else None,
            b_eq=self.b_eq if a_eq.shape[0] else None,
            bounds=np.vstack([self.bounds, np.tile([0.0, np.inf], (k, 1))]),
            integrality=np.concatenate([np.ones(m), np.zeros(k)]),
            options={"mip_rel_gap": 0.0},
        )
        z = _check(res)
        return None if z is None else np.round(z[:m])

    def ratio_span(
        self, num: np.ndarray, den: np.ndarray
    ) -> tuple[tuple[float, float], tuple[bool, bool]] | None:
        """Smallest and largest ``(num @ z) / (den @ z)`` over funnels with ``den @ z >= 1``.

        Returns the two ends and, for each, whether it is exact over funnels of whole
        numbers (False: an outer bound, from the continuous relaxation). None when the
        denominator is 0 in every funnel of whole numbers.
        """
        program = self._ratio_program(den)  # Charnes-Cooper: den @ z >= 1 is t <= 1
        ends: list[float] = []
        exact: list[bool] = []
        for sign in (1.0, -1.0):
            res = _linprog(sign * np.append(num, 0.0), **program)
            y = _check(res)
            if y is None:
                return None
            z = y[:-1] / y[-1]
            value = float(np.append(num, 0.0) @ y)
            if _whole(z):
                ends.append(value)
                exact.append(True)
                continue
            better = self._dinkelbach(num, den, sign, z)
            if better is None:  # no funnel of whole numbers with den >= 1
                return None
            ends.append(value if better is False else better)
            exact.append(better is not False)
        return (ends[0], ends[1]), (exact[0], exact[1])

    def _dinkelbach(
        self, num: np.ndarray, den: np.ndarray, sign: float, start: np.ndarray
    ) -> float | bool | None:
        """The exact end over whole numbers (Dinkelbach's iteration of integer programs).

        Minimises ``sign * num @ z / den @ z``. False when it does not settle in
        :data:`_DINKELBACH_STEPS` steps (the caller keeps the relaxation's outer
        bound); None when no funnel of whole numbers has ``den @ z >= 1``.
        """
        from scipy import sparse

        a_ub = sparse.vstack([self.a_ub, sparse.csr_array(-den[None, :])], format="csr")
        b_ub = np.append(self.b_ub, -1.0)
        integer = np.ones(self.size)
        # the relaxation's end is a bound below every whole-number funnel's ratio; the
        # iteration stops only at the ratio of a funnel of whole numbers
        lam = sign * float(num @ start) / float(den @ start)
        settled = False
        for _ in range(_DINKELBACH_STEPS):
            res = _linprog(
                sign * num - lam * den,
                A_ub=a_ub,
                b_ub=b_ub,
                A_eq=self.a_eq if self.a_eq.shape[0] else None,
                b_eq=self.b_eq if self.a_eq.shape[0] else None,
                bounds=self.bounds,
                integrality=integer,
                options={"mip_rel_gap": 0.0},
            )
            z = _check(res)
            if z is None:
                return None
            z = np.round(z)
            ratio = sign * float(num @ z) / float(den @ z)
            if settled and (float((sign * num - lam * den) @ z) >= -1e-9 or ratio >= lam - 1e-12):
                return sign * lam  # no funnel of whole numbers does better
            lam, settled = ratio if not settled else min(lam, ratio), True
        return False


def _whole(z: np.ndarray) -> bool:
    return bool(np.all(np.abs(z - np.round(z)) <= _WHOLE))


@dataclass(frozen=True, eq=False)
class FunnelRanges:
    """What a funnel table with suppressed or rounded cells says about its counts.

    Built by :func:`~biasaudit.counts._stages.funnel_counts_from_table`.

    Attributes
    ----------
    cells : pandas.DataFrame
        One row per published cell (table row x stage): ``unit`` (the row's groups,
        in words), ``stage``, ``published`` (the text as read), ``status`` (exact,
        suppressed or rounded), ``low``/``high`` (what the cell says),
        ``implied_low``/``implied_high`` (the narrowest bounds, in whole numbers,
        implied by every published cell and constraint) and ``row`` (1-based).
    bounds : pandas.DataFrame
        Columns ``attribute, group, stage, low, high``: each group's (and
        everyone's) count as implied bounds, in the order of
        :attr:`FunnelCounts.table`.
    model : FunnelModel
        The linear model of every consistent funnel.
    forms : dict
        (attribute, group, stage) -> coefficients of that count in ``model``.
    notes : tuple of str
        The suppression and rounding rule and how many cells it touched.
    rounding : int or None
        The rounding base.
    below : int
        A suppressed cell is 0 to ``below - 1`` people.
    """

    cells: pd.DataFrame
    bounds: pd.DataFrame
    model: FunnelModel
    forms: dict[tuple[str, str, str], np.ndarray]
    notes: tuple[str, ...] = ()
    rounding: int | None = None
    below: int = 10
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def exact(self) -> dict[tuple[str, str, str], bool]:
        """Whether each count (attribute, group, stage) is determined by the table."""
        b = self.bounds
        keys = zip(b["attribute"], b["group"], b["stage"], strict=True)
        return dict(zip(keys, (b["low"] == b["high"]).to_numpy(), strict=True))

    def count_span(self, key: tuple[str, str, str]) -> tuple[float, float]:
        """Implied bounds of one count."""
        if "spans" not in self._cache:
            b = self.bounds
            keys = zip(b["attribute"], b["group"], b["stage"], strict=True)
            spans = zip(b["low"], b["high"], strict=True)
            self._cache["spans"] = dict(zip(keys, spans, strict=True))
        lo, hi = self._cache["spans"][key]
        return float(lo), float(hi)

    def rate_span(
        self, num: tuple[str, str, str], den: tuple[str, str, str]
    ) -> tuple[tuple[float, float], tuple[bool, bool]] | None:
        """Range of ``count[num] / count[den]`` over consistent whole-number funnels."""
        key = ("rate", num, den)
        if key not in self._cache:
            self._cache[key] = self.model.ratio_span(self.forms[num], self.forms[den])
        found = self._cache[key]
        if found is None:
            return None
        (lo, hi), exact = found
        lo, hi = max(lo, 0.0), max(lo, hi)  # floating point: never a low above the high
        if hi - lo <= 1e-9 * max(1.0, hi):
            lo = hi
        return (lo, hi), exact

    def tallies(self) -> dict[str, int]:
        """How many published cells are suppressed and rounded."""
        status = self.cells["status"]
        return {s: int((status == s).sum()) for s in ("suppressed", "rounded")}

    def describe(self) -> str:
        """``2 cells suppressed, 6 cells rounded to a multiple of 10``."""
        parts = []
        for status, k in self.tallies().items():
            what = (
                "suppressed"
                if status == "suppressed"
                else f"rounded to a multiple of {self.rounding}"
            )
            if k:
                parts.append(f"{k:,} {'cell' if k == 1 else 'cells'} {what}")
        return ", ".join(parts)


def count_text(low: float, high: float) -> str:
    """``= 120`` or ``115 to 125`` (after a label, e.g. ``count 115 to 125``)."""
    return f"= {low:,.0f}" if low == high else span(low, high)


Key = tuple[str, str, str]  # attribute, group, stage


@dataclass(frozen=True)
class UnitLayout:
    """Which published rows (units) make up each group, and what must add up.

    Attributes
    ----------
    units : list of str
        Each row of the table (its groups, in words), in order.
    groups : dict
        (attribute, group) -> the units it sums.
    partitions : list of list of int
        Units that add up to everyone (one list per attribute of a stacked table;
        every unit once for a table whose rows combine the attributes).
    stages : list of str
        Stage names in funnel order.
    parents : list of int or None
        Each stage's parent (index).
    """

    units: list[str]
    groups: dict[tuple[str, str], list[int]]
    partitions: list[list[int]]
    stages: list[str]
    parents: list[int | None]


def settle_funnel(
    layout: UnitLayout,
    low: np.ndarray,
    high: np.ndarray,
    status: np.ndarray,
    texts: np.ndarray,
    rows: np.ndarray,
    *,
    overall: str,
    everyone: str,
    rounding: int | None,
    below: int,
) -> tuple[FunnelRanges | None, np.ndarray | None, list[Problem]]:
    """Check a funnel of interval counts and narrow every count to what it implies.

    ``low``, ``high``, ``status``, ``texts`` and ``rows`` are units x stages. Returns
    the :class:`FunnelRanges` (``bounds`` still empty: see :func:`with_bounds`), one
    consistent funnel of whole numbers (units + 1 x stages, everyone last; the one
    closest to the middle of each published interval), and the problems (a funnel
    no whole numbers satisfy, naming the groups, stages and cells).
    """
    # a stage holds at least the people of each stage below it, at most those above it
    problems = _conflicts(layout, *_along_the_tree(layout.parents, low, high))
    if problems:
        return None, None, problems
    model = FunnelModel(low, high, layout.parents, layout.partitions)
    if not model.feasible():
        return None, None, [_impossible("real numbers >= 0")]
    implied_low, implied_high = low.copy(), high.copy()
    for u, j in zip(*np.nonzero(low < high), strict=True):
        lo, hi = model.span(model.unit(int(u), int(j)))
        implied_low[u, j] = max(low[u, j], math.ceil(lo - 1e-6))
        implied_high[u, j] = min(high[u, j], math.floor(hi + 1e-6))
    model = FunnelModel(implied_low, implied_high, layout.parents, layout.partitions)
    ranged = implied_low < implied_high
    targets = np.where(ranged, (low + high) / 2, implied_low)
    z = model.closest(targets, ranged.astype(float))
    if z is None:
        return None, None, [_impossible("whole numbers")]
    completion = z.reshape(layout_shape(layout))
    forms: dict[Key, np.ndarray] = {}
    for j, stage in enumerate(layout.stages):
        forms[(overall, everyone, stage)] = model.unit(model.units, j)
        for (attr, group), members in layout.groups.items():
            forms[(attr, group, stage)] = np.sum([model.unit(u, j) for u in members], axis=0)
    units = len(layout.units)
    stages = len(layout.stages)
    cells = pd.DataFrame(
        {
            "unit": np.repeat(layout.units, stages),
            "stage": layout.stages * units,
            "published": texts.ravel(),
            "status": status.ravel(),
            "low": low.ravel(),
            "high": high.ravel(),
            "implied_low": implied_low.ravel(),
            "implied_high": implied_high.ravel(),
            "row": pd.array(rows.ravel(), dtype="Int64"),
        }
    )
    tallies = {s: int((status == s).sum()) for s in ("suppressed", "rounded")}
    notes = []
    if tallies["suppressed"]:
        notes.append(
            f"{tallies['suppressed']:,} of {status.size:,} published counts suppressed: 0 to "
            f"{below - 1} people each ('<k': 0 to k - 1)"
        )
    if rounding is not None:
        notes.append(
            f"{tallies['rounded']:,} counts rounded to a multiple of {rounding}: each is "
            f"within ± {rounding / 2:g} of the published value (never below 0)"
        )
    notes.append(
        "counts narrowed by what holds in every funnel: a stage holds no more people than "
        "its parent stage, and each attribute's groups add up to everyone"
    )
    ranges = FunnelRanges(
        cells,
        pd.DataFrame(columns=["attribute", "group", "stage", "low", "high"]),
        model,
        forms,
        tuple(notes),
        rounding,
        below,
    )
    return ranges, completion, []


def layout_shape(layout: UnitLayout) -> tuple[int, int]:
    """Units + 1 (everyone) x stages."""
    return len(layout.units) + 1, len(layout.stages)


def with_bounds(ranges: FunnelRanges, keys: Sequence[Key]) -> FunnelRanges:
    """``ranges`` with :attr:`FunnelRanges.bounds` for ``keys`` (the counts table's rows).

    A group's count is the sum of its units: determined when they all are, else
    its bounds over the model (rounded inwards).
    """
    model = ranges.model
    exact = (ranges.cells["implied_low"] == ranges.cells["implied_high"]).to_numpy()
    fixed = np.append(exact, np.zeros(model.stages, dtype=bool))  # everyone: solve
    value = np.append(ranges.cells["implied_low"].to_numpy(float), np.zeros(model.stages))
    lows, highs = [], []
    for key in keys:
        w = ranges.forms[key]
        used = w != 0
        if fixed[used].all():
            lo = hi = float(w[used] @ value[used])
        else:
            a, b = model.span(w)
            lo, hi = float(math.ceil(a - 1e-6)), float(math.floor(b + 1e-6))
        lows.append(lo)
        highs.append(hi)
    bounds = pd.DataFrame(
        {
            "attribute": [k[0] for k in keys],
            "group": [k[1] for k in keys],
            "stage": [k[2] for k in keys],
            "low": lows,
            "high": highs,
        }
    )
    return FunnelRanges(
        ranges.cells, bounds, model, ranges.forms, ranges.notes, ranges.rounding, ranges.below
    )


def parent_conflicts(
    units: Sequence[str],
    stages: Sequence[str],
    parents: Sequence[int | None],
    low: np.ndarray,
    high: np.ndarray,
    texts: np.ndarray,
    rows: np.ndarray,
) -> list[Problem]:
    """Rows with more people at a stage than any funnel allows at a stage above it.

    Arrays are units x stages (NaN where a cell could not be read: skipped).
    """
    problems = []

    def shown(u: int, j: int) -> str:
        if low[u, j] == high[u, j]:
            return f"{low[u, j]:,.0f}"
        text = texts[u, j]
        published = "blank" if text is None or not str(text).strip() else repr(str(text))
        return f"{published} ({span(low[u, j], high[u, j])})"

    for u, unit in enumerate(units):
        for j in range(len(stages)):
            up = parents[j]
            while up is not None:  # every stage above, not only the parent
                if low[u, j] > high[u, up]:  # NaN compares False
                    problems.append(
                        Problem(
                            f"{unit}: stage {stages[j]!r} is {shown(u, j)} but the stage "
                            f"above it, {stages[up]!r}, is {shown(u, up)}: no funnel has "
                            "more people at a stage than at the stages above it, even "
                            "allowing for suppression and rounding; check both cells",
                            column=stages[j],
                            row=None if np.isnan(rows[u, j]) else int(rows[u, j]),
                            value=texts[u, j],
                            reason="larger_than_parent",
                        )
                    )
                    break
                up = parents[up]
    return problems


def _conflicts(layout: UnitLayout, low: np.ndarray, high: np.ndarray) -> list[Problem]:
    """Attributes whose groups cannot add up to the same people, each named."""
    problems = []
    names = layout.stages
    if len(layout.partitions) > 1:
        attrs = list(dict.fromkeys(a for a, _ in layout.groups))
        for j, stage in enumerate(names):
            sums = [
                (low[members, j].sum(), high[members, j].sum()) for members in layout.partitions
            ]
            top = int(np.argmax([lo for lo, _ in sums]))
            bottom = int(np.argmin([hi for _, hi in sums]))
            if sums[top][0] > sums[bottom][1]:
                problems.append(
                    Problem(
                        f"stage {stage!r}: the groups of {attrs[top]!r} add up to at least "
                        f"{sums[top][0]:,.0f} but those of {attrs[bottom]!r} to at most "
                        f"{sums[bottom][1]:,.0f}, even allowing for suppression and "
                        "rounding (a stage holds at least the people of the stages below it "
                        "and at most those above it); every attribute must cover the same "
                        "people (add the "
                        "missing people as a group, e.g. '(missing)')",
                        column=stage,
                        value=attrs[top],
                        reason="totals_differ",
                    )
                )
    return problems


def _along_the_tree(
    parents: Sequence[int | None], low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds narrowed along each row's stages: lows up to the parents, highs down."""
    low, high = low.copy(), high.copy()
    for j in reversed(range(len(parents))):  # children come after their parents
        p = parents[j]
        if p is not None:
            low[:, p] = np.maximum(low[:, p], low[:, j])
    for j, p in enumerate(parents):
        if p is not None:
            high[:, j] = np.minimum(high[:, j], high[:, p])
    return low, high


def _impossible(kind: str) -> Problem:
    return Problem(
        f"no funnel of {kind} matches every published cell, even allowing for "
        "suppression and rounding: a stage must hold no more people than its parent "
        "stage for every group, and every attribute's groups must add up to the same "
        "people at each stage; check the cells of the groups and stages near their limits",
        reason="margins",
    )
