"""Writing results safely: JSON files, and tables whose text a spreadsheet cannot run."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: What makes a spreadsheet read a cell as a formula: a leading = + - @, or a tab, carriage
#: return or newline before one (spreadsheets strip leading whitespace on import).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def write_json(data: Mapping[str, Any], path: str | Path | None) -> str | None:
    """Write ``data`` as UTF-8 JSON, one table row per line; return the text when
    ``path`` is None.

    Objects are indented by key and the items of a list of objects or lists (a
    table's rows) each take one line: as easy to read and diff as fully indented
    JSON, a third smaller, and written by the json module's C encoder (which
    ``indent`` turns off: 1.3 s for a 15 MB results.json).

    Examples
    --------
    >>> print(write_json({"n": 2, "rows": [{"g": "F", "v": 0.5}, {"g": "M", "v": None}]}, None))
    {
      "n": 2,
      "rows": [
        {"g": "F", "v": 0.5},
        {"g": "M", "v": null}
      ]
    }
    <BLANKLINE>
    """
    text = _json(data, 0) + "\n"
    if path is None:
        return text
    Path(path).write_text(text, encoding="utf-8")
    return None


def _scalar(value: Any) -> Any:
    """numpy's numbers and arrays as Python's (tables hand them over: an int64 count)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON: {value!r}")


def _json(value: Any, depth: int) -> str:
    def flat(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False, separators=(", ", ": "), default=_scalar)

    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, Mapping) and value:
        items = [f"{inner}{flat(str(k))}: {_json(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list | tuple) and any(
        isinstance(v, Mapping | list | tuple) for v in value
    ):
        return "[\n" + ",\n".join(inner + flat(v) for v in value) + f"\n{pad}]"
    return flat(value)


def _guard(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_for_spreadsheets(
    table: pd.DataFrame, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """A copy whose text cells and column names cannot start a spreadsheet formula.

    Such text gets a leading quote. ``columns`` limits the cells looked at (default:
    every column; numbers are never changed, only text).

    Examples
    --------
    >>> table = pd.DataFrame({"group": ["=2+2", "\\nX", "F"], "n": [-1, 2, 3]})
    >>> safe_for_spreadsheets(table)["group"].tolist()
    ["'=2+2", "'\\nX", 'F']
    """
    out = table.copy()
    for col in out.columns if columns is None else columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].map(_guard)
    return out.rename(columns=_guard)


def write_csv(table: pd.DataFrame, path: str | Path | None) -> str | None:
    """Write ``table`` as spreadsheet-safe CSV (see :func:`safe_for_spreadsheets`).

    Lines end in ``\\n``; a text cell holding a carriage return is quoted (Python's
    csv module quotes only the characters of the line ending), so every file reads
    back with the rows it was written with. Returns the text when ``path`` is None.
    """
    safe = safe_for_spreadsheets(table)
    cr = any(
        safe[c].map(lambda v: isinstance(v, str) and "\r" in v).any()
        for c in safe.columns
        if safe[c].dtype == object or isinstance(safe[c].dtype, pd.StringDtype)
    )
    quoting = csv.QUOTE_NONNUMERIC if cr or any("\r" in str(c) for c in safe.columns) else None
    return safe.to_csv(
        path, index=False, lineterminator="\n", quoting=quoting or csv.QUOTE_MINIMAL
    )
