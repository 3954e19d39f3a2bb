"""A corpus of hostile inputs run through the real command line (issue 14).

Every case either exits 2 with a named problem, prints no traceback and writes
nothing (no output folder, no temporary folder, no file changed), or audits
correctly: exit 0 and a row ledger that adds up (rows read = analysed + excluded,
rows read = the data rows the case wrote), with no results cell a spreadsheet
could run as a formula. The data is made here, in ``tmp_path``; keep adding cases.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from biasaudit.cli import main

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
HEADER = ["id", "gender", "nat", "flag", "fraud", "score", "w"]


def rows(n: int = 80) -> list[list[str]]:
    """``n`` people: two genders, two nationalities, every fourth flagged."""
    out = []
    for i in range(n):
        flagged = i % 4 == 0
        out.append(
            [
                f"c{i}",
                "F" if i % 2 else "M",
                "NL" if i % 3 else "MA",
                "yes" if flagged else "no",
                ("yes" if i % 8 == 0 else "no") if flagged else "",
                f"{(i * 37 % 100) / 100:.2f}",
                "1.5" if i % 5 else "0.5",
            ]
        )
    return out


def csv_text(header=HEADER, body=None, sep=",", end="\n", quoting=csv.QUOTE_MINIMAL) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator=end, quoting=quoting)
    w.writerow(header)
    w.writerows(rows() if body is None else body)
    return buf.getvalue()


def sampled(body: list[list[str]], **cells: tuple[int, str]) -> str:
    """The rows with a random audit sample: two in five unflagged people, outcome known;
    then ``column=(index, value)`` changes."""
    out = [[*r, "model" if r[3] == "yes" else "none"] for r in body]
    for i, r in enumerate(out):
        if r[3] == "no" and i % 5 in (1, 2):
            r[4], r[7] = ("yes" if i % 10 in (1, 2) else "no"), "random"
    header = [*HEADER, "sample"]
    for col, (at, value) in cells.items():
        out[at][header.index(col)] = value
    return csv_text(header=header, body=out)


def with_cell(col: str, value: str, at: int = 6) -> list[list[str]]:
    body = rows()
    body[at][HEADER.index(col)] = value
    return body


def toml_config(data="data.csv", extra="", roles=None, attributes='["gender", "nat"]') -> str:
    roles = roles or 'flagged = "flag"\noutcome = "fraud"'
    return (
        f'[data]\npath = "{data}"\n{extra}\n[roles]\n{roles}\n'
        f"[groups]\nattributes = {attributes}\n[stats]\nmin_cell = 0\n"
        '[output]\ndir = "out"\n'
    )


@dataclass
class Case:
    """Files to write, the command, and what must happen.

    ``error`` is a text the message must contain (exit 2); None: the audit must run
    and read ``rows_read`` rows. ``check`` looks further at a successful run.
    """

    files: dict[str, str | bytes | Callable[[Path], None]]
    error: str | None = None
    rows_read: int = 80
    command: tuple[str, ...] = ("audit", "audit.toml")
    check: Callable[[Any], Any] | None = None
    errors: tuple[str, ...] = ()
    marks: list = field(default_factory=list)


def records(data: str | bytes | Callable[[Path], None], config: str | None = None, **kw) -> Case:
    """A records audit of the file the configuration names (default ``data.csv``)."""
    config = config or toml_config()
    name = tomllib.loads(config)["data"]["path"]
    return Case({name: data, "audit.toml": config}, **kw)


def cfg(text: str, **kw) -> Case:
    """A configuration case on good data."""
    return Case({"data.csv": csv_text(), "audit.toml": text}, **kw)


def group_label(label: str) -> Case:
    """A group label that a spreadsheet could run: audited, and guarded in results."""
    body = rows()
    for at in (6, 9, 13):
        body[at][HEADER.index("gender")] = label
    return records(csv_text(body=body, quoting=csv.QUOTE_ALL), check=labels_in_results(label))


def labels_in_results(label: str) -> Callable[[Path], None]:
    def check(out: Path) -> None:
        table = pd.read_csv(out / "results.csv", dtype=str, keep_default_na=False)
        assert ("'" + label) in set(table["group"]) | set(table["attribute"])

    return check


def excel(frame: pd.DataFrame, sheet: str = "Sheet1") -> Callable[[Path], None]:
    def write(path: Path) -> None:
        frame.to_excel(path, index=False, sheet_name=sheet)

    return write


def parquet(frame: pd.DataFrame) -> Callable[[Path], None]:
    return lambda path: frame.to_parquet(path, index=False)


def frame(**changes) -> pd.DataFrame:
    df = pd.DataFrame(rows(), columns=HEADER)
    df["score"] = df["score"].astype(float)
    df["w"] = df["w"].astype(float)
    for col, (at, value) in changes.items():
        df[col] = df[col].astype(object)
        df.at[at, col] = value
    return df


def jsonl(df: pd.DataFrame) -> str:
    return df.to_json(orient="records", lines=True)


def test_the_rows_are_what_the_cases_assume() -> None:
    assert len(rows()) == 80 and sum(r[3] == "yes" for r in rows()) == 20


FOI = "gender,n,flagged,TP,FP\nF,400,40,10,30\nM,600,30,12,18\n"
COUNTS = '[data]\npath = "foi.csv"\nkind = "counts"\n[groups]\nattributes = ["gender"]\n'
COUNTS += '[stats]\nmin_cell = 0\n[output]\ndir = "out"\n'
STAGES = "g,stage\n" + "a,population\n" * 30 + "a,selected\n" * 10 + "b,population\n" * 20
STAGES += "b,selected\n" * 12
FUNNEL = '[data]\npath = "stages.csv"\nkind = "funnel"\n[funnel]\n'
FUNNEL += 'stages = ["population", "selected"]\nstage_column = "stage"\n'
FUNNEL += '[groups]\nattributes = ["g"]\n[stats]\nmin_cell = 0\n[output]\ndir = "out"\n'
# a published funnel with suppressed cells (issue 14)
HIDDEN = "g,population,selected\na,300,<10\nb,200,x\nc,<10,<10\n"
HIDDEN_FUNNEL = '[data]\npath = "hidden.csv"\nkind = "funnel"\n[funnel]\n'
HIDDEN_FUNNEL += 'stages = ["population", "selected"]\nlayout = "wide"\n'
HIDDEN_FUNNEL += '[groups]\nattributes = ["g"]\n[output]\ndir = "out"\n'
SCORED = 'score = "score"\noutcome = "fraud"'
SAMPLED = 'flagged = "flag"\noutcome = "fraud"\nsample = "sample"'
WEIGHTED = 'flagged = "flag"\noutcome = "fraud"\nweight = "w"'
CRAFTED = 'yes"]\n[output]\ndir = "/tmp/owned'  # a code that breaks out of a TOML string


def init_is_safe_toml(out_text: str) -> None:
    parsed = tomllib.loads(out_text)
    assert parsed["output"]["dir"] == "reports/data"
    assert set(parsed) <= {"version", "data", "roles", "codes", "groups", "output", "threshold"}


def init_guesses_the_roles(text: str) -> None:
    """The UTF-16 file's columns are read, not garbage: the roles are guessed."""
    roles = tomllib.loads(text)["roles"]
    assert roles == {
        "id": "id",
        "score": "score",
        "flagged": "flag",
        "outcome": "fraud",
        "weight": "w",
    }


