"""Linking decision records to protected attributes kept in another source.

Statistics offices keep decisions and personal attributes apart and link them on a
person id. :func:`link_records` joins the attribute table onto the decision records
(a left join: every decision row stays, so the row ledger still counts the decision
file), marks the rows that found no attributes (``LINKED`` is null there: the
aggregation excludes them with a reason) and counts the attribute rows that found no
decision. An id that appears twice in the attribute table is an error: which
attributes belong to the person would be a guess, and the join would count the
person's decisions twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import narwhals as nw
import pandas as pd
import pyarrow as pa

from .._exceptions import ConfigError, Problem, RecordsError
from ._io import LinkInfo, Records, Source, open_records

#: Column of the joined frame that is 1 where a decision row found its attributes.
LINKED = "__linked"
_KEY = "__link_key"
_ORDER = "__link_order"
LINK_KEYS = ("path", "on", "sheet", "delimiter", "encoding")


@dataclass(frozen=True)
class Link:
    """A second source holding protected attributes, joined on an id.

    Parameters
    ----------
    data : path or dataframe
        The attribute table: a file (.csv .tsv .parquet .xlsx .jsonl) or a pandas,
        Polars or PyArrow table.
    on : str or (str, str)
        The id column: one name found in both sources, or ``(decisions column,
        attributes column)``. Ids are compared as text.
    sheet, delimiter, encoding : optional
        Reading options of the attribute file (detected when not given).
    """

    data: Any
    on: str | tuple[str, str]
    sheet: str | int | None = None
    delimiter: str | None = None
    encoding: str | None = None

    @property
    def keys(self) -> tuple[str, str]:
        """The id column in the decisions and in the attribute table."""
        return (self.on, self.on) if isinstance(self.on, str) else self.on


def as_link(value: Link | Mapping[str, Any] | None, *, base: Path | None = None) -> Link | None:
    """A :class:`Link` from a mapping (``path`` or ``data``, ``on``, reading options).

    ``base`` is the folder relative paths are resolved against (a configuration's).

    Raises
    ------
    ConfigError
        Every invalid or missing key.
    """
    if value is None or isinstance(value, Link):
        return value
    problems: list[Problem] = []
    if not isinstance(value, Mapping):
        raise ConfigError(
            [
                Problem(
                    f"link: expected a table with path and on, e.g. "
                    f'{{ path = "attributes.csv", on = "id" }}; got {value!r}',
                    column="link",
                    value=value,
                )
            ]
        )
    allowed = (*LINK_KEYS, "data")
    for key in value:
        if key not in allowed:
            problems.append(
                Problem(
                    f"link.{key}: unknown key; allowed: {', '.join(LINK_KEYS)}",
                    column=f"link.{key}",
                    value=key,
                    reason="unknown_key",
                )
            )
    data = value.get("data", value.get("path"))
    if data is None:
        problems.append(
            Problem(
                "link.path: missing; name the file with the protected attributes",
                column="link.path",
                reason="missing_key",
            )
        )
    elif isinstance(data, str | Path):
        data = Path(data) if base is None else (base / data).resolve()
        if not data.is_file():
            problems.append(
                Problem(
                    f"link.path: file not found: {str(data)!r}"
                    + (" (paths are relative to the configuration's folder)" if base else ""),
                    column="link.path",
                    value=str(value.get("path", data)),
                    reason="file_not_found",
                )
            )
    on = value.get("on")
    if isinstance(on, list | tuple) and len(on) == 2 and all(isinstance(c, str) for c in on):
        on = (on[0], on[1])
    elif not isinstance(on, str):
        problems.append(
            Problem(
                'link.on: expected the id column, e.g. on = "id", or [decisions column, '
                f'attributes column], e.g. on = ["case_id", "person_id"]; got {on!r}',
                column="link.on",
                value=on,
                reason="missing_key" if on is None else "invalid",
            )
        )
    if problems or on is None:
        raise ConfigError(problems)
    return Link(
        data,
        on,
        sheet=value.get("sheet"),
        delimiter=value.get("delimiter"),
        encoding=value.get("encoding"),
    )


def link_records(
    records: Records,
    link: Link,
    *,
    columns: Sequence[str],
    text_columns: Sequence[str] = (),
) -> Records:
    """Join the attribute table ``link`` onto opened decision records.

    Parameters
    ----------
    records : Records
        The decision records, opened with the decisions' id column.
    link : Link
        The attribute table and the id columns.
    columns : sequence of str
        Every column the audit needs; those the decisions lack are taken from the
        attribute table.
    text_columns : sequence of str
        Columns to read as text.

    Returns
    -------
    Records
        Every decision row, with the attribute columns and :data:`LINKED` (1, or
        null where the id found no attributes).

    Raises
    ------
    RecordsError
        A missing id column, a column found in both sources, or ids that appear
        more than once in the attribute table.
    """
    left, right = link.keys
    engine = "pandas" if records.source.engine in ("frame", "lazy") else records.source.engine
    wanted = [c for c in dict.fromkeys(columns) if c not in records.available and c != right]
    opened = open_records(
        link.data,
        columns=[right, *wanted],
        text_columns=[right, *text_columns],
        engine="pandas" if engine in ("duckdb", "spark") else engine,
        sheet=link.sheet,
        delimiter=link.delimiter,
        encoding=link.encoding,
    )
    name = opened.source.name if opened.source.sha256 else "the attribute table"
    problems: list[Problem] = []
    if left not in records.available:
        problems.append(
            Problem(
                f"link.on {left!r}: column not found in {records.source.name}; available: "
                + ", ".join(map(repr, records.available[:12])),
                column=left,
                reason="column_not_found",
            )
        )
    if right not in opened.available:
        problems.append(
            Problem(
                f"link.on {right!r}: column not found in {name}; available: "
                + ", ".join(map(repr, opened.available[:12])),
                column=right,
                reason="column_not_found",
            )
        )
    for col in dict.fromkeys(columns):
        if col in records.available and col in opened.available and col not in (left, right):
            problems.append(
                Problem(
                    f"column {col!r} is in both {records.source.name} and {name}; "
                    "keep it in one of them (or rename one) so the audit knows which to use",
                    column=col,
                    reason="ambiguous_column",
                )
            )
    if problems:
        raise RecordsError(problems, context=f"linking {name} to {records.source.name}")
    taken = [c for c in wanted if c in opened.available]
    table = _eager_pandas(opened.frame.select(right, *taken))
    table.index = pd.RangeIndex(1, len(table) + 1)  # data rows count from 1
    key = table[right].astype("string")
    blank = int(key.isna().sum())
    table = table.assign(**{_KEY: key}).drop(columns=right)[key.notna()]
    problems = _duplicates(table, right, name)
    if problems:
        raise RecordsError(problems, context=f"{name}, {len(key):,} rows")
    table[LINKED] = 1
    attrs = _on_backend(pa.Table.from_pandas(table, preserve_index=False), records)
    attrs = attrs.with_columns(nw.col(_KEY).cast(nw.String))  # one text type on both sides
    frame = records.frame.with_columns(nw.col(left).cast(nw.String).alias(_KEY))
    lazy = isinstance(frame, nw.LazyFrame)
    if not lazy:  # keep the decisions' row order: row numbers in messages depend on it
        frame = frame.with_row_index(_ORDER)
    try:
        joined = frame.join(attrs, left_on=_KEY, right_on=_KEY, how="left")
        if not lazy:
            joined = joined.sort(_ORDER).drop(_ORDER)
        used = frame.select(_KEY).unique()
        lonely = attrs.join(used, on=_KEY, how="anti").select(nw.len().alias("k"))
        lonely = lonely.collect() if isinstance(lonely, nw.LazyFrame) else lonely
    except Exception as exc:  # an engine's own error (e.g. DuckDB relations of two connections)
        if records.frame.implementation.is_duckdb():
            raise RecordsError(
                [
                    Problem(
                        f"could not join {name} to the DuckDB relation: {exc}; a relation "
                        "must come from DuckDB's default connection (duckdb.sql(...)), or "
                        "pass the decisions as a file or an Arrow table",
                        reason="engine",
                    )
                ]
            ) from exc
        raise
    info = LinkInfo(
        name=name,
        on=(left, right),
        rows=len(key),
        unmatched=int(lonely.item()),
        blank=blank,
        columns=tuple(taken),
    )
    source = records.source
    options = {
        **source.options,
        "link": {"name": name, "sha256": opened.source.sha256, "on": list(info.on)},
    }
    return Records(
        joined.drop(_KEY),
        Source(source.name, source.kind, source.engine, source.sha256, options),
        (*records.available, *[c for c in opened.available if c not in records.available]),
        records._keepalive,
        info,
    )


def _eager_pandas(frame: Any) -> pd.DataFrame:
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_pandas().reset_index(drop=True)


def _duplicates(table: pd.DataFrame, column: str, name: str) -> list[Problem]:
    counts = table[_KEY].value_counts()
    dup = counts[counts > 1]
    if dup.empty:
        return []
    example = str(min(dup.index))
    row = int(table.index[(table[_KEY] == example).to_numpy()][0])
    ids = "1 id appears" if len(dup) == 1 else f"{len(dup):,} ids appear"
    return [
        Problem(
            f"column {column!r} (link id) in {name}: {ids} more than once "
            f"({int(dup.sum()):,} rows), e.g. {example!r} (row {row}); each person's "
            "attributes must appear once (which row applies would be a guess): remove "
            "the duplicates",
            column=column,
            row=row,
            value=example,
            reason="duplicate_link_id",
        )
    ]


def _on_backend(table: pa.Table, records: Records) -> Any:
    """The attribute table on the decisions' engine, so the two can be joined."""
    impl = records.frame.implementation
    if not records.lazy:
        return nw.from_arrow(table, backend=impl)
    if impl.is_polars():
        import polars as pl

        return nw.from_native(pl.from_arrow(table).lazy())  # type: ignore[union-attr]
    if impl.is_duckdb():
        import duckdb

        # the relation must live on the connection that read the decisions
        con = records._keepalive or duckdb.default_connection()
        return nw.from_native(con.from_arrow(table))
    if impl.is_pyspark() or impl.is_pyspark_connect():
        # the attribute table (small: one row per person) joins the decisions in Spark
        from ._spark import quiet_pandas_note

        session = nw.to_native(records.frame).sparkSession
        with quiet_pandas_note():
            return nw.from_native(session.createDataFrame(table.to_pandas()))
    if impl.is_ibis():
        raise RecordsError(
            [
                Problem(
                    "linking an attribute file to records in a database is not available: "
                    "the attributes would have to be uploaded; join the attribute table in "
                    "the database instead (a query with JOIN)",
                    reason="engine",
                )
            ]
        )
    raise RecordsError(
        [
            Problem(
                f"linking attributes to a {impl} table is not supported; use pandas, Polars, "
                "PyArrow, DuckDB or Spark",
                reason="engine",
            )
        ]
    )
