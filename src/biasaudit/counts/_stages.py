"""Funnel stages, and the people of each group at each stage.

A funnel is a tree of stages, written as a list in order (see :func:`funnel_counts`).
:class:`FunnelCounts` holds the people per group at each stage, built from records by
:func:`funnel_counts` or from an aggregated table by :func:`funnel_counts_from_table`;
:mod:`biasaudit.metrics._funnel` turns it into rates and comparisons.

Counts are the interface (DESIGN.md §5): records are grouped once, by the attributes
and the stage column(s), on whatever engine holds them; aggregated tables enter as
counts. Everything after that is arithmetic on a small table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import narwhals as nw
import numpy as np
import pandas as pd

from .._exceptions import ConfigError, Problem, RecordsError
from ..io import Records, open_records
from ..spec import MISSING_GROUP, MISSING_POLICIES, Codes, MissingPolicy, value_key
from ._aggregate import _EXAMPLES, Ledger, _as_number, _keys, _rows
from ._counts import ALL, OVERALL, _ordered
from ._funnel_ranges import (
    FunnelRanges,
    UnitLayout,
    parent_conflicts,
    settle_funnel,
    with_bounds,
)
from ._tables import SUPPRESSED, read_cell

StageSpec = str | tuple[str, str]
Layout = Literal["wide", "long"]
LAYOUTS = ("wide", "long")
#: Columns of :attr:`FunnelCounts.table`.
FUNNEL_COUNT_COLUMNS = ["attribute", "group", "stage", "count"]
_YES_NO = Codes().lookup("flagged")  # the usual spellings of yes / no and 1 / 0

Tree = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class FunnelCounts:
    """People per group at each stage of a funnel: the input of :func:`funnel_table`.

    Built by :func:`funnel_counts` (records) or :func:`funnel_counts_from_table`
    (aggregated tables), which check the counts.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``attribute, group, stage, count``: one row per attribute x group x
        stage, the whole population first (attribute ``"(overall)"``, group
        ``"(all)"``), then each attribute's groups, stages in funnel order.
    stages : tuple of (str, str or None)
        Each stage with its parent stage (None for the first stage).
    ledger : Ledger, optional
        Rows read, analysed and excluded (records only).
    ranges : FunnelRanges, optional
        Set when the table published suppressed or rounded cells: each count's
        bounds over every funnel of whole numbers consistent with the table, and the
        model that gives the range of any rate. ``table`` then holds one such funnel
        (closest to the middle of each published interval), which speaks only for
        the counts that ``ranges`` determines.
    """

    table: pd.DataFrame
    stages: Tree
    ledger: Ledger | None = None
    ranges: FunnelRanges | None = None

    @property
    def stage_names(self) -> list[str]:
        """Stage names in funnel order."""
        return [name for name, _ in self.stages]

    def attributes(self) -> list[str]:
        """Attributes in the table, in order (overall excluded)."""
        names = self.table["attribute"].drop_duplicates().tolist()
        return [a for a in names if a != OVERALL]

    def wide(self) -> pd.DataFrame:
        """The counts with one column per stage (rows: attribute, group)."""
        wide = self.table.pivot(index=["attribute", "group"], columns="stage", values="count")
        order = pd.MultiIndex.from_frame(self.table[["attribute", "group"]].drop_duplicates())
        return wide.reindex(order)[self.stage_names].rename_axis(columns=None).reset_index()


# --------------------------------------------------------------------------- stages


def _parse_stages(stages: Any) -> tuple[Tree, list[Problem]]:
    """The stage tree, with every problem in how it is written."""
    problems: list[Problem] = []

    def bad(message: str, value: Any, reason: str = "invalid_stage") -> None:
        problems.append(Problem(f"stages: {message}", column="stages", value=value, reason=reason))

    if isinstance(stages, str) or not isinstance(stages, Sequence) or not stages:
        bad(
            "expected a list of stage names in order, e.g. ['population', 'selected', "
            f"'home visit']; got {stages!r}",
            stages,
        )
        return (), problems
    tree: list[tuple[str, str | None]] = []
    for i, item in enumerate(stages):
        known = [s for s, _ in tree]
        parent = known[-1] if known else None
        if isinstance(item, str):
            name = item
        elif (
            isinstance(item, tuple | list)
            and len(item) == 2
            and all(isinstance(x, str) for x in item)
        ):
            name, parent = item[0], item[1]
            if i == 0:
                bad(
                    f"the first stage is everyone in the group and has no parent; got {item!r}",
                    item,
                )
                parent = None
            elif parent not in known:
                bad(
                    f"the parent {parent!r} of stage {name!r} must be listed before it; "
                    f"stages before it: {', '.join(map(repr, known))}",
                    item,
                    "unknown_parent",
                )
        else:
            bad(f"expected a stage name or a (name, parent) pair; got {item!r}", item)
            continue
        if not name.strip():
            bad(f"stage names must not be blank; got {name!r}", name)
        if name in known:
            bad(f"stage {name!r} is listed twice; give each stage once", name, "duplicate_stage")
            continue
        tree.append((name, parent))
    return tuple(tree), problems


def _lineage(tree: Tree) -> dict[str, list[str]]:
    """Each stage with its ancestors, nearest first (the first stage has none)."""
    parent = dict(tree)
    out: dict[str, list[str]] = {}
    for name, _ in tree:
        chain, up = [], parent[name]
        while up is not None:
            chain.append(up)
            up = parent[up]
        out[name] = chain
    return out


def _shown(values: Sequence[str]) -> str:
    return ", ".join(map(repr, values[:12])) + (", ..." if len(values) > 12 else "")


def _build_table(
    tree: Tree, margins: dict[str, pd.DataFrame], overall: np.ndarray
) -> pd.DataFrame:
    """The long count table from each attribute's (group x stage) counts."""
    names = [s for s, _ in tree]
    parts = [pd.DataFrame({"attribute": OVERALL, "group": ALL, "stage": names, "count": overall})]
    for attr, wide in margins.items():
        for group in _ordered(wide.index):
            counts = wide.loc[group, names].to_numpy()
            parts.append(
                pd.DataFrame({"attribute": attr, "group": group, "stage": names, "count": counts})
            )
    table = pd.concat(parts, ignore_index=True)
    table["count"] = table["count"].astype("int64")
    for col in ("attribute", "group", "stage"):
        table[col] = table[col].astype(object)
    return table[FUNNEL_COUNT_COLUMNS]