CASES: dict[str, Case] = {
    # --- encodings and byte-level oddities
    "utf-16 with BOM": records(csv_text().encode("utf-16")),
    "utf-16-le without BOM": records(csv_text().encode("utf-16-le")),
    "utf-16-be without BOM": records(csv_text().encode("utf-16-be")),
    "utf-16 with engine duckdb": records(
        csv_text().encode("utf-16"), toml_config(extra='engine = "duckdb"'), error="utf-16"
    ),
    "utf-16 with engine polars": records(
        csv_text().encode("utf-16"), toml_config(extra='engine = "polars"')
    ),
    "windows-1252 bytes declared as UTF-8": records(
        csv_text(body=with_cell("nat", "Curaçao")).encode("cp1252"),
        toml_config(extra='encoding = "utf-8"'),
        error="not valid utf-8",
    ),
    "utf-8 BOM": records(b"\xef\xbb\xbf" + csv_text().encode()),
    "windows-1252 labels": records(csv_text(body=with_cell("nat", "Curaçao")).encode("cp1252")),
    "bad delimiter and unknown encoding both listed": records(
        csv_text(),
        toml_config(extra='delimiter = ";;"\nencoding = "klingon-8"'),
        error="delimiter",
        errors=("klingon-8",),
    ),
    "unknown encoding": records(
        csv_text(), toml_config(extra='encoding = "klingon-8"'), error="klingon-8"
    ),
    "ascii encoding on UTF-8 text": records(
        csv_text(body=with_cell("nat", "Curaçao")),
        toml_config(extra='encoding = "ascii"'),
        error="ascii",
    ),
    "NUL bytes": records(csv_text().replace("c5,", "c\x005,"), rows_read=80),
    "empty file": records("", error="empty"),
    "header only": records(",".join(HEADER) + "\n", error="no rows"),
    "blank lines only": records("\n\n\n", error="empty"),
    "CRLF line ends": records(csv_text(end="\r\n")),
    "semicolons": records(csv_text(sep=";")),
    "tab-separated .tsv": Case(
        {"data.tsv": csv_text(sep="\t"), "audit.toml": toml_config(data="data.tsv")}
    ),
    # --- ragged rows and stray delimiters
    "a row with a field too many": records(
        csv_text().replace("c7,", "c7,extra,"), error="row 8 (8 fields)"
    ),
    "a row with a field too few": records(
        csv_text().replace("c7,F,", "c7,"), error="row 8 (6 fields)"
    ),
    "stray trailing delimiter on data rows": records(
        csv_text().replace("\n", ",\n").replace(",".join(HEADER) + ",", ",".join(HEADER)),
        error="trailing delimiter",
    ),
    "trailing delimiter on every line": records(csv_text().replace("\n", ",\n")),
    "ragged CSV with engine duckdb": records(
        csv_text().replace("c7,", "c7,extra,"),
        toml_config(extra='engine = "duckdb"'),
        error="row 8",
    ),
    "ragged CSV with engine polars": records(
        csv_text().replace("c7,", "c7,extra,"),
        toml_config(extra='engine = "polars"'),
        error="row 8",
    ),
    "ragged CSV with engine pyarrow": records(
        csv_text().replace("c7,", "c7,extra,"),
        toml_config(extra='engine = "pyarrow"'),
        error="row 8",
    ),
    "stray trailing delimiter with engine duckdb": records(
        csv_text().replace("\n", ",\n").replace(",".join(HEADER) + ",", ",".join(HEADER)),
        toml_config(extra='engine = "duckdb"'),
        error="trailing delimiter",
    ),
    "unclosed quote": records(csv_text() + '"c99,F,NL,no,,0.1,1\n', error="quote"),
    # --- column names
    "duplicate column names": records(
        csv_text(header=["id", "gender", "gender", "flag", "fraud", "score", "w"]),
        error="duplicate column",
    ),
    # identical copies under one name (ProPublica's COMPAS file has two decile_score
    # columns) are read once; an unused duplicate does not matter
    "duplicate column name with identical copies": records(
        csv_text(header=[*HEADER, "gender"], body=[[*r, r[1]] for r in rows()]),
    ),
    "duplicate name of a column the audit does not read": records(
        csv_text(header=[*HEADER, "extra", "extra"], body=[[*r, "a", "b"] for r in rows()]),
    ),
    "formula column name as attribute": records(
        csv_text(header=["id", "=2+2", "nat", "flag", "fraud", "score", "w"]),
        toml_config(attributes='["=2+2"]'),
        check=labels_in_results("=2+2"),
    ),
    "empty column name": records(
        csv_text(header=["id", "", "nat", "flag", "fraud", "score", "w"]),
        toml_config(attributes='["nat"]'),
    ),
    "role names a missing column": records(
        csv_text(), toml_config(roles='flagged = "flagg"'), error="column not found"
    ),
    # --- cells a spreadsheet would run, and the intersection separator
    "label =2+2": group_label("=2+2"),
    "label +1": group_label("+1"),
    "label -1": group_label("-1"),
    "label @SUM(A1)": group_label("@SUM(A1)"),
    "label starting with CR": group_label("\rX"),
    "label starting with LF": group_label("\nX"),
    "label starting with tab": group_label("\tX"),
    "a bare carriage return inside a row": records(
        csv_text().replace("c6,", "c6\r,"), error="fewer fields than the header"
    ),
    "label holding the intersection separator": records(
        csv_text(body=with_cell("gender", "F × M")),
        toml_config(attributes='["gender", "nat"]\nintersections = [["gender", "nat"]]'),
        error="'F × M' (row 7)",
    ),
    "label holding the separator with a random audit sample": records(
        sampled(with_cell("gender", "F × M")),
        toml_config(
            roles=SAMPLED, attributes='["gender", "nat"]\nintersections = [["gender", "nat"]]'
        ),
        error="'F × M' (row 7)",
    ),
    "random audit sample": records(sampled(rows()), toml_config(roles=SAMPLED)),
    "random sample member without an outcome": records(
        sampled(rows(), fraud=(1, "")),  # index 1 is in the random sample
        toml_config(roles=SAMPLED),
        error="(first at row 2: sample = 'random', fraud = None)",
    ),
    "model-selected but not flagged": records(
        sampled(rows(), sample=(3, "model")),  # index 3 is not flagged
        toml_config(roles=SAMPLED),
        error="(first at row 4: sample = 'model', flag = 'no')",
    ),
    "label holding the separator, no intersections": records(
        csv_text(body=with_cell("gender", "F × M"))
    ),
    "attribute name holding the intersection separator": records(
        csv_text(header=["id", "a × b", "nat", "flag", "fraud", "score", "w"]),
        toml_config(attributes='["a × b", "nat"]\nintersections = [["a × b", "nat"]]'),
        error="'a × b' holds",
    ),
    # --- numbers: scores and weights
    "infinite score": records(
        csv_text(body=with_cell("score", "inf")),
        toml_config(roles=SCORED, extra="[threshold]\nscore_at_least = 0.5"),
        error="row 7",
        errors=("inf", "infinite"),
    ),
    "minus infinite score": records(
        csv_text(body=with_cell("score", "-inf")),
        toml_config(roles=SCORED, extra="[threshold]\nscore_at_least = 0.5"),
        error="infinite",
    ),
    "NaN score under a threshold": records(
        csv_text(body=with_cell("score", "NaN")),
        toml_config(roles=SCORED, extra="[threshold]\nscore_at_least = 0.5"),
        error="missing score",
    ),
    "non-numeric score": records(
        csv_text(body=with_cell("score", "high")),
        toml_config(roles=SCORED, extra="[threshold]\nscore_at_least = 0.5"),
        error="'high' (row 7)",
    ),
    "non-numeric score hides no other problem": records(
        csv_text(body=with_cell("score", "high")[:10] + with_cell("flag", "perhaps", 10)[10:]),
        toml_config(roles='flagged = "flag"\noutcome = "fraud"\nscore = "score"'),
        error="'high' (row 7)",
        errors=("'perhaps'", "row 11"),
    ),
    "infinite weight": records(
        csv_text(body=with_cell("w", "inf")),
        toml_config(roles=WEIGHTED),
        error="row 7",
        errors=("infinite",),
    ),
    "negative weight names row and value": records(
        csv_text(body=with_cell("w", "-2.5")),
        toml_config(roles=WEIGHTED),
        error="row 7",
        errors=("-2.5",),
    ),
    "missing weight": records(
        csv_text(body=with_cell("w", "")), toml_config(roles=WEIGHTED), error="missing weights"
    ),
    "non-numeric weight": records(
        csv_text(body=with_cell("w", "one")), toml_config(roles=WEIGHTED), error="'one'"
    ),
    "unknown flag code": records(csv_text(body=with_cell("flag", "perhaps")), error="perhaps"),
    "blank flag": records(csv_text(body=with_cell("flag", "")), error="row 7"),
    "flag starting with =": records(csv_text(body=with_cell("flag", "=1")), error="'=1'"),
    # --- configurations
    "attributes = 5": cfg(toml_config(attributes="5"), error="groups.attributes"),
    "attributes = [5]": cfg(toml_config(attributes="[5]"), error="groups.attributes"),
    "attributes = {}": cfg(toml_config(attributes="{}"), error="groups.attributes"),
    "intersections = 5": cfg(
        toml_config(attributes='["gender"]\nintersections = 5'), error="intersections"
    ),
    "output dir = 5": cfg(toml_config().replace('dir = "out"', "dir = 5"), error="output.dir"),
    "output dir empty": cfg(toml_config().replace('dir = "out"', 'dir = ""'), error="output.dir"),
    "output dir name too long": cfg(
        toml_config().replace('dir = "out"', f'dir = "{"o" * 300}"'), error="too long"
    ),
    "output dir name too long under a new folder": cfg(
        toml_config().replace('dir = "out"', f'dir = "new/{"o" * 300}/x"'), error="too long"
    ),
    "output dir name at the limit for the temporary folder": cfg(
        toml_config().replace('dir = "out"', f'dir = "{"o" * 250}"'), error="too long"
    ),
    "output dir is a file": Case(
        {"data.csv": csv_text(), "audit.toml": toml_config(), "out": "mine"},
        error="existing file",
    ),
    "output dir is the config's folder": cfg(
        toml_config().replace('dir = "out"', 'dir = "."'), error="output folder"
    ),
    "output dir holds someone's file": Case(
        {"data.csv": csv_text(), "audit.toml": toml_config(), "out/notes.txt": "mine"},
        error="did not write",
    ),
    "output charts/ holds someone's file": Case(
        {"data.csv": csv_text(), "audit.toml": toml_config(), "out/charts/mine.svg": "<svg/>"},
        error="did not write",
    ),
    "output tables/ holds someone's file": Case(
        {"data.csv": csv_text(), "audit.toml": toml_config(), "out/tables/mine.csv": "a\n1\n"},
        error="did not write",
    ),
    "unknown section": cfg(toml_config() + "[colours]\nred = 1\n", error="unknown section"),
    "unknown key": cfg(toml_config(extra="colour = 1"), error="data.colour: unknown key"),
    "invalid TOML": cfg("[data\npath = 'data.csv'\n", error="not valid TOML"),
    "config not UTF-8": cfg(toml_config().encode("utf-16"), error="not valid TOML"),
    "config file missing": Case({"data.csv": csv_text()}, error="file not found"),
    "data path = 5": cfg(
        toml_config().replace('path = "data.csv"', "path = 5"), error="data.path"
    ),
    "engine = sparkle": cfg(toml_config(extra='engine = "sparkle"'), error="data.engine"),
    "sheet on a CSV": cfg(toml_config(extra='sheet = "x"'), error="only for Excel"),
    "kind = banana": cfg(toml_config(extra='kind = "banana"'), error="data.kind"),
    "confidence = high": cfg(
        toml_config().replace("min_cell = 0", 'min_cell = 0\nconfidence = "high"'),
        error="stats.confidence",
    ),
    "min_cell = -1": cfg(toml_config().replace("min_cell = 0", "min_cell = -1"), error="min_cell"),
    "threshold = inf": cfg(
        toml_config(roles=SCORED, extra="[threshold]\nscore_at_least = inf"),
        error="threshold",
    ),
    "metrics include a string": cfg(
        toml_config() + '[metrics]\ninclude = "selection_rate"\n', error="metrics.include"
    ),
    "roles flagged = 5": cfg(toml_config(roles="flagged = 5"), error="roles.flagged"),
    "codes flagged = 5": cfg(toml_config() + "[codes]\nflagged = 5\n", error="codes.flagged"),
    "reference = 5": cfg(toml_config(attributes='["gender"]\nreference = 5'), error="reference"),
    "section given as a value": cfg('data = 5\n[output]\ndir = "out"\n', error="[data]"),
    # --- aggregated tables of counts
    "counts ok": Case({"foi.csv": FOI, "audit.toml": COUNTS}, rows_read=2),
    "counts cell not a number": Case(
        {"foi.csv": FOI.replace("40,10", "forty,10"), "audit.toml": COUNTS}, error="forty"
    ),
    "counts negative cell": Case(
        {"foi.csv": FOI.replace("40,10", "-40,10"), "audit.toml": COUNTS}, error="-40"
    ),
    "counts infinite cell": Case(
        {"foi.csv": FOI.replace("40,10", "inf,10"), "audit.toml": COUNTS}, error="inf"
    ),
    "counts fractional cell": Case(
        {"foi.csv": FOI.replace("40,10", "40.5,10"), "audit.toml": COUNTS}, error="40.5"
    ),
    "counts flagged above n": Case(
        {"foi.csv": FOI.replace("400,40", "30,40"), "audit.toml": COUNTS}, error="gender = F"
    ),
    "counts header only": Case(
        {"foi.csv": FOI.splitlines()[0] + "\n", "audit.toml": COUNTS}, error="no rows"
    ),
    "counts ragged row": Case(
        {"foi.csv": FOI.replace("M,600,", "M,600,1,"), "audit.toml": COUNTS}, error="row 2"
    ),
    "counts UTF-16": Case({"foi.csv": FOI.encode("utf-16"), "audit.toml": COUNTS}, rows_read=2),
    "counts dataset label =1+1": Case(
        {
            "foi.csv": "version,gender,n,flagged,TP,FP\n"
            + "".join(f"{v},{line}\n" for v in ("=1+1", "b") for line in FOI.splitlines()[1:]),
            "audit.toml": COUNTS.replace(
                'kind = "counts"', 'kind = "counts"\n[counts]\ndataset = "version"'
            ),
        },
        rows_read=4,
        check=lambda out: no_formula_cells(out / "results.csv"),
    ),
    "counts label =2+2": Case(
        {"foi.csv": FOI.replace("M,", "=2+2,"), "audit.toml": COUNTS},
        rows_read=2,
        check=labels_in_results("=2+2"),
    ),
    # --- funnels
    "funnel ok": Case({"stages.csv": STAGES, "audit.toml": FUNNEL}, rows_read=72),
    "funnel unknown stage": Case(
        {"stages.csv": STAGES + "a,visited\n", "audit.toml": FUNNEL}, error="visited"
    ),
    "funnel stage column missing": Case(
        {"stages.csv": STAGES.replace("g,stage", "g,step"), "audit.toml": FUNNEL},
        error="stage",
    ),
    "funnel stages = 5": Case(
        {"stages.csv": STAGES, "audit.toml": FUNNEL.replace('["population", "selected"]', "5")},
        error="stages",
    ),
    "funnel ragged row": Case(
        {"stages.csv": STAGES.replace("b,selected\n", "b,selected,x\n", 1), "audit.toml": FUNNEL},
        error="row",
    ),
    "funnel empty": Case({"stages.csv": "", "audit.toml": FUNNEL}, error="empty"),
    "funnel suppressed cells": Case(
        {"hidden.csv": HIDDEN, "audit.toml": HIDDEN_FUNNEL}, rows_read=3
    ),
    "funnel <10 above a larger stage": Case(
        {"hidden.csv": HIDDEN.replace("c,<10,<10", "c,<10,40"), "audit.toml": HIDDEN_FUNNEL},
        error="g = 'c': stage 'selected' is 40 but the stage above it, 'population', is '<10'",
    ),
    "funnel not a multiple of the rounding base": Case(
        {
            "hidden.csv": HIDDEN.replace("a,300", "a,305"),
            "audit.toml": HIDDEN_FUNNEL.replace("[groups]", "rounding = 10\n[groups]"),
        },
        error="not a multiple of 10",
    ),
    "funnel rounding = 1": Case(
        {
            "hidden.csv": HIDDEN,
            "audit.toml": HIDDEN_FUNNEL.replace("[groups]", "rounding = 1\n[groups]"),
        },
        error="rounding: expected a whole number >= 2",
    ),
    "funnel rounding with records": Case(
        {
            "stages.csv": STAGES,
            "audit.toml": FUNNEL.replace("[groups]", "rounding = 10\n[groups]"),
        },
        error="funnel.rounding: only for a table of stage counts",
    ),
    # --- Excel, Parquet, JSONL
    "excel ok": records(excel(frame()), toml_config(data="data.xlsx")),
    "excel missing sheet": records(
        excel(frame()), toml_config(data="data.xlsx", extra='sheet = "Nope"'), error="Nope"
    ),
    "excel header only": records(
        excel(frame().head(0)), toml_config(data="data.xlsx"), error="no rows"
    ),
    "excel duplicate column names": records(
        excel(frame().set_axis(["id", "gender", "gender", *HEADER[3:]], axis=1)),
        toml_config(data="data.xlsx", attributes='["gender"]'),
        error="duplicate column name 'gender'",
    ),
    "text saved as .xlsx": records(csv_text(), toml_config(data="data.xlsx"), error="data.xlsx"),
    "excel infinite weight": records(
        excel(frame(w=(6, float("inf")))),
        toml_config(data="data.xlsx", roles=WEIGHTED),
        error="infinite",
    ),
    "parquet ok": records(parquet(frame()), toml_config(data="data.parquet")),
    "parquet infinite score": records(
        parquet(frame(score=(6, float("inf")))),
        toml_config(data="data.parquet", roles=SCORED, extra="[threshold]\ntop_k = 5"),
        error="infinite",
    ),
    "parquet negative infinite weight": records(
        parquet(frame(w=(6, float("-inf")))),
        toml_config(data="data.parquet", roles=WEIGHTED),
        error="infinite",
    ),
    "parquet not parquet": records(
        csv_text(), toml_config(data="data.parquet"), error="data.parquet"
    ),
    "jsonl ok": records(jsonl(frame()), toml_config(data="data.jsonl")),
    "jsonl broken line": records(
        jsonl(frame()) + '{"id": "c80", "gender":\n',
        toml_config(data="data.jsonl"),
        error="data.jsonl",
    ),
    "jsonl empty": records("", toml_config(data="data.jsonl"), error="empty"),
    "jsonl nested attribute": records(
        jsonl(frame(gender=(6, {"a": 1}))), toml_config(data="data.jsonl"), error="row 7"
    ),
    "jsonl nested attribute with engine polars": records(
        jsonl(frame(gender=(6, {"a": 1}))),
        toml_config(data="data.jsonl", extra='engine = "polars"'),
    ),  # Polars reads the object as its JSON text: one more group label
    # --- init
    "init on UTF-16": Case(
        {"data.csv": csv_text().encode("utf-16")},
        command=("init", "data.csv"),
        check=init_guesses_the_roles,
    ),
    "init on an empty file": Case({"data.csv": ""}, command=("init", "data.csv"), error="empty"),
}


