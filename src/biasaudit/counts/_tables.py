"""Aggregated counts as input: tables of counts per group (data shape 4 of DESIGN.md §2).

Statistics offices and answers to freedom-of-information requests publish counts per
group, not records: *wide* (one row per group; columns such as n, flagged, TP, FP, FN,
TN) or *long* (columns group, cell, count), often with small cells suppressed and
counts rounded. Every published cell is read as an interval of whole numbers of people:

* a suppressed cell (blank, ``"x"``, ``"<10"``, ...) is 0 to ``below - 1``; ``"<k"`` is
  0 to k - 1 and ``"<=k"`` 0 to k; with ``zero_means_below`` ("cells below 10 were set
  to 0"), a 0 is 0 to ``below - 1`` too;
* a withheld cell (markers given in ``withheld``, e.g. ``"x"`` for complementary
  suppression, which hides cells of any size) is 0 or more, bounded only by the
  margins;
* with ``rounding=b`` every count v is v - b/2 to v + b/2, both ends included (whatever
  the rule for ties), clipped at 0;
* anything else is exact.

Which cells a table must give
-----------------------------
Each group's people split into six cells (:data:`~biasaudit.counts._counts.PARTITION`): TP,
FP, FN, TN (known outcome) and the flagged and unflagged with no known outcome;
``n`` and ``flagged`` are sums of them. A table gives ``n`` (or all of TP, FP, FN,
TN) and ``flagged`` (or TP and FP); TP and FP come together, and so do FN and TN.
A cell the table does not give at all is read as follows:

* TP and FP (FN and TN) absent: no flagged (unflagged) person has a known outcome
  (no outcomes at all: only decision metrics; FN and TN absent: selective labels);
* ``flagged_unlabelled`` follows from ``flagged`` (flagged - TP - FP), and is 0 when
  the table gives no ``flagged``; ``unflagged_unlabelled`` likewise from ``n``;
* ``n`` and ``flagged`` are the sums of their cells.

Groups and margins
------------------
``groups`` names the protected-attribute columns. Each row belongs to one attribute:
its group is in that attribute's column and the other group columns are blank or a
total label. A row whose group columns are all total labels (``"Total"``,
``"totaal"``, ``"all"``, ...) is the whole population; a blank in that row means the
cell was not published (it follows from the groups), not that it was suppressed.
The groups of every attribute must cover the whole population (keep an "unknown"
group if the source has one): they add up to the total row, and without one, to each
other. Intersections (a row with groups in two columns) are not read (yet).

Several datasets or model versions in one table (training vs pilot, before vs after
a change) are told apart by the ``dataset`` column; each is a table of its own.

Every problem (values that are not counts, negative or fractional counts, rows
without a group, repeated groups, missing cells, margins that do not add up even
allowing for suppression and rounding) is collected into one :class:`CountsError`.
Whether the cells hold together, and the bounds each cell has once every margin is
taken into account, are worked out in :mod:`biasaudit.counts._margins`.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._exceptions import ConfigError, Problem, RecordsError
from ..io import FORMATS, Source, csv_problems, detect_csv, file_sha256
from ..spec import value_key
from ._counts import ALL, COUNT_COLUMNS, OVERALL, CountTable
from ._margins import CELLS, CountModel, cell_label, margin_rows, settle, span, where

Layout = Literal["wide", "long"]
LAYOUTS = ("wide", "long")
Rule = Literal["exact", "midpoint"]
#: Markers of a suppressed cell (compared case-insensitively, spaces stripped);
#: ``"<k"`` and ``"<=k"`` are always recognised.
SUPPRESSED = ("", "x", ".", ":", "*", "c", "<10")
#: Labels of the row for the whole population (compared case-insensitively).
TOTAL_LABELS = ("Total", "Totaal", "Totaal generaal", "All", "Alle", "Overall", "(all)")
#: The group of the people an attribute's rows leave out (``left_out``).
LEFT_OUT = "(not in table)"
#: What each cell of :attr:`IntervalCounts.cells` can be.
STATUSES = ("exact", "suppressed", "withheld", "rounded", "derived", "absent")
_LESS = re.compile(r"(<=|≤|<)\s*(\d+)")


class CountsError(RecordsError):
    """Problems in a table of counts (a :class:`RecordsError`)."""

    what = "counts table"


@dataclass(frozen=True)
class IntervalCounts:
    """Counts per group read from an aggregated table, each as an interval.

    Build it with :func:`read_counts`.

    Attributes
    ----------
    cells : pandas.DataFrame
        One row per dataset x attribute x group x cell (:data:`CELLS`), the whole
        population first (attribute ``"(overall)"``, group ``"(all)"``), with columns
        ``dataset`` (None when the table holds one), ``attribute``, ``group``,
        ``cell``, ``published`` (the text as read; None when not in the table),
        ``status`` (:data:`STATUSES`: exact, suppressed (small), withheld (any size),
        rounded, derived from the margins, or absent from the table and counted as 0),
        ``low`` and ``high`` (what the published cell says; derived cells 0 to
        infinity), ``implied_low`` and ``implied_high`` (the narrowest bounds, in whole
        numbers, implied by every published cell and margin), ``midpoint`` (the cell
        in the table chosen by ``to_count_table(rule="midpoint")``) and ``row`` (the
        1-based data row it was read from).
    given : tuple of str
        The cells the table gave (the others are derived or absent).
    notes : tuple of str
        Provenance: the suppression and rounding rule, how many cells it touched,
        what was derived, columns and labels that were not used.
    source : Source
        Where the table came from.
    below : int
        A suppressed cell is 0 to ``below - 1`` people (the rule it was read with).
    rounding : int or None
        The base counts were rounded to (None: not rounded).
    rows_read : int
        Data rows of the table (every row of a long table, not one per group).
    excluded : tuple of (str, int)
        Rows read but not used, with the reason (for the row ledger).
    """

    cells: pd.DataFrame
    given: tuple[str, ...]
    notes: tuple[str, ...]
    source: Source
    below: int = 10
    rounding: int | None = None
    rows_read: int = 0
    excluded: tuple[tuple[str, int], ...] = ()

    @property
    def datasets(self) -> list[str | None]:
        """The datasets in table order (``[None]`` when the table holds one)."""
        return list(dict.fromkeys(self.cells["dataset"].tolist()))

    @property
    def exact(self) -> bool:
        """Whether the published cells and margins determine every count."""
        return bool((self.cells["implied_low"] == self.cells["implied_high"]).all())

    def interval_cells(self, dataset: str | None = None) -> dict[str, int]:
        """How many published cells of ``dataset`` are suppressed, withheld and rounded."""
        status = self._part(dataset)["status"]
        return {s: int((status == s).sum()) for s in ("suppressed", "withheld", "rounded")}

    def model(self, dataset: str | None = None) -> CountModel:
        """The linear model of every table consistent with ``dataset``'s cells."""
        part = self._part(dataset)
        low, high = _grid(part, "implied_low"), _grid(part, "implied_high")
        absent = _grid(part, "status", dtype=object)[:, 2:] == "absent"
        keys = _keys(part)
        return CountModel(low, high, absent, margin_rows(keys))

    def to_count_table(self, rule: Rule = "exact", *, dataset: str | None = None) -> CountTable:
        """The counts as a :class:`~biasaudit.counts._counts.CountTable` (``base=None``).

        An aggregated table has no records: ``rows`` is ``n`` and ``investigated``
        counts the people with a known outcome.

        Parameters
        ----------
        rule : {"exact", "midpoint"}, default="exact"
            ``"exact"`` needs every count determined by the published cells and
            margins. ``"midpoint"`` takes the table of whole numbers consistent with
            every published cell and margin that is closest to the middle of each
            published interval (smallest total distance, then smallest largest
            distance): a rule chosen by the user, not a fact of the data; say so.
        dataset : str, optional
            Which dataset, when the table holds several.

        Raises
        ------
        CountsError
            With ``rule="exact"``, when some count is known only as a range.

        Examples
        --------
        >>> table = pd.DataFrame({"sex": ["F", "M"], "n": [40, 60], "flagged": [12, 9]})
        >>> counts = read_counts(table, groups=["sex"])
        >>> counts.to_count_table().table[["group", "n", "flagged"]].to_string(index=False)
        'group   n  flagged\\n(all) 100       21\\n    F  40       12\\n    M  60        9'
        """
        if rule not in ("exact", "midpoint"):
            raise ValueError(f"rule must be 'exact' or 'midpoint'. Got {rule!r}.")
        part = self._part(dataset)
        if rule == "exact":
            open_ = part[part["implied_low"] != part["implied_high"]]
            if len(open_):
                first = open_.iloc[0]
                place = where(first["attribute"], first["group"], first["dataset"])
                raise CountsError(
                    [
                        Problem(
                            f"{len(open_):,} counts are known only as ranges, e.g. "
                            f"{cell_label(first['cell'])} of {place}: "
                            f"{span(first['implied_low'], first['implied_high'])}; use "
                            "rule='midpoint' (a point chosen by rule) or range_metrics",
                            column=first["cell"],
                            value=first["published"],
                            reason="not_exact",
                        )
                    ]
                )
            column = "implied_low"
        else:
            column = "midpoint"
        values = _grid(part, column)
        keys = _keys(part)
        table = pd.DataFrame(values.astype("int64"), columns=list(CELLS))
        table.insert(0, "group", [g for _, g in keys])
        table.insert(0, "attribute", [a for a, _ in keys])
        table["rows"] = table["n"]
        table["investigated"] = table[["tp", "fp", "fn", "tn"]].sum(axis=1)
        return CountTable(table[["attribute", "group", *COUNT_COLUMNS]])

    def dataset_cells(self, dataset: str | None = None) -> pd.DataFrame:
        """The rows of :attr:`cells` of one dataset (the only one by default)."""
        return self._part(dataset)

    def _part(self, dataset: str | None) -> pd.DataFrame:
        names = self.datasets
        if dataset is None and len(names) > 1:
            raise ValueError(
                "this table holds several datasets; choose one with dataset=. Got none; "
                "allowed: " + ", ".join(map(repr, names)) + "."
            )
        if dataset is None:
            dataset = names[0]
        if dataset not in names:
            raise ValueError(
                f"dataset {dataset!r} is not in the table; allowed: "
                + ", ".join(map(repr, names))
                + "."
            )
        if dataset is None:
            return self.cells
        return self.cells[self.cells["dataset"] == dataset]