# --------------------------------------------------------------------------- records


def funnel_counts(
    records: Any,
    attributes: str | Sequence[str],
    stages: Sequence[StageSpec],
    *,
    stage_column: str | None = None,
    stage_columns: Mapping[str, str] | None = None,
    missing: MissingPolicy = "as_group",
) -> FunnelCounts:
    """Count the people of each group at each stage, from one row per person.

    The rows are grouped once, by the attributes and the stage column(s), on the engine
    that holds them (pandas, Polars, PyArrow or DuckDB).

    Parameters
    ----------
    records : Records, file path or dataframe
        Decision records; anything :func:`biasaudit.io._io.open_records` opens.
    attributes : str or sequence of str
        Protected attribute columns.
    stages : sequence of str or (str, str)
        Stages in order. A name's parent is the stage before it; ``(name, parent)``
        names the parent, so two stages can branch from one. The first stage is
        everyone in the records.
    stage_column : str, optional
        A column holding the furthest stage each person reached; the person counts
        there and at every stage above it.
    stage_columns : mapping of str to str, optional
        Stage name to a yes/no (1/0, true/false) column; every stage but the first
        needs one. A person counts at a stage when its column says yes.
    missing : {"as_group", "drop", "error"}, default="as_group"
        Missing attribute values: the group ``"(missing)"``, excluded (in the
        ledger), or an error.

    Returns
    -------
    FunnelCounts

    Raises
    ------
    ConfigError
        Listing every problem with the stages or the options.
    RecordsError
        Listing every problem in the data: missing columns, values that are not a
        stage or not yes/no, people at a stage who are not at the stage above it.

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({
    ...     "nat": ["NL", "NL", "NL", "MA", "MA"],
    ...     "stage": ["scored", "selected", "visited", "visited", "selected"],
    ... })
    >>> counts = funnel_counts(
    ...     people, "nat", ["scored", "selected", "visited"], stage_column="stage"
    ... )
    >>> counts.wide()
       attribute  group  scored  selected  visited
    0  (overall)  (all)       5         4        2
    1        nat     MA       2         2        1
    2        nat     NL       3         2        1
    """
    tree, problems = _parse_stages(stages)
    attrs = [attributes] if isinstance(attributes, str) else list(attributes)
    problems += _check_record_options(tree, attrs, stage_column, stage_columns, missing)
    if problems:
        raise ConfigError(problems)
    by_stage = dict(stage_columns or {})
    stage_cols = [stage_column] if stage_column is not None else list(by_stage.values())
    wanted = [*attrs, *stage_cols]
    if not isinstance(records, Records):
        records = open_records(records, columns=wanted, text_columns=wanted)
    absent = [c for c in wanted if c not in records.available]
    if absent:
        raise RecordsError(
            [
                Problem(
                    f"column {c!r} ({'protected attribute' if c in attrs else 'stage'}): "
                    f"not found; available: {_shown(list(records.available))}",
                    column=c,
                    reason="column_not_found",
                )
                for c in absent
            ],
            context=records.source.name,
        )
    grouped = records.frame.group_by(*wanted, drop_null_keys=False).agg(nw.len().alias("__rows"))
    if isinstance(grouped, nw.LazyFrame):
        grouped = grouped.collect()
    raw = grouped.to_pandas()
    rows = raw["__rows"].to_numpy(dtype=np.int64)
    rows_read = int(rows.sum())
    if rows_read == 0:
        raise RecordsError(
            [Problem("the data has no rows; check the file", reason="empty")],
            context=records.source.name,
        )
    if stage_column is not None:
        reached, problems = _reached_from_stage(raw, rows, tree, stage_column, records)
    else:
        reached, problems = _reached_from_flags(raw, rows, tree, by_stage, records)
    keep = np.ones(len(raw), dtype=bool)
    excluded: list[tuple[str, int]] = []
    labels: dict[str, pd.Series] = {}
    for attr in attrs:
        label = _keys(raw[attr])
        absent_value = label.isna().to_numpy()
        k = int(rows[absent_value].sum())
        if k and missing == "error":
            row = _first_row(records, {attr: None})
            problems.append(
                Problem(
                    f"column {attr!r}: {k:,} missing values"
                    + (f" (first at row {row})" if row else "")
                    + "; keep them as a group with missing='as_group' or exclude them with "
                    "missing='drop'",
                    column=attr,
                    row=row,
                    reason="missing_group",
                )
            )
        if k and missing == "drop":
            newly = int(rows[absent_value & keep].sum())
            if newly:
                excluded.append((f"missing value in {attr!r} (missing = 'drop')", newly))
            keep &= ~absent_value
        labels[attr] = label.fillna(MISSING_GROUP)
    if not problems and not keep.any():
        problems.append(
            Problem(
                "no rows left: every row has a missing protected value and missing='drop'; "
                "use missing='as_group'",
                reason="empty",
            )
        )
    if problems:
        raise RecordsError(problems, context=f"{records.source.name}, {rows_read:,} rows")
    names = [s for s, _ in tree]
    people = pd.DataFrame(reached[keep] * rows[keep, None], columns=names)
    margins = {
        attr: people.groupby(label.to_numpy()[keep]).sum() for attr, label in labels.items()
    }
    table = _build_table(tree, margins, people.sum().to_numpy())
    return FunnelCounts(table, tree, Ledger(rows_read, tuple(excluded)))


