"""Decision records in Spark: a PySpark DataFrame, or ``engine = "spark"`` with a path
(Parquet, CSV) or a catalog table.

The one aggregation pass runs as Spark jobs (via narwhals' PySpark backend); only the
small grouped table comes back to Python. pyspark is imported here only, on first
use: ``import biasaudit`` does not load it.

The session is ``SparkSession.builder.getOrCreate()``: under spark-submit or in a
notebook the existing one is used as it is; otherwise biasaudit starts a local one
(``local[*]``, a modest driver memory, logging at ERROR and the JVM's own console
output in a log file instead of the terminal).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import narwhals as nw

from .._exceptions import Problem, RecordsError

#: driver memory of a local session biasaudit starts (the JVM holds no rows for long:
#: the pass streams them); BIASAUDIT_SPARK_DRIVER_MEMORY overrides it
DRIVER_MEMORY = "2g"
#: formats Spark reads here
SPARK_FORMATS = ("parquet", "csv")
_NUMERIC_NA = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"]
_PANDAS_NOTE = "PySpark does not yet fully support pandas"
#: the JVM's console output of the session biasaudit started (None: not ours)
_log: dict[str, Path | None] = {"path": None}
_keep = {"log": False}


def is_spark_frame(data: Any) -> bool:
    """Whether ``data`` is a PySpark DataFrame (classic or Spark Connect), without
    importing pyspark."""
    module = type(data).__module__
    return module.startswith("pyspark.sql") and type(data).__name__ == "DataFrame"


def is_remote(path: str | Path) -> bool:
    """A URI Spark reads itself (``s3a://``, ``hdfs://``, ``dbfs:/``, ``abfss://``...):
    not checked or hashed here."""
    text = str(path)
    scheme, sep, _ = text.partition(":")
    return bool(sep) and len(scheme) > 1 and scheme.replace("+", "").isalnum()


def spark_message(exc: BaseException) -> str:
    """The first line of a Spark / Py4J error, without the JVM stack trace."""
    getter = getattr(exc, "getMessage", None)
    text = ""
    if callable(getter):
        with contextlib.suppress(Exception):
            text = str(getter())
    java = getattr(exc, "java_exception", None)
    if not text and java is not None:
        with contextlib.suppress(Exception):
            text = str(java.toString())
    text = text or str(exc) or type(exc).__name__
    first = next((line.strip() for line in text.splitlines() if line.strip()), text)
    first = re.sub(r"^(?:[a-z]\w*\.)+[A-Z]\w*(?:Exception|Error): ", "", first).rstrip(".")
    return first if len(first) <= 400 else first[:397] + "..."


def _from_spark(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is Spark's or Py4J's own error."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if type(current).__module__.split(".")[0] in ("pyspark", "py4j"):
            return True
        current = current.__cause__ or current.__context__
    return False


@contextlib.contextmanager
def spark_errors(what: str) -> Iterator[None]:
    """Turn Spark's and Py4J's errors into a named problem (never a Java stack trace)."""
    try:
        yield
    except RecordsError:
        raise
    except Exception as exc:
        if not _from_spark(exc):
            raise
        log = _log["path"]
        hint = f"; Spark's own log: {log}" if log is not None else ""
        _keep["log"] = True
        raise RecordsError(
            [Problem(f"Spark failed {what}: {spark_message(exc)}{hint}", reason="spark")]
        ) from None


@contextlib.contextmanager
def quiet_pandas_note() -> Iterator[None]:
    """Without pyspark's note that it does not yet fully support pandas 3 (it works
    for what biasaudit asks of it: Arrow in, Arrow out)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_PANDAS_NOTE, category=FutureWarning)
        yield


def _import_pyspark() -> Any:
    try:
        with quiet_pandas_note():
            from pyspark.sql import SparkSession
    except ImportError as exc:
        raise RecordsError(
            [
                Problem(
                    "engine 'spark' needs the pyspark package (and a Java runtime): "
                    "pip install 'biasaudit[spark]'",
                    reason="spark_unavailable",
                )
            ]
        ) from exc
    return SparkSession