def _keys(part: pd.DataFrame) -> list[tuple[str, str]]:
    rows = part[part["cell"] == CELLS[0]]
    return list(zip(rows["attribute"], rows["group"], strict=True))


def _grid(part: pd.DataFrame, column: str, dtype: Any = float) -> np.ndarray:
    """One column of ``cells`` as an array of rows x :data:`CELLS`."""
    return part[column].to_numpy(dtype=dtype).reshape(-1, len(CELLS))


# --------------------------------------------------------------------------------------
# Reading


def read_counts(
    source: str | Path | pd.DataFrame,
    *,
    groups: Sequence[str] | str,
    layout: Layout = "wide",
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
) -> IntervalCounts:
    """Read and check a table of counts per group, each count as an interval.

    Parameters
    ----------
    source : str, path or pandas.DataFrame
        A .csv / .tsv / .txt or .xlsx / .xlsm file (read as text, so markers such as
        ``"<10"`` survive), or a DataFrame.
    groups : str or sequence of str
        The protected-attribute columns, one attribute per column (see the module
        notes for tables with several); with ``attribute_column``, the attributes
        to read (values of that column).
    layout : {"wide", "long"}, default="wide"
        ``"wide"``: one row per group, one column per cell. ``"long"``: one row per
        group and cell, the cell named in ``cell_column`` and its count in
        ``count_column``.
    cells : mapping, optional
        Count cell (:data:`CELLS`) to its column (wide) or its label in the ``cell``
        column (long), e.g. ``{"tp": "hits", "flagged": "selected"}``. Cells not
        listed are matched by name, case-insensitively (``TP`` is ``tp``).
    dataset : str or sequence of str, optional
        Column telling datasets or model versions apart (e.g. ``"version"``), or
        several (e.g. ``["dataset", "model"]``): each combination is a dataset of its
        own, named by its values joined with ``" / "``.
    suppressed : sequence of str, default=SUPPRESSED
        Markers of a suppressed cell (``""`` is a blank), case-insensitive; ``"<k"``
        and ``"<=k"`` are always recognised.
    withheld : sequence of str, default=()
        Markers of a cell withheld whatever its size (complementary suppression):
        0 or more people, bounded only by the margins. Takes precedence over
        ``suppressed``.
    below : int, default=10
        A suppressed cell is 0 to ``below - 1`` people.
    zero_means_below : bool, default=False
        A published 0 is 0 to ``below - 1`` (a "cells below 10 were set to 0" rule).
    secondary_suppression : bool, default=False
        The source also hid the next-smallest cells, with the same mark, so that the
        small ones cannot be recomputed from the margins: every suppressed cell
        (a marker, ``"<k"``, or a 0 under ``zero_means_below``) may then be any
        number of people, bounded only by the margins.
    rounding : int, optional
        Every count was rounded to a multiple of this base: v is v - base/2 to
        v + base/2.
    total_is_sum : bool, default=False
        The total row adds up the groups' published (rounded) counts instead of
        rounding the true total: its error is then the groups' errors added up (k
        groups: up to k x base/2), so its cells are read as following from the
        groups, not as a rounded count.
    total_label : str or sequence of str, default=TOTAL_LABELS
        Group labels of the row for the whole population (case-insensitive).
    sheet : str or int, optional
        Excel sheet (default: the first).
    cell_column, count_column : str, default "cell", "count"
        The long layout's columns (names matched case-insensitively).
    attribute_column, group_column : str, optional
        A stacked table: one column names the attribute (``"gender"``), the other
        its group (``"F"``); a row whose attribute is a total label (or blank with
        a total label as its group) is the whole population. Rows of attributes not
        in ``groups`` are left out (noted).
    left_out : sequence of str, default=()
        Attributes whose groups do not cover everyone in the table (a group the
        source left out of this attribute only, say its "unknown"): the people
        missing from them form the group :data:`LEFT_OUT` (``"(not in table)"``), its
        counts derived from the margins, instead of the margins being an error.

    Returns
    -------
    IntervalCounts

    Raises
    ------
    ConfigError
        For invalid options.
    CountsError
        A :class:`RecordsError` listing every problem in the table: columns not
        found, values that are not counts, negative or fractional counts, rounded
        counts that are not multiples of the base, rows without a group, repeated
        groups, cells missing, and margins that do not add up even allowing for
        suppression and rounding.

    Examples
    --------
    >>> table = pd.DataFrame(
    ...     {"sex": ["F", "M", "Total"], "n": [400, 600, 1000], "flagged": ["<10", 30, 36]}
    ... )
    >>> counts = read_counts(table, groups="sex")
    >>> counts.cells.query("cell == 'flagged'")[["group", "low", "high", "implied_low"]]
        group   low  high  implied_low
    1   (all)  36.0  36.0         36.0
    9       F   0.0   9.0          6.0
    17      M  30.0  30.0         30.0
    """
    group_cols = [groups] if isinstance(groups, str) else list(groups)
    totals = [total_label] if isinstance(total_label, str) else list(total_label)
    markers = {"suppressed": suppressed, "withheld": withheld}
    datasets = [dataset] if isinstance(dataset, str) else list(dataset or [])
    names = {
        "cell_column": cell_column,
        "count_column": count_column,
        "attribute_column": attribute_column,
        "group_column": group_column,
    }
    _check_options(group_cols, layout, cells, markers, below, rounding, totals, datasets, names)
    partial = [left_out] if isinstance(left_out, str) else list(left_out)
    unknown = [a for a in partial if a not in group_cols]
    if unknown:
        raise ConfigError(
            [
                Problem(
                    f"left_out: {a!r} is not one of the groups ({', '.join(group_cols)})",
                    column="left_out",
                    value=a,
                )
                for a in unknown
            ]
        )
    frame, src = load_table(source, sheet)
    folded_totals = frozenset(t.strip().casefold() for t in totals)
    rows_read = len(frame)
    excluded: list[tuple[str, int]] = []
    if attribute_column is not None and group_column is not None:
        frame, excluded = unstack_groups(
            frame, group_cols, attribute_column, group_column, folded_totals
        )
    reader = _Reader(
        frame,
        src,
        group_cols,
        layout,
        {k.strip().lower(): v for k, v in (cells or {}).items()},
        datasets,
        frozenset(str(s).strip().casefold() for s in suppressed),
        frozenset(str(s).strip().casefold() for s in withheld),
        below,
        zero_means_below,
        rounding,
        folded_totals,
        (cell_column, count_column),
        secondary_suppression,
        frozenset(partial),
        total_is_sum,
    )
    reader.excluded = excluded
    return dataclasses.replace(reader.read(), rows_read=rows_read)


