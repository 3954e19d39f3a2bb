"""Metrics and comparisons from count tables, driven by the registry.

Works on :class:`~biasaudit.counts._counts.CountTable` only, never on rows, so aggregated
tables and records give the same numbers.

Selective labels: when some people have no known outcome, each outcome metric is
evaluated at the extreme completions (every unlabelled person innocent / every one
guilty, separately for the flagged and the unflagged). A linear-fractional function
is monotone in each count, so the four corners give exact worst- and best-case
bounds. Where the bounds differ, the rate is not identifiable: ``value`` is NaN and
the bounds are reported with the reason. Hit rates (precision, false discovery
rate) are reported among the people with a known outcome, with the bounds beside.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import Problem, RecordsError, UndefinedRateWarning
from ..counts import ALL, OVERALL, PARTITION, CountTable, partition_cells
from ..spec import (
    METRICS,
    MISSING_GROUP,
    REFERENCE_RULES,
    REST,
    REST_GROUP,
    Assumptions,
    HarmSpec,
    MetricSpec,
    StatsOptions,
    harm_metrics,
    metric,
)
from ..stats import add_inference, effective_counts, proportion_interval
from ._harm import harm_rows

#: Columns of the tidy results table, always in this order.
TABLE_COLUMNS = [
    "attribute",
    "group",
    "metric",
    "value",
    "ci_low",
    "ci_high",
    "lower_bound",
    "upper_bound",
    "numerator",
    "denominator",
    "n",
    "reference_group",
    "reference_value",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "difference",
    "difference_ci_low",
    "difference_ci_high",
    "relative_difference",
    "test",
    "p_value",
    "p_adjusted",
    "detectable_ratio",
    "suppressed",
    "note",
]
#: The comparison with the reference group (the test's name aside).
COMPARISON_COLUMNS = [
    c
    for c in TABLE_COLUMNS[
        TABLE_COLUMNS.index("reference_value") : TABLE_COLUMNS.index("detectable_ratio") + 1
    ]
    if c != "test"
]
_LABEL_CELLS = ("tp", "fp", "fn", "tn")
#: Smallest denominator a "most_favourable" reference group should have (when any has).
MIN_REFERENCE_SIZE = 30


def default_metrics(counts: CountTable, *, decision: str = "burden") -> list[str]:
    """All registry metrics, or only decision metrics when no outcome is known; then
    the harm counts (:func:`~biasaudit.spec.harm_metrics`)."""
    total = counts.overall
    outcomes = sum(total[c] for c in _LABEL_CELLS) != 0
    rates = [m.name for m in METRICS.values() if outcomes or m.kind == "decision"]
    amount = counts.amounts is not None
    return rates + harm_metrics(outcomes=outcomes, amount=amount, decision=decision)


def _arrays(table: pd.DataFrame) -> dict[str, np.ndarray]:
    cells = {c: table[c].to_numpy(dtype=float) for c in ("n", "flagged", *_LABEL_CELLS)}
    n_all, flagged_all = cells["n"][0], cells["flagged"][0]
    cells["expected_flagged"] = cells["n"] * (flagged_all / n_all if n_all else 0.0)
    return cells


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _evaluate(spec: MetricSpec, cells: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    num = np.sum([cells[c] for c in spec.numerator], axis=0)
    den = np.sum([cells[c] for c in spec.denominator], axis=0)
    if spec.scope == "overall":  # the whole population's cells (first row) for every group
        den = np.full_like(num, den[0])
    return num.astype(float), den.astype(float)


@dataclass(frozen=True)
class _Admissible:
    """Each row's admissible fillings-in of its unknown outcomes: ``x_f`` guilty among
    its flagged and ``x_u`` among its unflagged with no known outcome, within a box
    (``f``, ``u``) and a band on their sum ``s`` (the group's base rate). Every bound
    is attained (tightened against the others); ``empty`` rows admit none; ``exact``:
    every row's bounds are attained by one filling-in of everyone at once."""

    f: tuple[np.ndarray, np.ndarray]
    u: tuple[np.ndarray, np.ndarray]
    s: tuple[np.ndarray, np.ndarray]
    empty: np.ndarray
    exact: bool


def _admissible(table: pd.DataFrame, assumptions: Assumptions) -> _Admissible:
    """The box and band of every row, on whole numbers where the counts are whole.

    With whole-number counts the bounds are rounded inwards: the constraint matrix of
    the box and the band (rows (1, 0), (0, 1), (1, 1)) is totally unimodular, so with
    whole-number bounds every vertex of the polygon is a whole-number completion and
    the extremes of a linear-fractional rate over the polygon are attained by people,
    not by fractions of them. The row of everyone is also held to what its groups
    allow: for each attribute whose groups cover everyone, the sums of the groups'
    attained bounds (the Minkowski sum of polygons with these edge directions is
    described by the summed bounds). With one such attribute the groups are
    independent and every bound is exact; with several (or with weights), a group's
    bound may need a completion that another attribute's group rules out, so the
    bounds are outer bounds (``exact`` False) unless no assumption narrows them.
    """
    fu = table["flagged_unlabelled"].to_numpy(dtype=float)
    uu = table["unflagged_unlabelled"].to_numpy(dtype=float)
    known = table["tp"].to_numpy(dtype=float) + table["fn"].to_numpy(dtype=float)
    n = table["n"].to_numpy(dtype=float)
    a, b = (float(x) for x in assumptions.unlabelled_fraud_rate)
    low, high = assumptions.min_base_rate, assumptions.max_base_rate
    f_lo, f_hi, u_lo, u_hi = a * fu, b * fu, a * uu, b * uu
    s_lo = np.full_like(n, -np.inf) if low is None else low * n - known
    s_hi = np.full_like(n, np.inf) if high is None else high * n - known
    whole = all(np.array_equal(x, np.round(x)) for x in (fu, uu, known, n))
    if whole:  # people are whole: round inwards (a tolerance for 0.2 * 90 = 18.000...04)
        tol = 1e-9 * np.maximum(n, 1.0)
        f_lo, u_lo, s_lo = (np.ceil(x - tol) for x in (f_lo, u_lo, s_lo))
        f_hi, u_hi, s_hi = (np.floor(x + tol) for x in (f_hi, u_hi, s_hi))
    bounds = _tighten(f_lo, f_hi, u_lo, u_hi, s_lo, s_hi)
    attributes = table["attribute"].to_numpy()
    families = list(dict.fromkeys(attributes[1:]))
    covering = 0
    for attr in families:
        rows = np.flatnonzero(attributes == attr)
        if not all(
            np.isclose(x[rows].sum(), x[0], rtol=1e-12, atol=1e-9) for x in (n, fu, uu, known)
        ):
            continue  # some people are in no group of it: it says nothing of everyone
        covering += 1
        # everyone's bounds may not exceed what the groups of this attribute allow
        summed = [x[rows].sum() for x in bounds]
        bounds = [
            np.where(np.arange(len(n)) == 0, pick(x[0], y), x)
            for x, y, pick in zip(bounds, summed, [max, min] * 3, strict=True)
        ]
    bounds = _tighten(*bounds)
    f_lo, f_hi, u_lo, u_hi, s_lo, s_hi = bounds
    eps = 1e-9 * np.maximum(n, 1.0)
    empty = (f_lo > f_hi + eps) | (u_lo > u_hi + eps) | (s_lo > s_hi + eps)
    alone = not families or (len(families) == 1 and covering == 1)
    exact = not assumptions.narrowing or (whole and alone)
    return _Admissible((f_lo, f_hi), (u_lo, u_hi), (s_lo, s_hi), empty, exact)


def _tighten(*bounds: np.ndarray) -> list[np.ndarray]:
    """Each bound of a box-and-band polygon as attained by some point of it."""
    f_lo, f_hi, u_lo, u_hi, s_lo, s_hi = bounds
    return [
        np.maximum(f_lo, s_lo - u_hi),
        np.minimum(f_hi, s_hi - u_lo),
        np.maximum(u_lo, s_lo - f_hi),
        np.minimum(u_hi, s_hi - f_lo),
        np.maximum(s_lo, f_lo + u_lo),
        np.minimum(s_hi, f_hi + u_hi),
    ]


def _completions(
    table: pd.DataFrame, assumptions: Assumptions
) -> tuple[dict[str, np.ndarray], _Admissible]:
    """The partition cells at every vertex of the set of admissible completions.

    Unknown outcomes are filled in with ``x_f`` guilty among the flagged and ``x_u``
    among the unflagged with no known outcome, in the polygon of :func:`_admissible`
    (a box cut by a band). A linear-fractional function of the counts takes its
    extremes at the polygon's vertices, so the vertices give its bounds. Returns
    arrays of shape (candidates, rows), candidates outside the polygon NaN, and the
    polygon.
    """
    fu = table["flagged_unlabelled"].to_numpy(dtype=float)
    uu = table["unflagged_unlabelled"].to_numpy(dtype=float)
    n = table["n"].to_numpy(dtype=float)
    box = _admissible(table, assumptions)
    (f_lo, f_hi), (u_lo, u_hi), (s_lo, s_hi) = box.f, box.u, box.s
    points = [(f, u) for f in (f_lo, f_hi) for u in (u_lo, u_hi)]
    for c in (s_lo, s_hi):  # where the band crosses the box's edges (tightened: finite)
        points += [(f_lo, c - f_lo), (f_hi, c - f_hi), (c - u_lo, u_lo), (c - u_hi, u_hi)]
    xf = np.vstack([p[0] for p in points])
    xu = np.vstack([p[1] for p in points])
    eps = 1e-9 * np.maximum(n, 1.0)
    ok = (
        (xf >= f_lo - eps)
        & (xf <= f_hi + eps)
        & (xu >= u_lo - eps)
        & (xu <= u_hi + eps)
        & (xf + xu >= s_lo - eps)
        & (xf + xu <= s_hi + eps)
        & ~box.empty
    )
    xf, xu = np.where(ok, xf, np.nan), np.where(ok, xu, np.nan)
    cells = {c: np.broadcast_to(table[c].to_numpy(dtype=float), xf.shape) for c in PARTITION}
    completed = {
        **cells,
        "tp": cells["tp"] + xf,
        "fp": cells["fp"] + fu - xf,
        "fn": cells["fn"] + xu,
        "tn": cells["tn"] + uu - xu,
        "flagged_unlabelled": np.zeros_like(xf),
        "unflagged_unlabelled": np.zeros_like(xu),
    }
    return completed, box


def check_assumptions(table: pd.DataFrame, assumptions: Assumptions) -> None:
    """Raise when no completion of a group's unknown outcomes satisfies the assumptions."""
    if not assumptions.narrowing:
        return
    empty = _admissible(table, assumptions).empty
    problems = [
        Problem(
            f"assumptions: no way to fill in the unknown outcomes of {_label(row)} "
            f"({_fmt(row.tp + row.fn)} fraud known among {_fmt(row.n)} people; outcome "
            f"unknown for {_fmt(row.flagged_unlabelled)} flagged and "
            f"{_fmt(row.unflagged_unlabelled)} unflagged, each a whole person) is consistent "
            f"with the assumption that {assumptions.describe()}; widen the assumptions",
            column="assumptions",
            value=_label(row),
            reason="impossible_assumption",
        )
        for row in table[empty].itertuples()
    ]
    if problems:
        raise RecordsError(problems)


def _outer(exact: bool) -> str:
    if exact:
        return ""
    return (
        " (outer bounds: the assumptions hold for each group on its own, and a bound may "
        "need a filling-in that a group of another attribute rules out)"
    )


def _label(row: Any) -> str:
    return "everyone" if row.attribute == OVERALL else f"{row.attribute} = {row.group}"


def _bounds(
    spec: MetricSpec, vertices: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Smallest and largest value over all admissible completions of unknown outcomes,
    whether they coincide (identified), and the numerator and denominator of one
    admissible completion (the counts behind an identified value)."""
    num, den = (
        np.sum([vertices[c] for c in sorted(partition_cells(names))], axis=0)
        for names in (spec.numerator, spec.denominator)
    )
    if spec.scope == "overall":
        den = np.broadcast_to(den[:, :1], den.shape)
    stacked = _ratio(num, den)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
        lo, hi = np.nanmin(stacked, axis=0), np.nanmax(stacked, axis=0)
    # identified only if every admissible completion gives the same defined value
    same = np.isclose(lo, hi, rtol=0, atol=1e-12) & ~np.any(
        np.isnan(stacked) & ~np.isnan(vertices["tp"]), axis=0
    )
    first = np.argmax(~np.isnan(vertices["tp"]), axis=0)
    columns = np.arange(num.shape[1])
    return lo, hi, same, num[first, columns], den[first, columns]


def compute_metrics(
    counts: CountTable,
    *,
    metrics: Sequence[str] | None = None,
    reference: Mapping[str, str] | None = None,
    options: StatsOptions | None = None,
    assumptions: Assumptions | None = None,
    decision: str = "burden",
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Tidy table of every metric for every group, compared with the reference group.

    Parameters
    ----------
    counts : CountTable
        Per-group counts.
    metrics : sequence of str, optional
        Registry names (aliases accepted), harm counts included; default
        :func:`default_metrics`.
    reference : mapping, optional
        Per attribute or intersection: a group name, ``"largest"`` (default),
        ``"most_favourable"`` or ``"rest"`` (each group compared with everyone not in
        it; ``reference_group`` is then ``"(everyone else)"``).
    options : StatsOptions, optional
        Confidence level, interval method, p-value correction.
    assumptions : Assumptions, optional
        Narrower bounds on the unknown outcomes (selective labels); default none.
    decision : {"burden", "benefit"}, default="burden"
        Which harm counts the default reports (:func:`~biasaudit.spec.harm_metrics`).

    Returns
    -------
    table : pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`.
    references : dict
        The reference rule used per attribute.

    Warns
    -----
    UndefinedRateWarning
        Naming every group whose rate has an empty denominator.
    """
    specs = [metric(m) for m in (metrics or default_metrics(counts, decision=decision))]
    options = options or StatsOptions()
    assumptions = assumptions or Assumptions()
    harm = [s for s in specs if isinstance(s, HarmSpec)]
    asked = list(dict.fromkeys(s for s in specs if not isinstance(s, HarmSpec)))
    # a harm count is read off its rate's rows (value, bounds, difference interval, test)
    extra = [metric(h.rate) for h in harm if metric(h.rate) not in asked]
    rates = list(dict.fromkeys([*asked, *extra]))
    table = counts.table
    check_assumptions(table, assumptions)
    vertices, box = _completions(table, assumptions)
    references = _check_references(table, dict(reference or {}))
    out, undefined = _rate_rows(counts, rates, options, assumptions, vertices, box)
    others = _rest(counts, references, rates, options, assumptions)
    out = _compare(out, table, references, rates, others)
    out = add_inference(out, rates, options)
    if harm:
        rows, unset = harm_rows(out, counts, harm, vertices, options)
        out = pd.concat([out, rows], ignore_index=True)
        undefined = {k: v for k, v in undefined.items() if metric(k) in asked} | unset
        out = out[~out["metric"].isin([s.name for s in extra])]
    # attribute, then metric, then group (in count-table order)
    order = {a: i for i, a in enumerate(table["attribute"].drop_duplicates())}
    out["_a"] = out["attribute"].map(order)
    out = out.sort_values("_a", kind="stable")
    out = out[TABLE_COLUMNS].reset_index(drop=True)
    if undefined:
        warnings.warn(undefined_message(undefined), UndefinedRateWarning, stacklevel=3)
    return out, references


def _rate_rows(
    counts: CountTable,
    specs: Sequence[MetricSpec],
    options: StatsOptions,
    assumptions: Assumptions,
    vertices: Mapping[str, np.ndarray],
    box: _Admissible,
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Each rate of each row of ``counts`` with its interval, bounds and note, and the
    effective counts (``_k``, ``_n``) its comparisons need; the groups whose rate has
    an empty denominator, per metric."""
    table = counts.table
    assumed = assumptions.describe() or "none of them / all of them committed fraud"
    squares = None if counts.squares is None else _arrays(counts.squares)
    cells = _arrays(table)
    fu = table["flagged_unlabelled"].to_numpy(dtype=float)
    uu = table["unflagged_unlabelled"].to_numpy(dtype=float)
    unlabelled = fu + uu
    labels = np.where(
        table["attribute"] == OVERALL, ALL, table["attribute"] + " = " + table["group"]
    )
    parts = []
    undefined: dict[str, list[str]] = {}
    for spec in specs:
        num, den = _evaluate(spec, cells)
        value = _ratio(num, den)
        lo, hi = value.copy(), value.copy()
        note = np.full(len(table), "", dtype=object)
        if spec.kind != "decision":
            has_unknown = unlabelled > 0
            blo, bhi, identified, num_id, den_id = _bounds(spec, vertices)
            lo, hi = np.where(has_unknown, blo, lo), np.where(has_unknown, bhi, hi)
            # an assumption that determines the rate (e.g. no fraud among the unknown):
            # value, interval and test come from the completed counts, never from the
            # known outcomes alone (issue 14)
            pinned = (
                has_unknown
                & identified
                & ~np.isnan(blo)
                & ((num_id != num) | (den_id != den))
                & (den_id > 0)
            )
            if pinned.any() and assumptions.narrowing:
                added_den = np.where(pinned, den_id - den, 0.0)
                num, den = np.where(pinned, num_id, num), np.where(pinned, den_id, den)
                value = np.where(pinned, _ratio(num, den), value)
                for i in np.flatnonzero(pinned):
                    note[i] = (
                        f"identified by the assumption that {assumed}: the unknown "
                        f"outcomes of {_fmt(fu[i])} flagged and {_fmt(uu[i])} unflagged "
                        "people are filled in by it"
                    )
            else:
                pinned = np.zeros(len(table), dtype=bool)
                added_den = np.zeros(len(table))
            if spec.kind == "among_labelled":
                # the value is among the investigated; the bounds are for every flagged
                # person, so under an assumption the value may lie outside them
                for i in np.flatnonzero((fu > 0) & ~pinned):
                    note[i] = (
                        f"among the {_fmt(den[i])} flagged with a known outcome; "
                        f"{_fmt(fu[i])} flagged have none: the bounds are for all "
                        f"{_fmt(den[i] + fu[i])} flagged, assuming {assumed}" + _outer(box.exact)
                    )
            else:
                unknown = has_unknown & ~identified & ~np.isnan(blo) & ~pinned
                value = np.where(unknown, np.nan, value)
                num, den = np.where(unknown, np.nan, num), np.where(unknown, np.nan, den)
                for i in np.flatnonzero(unknown):
                    note[i] = (
                        f"not identifiable: outcome unknown for {_fmt(fu[i])} flagged and "
                        f"{_fmt(uu[i])} unflagged people; the bounds assume {assumed}"
                        + _outer(box.exact)
                    )
        empty = np.isnan(value) & (note == "")
        if empty.any():
            cells_text = " + ".join(c.upper() if len(c) == 2 else c for c in spec.denominator)
            note[empty] = f"undefined: {cells_text} is 0 for this group"
            lo, hi = np.where(empty, np.nan, lo), np.where(empty, np.nan, hi)
            undefined[spec.name] = list(labels[empty])
        extra_sq = None
        if counts.squares is not None and spec.kind != "decision":
            # weights of the people filled in by an assumption: their share of the
            # unknowns' sum of squared weights (for Kish's effective n)
            sq_unknown = (
                counts.squares[["flagged_unlabelled", "unflagged_unlabelled"]]
                .to_numpy(float)
                .sum(axis=1)
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                extra_sq = np.where(
                    added_den > 0, added_den * sq_unknown / np.maximum(unlabelled, 1e-300), 0.0
                )
        ci_low, ci_high, k_eff, n_eff = _rate_interval(
            spec, cells, squares, num, den, options, extra_sq=extra_sq
        )
        defined = ~np.isnan(value)
        ci_low, ci_high = np.where(defined, ci_low, np.nan), np.where(defined, ci_high, np.nan)
        if not spec.comparable:  # a share of the whole population is exactly 1 for it
            ci_low[0], ci_high[0] = value[0], value[0]
        parts.append(
            pd.DataFrame(
                {
                    "attribute": table["attribute"].to_numpy(),
                    "group": table["group"].to_numpy(),
                    "metric": spec.name,
                    "value": value,
                    "ci_low": ci_low,
                    "ci_high": ci_high,
                    "lower_bound": lo,
                    "upper_bound": hi,
                    "numerator": num,
                    "denominator": den,
                    "n": cells["n"],
                    "note": note,
                    # effective counts for comparisons (comparable metrics only)
                    "_k": k_eff if spec.comparable else np.nan,
                    "_n": n_eff if spec.comparable else np.nan,
                }
            )
        )
    return pd.concat(parts, ignore_index=True), undefined


def undefined_message(undefined: Mapping[str, Sequence[str]], shown: int = 5) -> str:
    """The warning for rates with an empty denominator: metrics undefined for the same
    groups share one entry, which names the first ``shown`` groups and how many more (a
    large intersection can have hundreds; results.csv's note column names every one).

    Examples
    --------
    >>> message = undefined_message(
    ...     {"precision": ["g = A"], "base_rate": list("abcdefg"), "accuracy": list("abcdefg")}
    ... )
    >>> print(message.replace(": ", ":\\n").replace("; ", "\\n"))
    Rates with an empty denominator are reported as NaN, not 0:
    precision (g = A)
    base_rate, accuracy (a, b, c, d, e and 2 more)
    """
    alike: dict[tuple[str, ...], list[str]] = {}
    for name, groups in undefined.items():
        alike.setdefault(tuple(groups), []).append(name)
    lines = []
    for groups, names in alike.items():
        more = f" and {len(groups) - shown} more" if len(groups) > shown else ""
        lines.append(f"{', '.join(names)} ({', '.join(groups[:shown])}{more})")
    return "Rates with an empty denominator are reported as NaN, not 0: " + "; ".join(lines)


def _rate_interval(
    spec: MetricSpec,
    cells: Mapping[str, np.ndarray],
    squares: Mapping[str, np.ndarray] | None,
    num: np.ndarray,
    den: np.ndarray,
    options: StatsOptions,
    *,
    extra_sq: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Interval of each rate, and the (Kish effective) count and n behind it.

    ``extra_sq``: squared weights of people an assumption added to the denominator.
    """
    scale = 1.0
    if "expected_flagged" in spec.denominator:
        # representation ratio = selection rate / overall selection rate (held fixed)
        k, n = cells["flagged"], cells["n"]
        sq = None if squares is None else squares["n"]
        overall_rate = cells["flagged"][0] / cells["n"][0] if cells["n"][0] else np.nan
        scale = 1 / overall_rate if overall_rate else np.nan
    else:
        k, n = num, den
        sq = None
        if squares is not None:
            sq = np.sum([squares[c] for c in spec.denominator], axis=0)
            if spec.scope == "overall":
                sq = np.full_like(sq, sq[0])
            if extra_sq is not None:
                sq = sq + extra_sq
    k_eff, n_eff = effective_counts(k, n, sq)
    lo, hi = proportion_interval(
        k_eff,
        n_eff,
        method=options.interval,  # type: ignore[arg-type]
        confidence=options.confidence,
    )
    return lo * scale, hi * scale, k_eff, n_eff


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def _check_references(table: pd.DataFrame, reference: Mapping[str, str]) -> dict[str, str]:
    problems = []
    out: dict[str, str] = {}
    for attr in table["attribute"].drop_duplicates():
        if attr == OVERALL:
            continue
        rule = reference.get(attr, "largest")
        groups = table.loc[table["attribute"] == attr, "group"].tolist()
        if rule not in (*REFERENCE_RULES, REST) and rule not in groups:
            problems.append(
                Problem(
                    f"reference group {rule!r} for {attr!r} is not in the data; groups: "
                    + ", ".join(map(repr, groups))
                    + "; or use 'largest' / 'most_favourable' / 'rest'",
                    column=attr,
                    value=rule,
                    reason="reference_not_found",
                )
            )
        out[attr] = rule
    if problems:
        raise RecordsError(problems)
    return out


def _reference_groups(
    out: pd.DataFrame, references: Mapping[str, str], specs: Sequence[MetricSpec]
) -> pd.DataFrame:
    """One row per (attribute, metric): the reference group chosen by the rule."""
    body = out[out["attribute"] != OVERALL]
    # a rule never picks "(missing)", unless it is the only group
    is_missing = body["group"] == MISSING_GROUP
    only_missing = is_missing.groupby(body["attribute"]).transform("all")
    candidates = body[~is_missing | only_missing]
    rule = candidates["attribute"].map(references)
    direction = candidates["metric"].map({s.name: s.higher_is for s in specs})
    # sort key: lowest burden first for most_favourable, largest group first otherwise
    favourable = (rule == "most_favourable") & (direction != "neutral")
    key = np.where(
        favourable,
        np.where(direction == "burden", candidates["value"], -candidates["value"]),
        -candidates["n"].astype(float),
    )
    # most_favourable prefers groups with a denominator of at least MIN_REFERENCE_SIZE:
    # a handful of people with a rate of 0 would make every ratio undefined
    small = favourable & (candidates["denominator"].fillna(0) < MIN_REFERENCE_SIZE)
    ranked = candidates.assign(_key=key, _rule=rule, _small=small)
    ranked = ranked[~(favourable & ranked["value"].isna())]
    ranked = ranked.sort_values(["_small", "_key"], kind="stable")
    picked = ranked.groupby(["attribute", "metric"], sort=False).head(1)
    picked = picked[picked["_rule"].isin(REFERENCE_RULES)][["attribute", "metric", "group"]]
    named = [
        (a, spec.name, r)
        for a, r in references.items()
        if r not in (*REFERENCE_RULES, REST)
        for spec in specs
    ]
    named_df = pd.DataFrame(named, columns=["attribute", "metric", "group"])
    return pd.concat([picked, named_df], ignore_index=True).rename(
        columns={"group": "reference_group"}
    )


def _rest(
    counts: CountTable,
    references: Mapping[str, str],
    specs: Sequence[MetricSpec],
    options: StatsOptions,
    assumptions: Assumptions,
) -> pd.DataFrame | None:
    """Each group's complement (everyone not in it) for the attributes compared with
    everyone else: per attribute, group and metric its ``value``, bounds (``_rlo``,
    ``_rhi``) and effective counts (``_rk``, ``_rn``); None when no attribute is."""
    rest = [a for a, r in references.items() if r == REST]
    if not rest:
        return None

    def complement(frame: pd.DataFrame) -> pd.DataFrame:
        cols = [c for c in frame.columns if c not in ("attribute", "group")]
        rows = frame[frame["attribute"].isin(rest)]
        whole = frame.iloc[0][cols].to_numpy(dtype=float)
        out = rows.copy()
        out[cols] = whole - rows[cols].to_numpy(dtype=float)
        return pd.concat([frame.iloc[:1], out], ignore_index=True)

    squares = None if counts.squares is None else complement(counts.squares)
    others = CountTable(complement(counts.table), weighted=counts.weighted, squares=squares)
    vertices, box = _completions(others.table, assumptions)
    rows, _ = _rate_rows(others, specs, options, assumptions, vertices, box)
    rows = rows[rows["attribute"] != OVERALL]
    return rows.rename(
        columns={
            "value": "_rv",
            "lower_bound": "_rlo",
            "upper_bound": "_rhi",
            "_k": "_rk",
            "_n": "_rn",
        }
    )[["attribute", "group", "metric", "_rv", "_rlo", "_rhi", "_rk", "_rn"]]


def _compare(
    out: pd.DataFrame,
    table: pd.DataFrame,
    references: Mapping[str, str],
    specs: Sequence[MetricSpec],
    others: pd.DataFrame | None = None,
) -> pd.DataFrame:
    refs = _reference_groups(out, references, specs)
    ref_values = out[
        ["attribute", "metric", "group", "value", "lower_bound", "upper_bound", "_k", "_n"]
    ].rename(
        columns={
            "group": "reference_group",
            "value": "reference_value",
            "lower_bound": "_rlo",
            "upper_bound": "_rhi",
            "_k": "_rk",
            "_n": "_rn",
        }
    )
    refs = refs.merge(ref_values, on=["attribute", "metric", "reference_group"], how="left")
    out = out.merge(refs, on=["attribute", "metric"], how="left")
    if others is not None:  # one-vs-rest: each group's reference is its complement
        keys = ["attribute", "group", "metric"]
        found = others.set_index(keys).reindex(pd.MultiIndex.from_frame(out[keys]))
        mine = found["_rv"].notna().to_numpy() | found["_rlo"].notna().to_numpy()
        rest = out["attribute"].map(references).eq(REST).to_numpy()
        out.loc[rest, "reference_group"] = REST_GROUP
        for column, source in (
            ("reference_value", "_rv"),
            ("_rlo", "_rlo"),
            ("_rhi", "_rhi"),
            ("_rk", "_rk"),
            ("_rn", "_rn"),
        ):
            out.loc[rest, column] = np.where(mine[rest], found[source].to_numpy()[rest], np.nan)
    # shares of one whole are not compared group to group (a ratio of shares reads
    # like a disparity but is one); the selection rate carries that comparison
    shares = out["metric"].isin([s.name for s in specs if not s.comparable])
    out.loc[shares, ["reference_group", "reference_value"]] = [None, np.nan]
    r = out["reference_value"]
    v = out["value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = np.where(r > 0, v / r, np.nan)
        out["relative_difference"] = np.where(r > 0, (v - r) / r, np.nan)
    out["difference"] = v - r
    zero_ref = (r == 0) & v.notna()
    out.loc[zero_ref, "note"] = out.loc[zero_ref, "note"].map(
        lambda s: (s + "; " if s else "") + "reference value is 0: ratio undefined, see difference"
    )
    return out
