"""Reading decision records from files and in-memory tables.

Everything ends up as a narwhals frame, so one aggregation serves every engine:
pandas (default), Polars, PyArrow and DuckDB (files larger than memory). Only the
columns an audit needs are read. Columns holding codes or group labels are read as
text, so ``"01"`` stays ``"01"``.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import narwhals as nw
import numpy as np
import pyarrow.parquet as pq

from .._exceptions import Problem, RecordsError

Engine = Literal["pandas", "polars", "pyarrow", "duckdb"]
ENGINES = ("pandas", "polars", "pyarrow", "duckdb")
FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_NUMERIC_NA = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"]
_SNIFF_BYTES = 1 << 20
#: reading libraries whose own exception types are turned into a named problem
_READERS = ("duckdb", "polars", "pyarrow", "openpyxl", "zipfile")


@dataclass(frozen=True)
class Source:
    """Where the records came from, for the manifest and the report."""

    name: str
    kind: str
    engine: str
    sha256: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for JSON."""
        return {
            "name": self.name,
            "kind": self.kind,
            "engine": self.engine,
            "sha256": self.sha256,
            **self.options,
        }


@dataclass(frozen=True)
class LinkInfo:
    """What joining an attribute table did, for the row ledger and the manifest:
    its name and row count, the id columns (decisions, attributes), its rows that
    match no decision, its rows without an id, and the columns taken from it."""

    name: str
    on: tuple[str, str]
    rows: int
    unmatched: int
    blank: int
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Records:
    """Decision records opened for one audit: a narwhals frame and its source.

    ``available`` lists every column of the input; ``frame`` holds only the
    requested ones that exist. ``link`` says what a join with an attribute table did
    (see :func:`link_records`).
    """

    frame: Any
    source: Source
    available: tuple[str, ...]
    _keepalive: Any = None
    link: LinkInfo | None = None

    @property
    def lazy(self) -> bool:
        """Whether the frame is lazy (DuckDB): no row numbers in messages."""
        return isinstance(self.frame, nw.LazyFrame)


def file_sha256(path: Path) -> str:
    """Return the sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _raw_bytes(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a file, decompressed for ``.gz``."""
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        return bytes(fh.read(size))


def _utf16(raw: bytes) -> str | None:
    """``utf-16`` (with a byte order mark), ``utf-16-le`` / ``-be`` (without one) or None.

    Text saved as UTF-16 without a mark shows as a NUL byte in every other place:
    read as UTF-8 it would give column names full of ``\x00``.
    """
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = raw[:4096]
    if len(head) >= 4:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    return None


def detect_csv(path: Path, *, delimiter: str | None, encoding: str | None) -> tuple[str, str]:
    """Detect the encoding (UTF-16 by its byte order mark or NUL pattern, UTF-8, else
    Windows-1252) and delimiter of a text file."""
    raw = _raw_bytes(path, _SNIFF_BYTES)
    if encoding is None:
        encoding = _utf16(raw)
    if encoding is None:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
            encoding = "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    if delimiter is None:
        if path.suffix.lower() == ".tsv":
            delimiter = "\t"
        else:
            text = raw.decode(encoding, errors="replace")
            head = "\n".join(text.splitlines()[:50])
            try:
                delimiter = csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
            except csv.Error:
                delimiter = ","
    return delimiter, encoding


def reading_problems(path: Path, *, delimiter: str | None, encoding: str | None) -> list[Problem]:
    """Problems with the CSV reading options themselves: every one, not the first."""
    problems = []
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        problems.append(
            Problem(
                f"delimiter must be one character; got {delimiter!r}",
                column="delimiter",
                value=delimiter,
                reason="config",
            )
        )
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError):
            problems.append(
                Problem(
                    f"could not read {path.name!r} as csv: unknown encoding {encoding!r}; "
                    "use a Python codec name such as 'utf-8', 'cp1252' or 'utf-16'",
                    column="encoding",
                    value=encoding,
                    reason="encoding",
                )
            )
    return problems


