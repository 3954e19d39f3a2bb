"""Counts per period: the one pass grouped by the period too, then split.

With a ``period`` role (a year, a model version, before / after a rule change) the one
aggregation pass groups the rows by the period column as well, so the finest table of
cells (:attr:`CountTable.base`) has a period column. Everything per period is summed
from it here: each period's own count table (the groups of every period kept, empty
ones as rows, so periods line up), and the table of people in which the period is one
more attribute crossed with every attribute and intersection, which is what
disclosure control checks (a period's count is the pooled count minus the others').
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from .._exceptions import Problem
from ..spec import INTERSECTION_SEP, AuditSpec, order_periods
from ._counts import OVERALL, CountTable, count_table


def check_periods(
    labels: pd.Series,
    rows: pd.Series,
    keep: pd.Series,
    spec: AuditSpec,
    first_row: Callable[[Any], int | None],
) -> tuple[list[str], list[Problem]]:
    """The periods in order, and every problem with the period column.

    ``labels`` are the canonical period labels of the grouped cells (None when
    missing), ``rows`` the rows behind each cell, ``keep`` the cells analysed and
    ``first_row(value)`` the first data row holding a raw value (None when unknown).
    """
    column = str(spec.roles.period)
    problems = []

    def problem(message: str, value: Any, reason: str) -> None:
        row = first_row(value)
        at = f" (first at row {row})" if row else ""
        problems.append(
            Problem(
                f"column {column!r} (period): {message.format(at=at)}",
                column=column,
                row=row,
                value=value,
                reason=reason,
            )
        )

    missing = labels.isna() & keep
    k = int(rows[missing].sum())
    if k:
        rows_text = "1 row has" if k == 1 else f"{k:,} rows have"
        problem(
            rows_text + " no period{at}; every decision needs its period (a year, a "
            "version): fill them in or drop those rows",
            None,
            "missing_period",
        )
    present = labels[keep & ~labels.isna()]
    bad = sorted({str(v) for v in present if INTERSECTION_SEP in str(v)})
    if bad:
        problem(
            f"{len(bad):,} period labels hold {INTERSECTION_SEP!r}, the separator of "
            f"intersection names, e.g. {bad[0]!r}{{at}}; recode them (e.g. with ' x ' or '/')",
            bad[0],
            "separator_in_label",
        )
    found = list(dict.fromkeys(str(v) for v in present))
    order, wrong = order_periods(found, spec.change.order)
    if wrong:
        problems.append(
            Problem(f"column {column!r} (period): {wrong}", column=column, reason="period_order")
        )
    elif len(found) == 1:
        problems.append(
            Problem(
                f"column {column!r} (period): every analysed row is in one period "
                f"({found[0]!r}); a change needs two or more periods: check the column, "
                "or leave roles.period out to audit one period",
                column=column,
                value=found[0],
                reason="one_period",
            )
        )
    elif len(found) > spec.max_groups:
        problems.append(
            Problem(
                f"column {column!r} (period): {len(found):,} distinct periods, more than "
                f"max_groups = {spec.max_groups}; group them (years, not days) or raise "
                "max_groups",
                column=column,
                reason="too_many_groups",
            )
        )
    return order, problems


def period_counts(
    counts: CountTable,
    period: str,
    periods: Sequence[str],
    attributes: Sequence[str],
    intersections: Sequence[Sequence[str]],
) -> dict[str, CountTable]:
    """Each period's count table, in the order of ``periods``.

    Every table has the groups of every period (a group absent from a period is a row
    of zeros), so the periods' tables line up row by row.

    Examples
    --------
    >>> base = pd.DataFrame({"sex": ["F", "M", "M"], "year": ["2021", "2021", "2022"],
    ...                      "flagged": [1, 0, 1], "investigated": [1, 0, 1],
    ...                      "outcome": [0, -1, 1], "rows": [3, 5, 4]})
    >>> pooled = count_table(base.assign(w=base["rows"].astype(float)), ["sex"])
    >>> tables = period_counts(pooled, "year", ["2021", "2022"], ["sex"], [])
    >>> tables["2022"].table[["group", "n", "flagged"]].to_string(index=False)
    'group  n  flagged\\n(all)  4        4\\n    F  0        0\\n    M  4        4'
    """
    base = counts.base
    assert base is not None  # records audits keep their finest cells
    levels = _levels(counts, attributes)
    return {
        p: count_table(
            base[base[period] == p],
            attributes,
            intersections,
            weighted=counts.weighted,
            levels=levels,
        )
        for p in periods
    }


def period_people(
    counts: CountTable,
    period: str,
    periods: Sequence[str],
    attributes: Sequence[str],
    intersections: Sequence[Sequence[str]],
) -> CountTable:
    """People (row counts, whatever the weights) with the period as one more attribute.

    The attributes are the period, then ``attributes``; the intersections are
    ``intersections``, the period crossed with each attribute, and the period crossed
    with each intersection: every group of every period and of all periods together
    is a group of this one table, so one recoverability check sees them all.
    """
    base = counts.base
    assert base is not None
    people = base.assign(w=base["rows"].astype(float))
    crossed = [
        *[tuple(c) for c in intersections],
        *[(period, a) for a in attributes],
        *[(period, *c) for c in intersections],
    ]
    levels = {period: list(periods), **_levels(counts, attributes)}
    return count_table(people, [period, *attributes], crossed, levels=levels)


def _levels(counts: CountTable, attributes: Sequence[str]) -> Mapping[str, list[str]]:
    """The groups of each attribute in the pooled table, in its order."""
    t = counts.table
    return {a: t.loc[t["attribute"] == a, "group"].tolist() for a in attributes if a != OVERALL}