def unstack_groups(
    frame: pd.DataFrame,
    attributes: list[str],
    attribute_column: str,
    group_column: str,
    totals: frozenset[str],
) -> tuple[pd.DataFrame, list[tuple[str, int]]]:
    """A stacked table (attribute and group in two columns) as one group column per
    attribute, the rows kept in place (their numbers stay those of the file), and
    the rows of attributes not audited (reason, rows) for the row ledger.

    Raises
    ------
    CountsError
        When a column is missing or an attribute name is already a column.
    """
    problems = []
    for col in (attribute_column, group_column):
        if col not in frame.columns:
            problems.append(
                Problem(
                    f"stacked layout: column {col!r} not found; available: "
                    + ", ".join(map(repr, frame.columns[:12])),
                    column=col,
                    reason="column_not_found",
                )
            )
    clash = [a for a in attributes if a in frame.columns]
    for a in clash:
        problems.append(
            Problem(
                f"stacked layout: attribute {a!r} is also a column of the table; rename "
                "that column",
                column=a,
                reason="column_reused",
            )
        )
    if problems:
        raise CountsError(problems)

    def clean(column: str) -> pd.Series:
        keys = [value_key(v) for v in frame[column]]
        return pd.Series([None if k is None else k.strip() for k in keys], frame.index, object)

    names, labels = clean(attribute_column), clean(group_column)
    total = pd.Series(
        [
            (a if a is not None else (g or "")).casefold() in totals
            for a, g in zip(names, labels, strict=True)
        ],
        frame.index,
    )
    keep = total | names.isin(attributes)
    out = frame.drop(columns=[attribute_column, group_column])
    for a in attributes:
        out[a] = labels.where(names == a, None)
    out.loc[total, attributes] = sorted(totals)[0]  # read back as the total row
    other = names[~keep].fillna("(blank)").value_counts(sort=False)
    left_out = [(f"attribute {k!r} not audited", int(v)) for k, v in other.items()]
    return out[keep.to_numpy()], left_out


