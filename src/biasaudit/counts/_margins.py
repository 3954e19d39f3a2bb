"""Whether a table of interval counts holds together, and what it implies.

The tables of counts consistent with one dataset's published cells are the whole
numbers in a polytope: non-negative partition cells per row (the whole population
first, then each attribute's groups), each published cell (a sum of partition
cells) within its interval, and every attribute's groups adding up to the whole
population. :class:`CountModel` holds it as a linear program for
:func:`scipy.optimize.linprog`. Its continuous relaxation contains every table of
whole numbers, so a range computed on it always contains the value of the true table
(it may be slightly wider than the range over whole numbers).

:func:`settle` checks a dataset's cells and narrows each to the bounds the whole
table implies: first each margin on its own with the cells as published (so that a
problem names its row), then interval propagation along every margin (sound for whole
numbers), then a linear program per cell that is still open, rounded inwards.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import Problem, SolverError
from ._counts import OVERALL, PARTITION, partition_cells

#: Count cells a table can give, in this order: the group size, the flagged, and the
#: six cells that partition every group's people.
CELLS = ("n", "flagged", *PARTITION)
_TOL = 1e-9
_LP_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


def cell_label(cell: str) -> str:
    """How a cell is written in messages: ``TP`` for ``tp``, else its name."""
    return cell.upper() if len(cell) == 2 else cell


def margin_rows(keys: Sequence[tuple[str, str]]) -> list[list[int]]:
    """Row indices of each attribute's groups (row 0 is the whole population)."""
    rows: dict[str, list[int]] = {}
    for i, (attr, _) in enumerate(keys):
        if attr != OVERALL:
            rows.setdefault(attr, []).append(i)
    return list(rows.values())


def interval_rows(
    w: np.ndarray,
    low: float,
    high: float,
    ub: list[np.ndarray],
    ub_rhs: list[float],
    eq: list[np.ndarray],
    eq_rhs: list[float],
) -> None:
    """Append the rows that hold ``w @ z`` within ``[low, high]`` (in place): one
    equation for a point, else a row for each end that binds (0 and infinity do not:
    counts are at least 0 by their variable bounds)."""
    if low == high:
        eq.append(w)
        eq_rhs.append(low)
        return
    if low > 0:
        ub.append(-w)
        ub_rhs.append(-low)
    if math.isfinite(high):
        ub.append(w)
        ub_rhs.append(high)


class LinearModel:
    """Counts ``z`` with ``A_ub z <= b_ub``, ``A_eq z = b_eq`` and variable bounds: the
    programs both models of published counts (tables, funnels) solve."""

    size: int
    a_ub: Any
    b_ub: np.ndarray
    a_eq: Any
    b_eq: np.ndarray
    bounds: np.ndarray

    def _constraints(
        self,
        ub: list[np.ndarray],
        ub_rhs: list[float],
        eq: list[np.ndarray],
        eq_rhs: list[float],
        bounds: np.ndarray,
    ) -> None:
        from scipy import sparse

        self.a_ub = sparse.csr_array(np.array(ub).reshape(-1, self.size))
        self.b_ub = np.array(ub_rhs, dtype=float)
        self.a_eq = sparse.csr_array(np.array(eq).reshape(-1, self.size))
        self.b_eq = np.array(eq_rhs, dtype=float)
        self.bounds = bounds

    def _solve(self, c: np.ndarray, **extra: Any) -> Any:
        """The program with objective ``c`` (HiGHS, with :func:`_linprog`'s fallbacks)."""
        return _linprog(
            c,
            A_ub=self.a_ub if self.a_ub.shape[0] else None,
            b_ub=self.b_ub if self.a_ub.shape[0] else None,
            A_eq=self.a_eq if self.a_eq.shape[0] else None,
            b_eq=self.b_eq if self.a_eq.shape[0] else None,
            bounds=self.bounds,
            **{"options": _LP_OPTIONS, **extra},
        )

    def _ratio_program(self, den: np.ndarray) -> dict[str, Any]:
        """The Charnes-Cooper program of a ratio with ``den @ z >= 1``: variables
        ``y = t z`` and ``t = 1 / den @ z`` in ``[0, 1]``; ``A y - b t <= 0``,
        ``A_eq y - b_eq t = 0``, ``den @ y = 1``. Its objective is ``num @ y``."""
        from scipy import sparse

        a_ub = sparse.hstack([self.a_ub, -self.b_ub[:, None]], format="csr")
        a_eq = sparse.vstack(
            [
                sparse.hstack([self.a_eq, -self.b_eq[:, None]], format="csr"),
                sparse.csr_array(np.append(den, 0.0)[None, :]),
            ],
            format="csr",
        )
        b_eq = np.zeros(a_eq.shape[0])
        b_eq[-1] = 1.0
        return {
            "A_ub": a_ub if a_ub.shape[0] else None,
            "b_ub": np.zeros(a_ub.shape[0]) if a_ub.shape[0] else None,
            "A_eq": a_eq,
            "b_eq": b_eq,
            "bounds": np.vstack([self.bounds, [0.0, 1.0]]),
            "options": _LP_OPTIONS,
        }