def _check_record_options(
    tree: Tree,
    attrs: list[str],
    stage_column: str | None,
    stage_columns: Mapping[str, str] | None,
    missing: str,
) -> list[Problem]:
    problems: list[Problem] = []

    def bad(key: str, message: str, value: Any = None, reason: str = "invalid") -> None:
        problems.append(Problem(f"{key}: {message}", column=key, value=value, reason=reason))

    if not attrs or not all(isinstance(a, str) and a for a in attrs):
        bad("attributes", f"expected one or more column names, e.g. 'nationality'; got {attrs!r}")
    elif len(set(attrs)) < len(attrs):
        bad("attributes", f"an attribute is listed twice: {attrs}")
    if (stage_column is None) == (stage_columns is None):
        bad(
            "stage_column",
            "give exactly one of stage_column (a column holding the furthest stage reached) "
            "and stage_columns (one yes/no column per stage)",
            reason="conflict",
        )
    if stage_column is not None and stage_column in attrs:
        bad("stage_column", f"{stage_column!r} is also a protected attribute", stage_column)
    if stage_columns is not None:
        if not isinstance(stage_columns, Mapping):
            bad("stage_columns", f"expected a mapping of stage to column; got {stage_columns!r}")
            return problems
        names = [s for s, _ in tree]
        for stage, col in stage_columns.items():
            if stage not in names:
                bad(
                    "stage_columns",
                    f"{stage!r} is not a stage; stages: {_shown(names)}",
                    stage,
                    "unknown_stage",
                )
            if not isinstance(col, str) or col in attrs:
                bad("stage_columns", f"stage {stage!r}: expected a column name; got {col!r}", col)
        if tree:
            lacking = [s for s in names[1:] if s not in stage_columns]
            if lacking:
                bad(
                    "stage_columns",
                    f"no column for stage(s) {_shown(lacking)}; every stage after the first "
                    "needs a yes/no column",
                    lacking,
                    "missing_stage",
                )
        cols = [c for c in stage_columns.values() if isinstance(c, str)]
        if len(set(cols)) < len(cols):
            bad("stage_columns", "a column is used for two stages; give each stage its own")
    if missing not in MISSING_POLICIES:
        bad(
            "missing", f"expected one of {', '.join(map(repr, MISSING_POLICIES))}; got {missing!r}"
        )
    return problems


