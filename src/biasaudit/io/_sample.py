"""A reproducible sample of records, drawn where the records are.

Probing a model (and an audit that scores records with a model) needs the rows
themselves in memory. When the records sit in a SQL database or in Spark, the engine
draws the sample and only the sampled rows come back.

The sample is a hash sample: the records whose MD5 hash of ``"<seed>:<key>"`` is
lowest, ``key`` being a column with one value per record. Unlike the engines' own
samplers it has an exact size, does not depend on how the rows are stored or
partitioned (PostgreSQL's ``TABLESAMPLE ... REPEATABLE`` repeats only while the table's
pages are unchanged and gives about, not exactly, the share asked for; Spark's
``DataFrame.sample(False, fraction, seed)`` depends on the partitioning and gives about
``fraction`` of the rows; Ibis' ``Table.sample`` is one of the two, and refuses a seed
for a query), and draws the same records on every engine: a database, Spark and pandas
give the same sample of the same data, and anyone can check it with any MD5 tool.
Because MD5 spreads its outputs evenly and independently of the input's order, the
records with the lowest hashes are a simple random sample without replacement.

Records read from a file without a key are sampled by row position (numpy's default
generator), reproducible for the same file.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from .._exceptions import Problem, RecordsError
from ._io import Records
from ._spark import spark_errors
from ._sql import database_errors, is_database

#: Ways a sample is drawn: a hash of a key column, or row positions (files only).
SAMPLE_METHODS = ("hash", "positions")
_HASH = "__sample_hash"


@dataclass(frozen=True)
class Sampling:
    """How a sample of records was drawn, for the report and the manifest.

    Attributes
    ----------
    method : {"hash", "positions"}
        ``"hash"``: the records with the lowest MD5 hash of ``"<seed>:<key>"``;
        ``"positions"``: seeded random row positions of a file.
    engine : str
        Who drew it: the database (e.g. ``"postgres 16.4"``), ``"spark 4.0.1"`` or
        ``"pandas"``.
    size : int
        The sample size asked for.
    drawn : int
        Records in the sample (``size``, or every eligible record when there are fewer).
    population : int
        Records the sample was drawn from (those with a key, for a hash sample).
    seed : int
    key : str or None
        The key column of a hash sample.
    blank_keys : int
        Records left out of the sampling frame because their key is blank.
    source : str
        The records' name.

    Examples
    --------
    >>> s = Sampling("hash", "pandas", 2, 2, 5, seed=7, key="id", source="a.csv")
    >>> s.estimate
    True
    """

    method: str
    engine: str
    size: int
    drawn: int
    population: int
    seed: int
    key: str | None = None
    blank_keys: int = 0
    source: str = ""

    @property
    def estimate(self) -> bool:
        """Whether the sample is smaller than its population (results are estimates)."""
        return self.drawn < self.population

    @property
    def note(self) -> str:
        """One paragraph for the report: how the sample was drawn and what it stands for.

        Examples
        --------
        >>> print(Sampling("hash", "pandas", 2, 2, 5, seed=7, key="id", source="a.csv").note)
        A simple random sample without replacement of 2 of the 5 records of a.csv, drawn by pandas: the 2 whose MD5 hash of '7:' followed by their id is lowest (seed 7); the same seed, key and records give the same sample on any engine. Every result is an estimate for those 5 records, not a count of them.
        """
        if self.method == "hash":
            how = (
                f"the {self.drawn:,} whose MD5 hash of '{self.seed}:' followed by their "
                f"{self.key} is lowest (seed {self.seed}); the same seed, key and records "
                "give the same sample on any engine"
            )
        else:
            how = (
                f"the records at {self.drawn:,} random row positions (numpy's default "
                f"generator, seed {self.seed}); the same seed and file give the same sample"
            )
        blank = (
            f" {self.blank_keys:,} records with a blank {self.key} could not be drawn and "
            "are not among those records."
            if self.blank_keys
            else ""
        )
        if not self.estimate:
            return (
                f"A sample of {self.size:,} was asked for, but {self.source} has only "
                f"{self.population:,} records to draw from: all of them were used, drawn "
                f"by {self.engine}.{blank}"
            )
        return (
            f"A simple random sample without replacement of {self.drawn:,} of the "
            f"{self.population:,} records of {self.source}, drawn by {self.engine}: {how}. "
            f"Every result is an estimate for those {self.population:,} records, not a "
            f"count of them.{blank}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for the manifest."""
        return {
            "method": self.method,
            "engine": self.engine,
            "size": self.size,
            "drawn": self.drawn,
            "population": self.population,
            "seed": self.seed,
            "key": self.key,
            "blank_keys": self.blank_keys,
            "note": self.note,
        }


