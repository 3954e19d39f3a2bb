"""``biasaudit init``: a starter configuration guessed from a data file.

Guesses are made from column names and values and are written as comments where
unsure: the user must read and confirm them. Values are never printed beyond the
few distinct codes of decision and outcome columns.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pandas as pd

from .._exceptions import ConfigError, Problem
from ..io import FORMATS, open_records
from ..spec import CONFIG_VERSION, DEFAULT_NO, DEFAULT_SAMPLE, DEFAULT_YES, value_key

_PATTERNS = {
    "id": r"(^id$|_id$|^id_|case|dossier|client.?nr|bsn)",
    "score": r"(score|risk|probab|decile)",
    "flagged": r"(flag|select|high.?risk|decision|predict|label_pred|checked)",
    "investigated": r"(investigat|visit|inspect|control|audit)",
    "outcome": r"(fraud|outcome|found|irregular|error|recid|result|violation|y_true)",
    "weight": r"(^w$|weight)",
    "sample": r"(sample|steekproef|how.?selected|selected.?by|selection.?(type|method|reason))",
}
_ATTRIBUTE = re.compile(
    r"(gender|sex|age|nation|race|ethnic|migra|origin|country|disab|household|"
    r"neighbo|district|religio|language|marital|parent)",
    re.IGNORECASE,
)
_SAMPLE_ROWS = 50_000
_RANDOM = re.compile(r"(random|aselect|steekproef|lottery|control)", re.IGNORECASE)
_NOT_SELECTED = re.compile(r"^(none|not|no|geen|niet|n/a|-)\b", re.IGNORECASE)
_NEGATIVE = re.compile(
    r"^(no|not|none|nothing|geen|niet|nee|unfounded|negative|false)\b", re.IGNORECASE
)


def starter_config(
    path: str | Path, *, sheet: str | None = None, config: str | Path | None = None
) -> str:
    """Return a starter TOML configuration for the records in ``path``.

    Only the first 50,000 rows are looked at.

    Parameters
    ----------
    path : str or path
        The decision records.
    sheet : str, optional
        The sheet of an Excel workbook; needed when it has more than one.
    config : str or path, optional
        Where the configuration will be saved: ``[data] path`` is written relative
        to its folder (configuration paths are). Default: the current folder.

    Raises
    ------
    ConfigError
        An Excel workbook with several sheets and no ``sheet``.
    """
    path = Path(path)
    is_excel = FORMATS.get(path.suffix.lower()) == "excel"
    if is_excel and sheet is None and path.is_file():
        sheet = _only_sheet(path)
    header = open_records(path, columns=[], sheet=sheet)
    columns = list(header.available)
    records = open_records(path, columns=columns, text_columns=columns, sheet=sheet)
    df: pd.DataFrame = records.frame.head(_SAMPLE_ROWS).to_pandas()
    taken: set[str] = set()
    roles: dict[str, str] = {}
    for role, pattern in _PATTERNS.items():
        for col in columns:
            if col not in taken and re.search(pattern, col, re.IGNORECASE):
                roles[role] = col
                taken.add(col)
                break
    if "score" in roles and pd.to_numeric(df[roles["score"]], errors="coerce").isna().all():
        taken.discard(roles.pop("score"))
    attributes = [c for c in columns if c not in taken and _ATTRIBUTE.search(c)]
    lines = [
        "# biasaudit audit configuration (starter written by `biasaudit init`).",
        "# Every guess below must be checked; see docs/config.md for all keys.",
        f"version = {CONFIG_VERSION}  # of the configuration format",
        "",
        "[data]",
        *_data_path(path, config),
        *([f"sheet = {_q(sheet)}"] if sheet is not None else []),
        "",
        "[roles]",
    ]
    for role in _PATTERNS:
        if role in roles:
            lines.append(f"{role} = {_q(roles[role])}")
        else:
            lines.append(f'# {role} = "..."  # no column looked like this role')
    lines.append("")
    codes = []
    if "sample" in roles:
        codes += _sample_codes(df[roles["sample"]], roles["sample"])
    for role in ("flagged", "investigated", "outcome"):
        if role not in roles:
            continue
        values = [value_key(v) for v in df[roles[role]]]
        seen = sorted({v for v in values if v is not None})
        if len(seen) > 12:
            continue
        yes = [v for v in seen if v in DEFAULT_YES]
        no = [v for v in seen if v in DEFAULT_NO]
        other = [v for v in seen if v not in DEFAULT_YES and v not in DEFAULT_NO]
        guessed = role != "flagged" and bool(other)
        if guessed:  # "No Errors Found" is a no, "Errors Found" a yes: a guess to check
            no += [v for v in other if _NEGATIVE.match(v)]
            yes += [v for v in other if not _NEGATIVE.match(v)]
            other = []
        if not other and not (role == "outcome" and None in values):
            continue
        entry = f"{role} = {{ yes = {_list(yes)}, no = {_list(no)}"
        if role == "outcome":
            entry += ', unknown = [""]'
        codes.append(entry + " }" + ("  # guessed from the values: check" if guessed else ""))
        if other:
            codes.append(f"# values of {roles[role]!r} to place above: {_list(other)}")
    if codes:
        lines += ["[codes]", *codes, ""]
    if "flagged" not in roles:
        lines += [
            "[threshold]",
            "# score_at_least = 0.5  # or top_k = 1000, top_fraction = 0.1",
            "",
        ]
    lines += [
        "[groups]",
        f"attributes = {_list(attributes)}",
        '# intersections = [["gender", "nationality"]]',
        'missing = "as_group"',
        '# reference = { gender = "M" }  # a group name, "largest" or "most_favourable"',
        "",
        "[output]",
        f"dir = {_q('reports/' + path.stem)}",
        "",
    ]
    return "\n".join(lines)


def _only_sheet(path: Path) -> str | None:
    """The sheet of a one-sheet workbook; several sheets need ``--sheet``."""
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = [str(n) for n in book.sheet_names]
    except (OSError, ValueError, zipfile.BadZipFile):  # open_records names the problem
        return None
    if len(names) > 1:
        raise ConfigError(
            [
                Problem(
                    f"{path.name!r} has {len(names)} sheets ({', '.join(map(repr, names))}); "
                    "choose the one with the decision records: biasaudit init "
                    f"{path.name} --sheet {names[0]!r}",
                    column="sheet",
                    value=path.name,
                    reason="sheet_needed",
                )
            ]
        )
    return names[0] if names else None


def _data_path(path: Path, config: str | Path | None) -> list[str]:
    """``[data] path``: relative to the configuration's folder, as the audit reads it."""
    if config is None:
        return [
            "# relative to this file's folder: save the file in the folder you ran init from",
            f"path = {_q(path.as_posix())}",
        ]
    folder = Path(config).resolve().parent
    try:
        relative = Path(os.path.relpath(path.resolve(), folder)).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        relative = path.resolve().as_posix()
    return ["# relative to this file's folder", f"path = {_q(relative)}"]