def _first_row(records: Records, values: Mapping[str, Any]) -> int | None:
    """1-based data row where each column holds its raw value (eager frames only)."""
    if records.lazy:
        return None
    frame = records.frame.with_row_index("__row")
    schema = frame.collect_schema()
    cond = nw.lit(True)
    for col, raw in values.items():
        if value_key(raw) is None:
            cond = cond & nw.col(col).is_null()
        elif schema[col].is_numeric() or schema[col] == nw.Boolean:
            cond = cond & (nw.col(col) == (raw.item() if hasattr(raw, "item") else raw))
        else:
            cond = cond & (nw.col(col).cast(nw.String) == str(raw))
    hit = frame.filter(cond).select("__row").head(1)
    return int(hit.item()) + 1 if len(hit) else None


def _value_problems(
    bad: pd.Series,
    raw: pd.Series,
    rows: np.ndarray,
    col: str,
    records: Records,
    what: str,
    fix: str,
    blank_fix: str,
) -> list[Problem]:
    """One problem per offending value (most rows first), the rest summed up."""
    keys = _keys(raw)
    per_value = (
        pd.Series(rows[bad.to_numpy()], index=keys[bad].fillna("").to_numpy())
        .groupby(level=0)
        .sum()
        .sort_values(ascending=False, kind="stable")
    )
    problems = []
    for key, k in list(per_value.items())[:_EXAMPLES]:
        example = raw[bad & (keys.fillna("") == key)].iloc[0]
        row = _first_row(records, {col: example})
        at = f" (first at row {row})" if row else ""
        if key == "":
            message = f"column {col!r}: {_rows(int(k))} with no value{at}; {blank_fix}"
        else:
            message = f"column {col!r}: {_rows(int(k))} with value {example!r}{at}, {what}; {fix}"
        problems.append(
            Problem(
                message,
                column=col,
                row=row,
                value=None if key == "" else example,
                reason="missing_value" if key == "" else "unknown_value",
            )
        )
    if len(per_value) > _EXAMPLES:
        problems.append(
            Problem(
                f"column {col!r}: {len(per_value) - _EXAMPLES} more such values not shown",
                column=col,
                reason="unknown_value",
            )
        )
    return problems


def _reached_from_stage(
    raw: pd.DataFrame, rows: np.ndarray, tree: Tree, col: str, records: Records
) -> tuple[np.ndarray, list[Problem]]:
    names = [s for s, _ in tree]
    lineage = _lineage(tree)
    index = {s: i for i, s in enumerate(names)}
    keys = _keys(raw[col])
    reached = np.zeros((len(raw), len(names)), dtype=bool)
    for i, key in enumerate(keys):
        if key in index:
            reached[i, [index[s] for s in [key, *lineage[key]]]] = True
    bad = ~keys.isin(names)
    problems = []
    if bad.any():
        problems = _value_problems(
            bad,
            raw[col],
            rows,
            col,
            records,
            "not a stage",
            f"stages: {_shown(names)}; fix the value or add the stage",
            f"every row needs the furthest stage it reached ({names[0]!r} for people who "
            "went no further)",
        )
    return reached, problems


def _yes_no(key: str | None) -> int | None:
    # "1.0" read as text (a CSV written from floats) means 1
    return _YES_NO.get(key, _YES_NO.get(_as_number(key)))


def _reached_from_flags(
    raw: pd.DataFrame, rows: np.ndarray, tree: Tree, by_stage: Mapping[str, str], records: Records
) -> tuple[np.ndarray, list[Problem]]:
    names = [s for s, _ in tree]
    reached = np.ones((len(raw), len(names)), dtype=bool)
    valid = np.ones((len(raw), len(names)), dtype=bool)
    problems: list[Problem] = []
    for j, stage in enumerate(names):
        col = by_stage.get(stage)
        if col is None:  # only the first stage may go without a column: everyone
            continue
        mapped = _keys(raw[col]).map(_yes_no)
        bad = mapped.isna()
        if bad.any():
            problems += _value_problems(
                bad,
                raw[col],
                rows,
                col,
                records,
                f"not yes/no (stage {stage!r})",
                "use yes/no, 1/0 or true/false",
                f"every row needs a yes/no value for stage {stage!r}",
            )
        valid[:, j] = ~bad.to_numpy()
        reached[:, j] = (mapped == 1).to_numpy()
    root = by_stage.get(names[0])
    if root is not None:
        out = valid[:, 0] & ~reached[:, 0]
        if out.any():
            example = raw[root][out].iloc[0]
            row = _first_row(records, {root: example})
            problems.append(
                Problem(
                    f"column {root!r}: {_rows(int(rows[out].sum()))} say no at the first stage "
                    f"{names[0]!r}" + (f" (first at row {row})" if row else "") + "; the "
                    "first stage is everyone in the records: filter the records or leave "
                    "the first stage without a column",
                    column=root,
                    row=row,
                    value=example,
                    reason="not_in_population",
                )
            )
    for j, (stage, parent) in enumerate(tree):
        if parent is None:
            continue
        p = names.index(parent)
        odd = valid[:, j] & valid[:, p] & reached[:, j] & ~reached[:, p]
        if odd.any():
            cols = {c: raw[c][odd].iloc[0] for c in (by_stage[stage], by_stage.get(parent)) if c}
            row = _first_row(records, cols)
            problems.append(
                Problem(
                    f"column {by_stage[stage]!r}: {_rows(int(rows[odd].sum()))} "
                    f"{'is' if rows[odd].sum() == 1 else 'are'} yes at stage {stage!r} but no "
                    f"at its parent stage {parent!r}"
                    + (f" (e.g. row {row})" if row else "")
                    + "; a person reaches a stage only through the stage above it: check "
                    "both columns",
                    column=by_stage[stage],
                    row=row,
                    reason="skipped_stage",
                )
            )
    return reached, problems


