"""Audits by period: every period on its own and all together, and what changed.

With a ``period`` role the one aggregation pass groups by the period too (on every
engine). From its finest cells come the pooled count table (all periods) and one per
period, each audited like any records audit; the reference group is chosen once, on
all periods together (a rule such as ``"largest"`` could otherwise pick different
groups in different periods, and a disparity's change needs the same reference). The
results table stacks them with a leading ``dataset`` column (:data:`ALL_PERIODS`, then
the periods in order), the layout of an aggregated table with several datasets. One
recoverability check covers every stacked row (:func:`biasaudit.disclosure.mark_periods`),
and the change table (:func:`biasaudit.metrics.change_table`) tests each disparity.
Score analyses and the regression run on all periods together (``audit`` does them on
the rows of :data:`ALL_PERIODS`).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._exceptions import UndefinedRateWarning
from .._progress import step
from ..counts import OVERALL, Aggregation, CountTable, period_counts, period_people
from ..disclosure import mark_changes, mark_periods
from ..metrics import change_table, compute_metrics, undefined_message
from ..spec import ALL_PERIODS, REFERENCE_RULES, AuditSpec, order_periods
from ..stats import AdjustedDisparity
from ._change import ChangeAnalysis


def audit_periods(
    agg: Aggregation, spec: AuditSpec, metrics: Sequence[str] | None
) -> tuple[pd.DataFrame, dict[str, str], ChangeAnalysis]:
    """The stacked, marked results of all periods and of each, the reference rules,
    and the change analysis (see the module notes)."""
    period = spec.roles.period
    assert period is not None and agg.counts.base is not None
    base = agg.counts.base
    periods, _ = order_periods(base[period].astype(str).tolist(), spec.change.order)
    with step("rates, intervals and tests, per period"):
        pooled, references = compute_metrics(
            agg.counts,
            metrics=metrics,
            reference=spec.reference,
            options=spec.stats,
            assumptions=spec.assumptions,
            decision=spec.harm.decision,
        )
        counts = period_counts(agg.counts, period, periods, spec.attributes, spec.intersections)
        pinned = _pinned(spec.reference, references, pooled)
        tables = _per_period(counts, pooled, pinned, spec)
    stacked = pd.concat(
        [t.assign(dataset=name) for name, t in [(ALL_PERIODS, pooled), *tables.items()]],
        ignore_index=True,
    )
    stacked = stacked[["dataset", *pooled.columns]]
    with step("disclosure control"):
        people = period_people(agg.counts, period, periods, spec.attributes, spec.intersections)
        stacked = mark_periods(stacked, people, period, ALL_PERIODS, spec.stats.min_cell)
    with step("change between periods"):
        marked = {p: stacked[stacked["dataset"] == p].drop(columns="dataset") for p in periods}
        changes = change_table(
            [(p, marked[p], counts[p]) for p in periods],
            compare=spec.change.compare,
            metrics=spec.change.metrics,
            options=spec.stats,
        )
        changes = mark_changes(changes, stacked)
    change = ChangeAnalysis(
        column=period,
        periods=tuple(periods),
        compare=spec.change.compare,
        table=changes,
        pooled=ALL_PERIODS,
        counts=counts,
    )
    return stacked.reset_index(drop=True), references, change


def _pinned(
    asked: Mapping[str, str], references: Mapping[str, str], pooled: pd.DataFrame
) -> dict[str, str]:
    """The reference of each attribute for the periods: a named group as asked; the
    group ``"largest"`` picked on all periods together; ``"most_favourable"`` stays a
    rule (it picks per metric), so its periods may differ (the change table then says
    so)."""
    rows = pooled[pooled["reference_group"].notna() & (pooled["attribute"] != OVERALL)]
    chosen = dict(zip(rows["attribute"], rows["reference_group"], strict=True))
    out = dict(asked)
    for attribute, rule in references.items():
        if rule == "largest" and attribute in chosen:
            out[attribute] = chosen[attribute]
        elif rule in REFERENCE_RULES:
            out[attribute] = rule
    return out


def _per_period(
    counts: Mapping[str, CountTable],
    pooled: pd.DataFrame,
    reference: Mapping[str, str],
    spec: AuditSpec,
) -> dict[str, pd.DataFrame]:
    """Each period's results (the pooled table's metrics), empty rates warned about once."""
    names = list(pooled["metric"].drop_duplicates())
    out = {}
    undefined: dict[str, list[str]] = {}
    for name, table in counts.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UndefinedRateWarning)
            out[name], _ = compute_metrics(
                table,
                metrics=names,
                reference=reference,
                options=spec.stats,
                assumptions=spec.assumptions,
                decision=spec.harm.decision,
            )
        for w in caught:
            if not issubclass(w.category, UndefinedRateWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        rows = out[name]
        empty = rows["value"].isna() & rows["note"].str.startswith("undefined:")
        for row in rows[empty].itertuples():
            label = (
                "everyone" if row.attribute == "(overall)" else f"{row.attribute} = {row.group}"
            )
            undefined.setdefault(str(row.metric), []).append(f"{label} ({name})")
    if undefined:
        warnings.warn(undefined_message(undefined), UndefinedRateWarning, stacklevel=4)
    return out


def withhold_terms(
    adjusted: AdjustedDisparity, levels: Mapping[tuple[str, str], int]
) -> AdjustedDisparity:
    """The regression's terms of the groups the pooled results withhold whole
    (``levels``: group -> 2 where its decision counts are withheld).

    With periods, a pooled group can be withheld to protect one period's count; the
    regression's people of that level would give it back. Where that leaves one level
    of a variable withheld, its smallest other level is withheld too, so that the
    variable's total does not give it away by difference.
    """
    hidden = {key for key, level in levels.items() if level >= 2}
    table = adjusted.table.copy()
    keys = list(zip(table["variable"], table["level"], strict=True))
    withheld = table["suppressed"].to_numpy(bool).copy()
    newly = np.array([k in hidden for k in keys], dtype=bool) & ~withheld
    if not newly.any():
        return adjusted
    withheld |= newly
    people = table["people"].to_numpy(float)
    variables = table["variable"].to_numpy()
    for variable in dict.fromkeys(variables[newly]):
        mine = np.flatnonzero((variables == variable) & np.isfinite(people))
        if withheld[mine].sum() == 1:
            shown = [i for i in mine if not withheld[i]]
            if shown:
                withheld[min(shown, key=lambda i: people[i])] = True
    table["suppressed"] = withheld
    return dataclasses.replace(adjusted, table=table)
