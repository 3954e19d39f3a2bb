"""Where the records of a configuration's ``[data]`` section are: a file, a SQL database
(``url`` with ``table`` or ``query``), or Spark (``engine = "spark"`` with a path, a
URI or a catalog ``table``). One reading of the section for every configuration file
that names records (an audit's and a probe's)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._exceptions import Problem
from ._io import ENGINES
from ._spark import is_remote
from ._sql import Database, database_problems

#: ``[data]`` keys passed on to :func:`open_records` as they are.
READ_KEYS = ("sheet", "engine", "delimiter", "encoding")


def locate_records(
    data: Mapping[str, Any], *, config: Path, kind: str = "records", linked: bool = False
) -> tuple[Path, Database | None, list[Problem]]:
    """Check a ``[data]`` section of records: ``(file, database, problems)``.

    Parameters
    ----------
    data : mapping
        The section.
    config : Path
        The configuration file (paths are relative to its folder).
    kind : str
        The section's ``kind`` (a database holds records only).
    linked : bool
        Whether the file has a ``[link]`` section (not available with a database).

    Returns
    -------
    (Path, Database or None, list of Problem)
        The file (a placeholder when the records are in a database or a Spark
        table), the database, and every problem found.
    """
    problems: list[Problem] = []

    def bad(key: str, message: str, value: Any = None, reason: str = "invalid") -> None:
        problems.append(Problem(f"{key}: {message}", column=key, value=value, reason=reason))

    data_path = config.parent / "(missing)"
    spark = data.get("engine") == "spark"
    spark_table = spark and "table" in data and "url" not in data
    database = None if spark_table else _database(data, kind, linked, problems)
    if spark_table:
        _spark_table(data, bad)
    if spark_table or database is not None:
        pass  # a catalog table (checked by _spark_table) or a database (by _database)
    elif "path" not in data:
        bad(
            "data.path",
            'missing; name the decision records file (or a database: url = "postgresql://'
            'user@host:5432/db" with table = "..." or query = "SELECT ...")',
            reason="missing_key",
        )
    elif not isinstance(data["path"], str):
        bad("data.path", f"expected a file name; got {data['path']!r}", data["path"])
    elif spark and is_remote(data["path"]):
        data_path = Path(data["path"])  # Spark reads the URI itself (see records_input)
    else:
        data_path = (config.parent / data["path"]).resolve()
        if not data_path.is_file() and not (spark and data_path.is_dir()):
            bad(
                "data.path",
                f"file not found: {str(data_path)!r} (paths are relative to the folder of "
                f"{config.name!r})",
                data["path"],
                "file_not_found",
            )
    engine = data.get("engine")
    if engine is not None and engine not in ENGINES:
        bad("data.engine", f"expected one of {', '.join(ENGINES)}; got {engine!r}", engine)
    return data_path, database, problems


def read_options(data: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[data]`` keys :func:`open_records` takes (a Spark catalog table's name too)."""
    options = {k: data[k] for k in READ_KEYS if k in data}
    if data.get("engine") == "spark" and "table" in data and "url" not in data:
        options["table"] = data["table"]
    return options


def records_input(data_path: Path, database: Database | None, data: Mapping[str, Any]) -> Any:
    """What :func:`open_records` reads for a checked ``[data]`` section: the database,
    a URI Spark reads as written, or the file."""
    if database is not None:
        return database
    uri = data.get("path")
    if data.get("engine") == "spark" and isinstance(uri, str) and is_remote(uri):
        return uri  # as written: a Path would fold "s3a://" into "s3a:/"
    return data_path


def is_engine_source(database: Database | None, data: Mapping[str, Any]) -> bool:
    """Whether a checked ``[data]`` section names records that stay in an engine (a
    database or Spark): probing them needs a sample the engine draws."""
    return database is not None or data.get("engine") == "spark"


def _spark_table(data: Mapping[str, Any], bad: Any) -> None:
    """``[data] table`` with ``engine = "spark"``: a Spark catalog table, not a file."""
    if not isinstance(data["table"], str) or not data["table"].strip():
        bad("data.table", f"expected a table name in quotes; got {data['table']!r}", data["table"])
    if "path" in data:
        bad(
            "data.table",
            "give path (a file Spark reads) or table (a catalog table), not both",
            data["table"],
            "conflict",
        )


def _database(
    data: Mapping[str, Any], kind: str, linked: bool, problems: list[Problem]
) -> Database | None:
    """``[data] url`` with ``table`` or ``query``: records in a SQL database (None
    for a file); adds the problems of those keys to ``problems``."""
    # a table without a url is the database's (URL from the environment) unless an
    # engine that reads tables of its own is named
    named = "table" in data or "query" in data
    if "url" not in data and not (named and "engine" not in data):
        return None
    found = database_problems(data)
    for key in ("engine", "sheet", "delimiter", "encoding"):
        if key in data:
            found.append(
                Problem(
                    f"data.{key}: only for files; a database (url) runs the aggregation "
                    "query itself",
                    column=f"data.{key}",
                    value=data[key],
                    reason="conflict",
                )
            )
    if kind != "records":
        found.append(
            Problem(
                f"data.url: a database holds decision records (kind = 'records'); kind = "
                f"{kind!r} reads a file",
                column="data.url",
                value=kind,
                reason="conflict",
            )
        )
    if linked:
        found.append(
            Problem(
                "[link]: not available with a database (url); join the attribute table "
                'in the database instead ([data] query = "SELECT ... JOIN ...")',
                column="[link]",
                reason="conflict",
            )
        )
    problems += found
    return Database(data.get("url"), data.get("table"), data.get("query"))