def _sample_codes(column: pd.Series, name: str) -> list[str]:
    """``[codes] sample`` when the values are not the defaults (random / model / none):
    random-looking values as ``random``, blanks and "none" as ``none``, the rest as
    ``model``; a guess to check."""
    values = [value_key(v) for v in column]
    seen = sorted({v for v in values if v is not None})
    defaults = {v for spelled in DEFAULT_SAMPLE.values() for v in spelled if v is not None}
    if len(seen) > 12 or all(v in defaults for v in seen):
        return []
    random = [v for v in seen if _RANDOM.search(v)]
    none = [v for v in seen if v not in random and _NOT_SELECTED.match(v)]
    model = [v for v in seen if v not in random and v not in none]
    if None in values:
        none.append("")
    return [
        f"sample = {{ random = {_list(random)}, model = {_list(model)}, none = {_list(none)} }}"
        "  # guessed from the values: check"
        + ("" if random else f"; no value of {name!r} looked like a random sample")
    ]


#: TOML's short escapes; every other control character becomes a four-digit \\u escape
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _q(text: str) -> str:
    """``text`` as a TOML basic string: no value in the data can end the string, start
    a new line or add a key or section to the configuration.

    >>> _q('yes"]\\n[output]')
    '"yes\\\\"]\\\\n[output]"'
    """
    out = []
    for ch in str(text):
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"