@contextlib.contextmanager
def _console_to(path: Path) -> Iterator[None]:
    """The process's stdout and stderr (file descriptors, inherited by the JVM Spark
    starts) go to ``path`` while the block runs."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def spark_session() -> Any:
    """The active Spark session, or a local one biasaudit starts (quietly)."""
    SparkSession = _import_pyspark()
    with quiet_pandas_note():
        active = SparkSession.getActiveSession()
    if active is not None:
        return active
    from pyspark import SparkContext

    running = getattr(SparkContext, "_active_spark_context", None) is not None
    if running or os.environ.get("PYSPARK_GATEWAY_PORT"):
        # spark-submit, a notebook's kernel, a session of another thread: used as it is
        with spark_errors("to start its session"), quiet_pandas_note():
            return SparkSession.builder.getOrCreate()
    handle, name = tempfile.mkstemp(prefix="biasaudit-spark-", suffix=".log")
    os.close(handle)
    log = Path(name)
    memory = os.environ.get("BIASAUDIT_SPARK_DRIVER_MEMORY", DRIVER_MEMORY)
    builder = (
        SparkSession.builder.appName("biasaudit")
        .config("spark.driver.memory", memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # the pass's grouped table is small: a few partitions, not the default 200
        .config("spark.sql.shuffle.partitions", str(max(4, 2 * (os.cpu_count() or 1))))
    )
    said = None
    with warnings.catch_warnings():  # pyspark leaves a failed JVM's pipe open
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            with _console_to(log), quiet_pandas_note():
                session = builder.getOrCreate()
                session.sparkContext.setLogLevel("ERROR")
        except Exception as exc:
            if not _from_spark(exc) and not isinstance(exc, RuntimeError | OSError):
                raise
            tail = log.read_text(errors="replace").strip().splitlines()[-3:]
            said = "; ".join(tail) or spark_message(exc)
        gc.collect()
    if said is not None:
        _keep["log"] = True
        raise RecordsError(
            [
                Problem(
                    f"could not start a local Spark session ({said}); Spark needs a Java "
                    "runtime (e.g. Debian's default-jre-headless) and JAVA_HOME or java on "
                    f"the PATH; Spark's own log: {log}",
                    reason="spark_unavailable",
                )
            ]
        )
    _log["path"] = log
    atexit.register(_drop_log, log)
    return session


def _drop_log(log: Path) -> None:
    """The JVM's console output is removed at exit unless an error pointed to it."""
    if not _keep["log"]:
        with contextlib.suppress(OSError):
            log.unlink()


def spark_version(frame: Any) -> str | None:
    """The Spark version of the session holding a PySpark DataFrame."""
    with contextlib.suppress(Exception):
        return str(frame.sparkSession.version)
    return None