# a crafted outcome code must stay a string in the starter configuration init prints
# --- a table of counted patterns with a score (roles.count with roles.score)
def counted(value: str | None = None, at: int = 6) -> str:
    """The rows with a count column ``k`` (1, 2, 3, ... people per row)."""
    body = [[*r, str(1 + i % 3)] for i, r in enumerate(rows())]
    if value is not None:
        body[at][-1] = value
    return csv_text(header=[*HEADER, "k"], body=body)


def replaced(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


PEOPLE = sum(1 + i % 3 for i in range(80))
COUNTED = 'flagged = "flag"\noutcome = "fraud"\nscore = "score"\ncount = "k"'


def score_tables_written(out: Path) -> None:
    auc = pd.read_csv(out / "tables" / "scores-auc.csv")
    assert auc.loc[auc["group"] == "(all)", "positives"].item() == sum(
        1 + i % 3 for i in range(0, 80, 8)
    )
    assert (out / "report.html").is_file()


CASES.update(
    {
        "count with a score": records(
            counted(), toml_config(roles=COUNTED), rows_read=PEOPLE, check=score_tables_written
        ),
        "count with a score and a top-fraction threshold": records(
            counted(),
            toml_config(roles=SCORED + '\ncount = "k"', extra="[threshold]\ntop_fraction = 0.25"),
            rows_read=PEOPLE,
        ),
        "count 0 with a score nobody has": records(
            replaced(counted("0", at=5), "\nc5,F,NL,no,,0.85,0.5,0", "\nc5,F,NL,no,,7.5,0.5,0"),
            toml_config(roles=COUNTED),
            rows_read=PEOPLE - 3,
        ),
        "count with a score: negative count": records(
            counted("-2"),
            toml_config(roles=COUNTED),
            error="negative counts, e.g. -2",
            errors=("row 7",),
        ),
        "count with a score: fractional count": records(
            counted("2.5"), toml_config(roles=COUNTED), error="fractional", errors=("row 7",)
        ),
        "count with a score: missing count": records(
            counted(""), toml_config(roles=COUNTED), error="missing counts", errors=("row 7",)
        ),
        "count with a score: infinite count": records(
            counted("inf"), toml_config(roles=COUNTED), error="infinite counts, e.g. inf"
        ),
        "count with a score: non-numeric count": records(
            counted("many"), toml_config(roles=COUNTED), error="'many' (row 7)"
        ),
        "count with a score: negative count and a bad flag": records(
            replaced(counted("-1"), "\nc9,F,MA,no,", "\nc9,F,MA,perhaps,"),
            toml_config(roles=COUNTED),
            error="negative counts",
            errors=("'perhaps'",),
        ),
        "parquet count with a score: negative count": records(
            parquet(frame().assign(k=[-1.0] + [2.0] * 79)),
            toml_config(data="data.parquet", roles=COUNTED),
            error="negative counts, e.g. -1",
        ),
    }
)


CASES["init with a crafted code"] = Case(
    {"data.csv": csv_text(body=with_cell("fraud", CRAFTED, 0))},
    command=("init", "data.csv"),
    rows_read=0,
)
CASES["init with a crafted column name"] = Case(
    {"data.csv": csv_text(header=["id", 'gender"]\n[x]\ny = "', *HEADER[2:]])},
    command=("init", "data.csv"),
    rows_read=0,
)


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        )
        for p in sorted(folder.rglob("*"))
    }


