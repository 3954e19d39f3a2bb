"""Funnel audits: records or stage-count tables in, a funnel result out."""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .._exceptions import ConfigError, Problem
from ..counts import (
    SUPPRESSED,
    FunnelCounts,
    Ledger,
    StageSpec,
    funnel_counts,
    funnel_counts_from_table,
    load_table,
)
from ..disclosure import mark_funnel, p_adjusted_family, publish
from ..io import Source, open_records
from ..metrics import funnel_table
from ..spec import StatsOptions, check_stats
from ._result import PublishedResult

#: How a funnel's data is laid out: one row per person, or a table of stage counts.
FUNNEL_LAYOUTS = ("records", "wide", "long")


@dataclasses.dataclass(frozen=True)
class FunnelResult(PublishedResult):
    """How far each group got through the process stages.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per attribute x group x stage, the columns of
        :data:`biasaudit.FUNNEL_COLUMNS`: share of the group reaching the stage,
        transition from the stage above, both as ratios to the reference group with
        Katz intervals, the transition's test, ``suppressed`` and a note; each rate's
        ``*_lower_bound``/``*_upper_bound`` (a range where the counts behind it were
        published suppressed or rounded).
    counts : FunnelCounts
        People per group and stage.
    ledger : Ledger
        Rows read and analysed (records) or table rows read.
    source : Source
        Where the data came from.
    options : StatsOptions
        Confidence level, interval, correction, ``min_cell``.
    references : dict
        Reference group rule per attribute.
    """

    table: pd.DataFrame
    counts: FunnelCounts
    ledger: Ledger
    source: Source
    options: StatsOptions
    references: dict[str, str]
    data_shape: str = "funnel"
    flag_rule: str | None = None

    def published_table(self) -> pd.DataFrame:
        """The table as it may be published: suppressed rows blanked."""
        return publish(self.table, "funnel", correction=self.options.correction)

    def plot(self, attribute: str) -> Any:
        """The funnel chart of one attribute as a figure (for notebooks)."""
        from ..report._charts import funnel_chart  # the chart layer sits above this one

        return funnel_chart(self.published_table(), attribute).figure

    def sentences(self, *, rate: str = "share") -> list[str]:
        """Plain sentences for every compared, published row, largest ratio first.

        Examples
        --------
        >>> import pandas as pd, biasaudit
        >>> reply = pd.DataFrame({"background": ["none", "migration"],
        ...                       "students": [9000, 3000], "home visit": [90, 120]})
        >>> r = biasaudit.funnel(reply, groups=["background"], layout="wide",
        ...                      stages=["students", "home visit"],
        ...                      reference={"background": "none"})
        >>> print(r.sentences()[0])  # doctest: +NORMALIZE_WHITESPACE
        People with background = migration were 4.0 times as likely as those with
        background = none to reach 'home visit' (95% CI 3.1 to 5.2; 120 of 3,000
        reached it).
        """
        from ..report import funnel_sentence  # words are the report stage's

        table = self.published_table()
        column = f"{rate}_ratio"
        rows = table[table[column].notna() & (table["group"] != table["reference_group"])]
        rows = rows.sort_values(column, ascending=False, kind="stable")
        return [
            funnel_sentence(row, rate=rate, confidence=self.options.confidence)  # type: ignore[arg-type]
            for _, row in rows.iterrows()
        ]

    def to_dict(self, *, restricted: bool = False) -> dict[str, Any]:
        """The results as plain Python objects (NaN becomes None)."""
        table = self._output_table(restricted)
        return {
            "disclosure": {
                "mode": "restricted" if restricted else "public",
                "min_cell": self.options.min_cell,
                "rows_suppressed": int(self.table["suppressed"].sum()),
                "p_adjusted_family": p_adjusted_family(restricted),
            },
            "data_shape": self.data_shape,
            "stages": [list(s) for s in self.counts.stages],
            "references": self.references,
            "row_ledger": self.ledger.to_dict(),
            "columns": list(table.columns),
            "results": json.loads(table.to_json(orient="records", double_precision=15)),
        }

    def __repr__(self) -> str:
        view = self.table[["attribute", "group", "stage", "count", "share", "share_ratio"]]
        return (
            f"FunnelResult({self.source.name}: {self.ledger.rows_read:,} rows read; stages "
            f"{' -> '.join(self.counts.stage_names)})\n{view.round(4).to_string(index=False)}"
        )

    def _repr_html_(self) -> str:
        caption = html.escape(f"{self.source.name}: funnel, {self.ledger.rows_read:,} rows read")
        body = self.table.to_html(index=False, na_rep="NaN", escape=True, border=0)
        return f"<p><strong>biasaudit</strong> {caption}</p>{body}"