#: ragged rows listed one by one before the rest are counted
_SHOWN_ROWS = 3


def _odd_rows(reader: Any, width: int, line: list[int]) -> Any:
    """``(row, fields, trailing)`` of each data row without ``width`` fields; ``trailing``:
    one more field, and it is empty (a stray delimiter at the end of the line).
    ``line[0]`` follows the file line read, for a message if the text breaks off."""
    row = 0
    for fields in reader:
        line[0] = reader.line_num
        if not fields:
            continue
        row += 1
        if len(fields) != width:
            yield row, len(fields), len(fields) == width + 1 and fields[-1] == ""


_BLOCK = 1 << 24
#: encodings in which the delimiter, quote and line ends are the ASCII bytes
_ASCII_SAFE = ("utf-8", "utf-8-sig", "cp1252", "latin-1", "iso-8859-1", "ascii")


def _quick_counts(
    path: Path, opener: Any, encoding: str, delimiter: str, width: int
) -> list[tuple[int, int, bool]] | None:
    """:func:`_odd_rows` by counting delimiter bytes per line (numpy), many times faster
    than the csv module; None when the text has a quote or a lone carriage return
    (then a line is not a row, and the csv module must read it) or is not in an
    ASCII-compatible encoding (bytes not in it are then found by the reader)."""
    if codecs.lookup(encoding).name not in _ASCII_SAFE or not delimiter.isascii():
        return None
    delim, quote, lf, cr = ord(delimiter), ord('"'), 10, 13
    odd: list[tuple[int, int, bool]] = []
    rows = -1  # the header is the first non-blank line
    tail = b""
    with opener(path, "rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            data = tail + block if block else tail + b"\n"
            arr = np.frombuffer(data, dtype=np.uint8)
            if (arr == quote).any():
                return None
            ends = np.flatnonzero(arr == lf)
            last = int(ends[-1]) + 1 if len(ends) else 0
            tail = data[last:]
            arr = arr[:last]
            is_cr = arr == cr
            if int(is_cr.sum()) != int(is_cr[ends - 1].sum() if len(ends) else 0):
                return None
            starts = np.concatenate(([0], ends[:-1] + 1))
            length = ends - starts - is_cr[ends - 1]
            at = np.flatnonzero(arr == delim)
            count = np.searchsorted(at, ends) - np.searchsorted(at, starts)
            full = length > 0
            row_of = rows + np.cumsum(full)
            bad = np.flatnonzero(full & (count != width - 1) & (row_of > 0))
            for b in bad:
                k = int(count[b]) + 1
                end = int(ends[b] - is_cr[ends[b] - 1])
                trailing = k == width + 1 and int(arr[end - 1]) == delim
                odd.append((int(row_of[b]), k, trailing))
            rows = int(row_of[-1]) if len(row_of) else rows
            if not block:
                return odd


def csv_problems(
    path: Path, *, delimiter: str, encoding: str, used: Collection[str] | None = None
) -> list[Problem]:
    """Every structural problem of a delimited text file, read once as CSV.

    An empty file, blank column names, a column name given to several columns that
    hold different values (and that the audit reads: ``used``, default every
    column; identical copies, as in ProPublica's COMPAS file, are read once), rows
    with more or fewer fields
    than the header (a stray trailing delimiter named as such), an unclosed quote and
    bytes that are not in ``encoding``. Readers would otherwise shift, pad or drop
    such rows silently (pandas reads a short row with blanks; DuckDB stops with its
    own error). Rows are 1-based data rows, the header not counted, blank lines skipped.
    """
    problems: list[Problem] = []
    name = path.name
    opener: Any = gzip.open if name.lower().endswith(".gz") else open
    ragged: dict[str, list[tuple[int, int]]] = {"long": [], "short": [], "trailing": []}
    width = 0
    line = [1]
    try:
        with opener(path, "rt", encoding=encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter, strict=True)
            header = next((r for r in reader if r), None)
            if header is None:
                return [Problem(f"{name!r} is empty: no header and no rows", reason="empty")]
            width = len(header)
            problems += _duplicate_columns(
                name,
                header,
                used,
                lambda at: _csv_columns(path, at, delimiter, encoding),
            )
            quick = _quick_counts(path, opener, encoding, delimiter, width)
            odd = quick if quick is not None else _odd_rows(reader, width, line)
            for row, k, trailing in odd:
                if trailing:
                    ragged["trailing"].append((row, k))
                else:
                    ragged["long" if k > width else "short"].append((row, k))
    except csv.Error as exc:
        problems.append(
            Problem(
                f"{name!r}: the text cannot be read as CSV near line {line[0]:,} of the file "
                f"({exc}); an unclosed quote is the usual cause: close it or remove it",
                reason="unreadable",
            )
        )
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(
                f"{name!r} is not valid {encoding} text (byte {exc.object[exc.start]:#04x} at "
                f"byte {exc.start:,} of a block): set [data] encoding, e.g. 'cp1252' or "
                "'utf-16', or re-save the file as UTF-8",
                value=encoding,
                reason="encoding",
            )
        )
    for kind, hits in ragged.items():
        if not hits:
            continue
        rows_text = ", ".join(f"row {r} ({k} fields)" for r, k in hits[:_SHOWN_ROWS])
        more = f" and {len(hits) - _SHOWN_ROWS:,} more" if len(hits) > _SHOWN_ROWS else ""
        what = {
            "trailing": f"a stray trailing delimiter {delimiter!r} (one empty field more "
            "than the header): remove it, or end the header with the delimiter too",
            "long": "more fields than the header: a delimiter inside an unquoted value? "
            "quote the value",
            "short": "fewer fields than the header: a value is missing; fill it in or add "
            "the delimiters",
        }[kind]
        problems.append(
            Problem(
                f"{name!r}: {len(hits):,} rows with {what}; the header has {width} fields: "
                f"{rows_text}{more}",
                row=hits[0][0],
                value=hits[0][1],
                reason="ragged_rows",
            )
        )
    return problems