def no_formula_cells(path: Path) -> None:
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            for cell in row:
                if cell.lstrip("+-").replace(".", "", 1).replace("e-", "").isdigit():
                    continue  # a number: its sign is not a formula
                assert not cell.startswith(FORMULA_START), (path.name, cell)


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input(name: str, tmp_path: Path, capsys, monkeypatch) -> None:
    case = CASES[name]
    for rel, content in case.files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    status = main(list(case.command))  # an exception here is a crash: the test fails
    printed = capsys.readouterr()
    assert "Traceback" not in printed.err + printed.out
    if case.error is not None:
        assert status == 2, printed
        assert printed.err.startswith("error: "), printed.err
        for text in (case.error, *case.errors):
            assert text in printed.err, printed.err
        assert snapshot(tmp_path) == before  # nothing written, nothing lost
        return
    assert status == 0, printed.err
    if case.command[0] == "init":
        init_is_safe_toml(printed.out)
        if case.check is not None:
            case.check(printed.out)
        return
    out = tmp_path / "out"
    ledger = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["row_ledger"]
    assert ledger["rows_read"] == case.rows_read
    assert ledger["rows_read"] == ledger["rows_analysed"] + ledger["rows_excluded"]
    for table in [out / "results.csv", *(out / "tables").glob("*.csv")]:
        no_formula_cells(table)
    if case.check is not None:
        case.check(out)


def test_the_corpus_is_large() -> None:
    assert len(CASES) >= 60