# --------------------------------------------------------------------------- tables


def funnel_counts_from_table(
    frame: pd.DataFrame,
    stages: Sequence[StageSpec],
    *,
    attributes: str | Sequence[str] | None = None,
    attribute_column: str | None = None,
    group_column: str = "group",
    layout: Layout = "wide",
    stage_column: str = "stage",
    count_column: str = "count",
    suppressed: Sequence[str] = SUPPRESSED,
    below: int = 10,
    rounding: int | None = None,
) -> FunnelCounts:
    """Read stage counts from an aggregated table (e.g. a freedom-of-information reply).

    A published count is read as :func:`~biasaudit.counts._tables.read_counts` reads
    one: a suppressed cell (a marker in ``suppressed``, e.g. blank or ``"x"``: 0 to
    ``below - 1`` people; ``"<k"``: 0 to k - 1; ``"<=k"``: 0 to k) or, with
    ``rounding``, every count is an interval of whole numbers. Such a funnel's counts
    are then narrowed by what holds in every funnel (a stage holds no more people
    than its parent stage; each attribute's groups add up to everyone) and kept in
    :attr:`FunnelCounts.ranges`; ``table`` then holds one funnel of whole numbers
    consistent with every published cell (the one closest to the middle of each
    interval), which only its determined counts speak for. A negative or fractional
    count, or a funnel that no whole numbers satisfy, is an error.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (any dataframe narwhals reads is converted to pandas).
    stages : sequence of str or (str, str)
        Stages in order, as for :func:`funnel_counts`.
    attributes : str or sequence of str, optional
        Columns holding group labels, one per attribute. Rows may be combinations
        (e.g. nationality x gender); each attribute's groups are summed over the rest.
    attribute_column : str, optional
        Instead of ``attributes``: a column naming the attribute, with the group in
        ``group_column``.
    group_column : str, default="group"
        The group label column when ``attribute_column`` is given.
    layout : {"wide", "long"}, default="wide"
        ``"wide"``: one count column per stage, named like the stage. ``"long"``: one
        row per group and stage, with ``stage_column`` and ``count_column``.
    stage_column, count_column : str, default="stage", "count"
        Columns of the long layout.
    suppressed : sequence of str, default=SUPPRESSED
        Markers of a suppressed cell (``""`` is a blank), case-insensitive; ``"<k"``
        and ``"<=k"`` are always recognised.
    below : int, default=10
        A suppressed cell is 0 to ``below - 1`` people.
    rounding : int, optional
        Every count was rounded to a multiple of this base: v is v - base/2 to
        v + base/2, never below 0.

    Returns
    -------
    FunnelCounts

    Raises
    ------
    ConfigError
        Listing every problem with the stages or the options.
    RecordsError
        Listing every problem in the table: missing columns or stages, unknown stage
        names, blank (when ``""`` is not a marker), negative or fractional counts,
        counts that are not multiples of ``rounding``, repeated rows, a stage larger
        than its parent, attributes whose totals differ (even allowing for
        suppression and rounding).

    Examples
    --------
    >>> import pandas as pd
    >>> reply = pd.DataFrame({
    ...     "nationality": ["Dutch", "Moroccan"],
    ...     "population": [1000, 400],
    ...     "selected": [50, 80],
    ...     "home visit": [20, 48],
    ... })
    >>> counts = funnel_counts_from_table(
    ...     reply, ["population", "selected", "home visit"], attributes="nationality"
    ... )
    >>> counts.wide()
         attribute     group  population  selected  home visit
    0    (overall)     (all)        1400       130          68
    1  nationality     Dutch        1000        50          20
    2  nationality  Moroccan         400        80          48
    """
    tree, problems = _parse_stages(stages)
    attrs = (
        [attributes]
        if isinstance(attributes, str)
        else (list(attributes) if attributes is not None else [])
    )
    if bool(attrs) == (attribute_column is not None):
        problems.append(
            Problem(
                "attributes: give exactly one of attributes (columns holding group labels) "
                "and attribute_column (a column naming the attribute, with group_column)",
                column="attributes",
                reason="conflict",
            )
        )
    if layout not in LAYOUTS:
        problems.append(
            Problem(
                f"layout: expected one of {', '.join(map(repr, LAYOUTS))}; got {layout!r}",
                column="layout",
                value=layout,
            )
        )
    problems += interval_option_problems(suppressed, below, rounding)
    if problems:
        raise ConfigError(problems)
    reading = _Reading(frozenset(str(m).strip().casefold() for m in suppressed), below, rounding)
    if not isinstance(frame, pd.DataFrame):
        frame = nw.from_native(frame, eager_only=True).to_pandas()
    names = [s for s, _ in tree]
    keys = attrs if attrs else [str(attribute_column), group_column]
    needed = keys + (names if layout == "wide" else [stage_column, count_column])
    available = [str(c) for c in frame.columns]
    absent = [c for c in dict.fromkeys(needed) if c not in available]
    if absent:
        raise RecordsError(
            [
                Problem(
                    (
                        f"stage {c!r}: no column of that name"
                        if layout == "wide" and c in names
                        else f"column {c!r}: not found"
                    )
                    + f"; columns: {_shown(available)}",
                    column=c,
                    reason="missing_stage"
                    if layout == "wide" and c in names
                    else "column_not_found",
                )
                for c in absent
            ],
            context="aggregated table",
        )
    frame = frame.reset_index(drop=True)
    if layout == "wide":
        long = frame[keys].assign(__row=np.arange(1, len(frame) + 1))
        long = pd.concat(
            [long.assign(__stage=s, __raw=frame[s].to_numpy(dtype=object)) for s in names],
            ignore_index=True,
        )
    else:
        long = frame[keys].assign(
            __row=np.arange(1, len(frame) + 1),
            __stage=_keys(frame[stage_column]).to_numpy(),
            __raw=frame[count_column].to_numpy(dtype=object),
        )
    problems = []
    if layout == "long":
        unknown = long[~long["__stage"].isin(names)]
        if len(unknown):
            shown = unknown["__stage"].fillna("(blank)").drop_duplicates().tolist()
            problems.append(
                Problem(
                    f"column {stage_column!r}: {_rows(len(unknown))} with a stage not in the "
                    f"funnel, e.g. {shown[0]!r} (row {unknown['__row'].iat[0]}); unknown: "
                    f"{_shown(shown)}; stages: {_shown(names)}",
                    column=stage_column,
                    row=int(unknown["__row"].iat[0]),
                    value=shown[0],
                    reason="unknown_stage",
                )
            )
            long = long[long["__stage"].isin(names)]
    count_col = count_column if layout == "long" else None
    long["__low"], long["__high"], long["__status"], count_problems = _parse_counts(
        long, count_col, reading
    )
    long["__count"] = long["__low"].where(long["__low"] == long["__high"])
    problems += count_problems
    for col in keys:
        long[col] = _keys(long[col]).to_numpy()
    if attribute_column is not None:
        blank = long[attribute_column].isna()
        if blank.any():
            problems.append(
                Problem(
                    f"column {attribute_column!r}: {_rows(int(blank.sum()))} without an "
                    f"attribute name (first at row {long['__row'][blank].iat[0]}); fill them in",
                    column=attribute_column,
                    row=int(long["__row"][blank].iat[0]),
                    reason="missing_value",
                )
            )
            long = long[~blank]
    for col in keys[1:] if attribute_column is not None else keys:
        long[col] = long[col].fillna(MISSING_GROUP)
    repeated = long[long.duplicated([*keys, "__stage"], keep="first")]
    if len(repeated):
        again = repeated.iloc[0]
        problems.append(
            Problem(
                f"{_rows(len(repeated))} repeat a group and stage given earlier, e.g. "
                + ", ".join(f"{k} = {again[k]!r}" for k in keys)
                + f", stage {again['__stage']!r} (row {again['__row']}); give each once",
                row=int(again["__row"]),
                reason="duplicate_row",
            )
        )
        long = long.drop(repeated.index)
    indexed = long.set_index([*keys, "__stage"])
    wide = indexed["__count"].unstack("__stage").reindex(columns=names)
    given = indexed["__row"].unstack("__stage").reindex(columns=names)
    row_of = given.min(axis=1)
    gaps = given.isna().any(axis=1).to_numpy()
    if gaps.any():  # long layout only: the wide one has every stage column
        i = int(np.flatnonzero(gaps)[0])
        lacking = [s for s in names if pd.isna(given[s].iat[i])]
        problems.append(
            Problem(
                f"{int(gaps.sum()):,} group(s) lack a row for some stage, e.g. "
                f"{_group_text(keys, wide.index[i])} has no row for {_shown(lacking)}; "
                "give a count (0 if nobody) for every group and stage",
                value=lacking[0],
                reason="missing_stage",
            )
        )
    ranged = bool((long["__status"].isin(["suppressed", "rounded"])).any())
    if not ranged:
        problems += _check_parents(wide, tree, keys, row_of)
    else:
        grid = {c: indexed[c].unstack("__stage").reindex(columns=names) for c in _GRIDS}
        problems += parent_conflicts(
            [_group_text(keys, u) for u in grid["__low"].index],
            names,
            [None if p is None else names.index(p) for _, p in tree],
            grid["__low"].to_numpy(float),
            grid["__high"].to_numpy(float),
            grid["__raw"].to_numpy(object),
            grid["__row"].to_numpy(float),
        )
    if not problems and not len(wide):
        problems.append(Problem("the table has no rows of counts", reason="empty"))
    if problems:
        raise RecordsError(problems, context=f"aggregated table, {len(frame):,} rows")
    if ranged:
        return _ranged_counts(
            indexed,
            tree,
            keys,
            attribute_column,
            reading,
            f"aggregated table, {len(frame):,} rows",
        )
    wide = wide.astype("int64")
    if attribute_column is not None:
        margins = {
            str(a): part.droplevel(0)
            for a, part in wide.groupby(level=0, sort=False)  # attribute, then group
        }
    else:
        margins = {a: wide.groupby(level=a, sort=False).sum() for a in attrs}
    totals = {a: m[names].sum().to_numpy() for a, m in margins.items()}
    base = next(iter(totals))
    for a, total in totals.items():
        if not np.array_equal(total, totals[base]):
            j = int(np.flatnonzero(total != totals[base])[0])
            problems.append(
                Problem(
                    f"the groups of {a!r} sum to {total[j]:,} at stage {names[j]!r} but those of "
                    f"{base!r} to {totals[base][j]:,}; every attribute must cover the same "
                    "people (add the missing people as a group, e.g. '(missing)')",
                    column=a,
                    reason="totals_differ",
                )
            )
    if problems:
        raise RecordsError(problems, context=f"aggregated table, {len(frame):,} rows")
    return FunnelCounts(_build_table(tree, margins, totals[base]), tree)


