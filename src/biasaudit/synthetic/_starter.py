"""``biasaudit init``: a starter configuration guessed from a data file.

Guesses are made from column names and values and are written as comments where
unsure: the user must read and confirm them. Values are never printed beyond the
few distinct codes of decision and outcome columns.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..io import open_records
from ..spec import DEFAULT_NO, DEFAULT_YES, value_key

_PATTERNS = {
    "id": r"(^id$|_id$|^id_|case|dossier|client.?nr|bsn)",
    "score": r"(score|risk|probab|decile)",
    "flagged": r"(flag|select|high.?risk|decision|predict|label_pred|checked)",
    "investigated": r"(investigat|visit|inspect|control|audit)",
    "outcome": r"(fraud|outcome|found|irregular|error|recid|result|violation|y_true)",
    "weight": r"(^w$|weight)",
}
_ATTRIBUTE = re.compile(
    r"(gender|sex|age|nation|race|ethnic|migra|origin|country|disab|household|"
    r"neighbo|district|religio|language|marital|parent)",
    re.IGNORECASE,
)
_SAMPLE_ROWS = 50_000
_NEGATIVE = re.compile(
    r"^(no|not|none|nothing|geen|niet|nee|unfounded|negative|false)\b", re.IGNORECASE
)


def starter_config(path: str | Path) -> str:
    """Return a starter TOML configuration for the records in ``path``.

    Only the first 50,000 rows are looked at.
    """
    path = Path(path)
    header = open_records(path, columns=[])
    columns = list(header.available)
    records = open_records(path, columns=columns, text_columns=columns)
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
        "",
        "[data]",
        "# relative to this file's folder: save the file in the folder you ran init from",
        f"path = {_q(path.as_posix())}",
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


#: TOML's short escapes; every other control character is written as \\uXXXX
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