def _check_options(
    groups: list[Any],
    layout: Any,
    cells: Mapping[str, str] | None,
    markers: Mapping[str, Any],
    below: Any,
    rounding: Any,
    totals: list[Any],
    datasets: list[Any],
    names: Mapping[str, Any],
) -> None:
    problems = []

    def bad(key: str, message: str, value: Any) -> None:
        problems.append(Problem(f"{key}: {message}", column=key, value=value))

    if not groups or not all(isinstance(g, str) and g for g in groups):
        bad("groups", f"expected one or more column names; got {groups!r}", groups)
    elif len(set(groups)) != len(groups):
        bad("groups", f"a column is listed twice: {groups}", groups)
    if layout not in LAYOUTS:
        bad("layout", f"expected 'wide' or 'long'; got {layout!r}", layout)
    for key, value in (cells or {}).items():
        if not isinstance(key, str) or key.strip().lower() not in CELLS:
            bad("cells", f"unknown cell {key!r}; allowed: {', '.join(CELLS)}", key)
        if not isinstance(value, str) or not value:
            bad("cells", f"expected a column name or label for {key!r}; got {value!r}", value)
    for key, given in markers.items():
        if isinstance(given, str) or not all(isinstance(m, str) for m in given):
            bad(key, f"expected a list of markers, e.g. ['', 'x']; got {given!r}", given)
    if isinstance(below, bool) or not isinstance(below, int) or below < 1:
        bad("below", f"expected a whole number >= 1; got {below!r}", below)
    if rounding is not None and (
        isinstance(rounding, bool) or not isinstance(rounding, int) or rounding < 2
    ):
        bad(
            "rounding",
            f"expected a whole number >= 2 (the base), or None; got {rounding!r}",
            rounding,
        )
    if not all(isinstance(t, str) and t.strip() for t in totals):
        bad("total_label", f"expected group labels; got {totals!r}", totals)
    for d in datasets:
        if not isinstance(d, str) or not d or d in groups:
            bad("dataset", f"expected a column name other than the groups; got {d!r}", d)
    for key, value in names.items():
        if value is not None and (not isinstance(value, str) or not value.strip()):
            bad(key, f"expected a column name; got {value!r}", value)
    if (names["attribute_column"] is None) != (names["group_column"] is None):
        bad(
            "attribute_column",
            "a stacked table needs both attribute_column and group_column",
            names["attribute_column"] or names["group_column"],
        )
    if problems:
        raise ConfigError(problems)