def engine_drawn(records: Records) -> bool:
    """Whether the records' rows stay in an engine (a database or Spark), so a sample
    must be drawn there."""
    return is_database(records) or records.source.engine == "spark"


def key_text(value: Any) -> str:
    """A key value as the text its hash is taken of: whole numbers without decimals
    (``17`` and ``17.0`` both read ``"17"``, as a database casts them), text as it is.

    Examples
    --------
    >>> [key_text(v) for v in (17, 17.0, "A-017")]
    ['17', '17', 'A-017']
    """
    if isinstance(value, bool | np.bool_):
        return str(value).lower()
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return str(int(value)) if math.isfinite(value) and value == int(value) else repr(value)
    return str(value)


def sample_hash(value: Any, seed: int) -> str:
    """The MD5 hash (hex) a key value is ranked by: of ``"<seed>:<key text>"``.

    Examples
    --------
    >>> sample_hash(17, 7) == hashlib.md5(b"7:17").hexdigest()
    True
    """
    return hashlib.md5(f"{seed}:{key_text(value)}".encode()).hexdigest()


def rows_in_memory(
    records: Records,
    *,
    sample: int | None = None,
    key: str | None = None,
    seed: int = 0,
) -> tuple[pd.DataFrame, Sampling | None]:
    """The records as a pandas DataFrame: all of them, or a sample.

    Records in a database or Spark must be sampled (``sample`` and ``key``): the
    engine draws the sample and only its rows are fetched. Records in memory or read
    from a file are sampled by a hash of ``key`` when it is given (the same records as
    a database holding the same rows), else by row position.

    Parameters
    ----------
    records : Records
        From :func:`open_records`; ``key`` must be among the opened columns.
    sample : int, optional
        The sample size (None: every record).
    key : str, optional
        A column with one value per record, for a hash sample.
    seed : int

    Returns
    -------
    (DataFrame, Sampling or None)
        The rows (a sample in the order of its hashes or positions) and how they were
        drawn.

    Raises
    ------
    RecordsError
        When records in an engine are to be fetched whole, the key column is missing
        or not unique among the sampled records, or nothing is left to sample.

    Examples
    --------
    >>> from biasaudit.io import open_records
    >>> df = pd.DataFrame({"id": range(100), "x": range(100)})
    >>> rows, how = rows_in_memory(open_records(df, columns=["id", "x"]), sample=5, key="id")
    >>> len(rows), how.population
    (5, 100)
    """
    name = records.source.name
    if engine_drawn(records) and (sample is None or key is None):
        raise RecordsError(
            [
                Problem(
                    f"the records of {name} stay in {records.source.engine}: probing needs "
                    "rows in memory, so the engine draws a sample; give its size and a key "
                    "column with one value per record ([probe] sample and sample_key, or "
                    "[model] sample and sample_key in an audit)",
                    reason="missing_key",
                )
            ]
        )
    if key is not None and key not in records.available:
        raise RecordsError(
            [
                Problem(
                    f"sample_key {key!r}: column not found in {name!r}; available: "
                    f"{', '.join(map(repr, records.available[:12]))}",
                    column=key,
                    reason="missing_column",
                )
            ]
        )
    if sample is None:
        return _collect(records.frame), None
    if key is None:
        return _by_position(_collect(records.frame), sample, seed, name)
    if is_database(records):
        with database_errors(records):
            rows, total, keyed = _ibis_sample(records.frame.to_native(), key, sample, seed)
        engine = records.source.options.get("server_version", records.source.engine)
    elif records.source.engine == "spark":
        with spark_errors("to draw the sample"):
            rows, total, keyed = _spark_sample(records.frame.to_native(), key, sample, seed)
        engine = f"spark {records.source.options.get('spark_version') or ''}".strip()
    else:
        rows, total, keyed = _pandas_sample(_collect(records.frame), key, sample, seed)
        engine = "pandas"
    if keyed == 0:
        raise RecordsError(
            [
                Problem(
                    f"nothing to sample: {name} has no records"
                    if total == 0
                    else f"nothing to sample: {name} has {total:,} records and every one "
                    f"has a blank {key}",
                    column=key,
                    reason="empty",
                )
            ]
        )
    rows = _hash_order(rows, key)
    _unique(rows[key], key, name)
    drawn = Sampling(
        "hash", engine, sample, len(rows), keyed, seed, key, total - keyed, source=name
    )
    return rows, drawn


