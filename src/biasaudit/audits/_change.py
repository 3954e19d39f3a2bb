"""What an audit found about change: the periods and the change table."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from ..counts import CountTable


@dataclasses.dataclass(frozen=True)
class ChangeAnalysis:
    """The change of every tested disparity between periods (``result.change``).

    Attributes
    ----------
    column : str
        The period column (``roles.period``), or ``"dataset"`` for an aggregated
        table's datasets.
    periods : tuple of str
        The periods, first to last.
    compare : str
        ``"previous"`` (each period with the one before it) or ``"first"``.
    table : pandas.DataFrame
        The change table, every value (the auditor's view), with
        :data:`biasaudit.metrics.CHANGE_COLUMNS`: per pair of periods, attribute, group
        and tested metric, the change of the group's rate (later minus earlier, with
        Newcombe's interval) and of its ratio to the reference group (a ratio of ratios
        with a log-scale interval, a Wald test and adjusted p-values), ``suppressed``
        by disclosure control. ``AuditResult.published_changes()`` is what may be
        published.
    pooled : str or None
        The ``dataset`` label of the rows of all periods together in the results table
        (None when the table has none, as for an aggregated table's datasets).
    counts : mapping
        Each period's count table.
    """

    column: str
    periods: tuple[str, ...]
    compare: str
    table: pd.DataFrame
    pooled: str | None = None
    counts: Mapping[str, CountTable] = dataclasses.field(default_factory=dict, repr=False)