def load_table(source: Any, sheet: str | int | None) -> tuple[pd.DataFrame, Source]:
    """The table with every value as read (text from files), and where it came from."""
    if isinstance(source, pd.DataFrame):
        if sheet is not None:
            raise ConfigError([Problem("sheet: only for Excel files", column="sheet")])
        frame = source.copy()
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame.reset_index(drop=True), Source(
            "in-memory pandas.DataFrame", "frame", "pandas"
        )
    if not isinstance(source, str | Path):
        raise TypeError(
            f"source must be a file path or a pandas DataFrame. Got {type(source).__name__}."
        )
    path = Path(source)

    def fail(message: str, reason: str) -> CountsError:
        return CountsError([Problem(message, value=str(path), reason=reason)])

    if not path.is_file():
        raise fail(f"file not found: {str(path)!r}", "file_not_found")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt not in ("csv", "excel"):
        raise fail(
            f"a counts table is read from .csv, .tsv, .txt, .xlsx or .xlsm; got {path.name!r}",
            "unknown_format",
        )
    if sheet is not None and fmt != "excel":
        raise fail(f"sheet={sheet!r} is only for Excel files; {path.name!r} is text", "config")
    options: dict[str, Any] = {"format": fmt}
    try:
        if fmt == "csv":
            delimiter, encoding = detect_csv(path, delimiter=None, encoding=None)
            options.update(delimiter=delimiter, encoding=encoding)
            shape = csv_problems(path, delimiter=delimiter, encoding=encoding)
            if shape:
                raise CountsError(shape, context=path.name)
            frame = pd.read_csv(
                path, sep=delimiter, encoding=encoding, dtype=str, keep_default_na=False
            )
        else:
            with pd.ExcelFile(path, engine="openpyxl") as book:
                names = book.sheet_names
                chosen = names[0] if sheet is None else sheet
                if chosen not in names and not (
                    isinstance(chosen, int) and 0 <= chosen < len(names)
                ):
                    raise fail(
                        f"sheet {sheet!r} not found in {path.name!r}; available: "
                        + ", ".join(map(repr, names)),
                        "sheet_not_found",
                    )
                frame = pd.read_excel(book, sheet_name=chosen, dtype=object)
                options["sheet"] = chosen
    except CountsError:
        raise
    except (OSError, ValueError, UnicodeDecodeError, LookupError, zipfile.BadZipFile) as exc:
        raise fail(f"could not read {path.name!r} as {fmt}: {exc}", "unreadable") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, Source(path.name, "counts", "pandas", file_sha256(path), options)