def open_spark(
    data: Any,
    *,
    columns: Sequence[str],
    text_columns: Sequence[str],
    table: str | None = None,
    fmt: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    local_csv: bool = False,
) -> tuple[Any, tuple[str, ...], str, str, dict[str, Any]]:
    """A PySpark DataFrame, a catalog ``table`` or a path Spark reads, as a narwhals
    frame of ``columns``: ``(frame, available, name, kind, options)``.

    ``fmt`` is the path's format by its name (None: a folder of part files or a URI,
    read as Parquet). A ``local_csv`` has been checked as on every engine
    (``delimiter`` and ``encoding`` detected) and is read with every column as text
    (codes keep their leading zeros); the other columns are then cast to numbers when
    every value is one (else the pass names the values that are not).
    """
    want = list(dict.fromkeys(columns))
    if is_spark_frame(data):
        native = type(data)
        name = f"in-memory {native.__module__.split('.')[0]}.{native.__name__}"
        with spark_errors("to read the DataFrame's schema"):
            frame = nw.from_native(data)
            available = tuple(frame.collect_schema().names())
        keep = [c for c in want if c in available]
        return frame.select(keep), available, name, "spark", {"spark_version": spark_version(data)}
    if table is not None:
        session = spark_session()
        with spark_errors(f"to read the table {table!r}"):
            frame = nw.from_native(session.table(table))
            available = tuple(frame.collect_schema().names())
        keep = [c for c in want if c in available]
        found = {"table": table, "spark_version": str(session.version)}
        return frame.select(keep), available, table, "table", found
    if not isinstance(data, str | Path):
        raise RecordsError(
            [
                Problem(
                    "engine 'spark' reads a path (Parquet or CSV) or a catalog table; got "
                    f"{type(data).__name__}: pass a PySpark DataFrame, or leave engine out",
                    reason="config",
                )
            ]
        )
    shown = str(data)
    label = Path(data).name if not is_remote(data) else shown.rstrip("/").rsplit("/", 1)[-1]
    suffix = Path(label.lower().removesuffix(".gz")).suffix
    fmt = fmt or ("parquet" if not suffix or Path(data).is_dir() else None)
    if fmt not in SPARK_FORMATS:
        raise RecordsError(
            [
                Problem(
                    f"engine 'spark' reads Parquet and CSV; {label!r} is "
                    + (f"{fmt}" if fmt else f"of unknown type {suffix!r}")
                    + ": convert it to Parquet, or use engine = 'pandas'",
                    value=shown,
                    reason="unknown_format",
                )
            ]
        )
    session = spark_session()
    options: dict[str, Any] = {"format": fmt, "path": shown, "spark_version": str(session.version)}
    if fmt == "csv":
        options.update(delimiter=delimiter or ",", encoding=encoding or "utf-8")
    with spark_errors(f"to read {label!r} as {fmt}"):
        if fmt == "parquet":
            native = session.read.parquet(shown)
        else:
            header = _csv_header(Path(data), delimiter, encoding) if local_csv else None
            native = _read_csv(session, shown, header, options["delimiter"], options["encoding"])
        available = tuple(native.columns)
        keep = [c for c in want if c in available]
        native = native.select(*[f"`{c}`" for c in keep])
        if fmt == "csv":
            native = _numbers(native, [c for c in keep if c not in text_columns])
    if not available:
        raise RecordsError(
            [Problem(f"{label!r} is empty: it has no columns", value=shown, reason="empty")]
        )
    return nw.from_native(native), available, label, fmt, options


def _csv_header(path: Path, delimiter: str | None, encoding: str | None) -> list[str]:
    """Column names of a CSV file; the later copies of a name repeated (identical
    copies, checked by ``csv_problems``) renamed so Spark sees each once."""
    import csv
    import gzip

    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding=encoding or "utf-8", newline="") as fh:
        first = next((r for r in csv.reader(fh, delimiter=delimiter or ",") if r), [])
    names: list[str] = []
    for i, name in enumerate(first):
        names.append(name if name not in names else f"{name}__copy{i}")
    return names


def _read_csv(
    session: Any, path: str, header: list[str] | None, delimiter: str, encoding: str
) -> Any:
    reader = session.read.option("header", True).option("sep", delimiter)
    reader = reader.option("encoding", encoding.removesuffix("-sig")).option("mode", "PERMISSIVE")
    if header is None:
        return reader.option("inferSchema", False).csv(path)
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(c, StringType(), True) for c in header])
    return reader.option("enforceSchema", True).schema(schema).csv(path)


def _numbers(native: Any, numeric: list[str]) -> Any:
    """``numeric`` text columns as doubles when every value reads as a number (the
    missing-value spellings pandas knows as blanks); left as text otherwise."""
    if not numeric:
        return native
    from pyspark.sql import functions as F

    def cleaned(c: str) -> Any:
        col = F.trim(F.col(f"`{c}`"))
        return F.when(col.isin(_NUMERIC_NA), F.lit(None)).otherwise(col)

    def number(c: str) -> Any:
        return F.expr(f"try_cast(trim(`{c}`) AS DOUBLE)")

    checks = [
        F.sum(F.when(cleaned(c).isNotNull() & number(c).isNull(), 1).otherwise(0)).alias(c)
        for c in numeric
    ]
    bad = native.select(*checks).collect()[0].asDict()
    cast = {c: F.when(cleaned(c).isNull(), F.lit(None)).otherwise(number(c)) for c in numeric}
    return native.withColumns({c: e for c, e in cast.items() if not bad[c]})