def _ranged_counts(
    indexed: pd.DataFrame,
    tree: Tree,
    keys: list[str],
    attribute_column: str | None,
    reading: _Reading,
    context: str,
) -> FunnelCounts:
    """The counts of a table with suppressed or rounded cells (see :mod:`._funnel_ranges`)."""
    names = [s for s, _ in tree]

    def grid(column: str) -> pd.DataFrame:
        return indexed[column].unstack("__stage").reindex(columns=names)

    low, high = grid("__low"), grid("__high")
    units = list(low.index)
    groups: dict[tuple[str, str], list[int]] = {}
    if attribute_column is not None:  # stacked: a row is one group of one attribute
        for i, (attr, group) in enumerate(units):
            groups.setdefault((str(attr), group), []).append(i)
        partitions = [
            [i for i, u in enumerate(units) if u[0] == attr]
            for attr in dict.fromkeys(u[0] for u in units)
        ]
    else:  # a row combines one group of every attribute
        for a, attr in enumerate(keys):
            for i, unit in enumerate(units):
                label = unit[a] if isinstance(unit, tuple) else unit
                groups.setdefault((attr, label), []).append(i)
        partitions = [list(range(len(units)))]
    layout = UnitLayout(
        [_group_text(keys, u) for u in units],
        groups,
        partitions,
        names,
        [None if p is None else names.index(p) for _, p in tree],
    )
    ranges, completion, problems = settle_funnel(
        layout,
        low.to_numpy(float),
        high.to_numpy(float),
        grid("__status").to_numpy(object),
        grid("__raw").to_numpy(object),
        grid("__row").to_numpy(float),
        overall=OVERALL,
        everyone=ALL,
        rounding=reading.rounding,
        below=reading.below,
    )
    if problems or ranges is None or completion is None:
        raise RecordsError(problems, context=context)
    done = pd.DataFrame(completion[:-1], index=low.index, columns=names).astype("int64")
    if attribute_column is not None:
        margins = {str(a): part.droplevel(0) for a, part in done.groupby(level=0, sort=False)}
    else:
        margins = {a: done.groupby(level=a, sort=False).sum() for a in keys}
    table = _build_table(tree, margins, completion[-1])
    rows = zip(table["attribute"], table["group"], table["stage"], strict=True)
    return FunnelCounts(table, tree, ranges=with_bounds(ranges, list(rows)))