class CountModel(LinearModel):
    """Every table of counts consistent with one dataset's published cells.

    Variables, per row (the whole population first, then each attribute's groups):
    the six :data:`~biasaudit.counts._counts.PARTITION` cells, then ``guilty_flagged`` and
    ``guilty_unflagged``: how many of the flagged and unflagged with no known outcome
    committed fraud (0 to all of them), for the worst- and best-case completions of
    unknown outcomes. Constraints: every cell (a sum of partition cells) within
    ``[low, high]``; absent cells 0; every attribute's groups add up to row 0.
    """

    WIDTH = len(PARTITION) + 2

    def __init__(
        self,
        low: np.ndarray,
        high: np.ndarray,
        absent: np.ndarray,
        margins: Sequence[Sequence[int]],
    ) -> None:

        self.rows = low.shape[0]
        self.size = self.rows * self.WIDTH
        ub: list[np.ndarray] = []
        ub_rhs: list[float] = []
        eq: list[np.ndarray] = []
        eq_rhs: list[float] = []
        for r in range(self.rows):
            for c, cell in enumerate(CELLS):
                w = self.form(r, [cell])
                interval_rows(w, float(low[r, c]), float(high[r, c]), ub, ub_rhs, eq, eq_rhs)
            for guilty, unknown in ((6, 4), (7, 5)):  # guilty <= people with no known outcome
                w = np.zeros(self.size)
                w[r * self.WIDTH + guilty], w[r * self.WIDTH + unknown] = 1.0, -1.0
                ub.append(w)
                ub_rhs.append(0.0)
        for group_rows in margins:
            for k in range(len(PARTITION)):
                w = np.zeros(self.size)
                w[[g * self.WIDTH + k for g in group_rows]] = 1.0
                w[k] = -1.0
                eq.append(w)
                eq_rhs.append(0.0)
        fixed = np.zeros((self.rows, self.WIDTH), dtype=bool)
        fixed[:, : len(PARTITION)] = absent
        bounds = np.column_stack([np.zeros(self.size), np.where(fixed.ravel(), 0.0, np.inf)])
        self._constraints(ub, ub_rhs, eq, eq_rhs, bounds)
        #: every solution found so far: tables consistent with the cells
        self.solutions: list[np.ndarray] = []

    def form(self, row: int, names: Sequence[str], *, completed: bool = False) -> np.ndarray:
        """Coefficients of the sum of count cells ``names`` of ``row``.

        ``completed``: after the unknown outcomes are filled in (TP + guilty flagged,
        FP + innocent flagged, FN + guilty unflagged, TN + innocent unflagged).
        """
        w = np.zeros(self.size)
        base = row * self.WIDTH
        index = {c: base + k for k, c in enumerate(PARTITION)}
        cells = partition_cells(names)
        if not completed:
            for c in cells:
                w[index[c]] += 1.0
            return w
        fu, uu = index["flagged_unlabelled"], index["unflagged_unlabelled"]
        gf, gu = base + 6, base + 7
        plus = {"tp": [gf], "fp": [fu], "fn": [gu], "tn": [uu]}
        minus = {"tp": [], "fp": [gf], "fn": [], "tn": [gu]}
        for c in cells & {"tp", "fp", "fn", "tn"}:
            w[index[c]] += 1.0
            w[plus[c]] += 1.0
            w[minus[c]] -= 1.0
        return w

    def feasible(self) -> bool:
        """Whether any table (of real numbers) satisfies every constraint."""
        return bool(_check(self._solve(np.zeros(self.size))) is not None)

    def span(self, w: np.ndarray) -> tuple[float, float] | None:
        """Smallest and largest ``w @ z`` over the model (None when infeasible).

        A withheld cell that no margin bounds has no largest value: infinity (and, for
        a form with negative coefficients, no smallest: minus infinity).
        """
        first = self._solve(w)
        if first.status == 3:  # unbounded below: a negative coefficient on such a cell
            res = self._solve(-w)
            if res.status == 3:
                return -math.inf, math.inf
            high = _check(res)
            if high is None:
                return None
            self.solutions.append(high)
            return -math.inf, float(w @ high)
        low = _check(first)
        if low is None:
            return None
        self.solutions.append(low)
        res = self._solve(-w)
        if res.status == 3:  # unbounded
            return float(w @ low), math.inf
        high = _check(res)
        assert high is not None
        self.solutions.append(high)
        return float(w @ low), float(w @ high)

    def ratio_span(self, num: np.ndarray, den: np.ndarray) -> tuple[float, float] | None:
        """Smallest and largest ``(num @ z) / (den @ z)`` over tables with ``den @ z >= 1``.

        A linear-fractional program, solved as two linear programs after the
        Charnes-Cooper transformation (y = t z, t = 1 / den @ z). Counts are whole
        numbers, so a defined rate has a denominator of at least 1. None when the
        denominator is 0 in every table.
        """
        program = self._ratio_program(den)
        out = []
        for sign in (1.0, -1.0):
            res = _linprog(sign * np.append(num, 0.0), **program)
            if res.status == 3:  # no largest value (a cell no margin bounds)
                out.append(-sign * math.inf)
                continue
            y = _check(res)
            if y is None:
                return None
            if y[-1] > 1e-9:  # z = y / t is a table consistent with the cells
                self.solutions.append(y[:-1] / y[-1])
            out.append(float(np.append(num, 0.0) @ y))
        return out[0], out[1]

    def closest(self, targets: Sequence[tuple[np.ndarray, float]]) -> np.ndarray | None:
        """The table of whole numbers nearest to ``targets`` (pairs of form and value).

        Lexicographic in effect: the smallest total absolute distance, then (a small
        weight) the smallest largest distance. None when no table of whole numbers
        satisfies the constraints.
        """
        from scipy import sparse

        m, k = self.size, len(targets)
        width = 2 + max((abs(t) for _, t in targets), default=0.0)
        weight = 0.25 / (width * (k + 1))
        c = np.concatenate([np.zeros(m), np.ones(k), [weight]])
        rows: list[Any] = [
            sparse.hstack([self.a_ub, sparse.csr_array((self.a_ub.shape[0], k + 1))])
        ]
        rhs = [self.b_ub]
        for j, (w, t) in enumerate(targets):
            dev = np.zeros(k + 1)
            dev[j] = -1.0
            rows += [np.append(w, dev)[None, :], np.append(-w, dev)[None, :]]
            rhs += [np.array([t]), np.array([-t])]
            cap = np.zeros(m + k + 1)
            cap[m + j], cap[-1] = 1.0, -1.0
            rows.append(cap[None, :])
            rhs.append(np.zeros(1))
        a_eq = sparse.hstack([self.a_eq, sparse.csr_array((self.a_eq.shape[0], k + 1))])
        integrality = np.zeros(m + k + 1)
        integrality[:m] = np.tile([1] * len(PARTITION) + [0, 0], self.rows)
        res = _linprog(
            c,
            A_ub=sparse.vstack(rows, format="csr"),
            b_ub=np.concatenate(rhs),
            A_eq=a_eq.tocsr() if a_eq.shape[0] else None,
            b_eq=self.b_eq if a_eq.shape[0] else None,
            bounds=np.vstack([self.bounds, np.tile([0.0, np.inf], (k + 1, 1))]),
            integrality=integrality,
            options={"mip_rel_gap": 0.0},
        )
        z = _check(res)
        return None if z is None else np.round(z[:m])


