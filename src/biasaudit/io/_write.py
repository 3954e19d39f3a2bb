"""Writing results safely: JSON files, and tables whose text a spreadsheet cannot run."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

#: What makes a spreadsheet read a cell as a formula: a leading = + - @, or a tab, carriage
#: return or newline before one (spreadsheets strip leading whitespace on import).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def write_json(data: Mapping[str, Any], path: str | Path | None) -> str | None:
    """Write ``data`` as indented UTF-8 JSON; return the text when ``path`` is None."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if path is None:
        return text
    Path(path).write_text(text, encoding="utf-8")
    return None


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
