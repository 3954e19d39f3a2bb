"""Decision records that stay in a SQL database: only the aggregation query runs there.

The connection and the SQL come from Ibis, so PostgreSQL and the other databases Ibis
supports work without code per database; narwhals runs the one aggregation pass on
the Ibis table as on any lazy frame, and only the small table of counts comes back.

Credentials never come from the configuration file: ``[data] url`` names the server
and the database (``postgresql://user@host:port/db``), and the password comes from
the database client's own environment (``PGPASSWORD``, ``~/.pgpass`` for PostgreSQL)
or from a whole URL in the environment variable :data:`URL_ENV`. The manifest and the
report name the server without user or password, the table or query, and the
server's version.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import narwhals as nw

from .._exceptions import Problem, RecordsError
from ._io import Records, Source
from ._io import open_records as _open_records

#: ``[data]`` keys of a database source.
SQL_KEYS = ("url", "table", "query")
#: Environment variable holding a whole database URL (it may hold the password).
URL_ENV = "BIASAUDIT_DATABASE_URL"
#: Source kinds of records read from a database.
SQL_KINDS = ("table", "query")


@dataclass(frozen=True)
class Database:
    """Records in a SQL database: a table or a query, on the server at ``url``.

    Parameters
    ----------
    url : str, optional
        ``postgresql://user@host:port/database`` (any URL ``ibis.connect`` takes),
        without a password; None reads the URL from :data:`URL_ENV`.
    table : str, optional
        The table (or view) holding one row per decision; ``schema.table`` allowed.
    query : str, optional
        A ``SELECT`` giving one row per decision (instead of ``table``).
    """

    url: str | None = None
    table: str | None = None
    query: str | None = None


def open_records(data: Any, *, columns: Sequence[str], **options: Any) -> Records:
    """:func:`biasaudit.io._io.open_records`, and records in a SQL database: a
    :class:`Database` (a URL with a table or query) or an Ibis table
    (``con.table("decisions")``, ``con.sql("SELECT ...")``), whose rows stay there."""
    text_columns = options.get("text_columns", ())
    if isinstance(data, Database):
        return open_database(data, columns=columns, text_columns=text_columns)
    if is_ibis_table(data):
        return from_ibis(data, columns=columns, text_columns=text_columns)
    return _open_records(data, columns=columns, **options)


def public_url(url: str) -> str:
    """``url`` without user and password: what the manifest and the report show.

    Examples
    --------
    >>> public_url("postgresql://ann:pw@db.example:5432/register")
    'postgresql://db.example:5432/register'
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def database_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Problems of the ``[data]`` keys of a database source: every one.

    Exactly one of ``table`` and ``query``; a URL with a scheme and no password (a
    password belongs in the environment); no ``path`` beside them.
    """
    problems = []

    def bad(key: str, message: str, value: Any = None, reason: str = "invalid") -> None:
        problems.append(
            Problem(f"data.{key}: {message}", column=f"data.{key}", value=value, reason=reason)
        )

    url, table, query = (data.get(k) for k in SQL_KEYS)
    if "path" in data:
        bad(
            "path",
            "give either a file (path) or a database (url with table or query), not both",
            data["path"],
            "conflict",
        )
    for key, value in (("table", table), ("query", query)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            bad(key, f"expected text in quotes; got {value!r}", value)
    if table is not None and query is not None:
        bad("query", "give either table or query, not both", query, "conflict")
    elif table is None and query is None:
        bad(
            "table",
            'missing; name the table of decisions (table = "decisions") or give a '
            'query (query = "SELECT ...")',
            reason="missing_key",
        )
    if url is None:
        if not os.environ.get(URL_ENV):
            bad(
                "url",
                f'missing; give the database, e.g. url = "postgresql://user@host:5432/'
                f'db", or set the environment variable {URL_ENV}',
                reason="missing_key",
            )
    elif not isinstance(url, str) or "://" not in url:
        bad(
            "url",
            f'expected a database URL such as "postgresql://user@host:5432/db"; got {url!r}',
            url if isinstance(url, str) else None,
        )
    else:
        try:
            password = urlsplit(url).password
        except ValueError:  # e.g. a port that is not a number
            bad("url", f"not a valid URL: {public_url(url)!r}", reason="invalid")
            password = None
        if password is not None:
            bad(
                "url",
                "holds a password; a configuration file must not: remove it from the "
                "URL and give it in the environment (PGPASSWORD, ~/.pgpass, or the whole URL "
                f"in {URL_ENV})",
                public_url(url),
                "password_in_config",
            )
    return problems


def _clean(text: str, secret: str | None) -> str:
    """An error message without the password (a driver may echo the URL)."""
    text = str(text).strip()
    return text.replace(secret, "***") if secret else text


def _fail(message: str, reason: str = "database") -> RecordsError:
    return RecordsError([Problem(message, reason=reason)])


def open_database(
    database: Database, *, columns: Sequence[str], text_columns: Sequence[str] = ()
) -> Records:
    """Connect to the database and open its table or query as lazy records.

    Raises
    ------
    RecordsError
        When the server cannot be reached, refuses the login, or has no such table,
        or the query is not valid SQL: one named problem, never a traceback.
    """
    url = database.url or os.environ.get(URL_ENV)
    if not url:
        raise _fail(f"no database URL: give [data] url or set {URL_ENV}", "missing_key")
    try:
        parts = urlsplit(url)
        secret = parts.password
    except ValueError as exc:
        raise _fail(f"not a valid database URL: {public_url(url)!r} ({exc})") from exc
    shown = public_url(url)
    try:
        import ibis
    except ImportError as exc:  # pragma: no cover - the sql extra is missing
        raise _fail(
            "reading a database needs Ibis: pip install 'biasaudit[sql]'", "engine"
        ) from exc
    try:
        con = ibis.connect(url)
    except ImportError as exc:
        raise _fail(
            f"could not connect to {shown}: the database driver is not installed ({exc}); "
            "for PostgreSQL: pip install 'biasaudit[sql]'",
            "engine",
        ) from exc
    except Exception as exc:  # the driver's own error: server down, login refused, no db
        raise _fail(
            f"could not connect to {shown}: {_clean(str(exc), secret)}; check [data] url, "
            "that the server runs, and the credentials in the environment (PGUSER, "
            f"PGPASSWORD, ~/.pgpass or {URL_ENV})",
            "connection",
        ) from exc
    try:
        if database.table is not None:
            schema, _, name = database.table.rpartition(".")
            table = con.table(name, database=schema or None)
        else:
            table = con.sql(str(database.query))
    except Exception as exc:  # no such table, or SQL the server refuses
        con.disconnect()
        what = f"table {database.table!r}" if database.table is not None else "the [data] query"
        raise _fail(
            f"could not read {what} on {shown}: {_clean(str(exc), secret)}",
            "table_not_found" if database.table is not None else "query",
        ) from exc
    options: dict[str, Any] = {"url": shown}
    if database.table is not None:
        options["table"] = database.table
    else:
        options["query"] = database.query
    name = f"{database.table or 'query'} ({shown})"
    try:
        records = _records(table, con, name, columns, text_columns, options)
    except RecordsError:
        con.disconnect()
        raise
    # the connection opened here closes with the records
    weakref.finalize(records, con.disconnect)
    return records


def is_ibis_table(data: Any) -> bool:
    """Whether ``data`` is an Ibis table expression (without importing Ibis)."""
    return type(data).__module__.startswith("ibis.") and hasattr(data, "to_pyarrow")


def from_ibis(data: Any, *, columns: Sequence[str], text_columns: Sequence[str] = ()) -> Records:
    """Records from a caller's Ibis table (``con.table("decisions")``, ``con.sql(...)``)."""
    import ibis

    try:
        con = data._find_backend()
    except Exception as exc:
        raise _fail(f"the Ibis table is bound to no database: {exc}", "engine") from exc
    op = data.op()
    table = getattr(op, "name", None) if type(op).__name__ == "DatabaseTable" else None
    options: dict[str, Any] = {}
    if table is not None:
        options["table"] = table
    else:
        options["query"] = str(ibis.to_sql(data))
    name = f"{table or 'query'} (Ibis table on {con.name})"
    return _records(data, con, name, columns, text_columns, options)