#: Solver statuses that are answers: solved, infeasible, unbounded.
_ANSWERS = (0, 2, 3)


def _linprog(c: np.ndarray, **kwargs: Any) -> Any:
    """:func:`scipy.optimize.linprog` with HiGHS, falling back when the solver fails.

    HiGHS's presolve can fail on a small, valid table (``HiGHS Status 4: Solve
    error``, issue 14); the same program then solves without presolve, or with
    HiGHS's interior-point or dual simplex method (linear programs only: integer
    programs need the branch-and-bound of ``highs``). The first answer is returned;
    when every attempt fails, the last result (which :func:`_check` turns into an
    error, never a guess).
    """
    from scipy.optimize import linprog

    options = dict(kwargs.pop("options", None) or {})
    integer = kwargs.get("integrality") is not None
    attempts = [("highs", options), ("highs", {**options, "presolve": False})]
    if not integer:
        attempts += [("highs-ipm", {**options, "presolve": False}), ("highs-ds", options)]
    res = None
    for method, opts in attempts:
        res = linprog(c, method=method, options=opts, **kwargs)
        if res.status in _ANSWERS:
            return res
    return res


def _check(res: Any) -> np.ndarray | None:
    """The solution of a solved program; None when infeasible."""
    if res.status == 2:
        return None
    if res.status != 0:  # iteration limit or numerical trouble: never guess
        raise SolverError(
            f"linear program failed: {res.message}, also without presolve and with "
            "HiGHS's other methods. biasaudit does not guess the range of a suppressed "
            "or rounded cell; please report the table (it is a solver failure, not a "
            "problem in your data)."
        )
    return np.asarray(res.x, dtype=float)