def open_records(
    data: Any,
    *,
    columns: Sequence[str],
    text_columns: Sequence[str] = (),
    engine: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> Records:
    """Open decision records from a path or an in-memory table.

    Parameters
    ----------
    data : str, path or dataframe
        A file (.csv .tsv .parquet .xlsx .jsonl) or a pandas / Polars / PyArrow /
        DuckDB table.
    columns : sequence of str
        Columns the audit needs; others are not read.
    text_columns : sequence of str
        Columns to read as text (codes and group labels).
    engine : {"pandas", "polars", "pyarrow", "duckdb"}, optional
        How to read a file; default pandas.
    sheet : str or int, optional
        Excel sheet (default: the first).
    delimiter, encoding : str, optional
        CSV options; detected when not given.

    Raises
    ------
    RecordsError
        When the file does not exist or cannot be read.
    """
    if isinstance(data, str | Path):
        return _open_file(
            Path(data),
            columns=columns,
            text_columns=text_columns,
            engine=engine or "pandas",
            sheet=sheet,
            delimiter=delimiter,
            encoding=encoding,
        )
    try:
        frame = nw.from_native(data)
    except TypeError as exc:
        raise TypeError(
            "records must be a file path or a dataframe (pandas, Polars, PyArrow, DuckDB). "
            f"Got {type(data).__name__}."
        ) from exc
    available = tuple(frame.collect_schema().names())
    keep = [c for c in dict.fromkeys(columns) if c in available]
    native = type(data)
    name = f"in-memory {native.__module__.split('.')[0]}.{native.__name__}"
    kind = "lazy" if isinstance(frame, nw.LazyFrame) else "frame"
    return Records(frame.select(keep), Source(name, kind, engine=kind), available)


def _open_file(
    path: Path,
    *,
    columns: Sequence[str],
    text_columns: Sequence[str],
    engine: str,
    sheet: str | int | None,
    delimiter: str | None,
    encoding: str | None,
) -> Records:
    def fail(message: str, reason: str = "unreadable") -> RecordsError:
        return RecordsError([Problem(message, column=None, value=str(path), reason=reason)])

    if engine not in ENGINES:
        raise fail(f"engine {engine!r} is not supported; allowed: {', '.join(ENGINES)}")
    if not path.is_file():
        raise fail(f"file not found: {str(path)!r}; check [data] path", "file_not_found")
    fmt = FORMATS.get(Path(path.name.lower().removesuffix(".gz")).suffix)
    if fmt is None:
        raise fail(
            f"unknown file type {path.suffix!r} for {path.name!r}; allowed: "
            + ", ".join(sorted(FORMATS)),
            "unknown_format",
        )
    if fmt == "csv":
        options_wrong = reading_problems(path, delimiter=delimiter, encoding=encoding)
        if options_wrong:
            raise RecordsError(options_wrong)
    if sheet is not None and fmt != "excel":
        raise fail(f"sheet={sheet!r} is only for Excel files; {path.name!r} is {fmt}", "config")
    options: dict[str, Any] = {"format": fmt}
    want = list(dict.fromkeys(columns))
    text = list(dict.fromkeys(text_columns))
    try:
        if fmt == "csv":
            delimiter, encoding = detect_csv(path, delimiter=delimiter, encoding=encoding)
            options.update(delimiter=delimiter, encoding=encoding)
            shape = csv_problems(path, delimiter=delimiter, encoding=encoding, used=want)
            if shape:
                raise RecordsError(shape, context=path.name)
            native, available, keep = _read_csv(path, engine, want, text, delimiter, encoding)
        elif fmt == "parquet":
            native, available, keep = _read_parquet(path, engine, want, text)
        elif fmt == "excel":
            if engine != "pandas":
                raise fail(f"Excel files are read with engine='pandas'; got {engine!r}", "config")
            native, available, keep, used = _read_excel(path, want, text, sheet)
            options["sheet"] = used
        else:
            native, available, keep = _read_jsonl(path, engine, want)
    except RecordsError:
        raise
    except (OSError, ValueError, UnicodeDecodeError, LookupError) as exc:
        raise fail(f"could not read {path.name!r} as {fmt}: {exc}") from exc
    except Exception as exc:  # a reading library's own error type: named, never a traceback
        if type(exc).__module__.split(".")[0].lstrip("_") not in _READERS:
            raise
        raise fail(f"could not read {path.name!r} as {fmt} ({engine}): {exc}") from exc
    if not available:
        raise fail(f"{path.name!r} is empty: it has no columns", "empty")
    if fmt == "jsonl":
        nested = _nested(native, keep)
        if nested:
            raise RecordsError(nested, context=path.name)
    if engine == "duckdb":
        con, rel = native
        frame = nw.from_native(rel)
        return Records(
            frame, Source(path.name, fmt, engine, file_sha256(path), options), available, con
        )
    frame = nw.from_native(native).select(keep)
    return Records(frame, Source(path.name, fmt, engine, file_sha256(path), options), available)


def _nested(native: Any, columns: list[str]) -> list[Problem]:
    """Columns of a JSON file holding objects or lists where an audit needs one value."""
    import pandas as pd

    if isinstance(native, tuple):  # DuckDB: (connection, relation)
        types = dict(zip(native[1].columns, map(str, native[1].types), strict=True))
        return [
            Problem(
                f"column {c!r} holds nested values ({types[c]}); an audit needs one value "
                "per cell: flatten it",
                column=c,
                reason="nested",
            )
            for c in columns
            if types[c].startswith(("STRUCT", "MAP")) or types[c].endswith("[]")
        ]
    frame = nw.from_native(native)
    schema = frame.collect_schema()
    problems = []
    for c in columns:
        dtype = schema[c]
        if isinstance(dtype, nw.Struct | nw.List | nw.Array):
            problems.append(
                Problem(
                    f"column {c!r} holds nested values ({dtype}); an audit needs one value "
                    "per cell: flatten it",
                    column=c,
                    reason="nested",
                )
            )
        elif isinstance(native, pd.DataFrame) and native[c].dtype == object:
            values = native[c]
            hits = values.map(lambda v: isinstance(v, dict | list)).to_numpy().nonzero()[0]
            if len(hits):
                first = values.iloc[hits[0]]
                problems.append(
                    Problem(
                        f"column {c!r}: {len(hits):,} nested values (objects or lists), e.g. "
                        f"{first!r} (row {hits[0] + 1}); an audit needs one value per cell: "
                        "flatten them",
                        column=c,
                        row=int(hits[0]) + 1,
                        value=first,
                        reason="nested",
                    )
                )
    return problems


def _duckdb_connection() -> Any:
    """DuckDB's default connection: narwhals runs some queries (top_k) on it, and a
    relation can only be read on the connection that made it."""
    import duckdb

    return duckdb.default_connection()


def _pick(available: Sequence[str], want: Sequence[str]) -> list[str]:
    return [c for c in want if c in available]


def _read_csv(
    path: Path, engine: str, want: list[str], text: list[str], delimiter: str, encoding: str
) -> tuple[Any, tuple[str, ...], list[str]]:
    import pandas as pd

    header = pd.read_csv(path, sep=delimiter, encoding=encoding, nrows=0)
    available = tuple(str(c) for c in header.columns)
    keep = _pick(available, want)
    text_keep = [c for c in text if c in keep]
    if engine == "pandas":
        na = {c: ([""] if c in text_keep else _NUMERIC_NA) for c in keep}
        df = pd.read_csv(
            path,
            sep=delimiter,
            encoding=encoding,
            usecols=keep,
            dtype=dict.fromkeys(text_keep, "string"),
            keep_default_na=False,
            na_values=na,
        )
        return df, available, keep
    if engine == "polars":
        import polars as pl

        source: Any = path
        if encoding not in ("utf-8", "utf-8-sig"):
            source = io.BytesIO(path.read_bytes().decode(encoding).encode("utf-8"))
        df = pl.read_csv(
            source,
            separator=delimiter,
            columns=keep,
            schema_overrides=dict.fromkeys(text_keep, pl.String),
        )
        return df, available, keep
    if engine == "pyarrow":
        import pyarrow as pa
        import pyarrow.csv as pacsv

        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                include_columns=keep,
                column_types={c: pa.string() for c in text_keep},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
        return table, available, keep
    import duckdb

    if encoding not in ("utf-8", "utf-8-sig"):
        raise RecordsError(
            [
                Problem(
                    f"engine 'duckdb' reads UTF-8 text only; {path.name!r} looks like {encoding}."
                    " Re-save it as UTF-8 or use engine = 'pandas'",
                    value=encoding,
                    reason="encoding",
                )
            ]
        )
    con = _duckdb_connection()
    rel = con.read_csv(
        str(path), sep=delimiter, header=True, dtype=dict.fromkeys(text_keep, "VARCHAR")
    )
    return (con, rel.select(*[duckdb.ColumnExpression(c) for c in keep])), available, keep


def _read_parquet(
    path: Path, engine: str, want: list[str], text: list[str]
) -> tuple[Any, tuple[str, ...], list[str]]:
    available = tuple(pq.read_schema(path).names)
    keep = _pick(available, want)
    if engine == "pandas":
        # group labels and codes as categoricals: grouping then works on small integer codes
        table = pq.read_table(path, columns=keep, read_dictionary=[c for c in text if c in keep])
        return table.to_pandas(), available, keep
    if engine == "polars":
        import polars as pl

        # lazy: Polars plans the read and the grouping together (much less memory)
        return pl.scan_parquet(path).select(keep), available, keep
    if engine == "pyarrow":
        return pq.read_table(path, columns=keep), available, keep
    import duckdb

    con = _duckdb_connection()
    rel = con.read_parquet(str(path))
    return (con, rel.select(*[duckdb.ColumnExpression(c) for c in keep])), available, keep


def _csv_columns(path: Path, at: list[int], delimiter: str, encoding: str) -> Any:
    """The columns at positions ``at`` of a CSV file, as text (for comparing copies)."""
    import pandas as pd

    return pd.read_csv(
        path,
        sep=delimiter,
        encoding=encoding,
        header=None,
        skiprows=1,
        usecols=at,
        dtype=str,
        keep_default_na=False,
    )


def _duplicate_columns(
    name: str,
    header: list[str],
    used: Collection[str] | None,
    read: Callable[[list[int]], Any],
) -> list[Problem]:
    """A column name given to several columns is a problem when the audit reads it and
    the columns differ (which one would it mean?); identical copies are read once."""
    problems = []
    for col in dict.fromkeys(header):
        at = [i for i, c in enumerate(header) if c == col]
        if len(at) < 2 or (used is not None and col not in used):
            continue
        values = read(at)
        same = values.eq(values.iloc[:, [0]].to_numpy()).all(axis=1).to_numpy()
        if same.all():
            continue
        row = int(same.argmin()) + 1
        problems.append(
            Problem(
                f"{name!r}: duplicate column name {col!r} ({len(at)} columns with different "
                f"values, first at row {row}); rename them so each column has one name",
                column=col,
                row=row,
                value=col,
                reason="duplicate_column",
            )
        )
    return problems


def _read_excel(
    path: Path, want: list[str], text: list[str], sheet: str | int | None
) -> tuple[Any, tuple[str, ...], list[str], str | int]:
    import pandas as pd

    with pd.ExcelFile(path, engine="openpyxl") as book:
        names = book.sheet_names
    if sheet is None:
        sheet = names[0]
    elif sheet not in names and not (isinstance(sheet, int) and 0 <= sheet < len(names)):
        raise RecordsError(
            [
                Problem(
                    f"sheet {sheet!r} not found in {path.name!r}; available: "
                    + ", ".join(map(repr, names)),
                    column="sheet",
                    value=sheet,
                    reason="sheet_not_found",
                )
            ]
        )
    first = pd.read_excel(path, sheet_name=sheet, header=None, nrows=1, engine="openpyxl")
    names = [str(v) for v in first.iloc[0].tolist()] if len(first) else []

    def columns(at: list[int]) -> Any:
        return pd.read_excel(
            path,
            sheet_name=sheet,
            header=None,
            skiprows=1,
            usecols=at,
            dtype=str,
            engine="openpyxl",
        ).fillna("")

    twice = _duplicate_columns(path.name, names, want, columns)
    if twice:  # pandas would rename the second one silently ("gender.1")
        raise RecordsError(twice)
    header = pd.read_excel(path, sheet_name=sheet, nrows=0, engine="openpyxl")
    available = tuple(str(c) for c in header.columns)
    keep = _pick(available, want)
    df = pd.read_excel(
        path,
        sheet_name=sheet,
        usecols=keep,
        dtype={c: "string" for c in text if c in keep},
        engine="openpyxl",
    )
    return df, available, keep, sheet


def _read_jsonl(
    path: Path, engine: str, want: list[str]
) -> tuple[Any, tuple[str, ...], list[str]]:
    if engine == "polars":
        import polars as pl

        df = pl.read_ndjson(path)
        available = tuple(df.columns)
        return df, available, _pick(available, want)
    if engine == "duckdb":
        import duckdb

        con = _duckdb_connection()
        rel = con.read_json(str(path), format="newline_delimited")
        available = tuple(rel.columns)
        keep = _pick(available, want)
        return (con, rel.select(*[duckdb.ColumnExpression(c) for c in keep])), available, keep
    if engine == "pyarrow":
        import pyarrow.json as pajson

        table = pajson.read_json(path)
        available = tuple(table.column_names)
        return table, available, _pick(available, want)
    import pandas as pd

    df = pd.read_json(path, lines=True, dtype=False)
    available = tuple(str(c) for c in df.columns)
    return df, available, _pick(available, want)
