"""Options of the change analysis: which periods, in which order, compared how.

A records audit with a ``period`` role (or ``version``: the same role), and an
aggregated table with several datasets, are audited period by period; the change
analysis then tests whether each disparity changed between periods. Checked like the
other options, every problem collected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .._exceptions import Problem
from ._registry import METRICS, metric

Compare = Literal["previous", "first"]
#: How periods are paired: each with the one before it, or each with the first.
COMPARES = ("previous", "first")
#: The label of the rows of every period together, in the results table's ``dataset``.
ALL_PERIODS = "(all periods)"


@dataclass(frozen=True)
class ChangeOptions:
    """How the periods of an audit are ordered and compared.

    Parameters
    ----------
    order : sequence of str, optional
        The periods in time order, e.g. ``["before", "after"]``. Default: the labels
        sorted naturally (numbers and dates in them compared as numbers), which needs
        every label to hold a number or a date.
    compare : {"previous", "first"}, default="previous"
        Each period compared with the one before it (year to year), or with the first
        (a baseline, e.g. before a rule change).
    metrics : sequence of str, optional
        Metrics whose disparities are tested for a change. Default: the headline
        metrics of the audit (selection rate and the false-accusation rates) that
        the data can show.

    Examples
    --------
    >>> ChangeOptions(order=("2021", "2022")).compare
    'previous'
    """

    order: tuple[str, ...] | None = None
    compare: str = "previous"
    metrics: tuple[str, ...] | None = None


def check_change_options(options: ChangeOptions) -> list[Problem]:
    """Every problem with ``[change]``.

    Examples
    --------
    >>> [p.message for p in check_change_options(ChangeOptions(compare="last"))]
    ["change.compare: expected one of 'previous', 'first'; got 'last'"]
    """
    problems = []

    def bad(key: str, message: str, value: Any) -> None:
        problems.append(Problem(f"change.{key}: {message}", column=f"change.{key}", value=value))

    if options.compare not in COMPARES:
        shown = ", ".join(map(repr, COMPARES))
        bad("compare", f"expected one of {shown}; got {options.compare!r}", options.compare)
    order = options.order
    if order is not None:
        if isinstance(order, str) or not isinstance(order, Sequence):
            bad(
                "order",
                f'expected a list of periods, e.g. ["before", "after"]; got {order!r}',
                order,
            )
        elif len(order) < 2:
            bad("order", f"expected two or more periods; got {list(order)!r}", list(order))
        elif len({str(p) for p in order}) < len(order):
            bad("order", f"a period is listed twice: {list(order)!r}", list(order))
    names = options.metrics
    if names is not None:
        if isinstance(names, str) or not isinstance(names, Sequence):
            bad("metrics", f"expected a list of metric names; got {names!r}", names)
        else:
            for name in names:
                try:
                    spec = metric(str(name))
                except ValueError:
                    comparable = ", ".join(m for m, s in METRICS.items() if s.comparable)
                    bad("metrics", f"unknown metric {name!r}; allowed: {comparable}", name)
                    continue
                if not spec.comparable:
                    bad(
                        "metrics",
                        f"{name!r} is a share of everyone, not compared group to group: "
                        "it has no disparity to test (use selection_rate)",
                        name,
                    )
    return problems


def as_change(value: Any, problems: list[Problem]) -> ChangeOptions:
    """``[change]`` (a mapping or :class:`ChangeOptions`) as options, unknown keys noted."""
    if value is None:
        return ChangeOptions()
    if isinstance(value, ChangeOptions):
        return value
    if not isinstance(value, Mapping):
        problems.append(
            Problem(f"change: expected a table of options; got {value!r}", column="change")
        )
        return ChangeOptions()
    allowed = ("order", "compare", "metrics")
    for key in value:
        if key not in allowed:
            problems.append(
                Problem(
                    f"change.{key}: unknown key; allowed: {', '.join(allowed)}",
                    column=f"change.{key}",
                    value=key,
                    reason="unknown_key",
                )
            )
    order, names = value.get("order"), value.get("metrics")
    return ChangeOptions(
        order=tuple(str(p) for p in order) if isinstance(order, list | tuple) else order,
        compare=value.get("compare", "previous"),
        metrics=tuple(names) if isinstance(names, list | tuple) else names,
    )


def natural_key(label: str) -> tuple[Any, ...]:
    """Sort key of a period label: the numbers in it compared as numbers.

    Examples
    --------
    >>> sorted(["v10", "v2", "v1"], key=natural_key)
    ['v1', 'v2', 'v10']
    >>> sorted(["2023-01", "2022-12"], key=natural_key)
    ['2022-12', '2023-01']
    """
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", label)
        if part
    )


def order_periods(labels: Sequence[str], order: Sequence[str] | None) -> tuple[list[str], str]:
    """The periods in time order, and what is wrong (``""`` when nothing is).

    With ``order``, every label must be in it (periods of ``order`` absent from the
    data are left out); without, every label must hold a number (a year, a date, a
    version number), so that the natural order is the time order.

    Examples
    --------
    >>> order_periods(["2023", "2021", "2022"], None)
    (['2021', '2022', '2023'], '')
    >>> order_periods(["after", "before"], None)[1][:42]
    "the periods 'after', 'before' hold no numb"
    >>> order_periods(["after", "before"], ["before", "after"])
    (['before', 'after'], '')
    """
    found = list(dict.fromkeys(labels))
    if order is not None:
        listed = [str(p) for p in order]
        extra = [p for p in found if p not in listed]
        if extra:
            shown = ", ".join(map(repr, extra[:5]))
            return found, (
                f"the periods {shown} are not in [change] order ({', '.join(map(repr, listed))}); "
                "list every period of the data"
            )
        return [p for p in listed if p in found], ""
    if all(re.search(r"\d", p) for p in found):
        return sorted(found, key=natural_key), ""
    shown = ", ".join(map(repr, sorted(found)[:5]))
    return sorted(found), (
        f"the periods {shown} hold no number or date, so their order is not known; give "
        f"it as [change] order = [{', '.join(repr(p) for p in sorted(found)[:3])}, ...] "
        "(first to last)"
    )