def _collect(frame: Any) -> pd.DataFrame:
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_pandas()


def _by_position(
    df: pd.DataFrame, sample: int, seed: int, name: str
) -> tuple[pd.DataFrame, Sampling]:
    rows = len(df)
    if sample < rows:
        # the draw a flip experiment's own sample makes (probe.flip_experiment)
        pick = np.sort(np.random.default_rng(seed).choice(rows, size=sample, replace=False))
        df = df.iloc[pick]
    return (
        df.reset_index(drop=True),
        Sampling("positions", "pandas", sample, len(df), rows, seed, source=name),
    )


def _pandas_sample(df: pd.DataFrame, key: str, sample: int, seed: int) -> tuple[Any, int, int]:
    keyed = df[df[key].notna()]
    hashes = pd.Series([sample_hash(v, seed) for v in keyed[key]], index=keyed.index)
    picked = keyed.assign(**{_HASH: hashes}).sort_values([_HASH], kind="stable").head(sample)
    return picked, len(df), len(keyed)


def _ibis_sample(table: Any, key: str, sample: int, seed: int) -> tuple[Any, int, int]:
    """The hash sample, drawn by the database (one count and one ``ORDER BY ... LIMIT``
    query, which PostgreSQL runs as a top-N sort: one scan, bounded memory)."""
    import ibis

    counts = table.aggregate(rows=table.count(), keyed=table[key].count()).to_pyarrow()
    total, keyed_rows = (int(counts.column(c)[0].as_py()) for c in ("rows", "keyed"))
    keyed = table.filter(table[key].notnull())
    column = keyed[key]
    kind = column.type()
    if kind.is_floating() or kind.is_decimal():
        column = column.cast("int64")  # whole-number ids read as numbers: "17", not "17.0"
    text = ibis.literal(f"{seed}:") + column.cast("string")
    picked = keyed.mutate(**{_HASH: _md5(text)}).order_by([_HASH, key]).limit(sample)
    return _collect(nw.from_native(picked)), total, keyed_rows


def _md5(text: Any) -> Any:
    """The database's own ``md5(text)`` (PostgreSQL, DuckDB, MySQL ... name it so)."""
    import ibis

    @ibis.udf.scalar.builtin(name="md5")
    def md5(value: str) -> str:  # type: ignore[empty-body]
        """The database's md5 function."""

    return md5(text)


def _spark_sample(native: Any, key: str, sample: int, seed: int) -> tuple[Any, int, int]:
    """The hash sample, drawn by Spark (a count and a ``TakeOrderedAndProject``: each
    partition keeps its lowest ``sample`` hashes, so no full sort is shuffled)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    name = f"`{key}`"
    counts = native.agg(F.count(F.lit(1)).alias("rows"), F.count(F.col(name)).alias("keyed"))
    row = counts.collect()[0]
    keyed = native.where(F.col(name).isNotNull())
    column = F.col(name)
    if isinstance(native.schema[key].dataType, T.FloatType | T.DoubleType | T.DecimalType):
        column = column.cast("long")  # whole-number ids read as numbers: "17", not "17.0"
    digest = F.md5(F.concat(F.lit(f"{seed}:"), column.cast("string")))
    picked = keyed.withColumn(_HASH, digest).orderBy(F.col(_HASH), F.col(name)).limit(sample)
    return _collect(nw.from_native(picked)), int(row["rows"]), int(row["keyed"])


def _hash_order(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """The sample in the order of its hashes (the same order on every engine), without
    the hash column."""
    rows = rows.sort_values([_HASH], kind="stable").drop(columns=[_HASH])
    return rows.reset_index(drop=True)


def _unique(keys: pd.Series, key: str, name: str) -> None:
    """A key that repeats among the sampled records draws a cluster, not a sample."""
    repeated = keys[keys.duplicated(keep=False)]
    if len(repeated):
        examples: Sequence[Any] = list(dict.fromkeys(repeated))[:3]
        raise RecordsError(
            [
                Problem(
                    f"sample_key {key!r} is not one value per record: "
                    + ", ".join(f"{v!r} ({int((keys == v).sum())} times)" for v in examples)
                    + f" among the sampled records of {name}; records with the same key "
                    "are drawn together, so the sample would not be a random one: name a "
                    "column that identifies each record (a case or person id)",
                    column=key,
                    value=examples[0],
                    reason="duplicate_key",
                )
            ]
        )