def _records(
    table: Any,
    con: Any,
    name: str,
    columns: Sequence[str],
    text_columns: Sequence[str],
    options: dict[str, Any],
) -> Records:
    try:
        schema = table.schema()
        version = str(con.version)
    except Exception as exc:
        raise _fail(f"could not read the columns of {name}: {exc}", "query") from exc
    available = tuple(schema.names)
    keep = [c for c in dict.fromkeys(columns) if c in available]
    text = set(text_columns)
    # exact decimals (PostgreSQL numeric) are read as floats, as from a file
    selected = [
        table[c].cast("float64").name(c) if schema[c].is_decimal() and c not in text else table[c]
        for c in keep
    ]
    frame = nw.from_native(table.select(*selected) if selected else table)
    options = {**options, "server_version": f"{con.name} {version}"}
    kind = "table" if "table" in options else "query"
    return Records(frame, Source(name, kind, con.name, None, options), available, con)


def is_database(records: Records) -> bool:
    """Whether ``records`` live in a database (their rows are never fetched)."""
    return "server_version" in records.source.options


@contextlib.contextmanager
def database_errors(records: Records) -> Iterator[None]:
    """Turn an error the database raises while it runs the aggregation (a permission,
    a lost connection, an operation it lacks) into a named problem."""
    if not is_database(records):
        yield
        return
    try:
        yield
    except RecordsError:
        raise
    except Exception as exc:
        if type(exc).__module__.split(".")[0] == "biasaudit":
            raise
        raise RecordsError(
            [
                Problem(
                    f"the database ({records.source.engine}) could not run the aggregation "
                    f"query: {type(exc).__name__}: {str(exc).strip()}",
                    reason="database",
                )
            ],
            context=records.source.name,
        ) from exc