_GRIDS = ("__low", "__high", "__raw", "__row")


@dataclass(frozen=True)
class _Reading:
    """How published counts are read: suppression markers, threshold, rounding base."""

    suppressed: frozenset[str]
    below: int
    rounding: int | None


def interval_option_problems(suppressed: Any, below: Any, rounding: Any) -> list[Problem]:
    """Problems with the options that read suppressed and rounded cells."""
    problems = []
    if isinstance(suppressed, str) or not (
        isinstance(suppressed, Sequence) and all(isinstance(m, str) for m in suppressed)
    ):
        problems.append(
            Problem(
                f"suppressed: expected a list of markers, e.g. ['', 'x']; got {suppressed!r}",
                column="suppressed",
                value=suppressed,
            )
        )
    if isinstance(below, bool) or not isinstance(below, int) or below < 1:
        problems.append(
            Problem(
                f"below: expected a whole number >= 1; got {below!r}", column="below", value=below
            )
        )
    if rounding is not None and (
        isinstance(rounding, bool) or not isinstance(rounding, int) or rounding < 2
    ):
        problems.append(
            Problem(
                f"rounding: expected a whole number >= 2 (the base), or None; got {rounding!r}",
                column="rounding",
                value=rounding,
            )
        )
    return problems


_BAD_COUNTS = {  # reason of read_cell -> what the count is, problem reason, the fix
    "blank": (
        "blank",
        "missing_count",
        "a blank is not a suppression marker here: add '' to suppressed, or fill the cell in",
    ),
    "not_a_count": (
        "not a number",
        "not_numeric",
        "counts must be numbers; if it marks a suppressed cell, add it to suppressed, or "
        "write '<k' for 'fewer than k'",
    ),
    "negative_count": ("negative", "negative_count", "counts of people are >= 0"),
    "not_integer": (
        "not a whole number",
        "non_integer_count",
        "counts of people are whole numbers (for counts rounded to a base, declare "
        "rounding; weighted counts are not supported)",
    ),
    "not_rounded": (
        "not a multiple of the rounding base",
        "not_rounded",
        "with rounding every count is a multiple of the base; check the base, or leave "
        "rounding unset if the counts are exact",
    ),
}