def funnel(
    source: Any,
    *,
    groups: Sequence[str] | str,
    stages: Sequence[StageSpec],
    layout: str = "records",
    stage_column: str | None = None,
    stage_columns: Mapping[str, str] | None = None,
    attribute_column: str | None = None,
    group_column: str = "group",
    count_column: str = "count",
    suppressed: Sequence[str] | None = None,
    below: int | None = None,
    rounding: int | None = None,
    missing: str = "as_group",
    reference: Mapping[str, str] | None = None,
    confidence: float = 0.95,
    interval: str = "wilson",
    correction: str = "holm",
    min_cell: int = 10,
    engine: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> FunnelResult:
    """Audit a process funnel: how far each group gets through ordered stages.

    Parameters
    ----------
    source : path or dataframe
        Records (one row per person) or a table of stage counts.
    groups : sequence of str
        Protected attributes (with ``attribute_column``: the table is stacked, and
        this names the attributes to keep).
    stages : sequence of str or (str, str)
        Stages in order, the first being everyone (e.g. ``["students", "selected",
        "home visit", ("found", "home visit"), ("unfounded", "home visit")]``); a
        ``(name, parent)`` pair branches from the named stage.
    layout : {"records", "wide", "long"}, default="records"
        ``records``: one row per person, with ``stage_column`` (the furthest stage
        reached) or ``stage_columns`` (stage -> yes/no column). ``wide``: one row per
        group, one count column per stage. ``long``: columns group, stage, count.
    suppressed, below, rounding : optional
        Stage-count tables only: how suppressed and rounded cells were published, as
        for :func:`biasaudit.audit_counts` (default markers: blank, ``x``, ``.``, ``:``,
        ``*``, ``c``, ``<10``; ``"<k"`` always; ``below=10``). Such a cell is an
        interval, and every share, transition and ratio that depends on it is a
        range (``*_lower_bound``, ``*_upper_bound``) with no interval or test.
    reference : mapping, optional
        Reference group per attribute (a group name, or ``"largest"``).
    confidence, interval, correction, min_cell
        As for :func:`biasaudit.audit`.

    Returns
    -------
    FunnelResult
    """
    options = StatsOptions(
        confidence=confidence, interval=interval, correction=correction, min_cell=min_cell
    )
    problems = check_stats(options)
    if layout not in FUNNEL_LAYOUTS:
        problems.append(
            Problem(
                f"funnel.layout: expected one of {', '.join(map(repr, FUNNEL_LAYOUTS))}; "
                f"got {layout!r}",
                column="funnel.layout",
                value=layout,
            )
        )
    given = {"suppressed": suppressed, "below": below, "rounding": rounding}
    for key, value in given.items():
        if layout == "records" and value is not None:
            problems.append(
                Problem(
                    f"funnel.{key}: only for a table of stage counts (layout 'wide' or "
                    f"'long'); records are counted exactly; got {value!r}",
                    column=f"funnel.{key}",
                    value=value,
                    reason="conflict",
                )
            )
    if problems:
        raise ConfigError(problems)
    attrs = [groups] if isinstance(groups, str) else list(groups)
    if layout == "records":
        columns = [*attrs, *([stage_column] if stage_column else [])]
        columns += list((stage_columns or {}).values())
        records = open_records(
            source,
            columns=list(dict.fromkeys(c for c in columns if isinstance(c, str))),
            text_columns=columns,
            engine=engine,
            sheet=sheet,
            delimiter=delimiter,
            encoding=encoding,
        )
        counts = funnel_counts(
            records,
            attrs,
            stages,
            stage_column=stage_column,
            stage_columns=stage_columns,
            missing=missing,  # type: ignore[arg-type]
        )
        source_info = records.source
        ledger = counts.ledger or Ledger(0, ())
    else:
        frame, source_info = load_table(source, sheet)
        counts = funnel_counts_from_table(
            frame,
            stages,
            attributes=None if attribute_column else attrs,
            attribute_column=attribute_column,
            group_column=group_column,
            layout=layout,  # type: ignore[arg-type]
            stage_column=stage_column or "stage",
            count_column=count_column,
            suppressed=SUPPRESSED if suppressed is None else suppressed,
            below=10 if below is None else below,
            rounding=rounding,
        )
        notes = counts.ranges.notes if counts.ranges is not None else ()
        ledger = Ledger(len(frame), (), notes)
    table = mark_funnel(
        funnel_table(counts, reference=reference, options=options),
        counts.stages,
        options.min_cell,
        counts=counts,
    )
    references = {a: (reference or {}).get(a, "largest") for a in counts.attributes()}
    return FunnelResult(table, counts, ledger, source_info, options, references)
