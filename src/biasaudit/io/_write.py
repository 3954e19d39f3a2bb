"""Writing results safely: JSON files, and tables whose text a spreadsheet cannot run."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

#: the text columns of the results table (TABLE_COLUMNS)
_TEXT_COLUMNS = ("attribute", "group", "metric", "reference_group", "note")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def write_json(data: Mapping[str, Any], path: str | Path | None) -> str | None:
    """Write ``data`` as indented UTF-8 JSON; return the text when ``path`` is None."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if path is None:
        return text
    Path(path).write_text(text, encoding="utf-8")
    return None


def safe_for_spreadsheets(
    table: pd.DataFrame, columns: Sequence[str] = _TEXT_COLUMNS
) -> pd.DataFrame:
    """A copy whose text cells cannot start a spreadsheet formula (a leading quote)."""
    out = table.copy()
    for col in columns:
        out[col] = out[col].map(
            lambda s: "'" + s if isinstance(s, str) and s.startswith(_FORMULA_PREFIXES) else s
        )
    return out
