"""Metrics from tables of counts whose cells are intervals: every metric as a range.

A suppressed or rounded cell is an interval, not a number (DESIGN.md §2, data shape
4), so every metric computed from it is a range: ``lower_bound`` and ``upper_bound``
are the smallest and largest value over every table of counts consistent with the
published cells *and* the margins (a group's cells add up to its n, the flagged to
its flagged, the groups to the total row). Each is a linear-fractional program,
solved as a linear program after the Charnes-Cooper transformation, over the
continuous relaxation of the tables of whole numbers: the range always contains the
range over whole numbers (so the true value) and can be slightly wider. Unknown
outcomes (selective labels) are filled in at the same time, from none to all of them
fraud, as :func:`~biasaudit.metrics._metrics.compute_metrics` does for exact counts.

Rows whose counts the published table determines (exact cells, or cells that the
margins pin down) are exactly what ``compute_metrics`` gives on the exact table:
value, interval, comparison and test. Rows that depend on an interval:

* ``value`` is NaN: the table does not say. With ``point="midpoint"`` it is the
  middle of the range, a rule chosen by the user, and the note says so. A range that
  is a single value (the margins determine the rate but not its counts) gives it.
* ``ci_low``/``ci_high``, ``numerator``/``denominator`` (where not determined), the
  test and the p-values are NaN: a confidence interval or a test needs counts. The
  p-values of the remaining tests are adjusted among themselves.
* a rate that is undefined (denominator 0) in some of these tables is given over
  the tables where it is defined, and the note says so; undefined in all of them:
  NaN, never 0, with :class:`~biasaudit._exceptions.UndefinedRateWarning`.
* ``representation_ratio`` (a ratio of two shares) is given an outer bound, the
  range of the group's selection rate over the range of everyone's.
* comparisons with the reference group: ``ratio_ci_low``/``ratio_ci_high`` and
  ``difference_ci_low``/``difference_ci_high`` hold the *range* of the ratio and the
  difference (from the two groups' ranges: an outer bound), not confidence
  intervals; the note says so. A ratio whose reference can be 0 has no upper limit
  (NaN). ``ratio`` and ``difference`` are NaN unless both values are points.

The reference group is chosen on the ``rule="midpoint"`` table of
:meth:`~biasaudit.counts._tables.IntervalCounts.to_count_table` (the largest group, or the
most favourable value), which matters only where group sizes are ranges. The worst
and best cases for unknown outcomes are none to all of them fraud (no narrower
assumptions).

Several datasets (training vs pilot, before vs after a change) are computed each on
its own and stacked with a leading ``dataset`` column; :func:`side_by_side` puts them
next to each other.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._exceptions import UndefinedRateWarning
from ..counts import ALL, CELLS, OVERALL, CountModel, IntervalCounts, cell_label, partition_cells
from ..spec import METRICS, REST_GROUP, HarmSpec, MetricSpec, StatsOptions, harm_metrics, metric
from ..stats import _adjust_family
from ._metrics import COMPARISON_COLUMNS, TABLE_COLUMNS, compute_metrics, undefined_message

Point = Literal["none", "midpoint"]
POINTS = ("none", "midpoint")
_EPS = 1e-9
_LABELLED = frozenset({"tp", "fp", "fn", "tn"})
_REFERENCE_ZERO = "reference value is 0: ratio undefined, see difference"
_RANGED = "ratio_ci_low/high and difference_ci_low/high are the ranges of the ratio"
_COMPARISON = _RANGED + " and the difference to {ref} over these tables, not confidence intervals"


def range_metrics(
    counts: IntervalCounts,
    *,
    metrics: Sequence[str] | None = None,
    reference: Mapping[str, str] | None = None,
    options: StatsOptions | None = None,
    point: Point = "none",
    decision: str = "burden",
) -> pd.DataFrame:
    """Every metric for every group as a range over the tables consistent with the cells.

    Parameters
    ----------
    counts : IntervalCounts
        From :func:`~biasaudit.counts._tables.read_counts`.
    metrics : sequence of str, optional
        Registry names (aliases accepted); default every metric, or only decision
        metrics when the table gives no outcomes.
    reference : mapping, optional
        Per attribute: a group, ``"largest"`` (default) or ``"most_favourable"``
        (chosen on the ``rule="midpoint"`` table when group sizes are ranges).
    options : StatsOptions, optional
        Confidence level, interval method, p-value correction (for exact rows).
    point : {"none", "midpoint"}, default="none"
        ``"midpoint"``: where a value is a range, report the middle of the range as
        ``value`` (a rule chosen by the user; the note says so).
    decision : {"burden", "benefit"}, default="burden"
        Which harm counts the default reports (:func:`~biasaudit.spec.harm_metrics`).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`~biasaudit.metrics._metrics.TABLE_COLUMNS`, after a leading
        ``dataset`` column when the table holds several datasets.

    Warns
    -----
    UndefinedRateWarning
        Naming every group whose rate is undefined in every consistent table.

    Examples
    --------
    >>> from biasaudit.counts._tables import read_counts
    >>> table = pd.DataFrame(
    ...     {"sex": ["F", "M", "Total"], "n": [400, 600, 1000], "flagged": ["x", 30, 36]}
    ... )
    >>> out = range_metrics(read_counts(table, groups="sex"), metrics=["selection_rate"])
    >>> out[["group", "value", "lower_bound", "upper_bound"]]
       group  value  lower_bound  upper_bound
    0  (all)  0.036        0.036        0.036
    1      F  0.015        0.015        0.015
    2      M  0.050        0.050        0.050

    The total row pins the suppressed cell down: F's flagged is 36 - 30 = 6.
    """
    if point not in POINTS:
        raise ValueError(f"point must be one of {', '.join(POINTS)}. Got {point!r}.")
    specs = _specs(counts, metrics, decision)
    options = options or StatsOptions()
    names = counts.datasets
    parts = []
    undefined: dict[str, list[str]] = {}
    for name in names:
        table = _dataset(counts, name, specs, reference, options, point)
        empty = table["value"].isna() & table["note"].str.startswith("undefined:")
        for row in table[empty].itertuples():
            label = ALL if row.attribute == OVERALL else f"{row.attribute} = {row.group}"
            if name is not None and len(names) > 1:
                label += f" ({name})"
            undefined.setdefault(str(row.metric), []).append(label)
        if len(names) > 1:
            table.insert(0, "dataset", name)
        parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    if undefined:
        warnings.warn(undefined_message(undefined), UndefinedRateWarning, stacklevel=2)
    return out


def side_by_side(
    table: pd.DataFrame,
    metric_name: str,
    *,
    values: str | Sequence[str] = ("value", "lower_bound", "upper_bound"),
) -> pd.DataFrame:
    """One metric of several datasets next to each other.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`range_metrics` on a table with several datasets.
    metric_name : str
        Registry name (aliases accepted).
    values : str or sequence of str, default=("value", "lower_bound", "upper_bound")
        Columns to show. One name: one column per dataset; several: columns
        ``(value, dataset)``.

    Returns
    -------
    pandas.DataFrame
        Rows attribute x group (in table order), columns per dataset (in table order).

    Examples
    --------
    >>> from biasaudit.counts._tables import read_counts
    >>> table = pd.DataFrame(
    ...     {
    ...         "version": ["before", "before", "after", "after"],
    ...         "sex": ["F", "M", "F", "M"],
    ...         "n": [100, 100, 100, 100],
    ...         "flagged": [30, 10, 20, 15],
    ...     }
    ... )
    >>> counts = read_counts(table, groups="sex", dataset="version")
    >>> wide = side_by_side(range_metrics(counts), "selection_rate", values="value")
    >>> list(wide.columns), wide.loc[("sex", "F")].tolist()
    (['before', 'after'], [0.3, 0.2])
    """
    if "dataset" not in table.columns:
        raise ValueError(
            "side_by_side needs a table with a 'dataset' column (from range_metrics on a "
            "table with several datasets). Got columns: " + ", ".join(map(str, table.columns))
        )
    name = metric(metric_name).name
    rows = table[table["metric"] == name]
    if rows.empty:
        raise ValueError(
            f"metric {name!r} is not in the table; it has: "
            + ", ".join(table["metric"].drop_duplicates())
        )
    fields = [values] if isinstance(values, str) else list(values)
    unknown = [v for v in fields if v not in table.columns]
    if unknown:
        raise ValueError(f"values {unknown} are not columns of the table.")
    datasets = list(dict.fromkeys(rows["dataset"]))
    index = pd.MultiIndex.from_frame(rows[["attribute", "group"]].drop_duplicates())
    wide = rows.pivot(index=["attribute", "group"], columns="dataset", values=fields)
    wide = wide.reindex(index=index, columns=pd.MultiIndex.from_product([fields, datasets]))
    if isinstance(values, str):
        wide.columns = pd.Index(datasets, name="dataset")
    else:
        wide.columns.names = [None, "dataset"]
    return wide


def _specs(
    counts: IntervalCounts, metrics: Sequence[str] | None, decision: str = "burden"
) -> list[MetricSpec]:
    if metrics is None:
        outcomes = bool(_LABELLED & set(counts.given))
        rates = [m for m in METRICS.values() if outcomes or m.kind == "decision"]
        harm = harm_metrics(outcomes=outcomes, amount=False, decision=decision)
        return rates + [metric(h) for h in harm]
    specs = [metric(m) for m in metrics]
    known = set(CELLS) | {"expected_flagged"}
    for spec in specs:
        if not set(spec.numerator) | set(spec.denominator) <= known:
            raise ValueError(
                f"metric {spec.name!r} needs cells a table of counts does not have "
                f"({spec.formula}); allowed: " + ", ".join(METRICS) + "."
            )
    return specs


@dataclass
class _Range:
    """What one row of the table knows about its value."""

    value: tuple[float, float] | None  # range of the value (None: not identifiable)
    ranged: bool  # depends on an interval count


def _dataset(
    counts: IntervalCounts,
    name: str | None,
    specs: Sequence[MetricSpec],
    reference: Mapping[str, str] | None,
    options: StatsOptions,
    point: Point,
) -> pd.DataFrame:
    """The results table of one dataset."""
    completion = counts.to_count_table("midpoint", dataset=name)
    # a harm count's range is read off its rate's: the rate is computed with it
    extra = [
        metric(h.rate) for h in specs if isinstance(h, HarmSpec) and metric(h.rate) not in specs
    ]
    extra = list(dict.fromkeys(extra))
    specs = [*specs, *extra]
    with warnings.catch_warnings():
        # undefined rates are warned about once, for every dataset, by range_metrics
        warnings.simplefilter("ignore", UndefinedRateWarning)
        out, _ = compute_metrics(
            completion, metrics=[s.name for s in specs], reference=reference, options=options
        )
    part = counts.dataset_cells(name)
    if (part["implied_low"] == part["implied_high"]).all():
        return out[~out["metric"].isin([s.name for s in extra])].reset_index(drop=True)
    solver = _Solver(counts.model(name), part)
    tallies = counts.interval_cells(name)
    context = _context(tallies, counts.rounding)
    table = completion.table
    rows = {key: r for r, key in enumerate(zip(table["attribute"], table["group"], strict=True))}
    by_name = {s.name: s for s in specs}
    out = out.copy()
    ranges: dict[tuple[str, int], _Range] = {}
    for i, line in enumerate(out.itertuples(index=False)):
        spec, r = by_name[str(line.metric)], rows[(line.attribute, line.group)]
        if isinstance(spec, HarmSpec):  # from the rates' ranges, once they are known
            continue
        found = solver.row(spec, r, point, context)
        if found is None:  # determined by the published cells: compute_metrics is right
            value = float(line.value)
            ranges[(spec.name, r)] = _Range(None if math.isnan(value) else (value, value), False)
            continue
        fill, ranges[(spec.name, r)] = found
        for column, v in fill.items():
            out.iat[i, out.columns.get_loc(column)] = v
    out = _compare(out, ranges, rows, specs, options, solver)
    out = _harm_ranges(out, ranges, rows, specs, solver, point, context)
    return out[~out["metric"].isin([s.name for s in extra])].reset_index(drop=True)


def _context(tallies: Mapping[str, int], rounding: int | None) -> str:
    parts = []
    for status, what in (
        ("suppressed", "suppressed"),
        ("withheld", "withheld"),
        ("rounded", f"rounded to a multiple of {rounding}"),
    ):
        k = tallies[status]
        if k:
            parts.append(f"{k:,} {'cell' if k == 1 else 'cells'} {what}")
    return ", ".join(parts)


_CAUSE = re.compile(r"\b[\d,]+ cells? (suppressed|withheld|rounded)\b")


def range_causes(note: str) -> tuple[str, ...]:
    """Why a row of :func:`range_metrics` is a range, read back from its note.

    The kinds of interval cell (``"rounded"``, ``"suppressed"``, ``"withheld"``)
    that the note of a ranged row names, in the order the note gives them; empty
    when the note names none (an exact row).

    Examples
    --------
    >>> range_causes("range over every table consistent with the published cells "
    ...              "(n 995 to 1,005; 2 cells suppressed, 6 cells rounded to a multiple of 10)")
    ('suppressed', 'rounded')
    """
    return tuple(dict.fromkeys(_CAUSE.findall(str(note))))


def ranged_comparison(note: str) -> bool:
    """Whether a row's ``ratio_ci_*`` and ``difference_ci_*`` are ranges, not intervals.

    True for the comparisons :func:`range_metrics` made where either rate is a range
    (its note says so); False for a comparison with confidence intervals.
    """
    return _RANGED in str(note)


class _Solver:
    """Ranges of one dataset's metrics, cached by the linear forms they need.

    Whether a sum of cells is determined is decided on whole numbers (the bounds of a
    linear program rounded inwards). Known tables (the midpoint table and every
    solution found so far) whose sums already round to different whole numbers settle
    it without a program.
    """

    def __init__(self, model: CountModel, part: pd.DataFrame) -> None:
        self.model = model
        shape = (-1, len(CELLS))
        self.low = part["implied_low"].to_numpy(float).reshape(shape)
        self.high = part["implied_high"].to_numpy(float).reshape(shape)
        start = np.zeros((self.low.shape[0], CountModel.WIDTH))
        start[:, : len(CELLS) - 2] = part["midpoint"].to_numpy(float).reshape(shape)[:, 2:]
        self.known = [start.ravel()]  # tables consistent with the cells
        self.cache: dict[tuple[object, ...], tuple[float, float] | None] = {}

    def implied(self, row: int, cell: str) -> tuple[float, float]:
        """Bounds of one cell implied by the whole table (whole numbers)."""
        c = CELLS.index(cell)
        return float(self.low[row, c]), float(self.high[row, c])

    def determined(self, row: int, names: Sequence[str]) -> float | None:
        """The sum of cells ``names`` of ``row`` when every table gives the same."""
        if len(names) == 1:
            lo, hi = self.implied(row, names[0])
            return lo if lo == hi else None
        cells = sorted(partition_cells(names))
        spans = [self.implied(row, c) for c in cells]
        if all(lo == hi for lo, hi in spans):
            return sum(lo for lo, _ in spans)
        w = self.model.form(row, cells)
        seen = [float(w @ z) for z in [*self.known, *self.model.solutions]]
        if math.ceil(min(seen) - 1e-6) < math.floor(max(seen) + 1e-6):
            return None  # as the rounded bounds of the program would say
        low, high = self._span(row, cells)
        return low if low == high else None

    def can_be_zero(self, row: int, names: Sequence[str]) -> bool:
        """Whether the sum of cells ``names`` of ``row`` is 0 in some table."""
        if len(names) == 1:
            return self.implied(row, names[0])[0] == 0
        cells = sorted(partition_cells(names))
        if sum(self.implied(row, c)[0] for c in cells) > 0:
            return False
        return self._span(row, cells)[0] == 0

    def _span(self, row: int, cells: Sequence[str]) -> tuple[float, float]:
        key = ("cells", row, tuple(cells))
        if key not in self.cache:
            span = self.model.span(self.model.form(row, cells))
            assert span is not None  # the table was checked when read
            high = math.floor(span[1] + 1e-6) if math.isfinite(span[1]) else math.inf
            self.cache[key] = (math.ceil(span[0] - 1e-6), high)
        found = self.cache[key]
        assert found is not None
        return found

    def ratio(
        self, num: tuple[int, Sequence[str]], den: tuple[int, Sequence[str]], completed: bool
    ) -> tuple[float, float] | None:
        """Range of a ratio of sums of cells over the tables where it is defined."""
        n_cells, d_cells = partition_cells(num[1]), partition_cells(den[1])
        key = ("ratio", num[0], n_cells, den[0], d_cells, completed)
        if key in self.cache:
            return self.cache[key]
        if num[0] == den[0] and n_cells < d_cells:  # p and 1 - p: one program for both
            rest = ("ratio", num[0], d_cells - n_cells, den[0], d_cells, completed)
            if rest in self.cache:
                other = self.cache[rest]
                self.cache[key] = None if other is None else (1 - other[1], 1 - other[0])
                return self.cache[key]
        form = self.model.form
        found = self.model.ratio_span(
            form(num[0], sorted(n_cells), completed=completed),
            form(den[0], sorted(d_cells), completed=completed),
        )
        if found is not None:  # floating point: never a low above the high
            low, high = max(min(found), 0.0), max(found)
            if high - low <= _EPS * max(1.0, high):
                low = high
            found = (low, high)
        self.cache[key] = found
        return found

    def row(
        self, spec: MetricSpec, r: int, point: Point, context: str
    ) -> tuple[dict[str, object], _Range] | None:
        """The columns of a row that depends on an interval; None when it does not."""
        d = 0 if spec.scope == "overall" else r
        shares = "expected_flagged" in spec.denominator
        needs = [(r, spec.numerator), (d, spec.denominator)]
        if shares:
            needs = [(r, ("flagged",)), (r, ("n",)), (0, ("flagged",)), (0, ("n",))]
        if spec.kind != "decision":
            needs += [(r, ("flagged_unlabelled",)), (r, ("unflagged_unlabelled",))]
        if all(self.determined(row, names) is not None for row, names in needs):
            return None
        n = self.determined(r, ("n",))
        fill: dict[str, object] = {
            "ci_low": np.nan,
            "ci_high": np.nan,
            "n": np.nan if n is None else n,
            "numerator": np.nan,
            "denominator": np.nan,
        }
        notes = []
        shown_cells: list[tuple[int, tuple[str, ...]]]
        if shares:
            value, bounds, note = self._representation(r)
            notes.append(note)
            shown_cells = [(r, ("flagged", "n")), (0, ("flagged", "n"))]
        else:
            value, bounds, note = self._rate(spec, r, d)
            notes += [note] if note else []
            if value is not None:  # counts as points only where determined
                num, den = self.determined(r, spec.numerator), self.determined(d, spec.denominator)
                fill["numerator"] = np.nan if num is None else num
                fill["denominator"] = np.nan if den is None else den
            shown_cells = [(r, spec.numerator), (d, spec.denominator)]
            if d == r:
                shown_cells = [(r, tuple(dict.fromkeys([*spec.numerator, *spec.denominator])))]
        fill["lower_bound"], fill["upper_bound"] = bounds if bounds else (np.nan, np.nan)
        shown = np.nan
        if value is not None:
            if value[1] - value[0] <= _EPS * max(1.0, abs(value[1])):
                shown = value[0]
                if spec.comparable or r != 0:  # a share of the whole is 1 for it anyway
                    notes.append("the margins determine the value but not the counts behind it")
            elif point == "midpoint":
                shown = (value[0] + value[1]) / 2
                notes.append("value: midpoint of the range, a rule chosen by the user")
        fill["value"] = shown
        if not spec.comparable and r == 0 and not math.isnan(shown):
            fill["ci_low"] = fill["ci_high"] = shown  # a share of the whole is 1 for it
        if bounds is None:
            text = " + ".join(cell_label(c) for c in spec.denominator)
            notes = [
                f"undefined: {text} is 0 for this group in every table consistent with "
                "the published cells"
            ]
        else:
            counted = [
                ("everyone's " if row != r else "") + self._counted(row, names)
                for row, names in shown_cells
            ]
            detail = "; ".join(x for x in (", ".join(counted), context) if x)
            notes.insert(
                len(notes) if not notes else 1,
                "range over every table consistent with the published cells"
                + (f" ({detail})" if detail else ""),
            )
        fill["note"] = "; ".join(notes)
        return fill, _Range(value, True)

    def rest(
        self, spec: MetricSpec, r: int, others: Sequence[int]
    ) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
        """Range of everyone else's rate (None where not identifiable) and its bounds
        (unknown outcomes filled in): the sum of the attribute's other groups ``others``
        (their unknown outcomes are filled in group by group, as the model has them)."""
        key = ("rest", spec.name, r)
        if key not in self.cache:

            def form(names: Sequence[str], filled: bool) -> np.ndarray:
                return np.sum([self.model.form(o, names, completed=filled) for o in others], 0)

            completed = spec.kind != "decision"
            filled = [form(spec.numerator, completed), form(spec.denominator, completed)]
            bounds = self._span_of(*filled)
            value = bounds
            if spec.kind == "among_labelled":
                value = self._span_of(form(spec.numerator, False), form(spec.denominator, False))
            elif spec.kind == "outcome":
                for o in others:  # a guilty share of some group's unknowns matters: unknown
                    base = o * CountModel.WIDTH
                    fu = self.implied(o, "flagged_unlabelled")[1] > 0
                    uu = self.implied(o, "unflagged_unlabelled")[1] > 0
                    if any((w[base + 6] != 0 and fu) or (w[base + 7] != 0 and uu) for w in filled):
                        value = None
                        break
            self.cache[key] = (value, bounds)  # type: ignore[assignment]
        return self.cache[key]  # type: ignore[return-value]

    def _span_of(self, num: np.ndarray, den: np.ndarray) -> tuple[float, float] | None:
        found = self.model.ratio_span(num, den)
        if found is None:
            return None
        low, high = max(min(found), 0.0), max(found)
        return (high, high) if high - low <= _EPS * max(1.0, high) else (low, high)

    def excess(
        self, spec: MetricSpec, r: int, reference: tuple[float, float]
    ) -> tuple[float, float] | None:
        """Outer range of ``numerator - denominator x c`` for ``c`` in ``reference``
        (the group's unknown outcomes filled in every way)."""
        completed = spec.kind != "decision"
        num = self.model.form(r, spec.numerator, completed=completed)
        den = self.model.form(r, spec.denominator, completed=completed)
        spans = [self.model.span(num - c * den) for c in reference]
        if any(x is None for x in spans):
            return None
        return min(x[0] for x in spans), max(x[1] for x in spans)  # type: ignore[index]

    def _counted(self, row: int, names: Sequence[str]) -> str:
        """``TP 8 to 9, FP = 30``: each cell with the bounds the table implies."""
        parts = []
        for name in names:
            lo, hi = self.implied(row, name)
            label = cell_label(name)
            if lo == hi:
                parts.append(f"{label} = {lo:,.0f}")
            elif math.isfinite(hi):
                parts.append(f"{label} {lo:,.0f} to {hi:,.0f}")
            else:
                parts.append(f"{label} at least {lo:,.0f}")
        return ", ".join(parts)

    def _rate(
        self, spec: MetricSpec, r: int, d: int
    ) -> tuple[tuple[float, float] | None, tuple[float, float] | None, str]:
        """Range of the value, bounds (unknown outcomes filled in) and a note."""
        num, den = (r, spec.numerator), (d, spec.denominator)
        bounds = self.ratio(num, den, completed=spec.kind != "decision")
        note = ""
        if bounds is not None and self.can_be_zero(d, spec.denominator):
            note = (
                f"undefined in some of these tables ({_cells_text(spec.denominator)} can be "
                "0): the range is over the tables where it is defined"
            )
        if spec.kind == "decision":
            return bounds, bounds, note
        fu, uu = self.implied(r, "flagged_unlabelled"), self.implied(r, "unflagged_unlabelled")
        if spec.kind == "among_labelled":
            value = self.ratio(num, den, completed=False)
            if fu[1] > 0:
                among = "" if value is None else f": {_span_text(value, rate=True)}"
                text = f"among the flagged with a known outcome{among}; {_span_text(fu)} flagged"
                note = "; ".join(x for x in (note, text + " have none") if x)
            return value, bounds, note
        form = self.model.form
        completed = [
            form(r, spec.numerator, completed=True),
            form(d, spec.denominator, completed=True),
        ]
        base = r * CountModel.WIDTH
        unknown = any(w[base + 6] != 0 for w in completed) and fu[1] > 0
        unknown |= any(w[base + 7] != 0 for w in completed) and uu[1] > 0
        if unknown and bounds is not None:
            text = (
                f"not identifiable: outcome unknown for {_span_text(fu)} flagged and "
                f"{_span_text(uu)} unflagged people; the bounds assume none of them / all of "
                "them committed fraud"
            )
            return None, bounds, "; ".join(x for x in (note, text) if x)
        return bounds, bounds, note

    def _representation(
        self, r: int
    ) -> tuple[tuple[float, float] | None, tuple[float, float] | None, str]:
        """Outer bound of (flagged_g / n_g) / (flagged_all / n_all)."""
        group = self.ratio((r, ("flagged",)), (r, ("n",)), completed=False)
        everyone = self.ratio((0, ("flagged",)), (0, ("n",)), completed=False)
        note = "outer bound: the group's selection rate over everyone's, each a range"
        if r == 0:
            one = None if everyone is None or everyone[1] == 0 else (1.0, 1.0)
            return one, one, note
        if group is None or everyone is None or everyone[1] == 0:
            return None, None, note
        if everyone[0] > 0 and math.isfinite(group[1]):
            bounds = (group[0] / everyone[1], group[1] / everyone[0])
            return bounds, bounds, note
        # no upper limit (never infinity): NaN, as for a ratio with a zero reference
        return None, (group[0] / everyone[1], np.nan), note + "; no upper limit"


def _compare(
    out: pd.DataFrame,
    ranges: Mapping[tuple[str, int], _Range],
    rows: Mapping[tuple[str, str], int],
    specs: Sequence[MetricSpec],
    options: StatsOptions,
    solver: _Solver,
) -> pd.DataFrame:
    """Comparisons with the reference group where either side is a range."""
    comparable = {s.name for s in specs if s.comparable}
    by_name = {s.name: s for s in specs}
    changed = False
    for i, line in enumerate(out.itertuples(index=False)):
        name, ref = str(line.metric), line.reference_group
        if name not in comparable or not isinstance(ref, str):
            continue
        r = rows[(line.attribute, line.group)]
        mine = ranges[(name, r)]
        if ref == REST_GROUP:
            span, _ = solver.rest(by_name[name], r, _others(rows, line.attribute, line.group))
            theirs = _Range(span, True)
            point = span is not None and span[1] - span[0] <= _EPS * max(1.0, span[1])
            if not mine.ranged and point:  # everyone else's rate is known: exact
                continue
            ref_value = span[0] if span is not None and point else np.nan
        else:
            theirs = ranges[(name, rows[(line.attribute, ref)])]
            if not (mine.ranged or theirs.ranged):
                continue
            ref_value = out.loc[
                (out["metric"] == name)
                & (out["attribute"] == line.attribute)
                & (out["group"] == ref),
                "value",
            ].iloc[0]
        changed = True
        fill: dict[str, object] = {
            **dict.fromkeys(COMPARISON_COLUMNS, np.nan),
            "reference_value": ref_value,
            "test": "",
        }
        note = str(line.note).replace("; " + _REFERENCE_ZERO, "").replace(_REFERENCE_ZERO, "")
        if line.group == ref and not math.isnan(float(line.value)):
            fill["difference"] = 0.0
            if float(line.value) > 0:
                fill.update(ratio=1.0, relative_difference=0.0)
        elif line.group != ref and mine.value is not None and theirs.value is not None:
            (g_lo, g_hi), (r_lo, r_hi) = mine.value, theirs.value
            fill["difference_ci_low"], fill["difference_ci_high"] = g_lo - r_hi, g_hi - r_lo
            if r_hi > 0:
                fill["ratio_ci_low"] = g_lo / r_hi
                fill["ratio_ci_high"] = g_hi / r_lo if r_lo > 0 else np.nan
            value = float(line.value)
            if not (math.isnan(value) or math.isnan(ref_value)):
                fill["difference"] = value - ref_value
                if ref_value > 0:
                    fill["ratio"] = value / ref_value
                    fill["relative_difference"] = (value - ref_value) / ref_value
            extra = _COMPARISON.format(ref=ref)
            if r_lo <= 0 < r_hi:
                extra += " (no upper limit to the ratio: the reference can be 0)"
            note = "; ".join(x for x in (note, extra) if x)
        for column, v in {**fill, "note": note}.items():
            out.iat[i, out.columns.get_loc(column)] = v
    if changed:
        out["p_adjusted"] = _adjust_family(out, specs, options)
    return out[TABLE_COLUMNS]


def _harm_ranges(
    out: pd.DataFrame,
    ranges: Mapping[tuple[str, int], _Range],
    rows: Mapping[tuple[str, str], int],
    specs: Sequence[MetricSpec],
    solver: _Solver,
    point: Point,
    context: str,
) -> pd.DataFrame:
    """Harm counts where the group's or the reference's rate is a range.

    The range is an outer one: of ``O - D x c`` over every consistent table, for ``c``
    anywhere in the reference's range (the group's cells and the reference's rate
    taken apart). The test is the rate's (as :func:`_compare` left it).
    """
    harm = {s.name: s for s in specs if isinstance(s, HarmSpec)}
    if not harm:
        return out
    by_name = {s.name: s for s in specs}
    keys = ["attribute", "group", "metric"]
    position = {k: i for i, k in enumerate(out[keys].itertuples(index=False, name=None))}
    out = out.copy()
    for i, line in enumerate(out.itertuples(index=False)):
        spec = harm.get(str(line.metric))
        ref = line.reference_group
        if spec is None or not isinstance(ref, str) or ref == line.group:
            continue
        base = by_name[spec.rate]
        r = rows[(line.attribute, line.group)]
        rate_row = out.iloc[position[(line.attribute, line.group, base.name)]]
        for column in ("test", "p_value", "p_adjusted"):  # the rate's test, as it now stands
            out.iat[i, out.columns.get_loc(column)] = rate_row[column]
        if spec.amount:
            continue
        if ref == REST_GROUP:
            value, reference = solver.rest(base, r, _others(rows, line.attribute, line.group))
            ranged = ranges[(base.name, r)].ranged or value is None or value[0] != value[1]
        else:
            reference_row = out.iloc[position[(line.attribute, ref, base.name)]]
            reference = (float(reference_row.lower_bound), float(reference_row.upper_bound))
            ranged = (
                ranges[(base.name, r)].ranged
                or ranges[(base.name, rows[(line.attribute, ref)])].ranged
            )
            if any(math.isnan(x) for x in reference):
                reference = None
        if not ranged:
            continue
        found = None if reference is None else solver.excess(base, r, reference)
        fill: dict[str, object] = dict.fromkeys(
            ("value", "ci_low", "ci_high", "numerator", "denominator"), np.nan
        )
        point_ref = reference is not None and reference[1] - reference[0] <= _EPS
        if ref == REST_GROUP and (value is None or not point_ref):
            fill["reference_value"] = np.nan
        notes = []
        unknown = str(
            out.iat[position[(line.attribute, line.group, base.name)], out.columns.get_loc("note")]
        )
        if ref == REST_GROUP and value is None or unknown.startswith("not identifiable"):
            notes.append(
                "not identifiable: outcomes unknown for some people of this group or of its "
                "reference; the bounds fill them in every way"
            )
        if found is None:
            fill["lower_bound"] = fill["upper_bound"] = np.nan
            notes.append(
                "undefined: the reference's rate is undefined in every table consistent "
                "with the published cells"
            )
        else:
            low, high = sorted((spec.sign * found[0], spec.sign * found[1]))
            fill["lower_bound"], fill["upper_bound"] = low, high
            if high - low <= _EPS * max(1.0, abs(high)):
                fill["value"] = low
            elif point == "midpoint" and math.isfinite(low + high):
                fill["value"] = (low + high) / 2
                notes.append("value: midpoint of the range, a rule chosen by the user")
            notes.insert(
                len(notes) if not notes else 1,
                "range over every table consistent with the published cells"
                + (f" ({context})" if context else "")
                + "; an outer bound: the group's counts and the reference's rate ranged apart",
            )
        num, den = solver.determined(r, base.numerator), solver.determined(r, base.denominator)
        if not math.isnan(float(fill["value"])):  # type: ignore[arg-type]
            fill["numerator"] = np.nan if num is None else num
            fill["denominator"] = np.nan if den is None else den
        fill["note"] = "; ".join(notes)
        for column, v in fill.items():
            out.iat[i, out.columns.get_loc(column)] = v
    return out


def _others(rows: Mapping[tuple[str, str], int], attribute: str, group: str) -> list[int]:
    """The count-table rows of the attribute's groups other than ``group``."""
    return [i for (a, g), i in rows.items() if a == attribute and g != group]


def _cells_text(names: Sequence[str]) -> str:
    return " + ".join(cell_label(c) for c in names)


def _span_text(span: tuple[float, float], *, rate: bool = False) -> str:
    """``12`` or ``3 to 21`` (rates to three significant digits)."""

    def fmt(x: float) -> str:
        return f"{x:.3g}" if rate else f"{x:,.0f}"

    if span[0] == span[1]:
        return fmt(span[0])
    return f"{fmt(span[0])} to {fmt(span[1])}"