def _parse_counts(
    long: pd.DataFrame, count_column: str | None, reading: _Reading
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Problem]]:
    """Each count as an interval (low, high, status; NaN where invalid), with a problem
    for each kind of bad count."""
    texts = _keys(long["__raw"])
    low = np.full(len(long), np.nan)
    high = np.full(len(long), np.nan)
    status = np.full(len(long), "invalid", dtype=object)
    reasons = np.full(len(long), "", dtype=object)
    for i, text in enumerate(texts):
        read = read_cell(
            "" if text is None else str(text),
            suppressed=reading.suppressed,
            below=reading.below,
            rounding=reading.rounding,
        )
        if isinstance(read, str):
            reasons[i] = read
        else:
            low[i], high[i], status[i] = read
    problems = []
    for kind, (what, reason, fix) in _BAD_COUNTS.items():
        mask = reasons == kind
        if not mask.any():
            continue
        first = long[mask].iloc[0]
        where = (
            f"column {count_column!r}"
            if count_column is not None
            else "stage column(s) " + _shown(long.loc[mask, "__stage"].drop_duplicates().tolist())
        )
        if kind == "not_rounded":
            what = f"not a multiple of {reading.rounding}"
        problems.append(
            Problem(
                f"{where}: {_rows(int(mask.sum()))} with a count that is {what}, e.g. "
                f"{first['__raw']!r} (row {first['__row']}, stage {first['__stage']!r}); {fix}",
                column=count_column or str(first["__stage"]),
                row=int(first["__row"]),
                value=first["__raw"],
                reason=reason,
            )
        )
    return low, high, status, problems


def _group_text(keys: list[str], index_value: Any) -> str:
    values = index_value if isinstance(index_value, tuple) else (index_value,)
    return ", ".join(f"{k} = {v!r}" for k, v in zip(keys, values, strict=True))


def _check_parents(
    wide: pd.DataFrame, tree: Tree, keys: list[str], row_of: pd.Series
) -> list[Problem]:
    problems = []
    for stage, parent in tree:
        if parent is None:
            continue
        over = (wide[stage] > wide[parent]).to_numpy()  # NaN (invalid) compares False
        if not over.any():
            continue
        i = int(np.flatnonzero(over)[0])
        group = _group_text(keys, wide.index[i])
        at = "" if pd.isna(row_of.iat[i]) else f" (row {row_of.iat[i]:.0f})"
        problems.append(
            Problem(
                f"stage {stage!r}: {int(over.sum()):,} group(s) with more people than at its "
                f"parent stage {parent!r}, e.g. {group}: {wide[stage].iat[i]:,.0f} > "
                f"{wide[parent].iat[i]:,.0f}{at}; a stage counts people who "
                "also reached the stage above it",
                column=stage,
                row=None if pd.isna(row_of.iat[i]) else int(row_of.iat[i]),
                value=float(wide[stage].iat[i]),
                reason="larger_than_parent",
            )
        )
    return problems