def settle(
    name: str | None,
    keys: Sequence[tuple[str, str]],
    low: np.ndarray,
    high: np.ndarray,
    status: np.ndarray,
    text: np.ndarray,
    source_rows: Sequence[int | None],
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Check one dataset's cells and narrow them to the bounds the whole table implies.

    ``low``, ``high``, ``status`` and ``text`` are rows (``keys``, the whole population
    first) x :data:`CELLS`. Returns the dataset's part of :attr:`IntervalCounts.cells`,
    or None and the problems found.
    """
    rows = len(keys)
    relations = _relations(keys)
    labels = [where(a, g, name) for a, g in keys]
    problems = []
    for rel in relations:  # each margin on its own, with the cells as published
        message = rel.conflict(low.ravel(), high.ravel(), labels)
        if message:
            r = rel.whole // len(CELLS)
            problems.append(
                Problem(message, row=source_rows[r], value=labels[r], reason="margins")
            )
    if problems:
        return None, problems
    flat_lo, flat_hi = low.ravel().copy(), high.ravel().copy()
    conflict = _propagate(flat_lo, flat_hi, relations, labels)
    if conflict is not None:
        return None, [_inconsistent(name, conflict)]
    absent = status[:, 2:] == "absent"
    model = CountModel(
        flat_lo.reshape(low.shape), flat_hi.reshape(low.shape), absent, margin_rows(keys)
    )
    open_ = np.flatnonzero(flat_lo < flat_hi)
    if len(open_) and not model.feasible():
        return None, [_inconsistent(name, None)]
    for q in open_:
        r, c = divmod(int(q), len(CELLS))
        bounds = model.span(model.form(r, [CELLS[c]]))
        assert bounds is not None  # the model is feasible
        flat_lo[q] = max(flat_lo[q], math.ceil(bounds[0] - 1e-6))
        if math.isfinite(bounds[1]):
            flat_hi[q] = min(flat_hi[q], math.floor(bounds[1] + 1e-6))
    implied_low, implied_high = flat_lo.reshape(low.shape), flat_hi.reshape(low.shape)
    midpoint = implied_low.copy()
    if len(open_):
        model = CountModel(implied_low, implied_high, absent, margin_rows(keys))
        # the middle of each published interval that the margins leave open (of the
        # implied one for a withheld cell)
        targets = []
        for r, c in itertools.product(range(rows), range(len(CELLS))):
            if status[r, c] not in ("suppressed", "withheld", "rounded"):
                continue
            lo, hi = (
                (low[r, c], high[r, c])
                if math.isfinite(high[r, c])
                else (
                    implied_low[r, c],
                    implied_high[r, c],
                )
            )
            if implied_low[r, c] < implied_high[r, c] and math.isfinite(hi):
                targets.append((model.form(r, [CELLS[c]]), (lo + hi) / 2))
        z = model.closest(targets)
        if z is None:
            return None, [_inconsistent(name, None, whole=True)]
        midpoint = np.array([[model.form(r, [cell]) @ z for cell in CELLS] for r in range(rows)])
    width = len(CELLS)
    frame = pd.DataFrame(
        {
            "dataset": [name] * (rows * width),
            "attribute": np.repeat([a for a, _ in keys], width),
            "group": np.repeat([g for _, g in keys], width),
            "cell": list(CELLS) * rows,
            "published": text.ravel(),
            "status": status.ravel(),
            "low": low.ravel(),
            "high": high.ravel(),
            "implied_low": implied_low.ravel(),
            "implied_high": implied_high.ravel(),
            "midpoint": midpoint.ravel(),
            "row": pd.array([r for r in source_rows for _ in CELLS], dtype="Int64"),
        }
    )
    return frame, []


def _inconsistent(name: str | None, conflict: str | None, *, whole: bool = False) -> Problem:
    place = "the table" if name is None else f"dataset {name!r}"
    kind = "whole numbers of people" if whole else "non-negative counts"
    detail = f" ({conflict})" if conflict else ""
    return Problem(
        f"{place}: no table of {kind} matches every published cell and margin, even "
        f"allowing for suppression and rounding{detail}; check the totals and that every "
        "group (including 'unknown') is in the table",
        value=name,
        reason="margins",
    )


@dataclass(frozen=True)
class _Relation:
    """``whole = sum(parts)`` over indices of the flattened rows x CELLS bounds."""

    whole: int
    parts: tuple[int, ...]
    text: str  # e.g. "TP + FP + flagged_unlabelled" / "the groups' n"
    whole_text: str
    attribute: str | None = None

    def conflict(self, low: np.ndarray, high: np.ndarray, labels: Sequence[str]) -> str | None:
        plo, phi = low[list(self.parts)].sum(), high[list(self.parts)].sum()
        wlo, whi = low[self.whole], high[self.whole]
        if plo <= whi + _TOL and phi >= wlo - _TOL:
            return None
        r = self.whole // len(CELLS)
        if self.attribute is None:
            return (
                f"{labels[r]}: {self.text} is {span(plo, phi)} but {self.whole_text} is "
                f"{span(wlo, whi)}; they must add up (suppression and rounding allowed "
                "for); check the row"
            )
        return (
            f"{self.attribute}: {self.text} add up to {span(plo, phi)} but the total row's "
            f"{self.whole_text} is {span(wlo, whi)}; every group (including 'unknown') must "
            "be in the table, and the total must count the same people"
        )


def _relations(keys: Sequence[tuple[str, str]]) -> list[_Relation]:
    width = len(CELLS)
    at = {c: i for i, c in enumerate(CELLS)}
    out = []
    for r in range(len(keys)):
        base = r * width

        def idx(*cells: str, base: int = base) -> tuple[int, ...]:
            return tuple(base + at[c] for c in cells)

        out += [
            _Relation(
                base + at["flagged"],
                idx("tp", "fp", "flagged_unlabelled"),
                "TP + FP + flagged_unlabelled",
                "flagged",
            ),
            _Relation(base + at["n"], idx(*PARTITION), "the sum of its six cells", "n"),
            _Relation(
                base + at["n"],
                idx("flagged", "fn", "tn", "unflagged_unlabelled"),
                "flagged + FN + TN + unflagged_unlabelled",
                "n",
            ),
        ]
    for group_rows in margin_rows(keys):
        attr = keys[group_rows[0]][0]
        for c, cell in enumerate(CELLS):
            out.append(
                _Relation(
                    c,
                    tuple(g * width + c for g in group_rows),
                    f"the groups' {cell_label(cell)}",
                    cell_label(cell),
                    attr,
                )
            )
    return out


def _propagate(
    low: np.ndarray, high: np.ndarray, relations: Sequence[_Relation], labels: Sequence[str]
) -> str | None:
    """Narrow ``low``/``high`` in place along every margin; the text of a conflict.

    Sound for whole numbers: a bound only moves past values that no table of whole
    numbers can take, so the linear programs that follow lose nothing.
    """
    for _ in range(100):
        changed = False
        for rel in relations:
            parts, w = list(rel.parts), rel.whole
            p_lo, p_hi = low[parts], high[parts]
            total_lo = p_lo.sum()
            # the sum of the other parts' highs, without inf - inf
            infinite = ~np.isfinite(p_hi)
            k_inf, finite = int(infinite.sum()), p_hi[~infinite].sum()
            rest_hi = np.where(
                infinite,
                np.inf if k_inf > 1 else finite,
                np.inf if k_inf else finite - p_hi,
            )
            new_lo, new_hi = _inward(
                np.maximum(p_lo, low[w] - rest_hi), np.minimum(p_hi, high[w] - (total_lo - p_lo))
            )
            w_lo, w_hi = _inward(
                np.array([max(low[w], total_lo)]), np.array([min(high[w], p_hi.sum())])
            )
            if (new_lo > new_hi).any() or w_lo[0] > w_hi[0]:
                if rel.attribute is None:
                    return f"at {labels[w // len(CELLS)]}: {rel.text} versus {rel.whole_text}"
                return f"at {rel.attribute}: {rel.text} versus everyone's {rel.whole_text}"
            if (
                (new_lo != p_lo).any()
                or (new_hi != p_hi).any()
                or w_lo[0] != low[w]
                or w_hi[0] != high[w]
            ):
                changed = True
                low[parts], high[parts] = new_lo, new_hi
                low[w], high[w] = w_lo[0], w_hi[0]
        if not changed:
            break
    return None


def _inward(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of a whole number: rounded inwards (a hair of slack for floating point)."""
    return np.ceil(low - 1e-9) + 0.0, np.floor(high + 1e-9) + 0.0  # + 0.0: no -0.0


def where(attribute: str, group: str | None, dataset: str | None) -> str:
    """``sex = F`` / ``everyone``, with the dataset when there are several."""
    if attribute == OVERALL:
        text = "everyone"
    elif group is None:
        text = repr(attribute)
    else:
        text = f"{attribute} = {group}"
    return text if dataset is None else f"{text} ({dataset})"


def span(low: float, high: float) -> str:
    """``120``, ``115 to 125`` or ``at least 130``."""
    if not math.isfinite(high):
        return f"at least {low:,.0f}"
    if low == high:
        return f"{low:,.0f}"
    return f"{low:,.0f} to {high:,.0f}"
