"""Audits of aggregated tables (data shape 4 of DESIGN.md §2): counts in, ranges out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._exceptions import ConfigError, Problem
from ..counts import (
    OVERALL,
    PARTITION,
    SUPPRESSED,
    TOTAL_LABELS,
    IntervalCounts,
    Ledger,
    partition_cells,
    read_counts,
)
from ..disclosure import mark_changes, mark_results
from ..metrics import change_table, range_metrics
from ..spec import (
    DECISIONS,
    AuditSpec,
    ChangeOptions,
    HarmOptions,
    Roles,
    StatsOptions,
    as_change,
    check_change_options,
    check_stats,
    order_periods,
)
from ._audit import AuditResult
from ._change import ChangeAnalysis

DATA_SHAPE = "aggregated counts"


def audit_counts(
    source: str | Path | pd.DataFrame,
    *,
    groups: Sequence[str] | str,
    layout: str = "wide",
    cells: Mapping[str, str] | None = None,
    dataset: str | Sequence[str] | None = None,
    suppressed: Sequence[str] = SUPPRESSED,
    withheld: Sequence[str] = (),
    below: int = 10,
    zero_means_below: bool = False,
    secondary_suppression: bool = False,
    rounding: int | None = None,
    total_label: Sequence[str] | str = TOTAL_LABELS,
    sheet: str | int | None = None,
    cell_column: str = "cell",
    count_column: str = "count",
    attribute_column: str | None = None,
    group_column: str | None = None,
    left_out: Sequence[str] = (),
    total_is_sum: bool = False,
    point: str = "none",
    reference: Mapping[str, str] | None = None,
    metrics: Sequence[str] | None = None,
    confidence: float = 0.95,
    interval: str = "wilson",
    correction: str = "holm",
    min_cell: int = 10,
    change: ChangeOptions | Mapping[str, Any] | None = None,
    decision: str = "burden",
) -> AuditResult:
    """Audit an aggregated table of counts per group (e.g. a freedom-of-information
    release), where cells may be suppressed or rounded.

    A suppressed cell (blank, ``x``, ``<10``, or 0 under ``zero_means_below``) is
    the interval 0 to ``below - 1``; a count rounded to ``rounding`` is within half
    the base. Every metric is then the range of values over all tables consistent
    with the published cells and margins (``lower_bound``, ``upper_bound``), and
    ``value`` is NaN unless the cells determine it, or ``point="midpoint"`` asks for
    the middle of the range (a rule the note then states). Comparisons of ranged
    rows are ranges too, in the ``*_ci_*`` columns, with a note saying they are not
    confidence intervals.

    Parameters
    ----------
    source : path or pandas.DataFrame
        The table: CSV, TSV or Excel (read as text, so markers survive).
    groups : sequence of str
        Columns with the protected attributes' group labels.
    layout : {"wide", "long"}, default="wide"
        ``wide``: one column per count cell (``n``, ``flagged``, ``TP``, ``FP``,
        ``FN``, ``TN``, ...); ``long``: a column naming the cell and one with its
        count (``cell_column``, ``count_column``).
    cells : mapping, optional
        Count cell -> column (wide) or cell label (long) when the names differ.
    dataset : str or sequence of str, optional
        Column(s) naming the dataset or model version of each row (e.g. training vs
        pilot, or ``["dataset", "model"]``); each is audited on its own, side by
        side, with a leading ``dataset`` column in the table (several columns'
        values joined with ``" / "``).
    suppressed, withheld, below, zero_means_below, secondary_suppression, rounding
        How the table marks hidden cells (see :func:`read_counts`).
    total_is_sum : bool, default=False
        The total row adds up the groups' rounded counts (see :func:`read_counts`).
    total_label, sheet, cell_column, count_column, attribute_column, group_column
        Totals and the table's layout (see :func:`read_counts`).
    left_out : sequence of str, optional
        Attributes whose groups leave some people out: the rest is the group
        ``"(not in table)"``, derived from the margins (see :func:`read_counts`).
    point : {"none", "midpoint"}, default="none"
        Point values for ranged rows.
    reference, metrics, confidence, interval, correction, min_cell
        As for :func:`biasaudit.audit`.
    change : ChangeOptions or mapping, optional
        With several datasets (``dataset``): their ``order`` (default: as in the
        table), ``compare`` (``"previous"`` or ``"first"``) and the ``metrics``
        tested for a change. Each disparity is tested for a change between datasets
        where both datasets' counts are exact (``result.change``).
    decision : {"burden", "benefit"}, default="burden"
        Which harm counts the default reports: the excess counts, or for a decision
        that is a benefit the shortfall (``[harm] decision``).

    Returns
    -------
    AuditResult
        ``data_shape`` is ``"aggregated counts"``. Disclosure control marks rows
        with an exact count of 1 to ``min_cell - 1`` people as suppressed; cells the
        source itself hid stay ranges.

    Examples
    --------
    >>> import pandas as pd, biasaudit
    >>> table = pd.DataFrame({
    ...     "gender": ["F", "M", "Total"],
    ...     "n": [400, 600, 1000], "flagged": ["<10", 30, 36],
    ... })
    >>> r = biasaudit.audit_counts(table, groups=["gender"], metrics=["selection_rate"],
    ...                            min_cell=0)
    >>> r.metric("selection_rate", "gender")[["group", "value"]].to_string(index=False)
    'group  value\\n    F  0.015\\n    M  0.050'
    """
    attrs = (groups,) if isinstance(groups, str) else tuple(groups)
    options = StatsOptions(
        confidence=confidence, interval=interval, correction=correction, min_cell=min_cell
    )
    problems = check_stats(options)
    change_options = as_change(change, problems)
    problems += check_change_options(change_options)
    if decision not in DECISIONS:
        problems.append(
            Problem(
                f"harm.decision: expected one of {', '.join(map(repr, DECISIONS))}; got "
                f"{decision!r}",
                column="harm.decision",
                value=decision,
            )
        )
    if point not in ("none", "midpoint"):
        problems.append(
            Problem(
                f"counts.point: expected 'none' or 'midpoint'; got {point!r}",
                column="counts.point",
                value=point,
            )
        )
    if problems:
        raise ConfigError(problems)
    counts = read_counts(
        source,
        groups=attrs,
        layout=layout,  # type: ignore[arg-type]
        cells=cells,
        dataset=dataset,
        suppressed=suppressed,
        withheld=withheld,
        below=below,
        zero_means_below=zero_means_below,
        secondary_suppression=secondary_suppression,
        rounding=rounding,
        total_label=total_label,
        sheet=sheet,
        cell_column=cell_column,
        count_column=count_column,
        attribute_column=attribute_column,
        group_column=group_column,
        left_out=left_out,
        total_is_sum=total_is_sum,
    )
    table = range_metrics(
        counts,
        metrics=metrics,
        reference=reference,
        options=options,
        point=point,  # type: ignore[arg-type]
        decision=decision,
    )
    table = _suppressed(table, counts, min_cell)
    rule: Literal["exact", "midpoint"] = "exact" if counts.exact else "midpoint"
    rows_read = counts.rows_read or int(counts.cells["row"].nunique())
    notes = list(counts.notes)
    if point == "midpoint":
        notes.append("point values of ranged rows are the middle of the range (rule chosen)")
    spec = AuditSpec(
        roles=Roles(),
        attributes=attrs,
        reference=dict(reference or {}),
        stats=options,
        change=change_options,
        harm=HarmOptions(decision=decision),
    )
    names = [str(d) for d in counts.datasets if d is not None]
    return AuditResult(
        table=table,
        counts=counts.to_count_table(rule, dataset=counts.datasets[0]),
        ledger=Ledger(rows_read, counts.excluded, tuple(notes)),
        source=counts.source,
        spec=spec,
        references={a: (reference or {}).get(a, "largest") for a in attrs},
        data_shape=DATA_SHAPE,
        estimated=() if counts.exact else tuple(table["metric"].unique()),
        change=_changes(table, names, change_options, options) if len(names) > 1 else None,
    )


def _changes(
    table: pd.DataFrame, names: list[str], change: ChangeOptions, options: StatsOptions
) -> ChangeAnalysis:
    """The change between the datasets (in table order, or ``change.order``), on the
    rows whose counts are exact."""
    order, wrong = order_periods(names, change.order or names)
    if wrong:
        raise ConfigError([Problem(f"change.order: {wrong}", column="change.order")])
    parts = [(p, table[table["dataset"] == p].drop(columns="dataset"), None) for p in order]
    changes = change_table(
        parts, compare=change.compare, metrics=change.metrics, options=options, ranged=True
    )
    return ChangeAnalysis(
        column="dataset",
        periods=tuple(order),
        compare=change.compare,
        table=mark_changes(changes, table),
    )


def _suppressed(table: pd.DataFrame, counts: IntervalCounts, min_cell: int) -> pd.DataFrame:
    """Disclosure control on the table of counts behind the results.

    Each attribute's groups are one block of the one recoverability check. Counts the
    source published as ranges (suppressed or rounded cells) are unknowns to everyone:
    they protect their neighbours and are never withheld again, unless the source's
    own cells and totals pin them exactly. The source's grand totals are known to
    everyone whatever is withheld here; its small exact cells are still not repeated.
    """
    if min_cell <= 1:
        return table
    parts = []
    several = "dataset" in table
    for name in counts.datasets:
        people = counts.to_count_table("midpoint", dataset=name)
        cells = counts.cells[
            counts.cells["dataset"].isna() if name is None else counts.cells["dataset"] == name
        ]
        exact: dict[tuple[str, str], np.ndarray] = {}
        always: list[tuple[tuple[str, str], frozenset[str]]] = []
        for (attribute, group), part in cells.groupby(["attribute", "group"], sort=False):
            by_cell = part.set_index("cell")
            pinned = by_cell["implied_low"] == by_cell["implied_high"]
            exact[(attribute, group)] = (
                pinned.reindex(list(PARTITION)).fillna(False).to_numpy(bool)
            )
            if attribute == OVERALL:  # the source's grand totals are public anyway
                given = by_cell.index[(by_cell["status"] == "exact") & pinned]
                always += [((attribute, group), partition_cells([c])) for c in given]
        mine = (table["dataset"] == name).to_numpy() if several else np.ones(len(table), bool)
        parts.append(mark_results(table[mine], people, min_cell, exact=exact, always=always))
    return pd.concat(parts).loc[table.index]