def read_cell(
    text: str,
    *,
    suppressed: frozenset[str],
    withheld: frozenset[str] = frozenset(),
    below: int = 10,
    zero_means_below: bool = False,
    rounding: int | None = None,
) -> tuple[float, float, str] | str:
    """One published count as an interval of people: ``(low, high, status)``.

    The one reading of a published cell, shared by tables of counts and funnels:
    ``"<k"`` is 0 to k - 1 and ``"<=k"`` 0 to k; a marker in ``withheld`` is 0 or
    more; a marker in ``suppressed`` (compared case-insensitively, spaces stripped)
    is 0 to ``below - 1``; with ``rounding`` a count v is v - base/2 to v + base/2,
    never below 0. Otherwise the reason the text is not a count: ``"blank"``,
    ``"not_a_count"``, ``"negative_count"``, ``"not_integer"`` or ``"not_rounded"``.

    Examples
    --------
    >>> read_cell("<10", suppressed=frozenset({""}))
    (0.0, 9.0, 'suppressed')
    >>> read_cell("20", suppressed=frozenset(), rounding=10)
    (15.0, 25.0, 'rounded')
    >>> read_cell("2.5", suppressed=frozenset())
    'not_integer'
    """
    text = text.strip()
    folded = text.casefold()
    less = _LESS.fullmatch(text)
    if less:  # "<k" and "<=k" say how small, whatever ``below`` is
        k = int(less.group(2))
        high = k if less.group(1) != "<" else k - 1
        if high < 0:
            return "not_a_count"
        return 0.0, float(high), "suppressed"
    if folded in withheld:
        return 0.0, math.inf, "withheld"
    if folded in suppressed:
        return 0.0, float(below - 1), "suppressed"
    if not text:
        return "blank"
    try:
        value = float(text)
    except ValueError:
        return "not_a_count"
    if not math.isfinite(value):
        return "not_a_count"
    if value < 0:
        return "negative_count"
    if not value.is_integer():
        return "not_integer"
    if value == 0 and zero_means_below:
        top = below - 1
        if rounding is not None:
            top = max(top, rounding // 2)
        return 0.0, float(top), "suppressed"
    if rounding is not None:
        if value % rounding:
            return "not_rounded"
        half = rounding / 2
        return float(max(0, math.ceil(value - half))), float(math.floor(value + half)), "rounded"
    return value, value, "exact"


@dataclass
class _Parsed:
    """One published cell: its interval, status and text."""

    low: float
    high: float
    status: str
    text: str | None


@dataclass
class _Row:
    """One group (or the whole population) of one dataset, as read."""

    row: int | None
    cells: dict[str, _Parsed]


class _Reader:
    """Reads one table; every problem is collected before anything is raised."""

    def __init__(
        self,
        frame: pd.DataFrame,
        source: Source,
        groups: list[str],
        layout: str,
        cells: dict[str, str],
        datasets: list[str],
        suppressed: frozenset[str],
        withheld: frozenset[str],
        below: int,
        zero_means_below: bool,
        rounding: int | None,
        totals: frozenset[str],
        long_columns: tuple[str, str] = ("cell", "count"),
        secondary: bool = False,
        left_out: frozenset[str] = frozenset(),
        total_is_sum: bool = False,
    ) -> None:
        self.left_out, self.total_is_sum = left_out, total_is_sum
        self.frame, self.source, self.groups, self.layout = frame, source, groups, layout
        self.user_cells, self.datasets = cells, datasets
        self.long_columns, self.secondary = long_columns, secondary
        self.suppressed, self.below, self.zero = suppressed, below, zero_means_below
        self.withheld = withheld
        self.rounding, self.totals = rounding, totals
        self.problems: list[Problem] = []
        self.excluded: list[tuple[str, int]] = []
        self.bad: dict[tuple[str, str], list[tuple[int, str]]] = {}
        self.notes: list[str] = []

    def fail(self) -> None:
        if self.problems:
            context = f"{self.source.name}, {len(self.frame):,} rows"
            raise CountsError(self.problems, context=context)

    def read(self) -> IntervalCounts:
        columns = self._columns()
        self.fail()
        if self.frame.empty:
            self.problems.append(Problem("the table has no rows", reason="empty"))
            self.fail()
        rows = self._rows(columns)
        self._report_bad_values()
        given = tuple(c for c in CELLS if c in columns["cells"]) if self.layout == "wide" else ()
        if self.layout == "long":
            seen = {c for ds in rows.values() for r in ds.values() for c in r.cells}
            given = tuple(c for c in CELLS if c in seen)
            self._complete_long(rows, given)
        absent = self._structure(given)
        self.fail()
        parts = [self._dataset(name, table, absent) for name, table in rows.items()]
        self.fail()
        cells = pd.concat([p for p in parts if p is not None], ignore_index=True)
        self._describe(given, absent, cells)
        return IntervalCounts(
            cells,
            given,
            tuple(self.notes),
            self.source,
            self.below,
            self.rounding,
            excluded=tuple(self.excluded),
        )

    # ---- columns

    def _find(self, name: str) -> str | None:
        available = list(self.frame.columns)
        if name in available:
            return name
        folded = [c for c in available if c.casefold() == name.strip().casefold()]
        return folded[0] if folded else None

    def _columns(self) -> dict[str, Any]:
        available = list(self.frame.columns)
        shown = ", ".join(map(repr, available[:12])) + (", ..." if len(available) > 12 else "")

        def missing(what: str, name: str) -> None:
            self.problems.append(
                Problem(
                    f"{what} {name!r}: column not found; available: {shown}",
                    column=name,
                    reason="column_not_found",
                )
            )

        used: dict[str, str] = {}
        for g in self.groups:
            if g in available:
                used[g] = "group"
            else:
                missing("group column", g)
        for d in self.datasets:
            if d in available:
                used[d] = "dataset"
            else:
                missing("dataset column", d)
        out: dict[str, Any] = {"cells": {}}
        if self.layout == "long":
            for role, wanted in zip(("cell", "count"), self.long_columns, strict=True):
                col = self._find(wanted)
                if col is None:
                    missing(f"long layout: the {role}", wanted)
                else:
                    out[role] = col
                    used[col] = role
            labels = {c: c for c in CELLS} | self.user_cells
            out["labels"] = {str(v).strip().casefold(): c for c, v in labels.items()}
            return out
        for cell in CELLS:
            name = self.user_cells.get(cell)
            col = self._find(name if name is not None else cell)
            if col is None:
                if name is not None:
                    missing(f"cell {cell_label(cell)}", name)
                continue
            if col in used:
                self.problems.append(
                    Problem(
                        f"column {col!r} is used both as {used[col]} and as cell "
                        f"{cell_label(cell)}; name each column once",
                        column=col,
                        reason="column_reused",
                    )
                )
                continue
            used[col] = cell
            out["cells"][cell] = col
        unused = [c for c in available if c not in used]
        for col in unused:  # a misspelled cell would silently count as absent
            near = difflib.get_close_matches(col.lower(), [*CELLS, "tp", "fp", "fn", "tn"], 1)
            if near and near[0] not in out["cells"]:
                self.problems.append(
                    Problem(
                        f"column {col!r} looks like cell {cell_label(near[0])!r} but is not "
                        f"one; rename it, or map it with cells = {{ {near[0]} = {col!r} }}",
                        column=col,
                        reason="unknown_cell_column",
                    )
                )
        if unused:
            self.notes.append("columns not used: " + ", ".join(map(repr, unused)))
        return out

    # ---- rows

    def _group_of(self, record: Mapping[str, Any], row: int) -> tuple[str, str] | None:
        labels = {g: value_key(record[g]) for g in self.groups}
        specific = [
            (g, v.strip())
            for g, v in labels.items()
            if v is not None and v.strip().casefold() not in self.totals
        ]
        if len(specific) == 1:
            return specific[0]
        if len(specific) > 1:
            shown = ", ".join(f"{g} = {v!r}" for g, v in specific)
            self.problems.append(
                Problem(
                    f"row {row}: a group in more than one column ({shown}); intersections "
                    "are not read: give each attribute its own rows, with the other group "
                    "columns blank or 'Total'",
                    row=row,
                    value=shown,
                    reason="intersection",
                )
            )
            return None
        if all(v is None for v in labels.values()):
            self.problems.append(
                Problem(
                    f"row {row}: no group: every group column ({', '.join(self.groups)}) is "
                    "blank; name the group, or mark the row for everyone 'Total'",
                    row=row,
                    reason="no_group",
                )
            )
            return None
        return OVERALL, ALL

    def _dataset_of(self, record: Mapping[str, Any], row: int) -> str | None | bool:
        if not self.datasets:
            return None
        parts = []
        for col in self.datasets:
            name = value_key(record[col])
            if name is None:
                self.problems.append(
                    Problem(
                        f"row {row}: column {col!r} (dataset) is blank; name the dataset",
                        column=col,
                        row=row,
                        reason="blank_dataset",
                    )
                )
                return False
            parts.append(name.strip())
        return " / ".join(parts)

    def _rows(self, columns: dict[str, Any]) -> dict[str | None, dict[tuple[str, str], _Row]]:
        out: dict[str | None, dict[tuple[str, str], _Row]] = {}
        ignored: dict[str, int] = {}
        records = self.frame.to_dict("records")
        for i, record in zip(self.frame.index, records, strict=True):
            row = int(i) + 1  # the file's data row, also when rows were left out
            name = self._dataset_of(record, row)
            key = self._group_of(record, row)
            if name is False or key is None:
                continue
            assert not isinstance(name, bool)
            table = out.setdefault(name, {})
            place = where(key[0], key[1], name)
            if self.layout == "wide":
                if key in table:
                    self._duplicate(
                        f"{place} appears twice (rows {table[key].row} and {row})", row
                    )
                    continue
                parsed = {
                    cell: self._parse(record[col], col, row, key == (OVERALL, ALL))
                    for cell, col in columns["cells"].items()
                }
                table[key] = _Row(row, {c: p for c, p in parsed.items() if p is not None})
                continue
            label = value_key(record[columns["cell"]])
            cell = columns["labels"].get((label or "").strip().casefold())
            if cell is None:
                ignored[str(label)] = ignored.get(str(label), 0) + 1
                continue
            entry = table.setdefault(key, _Row(row, {}))
            if cell in entry.cells:
                self._duplicate(f"cell {cell_label(cell)} of {place} appears twice", row)
                continue
            value = self._parse(
                record[columns["count"]], columns["count"], row, key == (OVERALL, ALL)
            )
            if value is not None:
                entry.cells[cell] = value
        if ignored:
            shown = ", ".join(f"{k!r} ({v:,} rows)" for k, v in ignored.items())
            self.notes.append(f"cell labels not used: {shown}")
            self.excluded += [(f"cell label {k!r} not used", v) for k, v in ignored.items()]
        return out

    def _duplicate(self, message: str, row: int) -> None:
        self.problems.append(
            Problem(
                f"{message}; keep one row per group (and per cell in the long layout)",
                row=row,
                reason="duplicate_group",
            )
        )

    def _complete_long(
        self, rows: dict[str | None, dict[tuple[str, str], _Row]], given: tuple[str, ...]
    ) -> None:
        for name, table in rows.items():
            for key, entry in table.items():
                lost = [c for c in given if c not in entry.cells]
                if key == (OVERALL, ALL):
                    for c in lost:  # a total not published follows from the groups
                        entry.cells[c] = _Parsed(0.0, math.inf, "derived", None)
                    continue
                if lost:
                    self.problems.append(
                        Problem(
                            f"{where(key[0], key[1], name)}: no row for cell(s) "
                            + ", ".join(map(cell_label, lost))
                            + " (other groups have them); add the rows, with a blank or "
                            "'x' count if suppressed",
                            row=entry.row,
                            value=", ".join(lost),
                            reason="missing_cell",
                        )
                    )

    # ---- values

    def _parse(self, raw: Any, column: str, row: int, total: bool) -> _Parsed | None:
        parsed = self._parse_one(raw, column, row, total)
        if total and self.total_is_sum and parsed is not None and parsed.status != "derived":
            # a sum of rounded group counts: the groups' cells say all it can
            return _Parsed(0.0, math.inf, "derived", parsed.text)
        if self.secondary and parsed is not None and parsed.status == "suppressed":
            # hidden to protect a smaller cell: any size the margins allow
            return _Parsed(0.0, math.inf, "withheld", parsed.text)
        return parsed

    def _parse_one(self, raw: Any, column: str, row: int, total: bool) -> _Parsed | None:
        key = value_key(raw)
        text = "" if key is None else key.strip()
        if total and not text:
            return _Parsed(0.0, math.inf, "derived", None)
        read = read_cell(
            text,
            suppressed=self.suppressed,
            withheld=self.withheld,
            below=self.below,
            zero_means_below=self.zero,
            rounding=self.rounding,
        )
        if isinstance(read, str):
            return self._bad(column, read, row, text)
        return _Parsed(*read, text)

    def _bad(self, column: str, reason: str, row: int, text: str) -> _Parsed | None:
        """Note a value that is not a count (reported with the others of its kind)."""
        self.bad.setdefault((column, reason), []).append((row, text))
        return None

    def _report_bad_values(self) -> None:
        markers = ", ".join(repr(s) for s in sorted(self.suppressed))
        for (column, reason), hits in self.bad.items():
            row, text = hits[0]
            k = len(hits)
            several = k > 1
            what = {
                "not_a_count": (
                    f"{k:,} values are not counts" if several else "1 value is not a count",
                    f"counts are whole numbers; if {text!r} marks a suppressed cell, add it "
                    f"to suppressed (now {markers}), or '<k' for 'fewer than k'",
                ),
                "blank": (
                    f"{k:,} blank cells" if several else "1 blank cell",
                    "a blank is not a suppression marker here: add '' to suppressed, or fill "
                    "the cells in",
                ),
                "negative_count": (
                    f"{k:,} negative counts" if several else "1 negative count",
                    "counts of people cannot be negative: correct the table",
                ),
                "not_integer": (
                    f"{k:,} values are not whole numbers"
                    if several
                    else "1 value is not a whole number",
                    "counts of people are whole numbers (rates and percentages are not read)",
                ),
                "not_rounded": (
                    f"{k:,} values are not multiples of {self.rounding}"
                    if several
                    else f"1 value is not a multiple of {self.rounding}",
                    f"with rounding={self.rounding} every count is a multiple of it; check "
                    "the rounding base, or leave rounding unset if the counts are exact",
                ),
            }[reason]
            example = f"e.g. {text!r} " if text else ""
            self.problems.append(
                Problem(
                    f"column {column!r}: {what[0]}, {example}(row {row}); {what[1]}",
                    column=column,
                    row=row,
                    value=text,
                    reason=reason,
                )
            )

    # ---- which cells

    def _structure(self, given: tuple[str, ...]) -> frozenset[str]:
        has = set(given)
        problems = []
        if not has:
            problems.append(
                "no count cells found; name them with cells=, e.g. {'n': 'people', "
                "'flagged': 'selected'}; cells: " + ", ".join(CELLS)
            )
        else:
            for a, b in (("tp", "fp"), ("fn", "tn")):
                if (a in has) != (b in has):
                    one, other = (a, b) if a in has else (b, a)
                    problems.append(
                        f"{cell_label(one)} is given without {cell_label(other)}; give both "
                        "(or map the column with cells=)"
                    )
            if {"fn", "tn"} <= has and not {"tp", "fp"} <= has:
                problems.append("FN and TN are given without TP and FP; give all four")
            if "n" not in has and not {"tp", "fp", "fn", "tn"} <= has:
                problems.append(
                    "no group size: give n (everyone in the group) or all of TP, FP, FN, TN"
                )
            if "flagged" not in has and not {"tp", "fp"} <= has:
                problems.append("no decision: give flagged (or TP and FP)")
        for message in problems:
            self.problems.append(
                Problem(
                    f"cells missing: {message}", value=", ".join(given), reason="cells_missing"
                )
            )
        absent = {c for c in ("tp", "fp", "fn", "tn") if c not in has}
        if "flagged_unlabelled" not in has and "flagged" not in has:
            absent.add("flagged_unlabelled")
        if "unflagged_unlabelled" not in has and "n" not in has:
            absent.add("unflagged_unlabelled")
        return frozenset(absent)

    # ---- one dataset

    def _dataset(
        self,
        name: str | None,
        table: dict[tuple[str, str], _Row],
        absent: frozenset[str],
    ) -> pd.DataFrame | None:
        lost = [a for a in self.groups if not any(k[0] == a for k in table)]
        for attr in lost:
            self.problems.append(
                Problem(
                    f"{where(attr, None, name)}: no rows; give the groups of {attr!r}",
                    column=attr,
                    reason="missing_attribute",
                )
            )
        if lost:
            return None
        keys = [(OVERALL, ALL)]
        for a in self.groups:
            keys += [k for k in table if k[0] == a]
            if a in self.left_out:  # the people the source left out of this attribute
                keys.append((a, LEFT_OUT))
        if self.left_out and (OVERALL, ALL) not in table:
            complete = [a for a in self.groups if a not in self.left_out]
            if not complete:
                self.problems.append(
                    Problem(
                        f"{where(OVERALL, None, name)}: no total row, and every attribute "
                        "is left_out: who is left out cannot be told; add the total row",
                        reason="margins",
                    )
                )
                return None
        shape = (len(keys), len(CELLS))
        low, high = np.zeros(shape), np.zeros(shape)
        status = np.full(shape, "absent", dtype=object)
        text = np.full(shape, None, dtype=object)
        for r, key in enumerate(keys):
            for c, cell in enumerate(CELLS):
                parsed = table[key].cells.get(cell) if key in table else None
                if parsed is not None:
                    low[r, c], high[r, c] = parsed.low, parsed.high
                    status[r, c], text[r, c] = parsed.status, parsed.text
                elif cell not in absent:  # not published: follows from the margins
                    low[r, c], high[r, c], status[r, c] = 0.0, math.inf, "derived"
        rows = [table[k].row if k in table else None for k in keys]
        frame, problems = settle(name, keys, low, high, status, text, rows)
        self.problems += problems
        return frame

    def _describe(
        self, given: tuple[str, ...], absent: frozenset[str], cells: pd.DataFrame
    ) -> None:
        published = cells[cells["published"].notna()]
        k = len(published)
        suppressed = int((published["status"] == "suppressed").sum())
        withheld = int((published["status"] == "withheld").sum())
        rounded = int((published["status"] == "rounded").sum())
        if suppressed:
            rule = f"0 to {self.below - 1} people each ('<k': 0 to k - 1)"
            if self.zero:
                rule += "; a published 0 is read as suppressed"
            self.notes.insert(0, f"{suppressed:,} of {k:,} published cells suppressed: {rule}")
        if self.rounding is not None:
            self.notes.insert(
                0,
                f"{rounded:,} counts rounded to a multiple of {self.rounding}: each is within "
                f"± {self.rounding / 2:g} of the published value",
            )
        if withheld:
            why = (
                " (secondary suppression: every suppressed cell may hide any number)"
                if self.secondary
                else ""
            )
            self.notes.insert(0, f"{withheld:,} cells withheld: any number of people{why}")
        if not suppressed and not withheld and self.rounding is None:
            self.notes.insert(0, f"all {k:,} published cells exact")
        if self.total_is_sum:
            self.notes.append(
                "the total row adds up the groups' published counts (total_is_sum): "
                "its cells follow from the groups' ranges"
            )
        for attr in self.groups:
            if attr in self.left_out:
                self.notes.append(
                    f"{attr!r}: the people its rows leave out are the group {LEFT_OUT!r}, "
                    "their counts derived from the margins (left_out)"
                )
        derived = [c for c in CELLS if c not in given and c not in absent]
        if derived:
            self.notes.append("derived from the margins: " + ", ".join(derived))
        if absent:
            self.notes.append(
                "not in the table, counted as 0: "
                + ", ".join(cell_label(c) for c in CELLS if c in absent)
            )
        totals = cells[cells["attribute"] == OVERALL]
        for name, total in totals.groupby("dataset", sort=False, dropna=False):
            if total["row"].isna().all():
                which = "" if pd.isna(name) else f" for dataset {name!r}"
                self.notes.append(
                    f"no total row{which}: the whole population is the sum of the groups "
                    f"of {self.groups[0]!r}"
                )
