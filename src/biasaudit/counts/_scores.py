"""Risk scores by group: the score bins counted in the one pass, and the histograms.

Counts are the interface here too (DESIGN.md §5): the one pass over the rows
(:func:`._aggregate.aggregate`) groups them by score bin together with the protected
attributes, the decision, the investigation and the outcome, giving a
:class:`ScoreCube`; every score analysis (distributions, deciles, AUC, calibration, the
threshold sweep) works on that small table.

A score with at most :data:`EXACT_LIMIT` distinct values is counted value by value, so
everything read off it is exact; a continuous score goes into :data:`BINS` equal-width
bins between its minimum and maximum, each split once more at every cut-off named
beforehand (the audit's threshold, the swept score values), so results at those
cut-offs are exact too, and quantiles elsewhere are off by at most one bin width.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from ..spec import MISSING_GROUP
from ._counts import OVERALL

BINS = 200
EXACT_LIMIT = 200
#: Quantiles summarised per group.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Columns of :attr:`ScoreCube.table` after the attributes.
CUBE_COLUMNS = (
    "flagged",
    "investigated",
    "outcome",
    "bin",
    "low",
    "high",
    "rows",
    "w",
    "w2",
    "score_sum",
    "score_sq_sum",
)


@dataclass(frozen=True)
class ScoreHistogram:
    """People per attribute, group and score bin.

    ``table`` has the columns ``attribute, group, low, high, count``; ``low == high``
    when ``exact`` (one row per distinct score).
    """

    table: pd.DataFrame
    exact: bool

    def quantiles(self, probs: Sequence[float] = QUANTILES) -> pd.DataFrame:
        """Score quantiles per group: columns attribute, group, n, mean and ``q5``...

        Exact scores give the inverted-CDF quantile (the smallest score with at least
        ``p`` of the group at or below it); binned scores are interpolated linearly
        within the bin.

        Examples
        --------
        >>> t = pd.DataFrame({"attribute": "g", "group": "a", "low": [1.0, 2.0, 3.0],
        ...                   "high": [1.0, 2.0, 3.0], "count": [1, 2, 1]})
        >>> ScoreHistogram(t, exact=True).quantiles([0.5])[["group", "n", "q50"]]
          group  n  q50
        0     a  4  2.0
        """
        rows = []
        for (attribute, group), part in self.table.groupby(
            ["attribute", "group"], sort=False, observed=True
        ):
            part = part.sort_values("low")
            count = part["count"].to_numpy(dtype=float)
            n = count.sum()
            low, high = part["low"].to_numpy(dtype=float), part["high"].to_numpy(dtype=float)
            row = {"attribute": attribute, "group": group, "n": int(n)}
            row["mean"] = float(np.sum(count * (low + high) / 2) / n) if n else np.nan
            for p in probs:
                row[f"q{round(p * 100):d}"] = order_statistic(count, low, high, p * n, self.exact)
            rows.append(row)
        return pd.DataFrame(rows)


def order_statistic(
    count: np.ndarray, low: np.ndarray, high: np.ndarray, k: float, exact: bool
) -> float:
    """The ``k``-th smallest score (1-based, may be fractional) of one histogram.

    Exact scores give the value of the bin holding it; binned scores are interpolated
    linearly within the bin.

    Examples
    --------
    >>> order_statistic(np.array([1.0, 2, 1]), np.array([1.0, 2, 3]), np.array([1.0, 2, 3]), 2, True)
    2.0
    """
    n = count.sum()
    if n == 0 or not np.isfinite(k):
        return math.nan
    k = min(max(k, 1e-12), n)
    cum = np.cumsum(count)
    i = int(np.searchsorted(cum, k - 1e-9))
    if exact:
        return float(low[i])
    before = cum[i] - count[i]
    share = (k - before) / count[i] if count[i] else 0.0
    return float(low[i] + share * (high[i] - low[i]))


@dataclass(frozen=True)
class ScoreBinning:
    """How the one pass bins the score: its range, exactness and named cut-offs.

    Examples
    --------
    >>> b = ScoreBinning(0.0, 1.0, exact=False, cuts=(0.3,))
    >>> b.bounds(60, 0), b.bounds(60, 1)  # bin 60 is [0.3, 0.305): only above the cut
    ((0.3, 0.3), (0.3, 0.305))
    """

    lo: float
    hi: float
    exact: bool
    cuts: tuple[float, ...] = ()
    scored: int = 0
    top_decile: float | None = None

    @property
    def width(self) -> float:
        """Width of a bin (continuous scores)."""
        return (self.hi - self.lo) / BINS or 1.0

    def expressions(self, column: str, count: str | None = None) -> list[Any]:
        """Columns added before the group-by: bin, cut-offs passed, score and its square.

        With a ``count`` column (people per row) the score sums are weighted by it, so
        the cube's sums are those of the people, not of the rows.
        """
        score = nw.col(column)
        # a float bin number: an integer cast fails on pandas when a score is missing
        binned = ((score - self.lo) / self.width).floor().clip(0, BINS - 1)
        key = score if self.exact else binned
        cut = nw.lit(0)
        for c in self.cuts:  # how many cut-offs lie at or below the score
            cut = cut + ones(score >= c)
        total, squares = score, score * score
        if count is not None:
            people = nw.col(count).fill_null(0)
            total, squares = total * people, squares * people
        return [
            key.alias("__bin"),
            cut.alias("__cut"),
            total.alias("__s"),
            squares.alias("__s2"),
        ]

    def bounds(self, b: float, c: int) -> tuple[float, float]:
        """Lowest and highest possible score of bin ``b`` above ``c`` cut-offs."""
        if self.exact:
            return float(b), float(b)
        low = self.lo + b * self.width
        high = self.hi if b == BINS - 1 else self.lo + (b + 1) * self.width
        if c:
            low = max(low, self.cuts[c - 1])
        if c < len(self.cuts):
            high = min(high, self.cuts[c])
        return float(low), float(high)


def ones(condition: Any) -> Any:
    """1 where ``condition`` holds, else 0, as a 64-bit integer column on every engine
    (PostgreSQL casts a boolean to a 32-bit integer only, not straight to a 64-bit one)."""
    return condition.cast(nw.Int32).cast(nw.Int64)


def people_with_score(frame: Any, column: str, count: str | None = None) -> Any:
    """The rows with a score that stand for somebody: a row of ``count`` 0 is nobody
    (missing, negative, fractional and infinite counts are errors of the pass)."""
    scored = frame.filter(~nw.col(column).is_null())
    if count is None:
        return scored
    return scored.filter((nw.col(count) > 0) & (nw.col(count) < math.inf))


def score_binning(
    frame: Any,
    column: str,
    cuts: Sequence[float],
    ranked: Mapping[int, float] | None = None,
    *,
    count: str | None = None,
) -> ScoreBinning | None:
    """Range and number of distinct values of the score (None when every score is missing).

    ``ranked`` holds k-th highest scores already queried (``{k: score}``); ``count``
    names the people per row of a table of patterns (rows of count 0 do not widen the
    range, and the top decile is a tenth of the people).
    """
    scored_rows = people_with_score(frame, column, count)
    people = nw.len() if count is None else nw.col(count).sum()
    # narwhals' n_unique on Ibis casts a boolean to int8, which PostgreSQL refuses:
    # there the distinct scores are counted by Ibis itself
    on_ibis = scored_rows.implementation.is_ibis()
    stats = scored_rows.select(
        nw.col(column).min().alias("lo"),
        nw.col(column).max().alias("hi"),
        (nw.lit(0) if on_ibis else nw.col(column).n_unique()).alias("distinct"),
        people.alias("scored"),
    )
    stats = stats.collect() if isinstance(stats, nw.LazyFrame) else stats
    lo, hi, distinct, scored = stats.to_pandas().iloc[0]
    if pd.isna(lo):
        return None
    if on_ibis:
        distinct = nw.to_native(scored_rows)[column].nunique().to_pyarrow().as_py()
    if int(distinct) <= EXACT_LIMIT:
        return ScoreBinning(float(lo), float(hi), True, (), int(scored))
    # a continuous score's top decile is a cut-off of its own (the Rotterdam measure)
    k = math.floor(0.1 * int(scored) + 1e-9)
    top = (ranked or {}).get(k)
    top = kth_highest(frame, column, k, count=count) if top is None else top
    named = [*cuts, top] if math.isfinite(top) else list(cuts)
    inside = sorted({float(c) for c in named if math.isfinite(c) and lo < c <= hi})
    return ScoreBinning(float(lo), float(hi), False, tuple(inside), int(scored), top)


def kth_highest(frame: Any, column: str, k: int, *, count: str | None = None) -> float:
    """The ``k``-th highest score (``inf`` when ``k < 1``): flagging scores at or above
    it flags the top ``k`` (and anyone tied with the last).

    With ``count`` (people per row) it is the ``k``-th highest person's score: every
    row kept stands for at least one person, so the ``k`` highest rows hold that person
    and only they are fetched (the rows are never expanded).

    Examples
    --------
    >>> t = nw.from_native(pd.DataFrame({"s": [0.9, 0.5, 0.2], "k": [2, 3, 5]}))
    >>> kth_highest(t, "s", 3), kth_highest(t, "s", 3, count="k")
    (0.2, 0.5)
    """
    if k < 1:
        return math.inf
    scored = people_with_score(frame, column, count)
    if isinstance(scored, nw.LazyFrame):
        # sort + head stays on the relation's own connection (DuckDB turns it into a
        # top-k); narwhals' top_k would query DuckDB's default connection instead
        top = scored.sort(column, descending=True).head(k)
    else:
        top = scored.top_k(k, by=column)
    if count is None:
        lowest = top.select(nw.col(column).min())
        cut = (lowest.collect() if isinstance(lowest, nw.LazyFrame) else lowest).item()
        return math.inf if cut is None else float(cut)
    top = top.select(column, count)
    top = (top.collect() if isinstance(top, nw.LazyFrame) else top).to_pandas()
    top = top.sort_values(column, ascending=False, kind="stable")
    if not len(top):
        return math.inf
    reached = np.flatnonzero(top[count].to_numpy(dtype=float).cumsum() >= k)
    # fewer than k people: everyone is flagged, as top_k on fewer rows would
    return float(top[column].iloc[reached[0]] if len(reached) else top[column].min())


@dataclass(frozen=True)
class ScoreCube:
    """People per protected group, decision, investigation, outcome and score bin.

    ``table`` has the protected attributes, then :data:`CUBE_COLUMNS`: ``flagged``,
    ``investigated`` (1/0), ``outcome`` (1, 0 or -1 unknown), ``bin`` (0, 1, ... in
    score order), its ``low`` and ``high`` score, ``rows`` (people: a row of a table of
    patterns counts as its ``count``), ``w`` / ``w2`` (weighted
    count and sum of squared weights; equal to ``rows`` without weights) and
    ``score_sum`` and ``score_sq_sum`` (the scores and their squares added up, for
    exact means and standard deviations). ``top_decile`` is the exact cut-off of a
    continuous score's top 10% (None for an exact score: read off the values).
    Every score in a bin is at least ``low``, so "score >= low" flags whole bins.
    """

    table: pd.DataFrame
    attributes: tuple[str, ...]
    exact: bool
    top_decile: float | None = None
    # sums already taken: every analysis asks for the same few (the cube never changes)
    _sums: dict[Any, pd.DataFrame] = field(default_factory=dict, compare=False, repr=False)

    def groups(self, attribute: str, by: Sequence[str] = ()) -> pd.DataFrame:
        """Rows and score sums per group of ``attribute`` (or everyone), bin and ``by``.

        ``attribute`` may be :data:`OVERALL`, which gives one group ``"(all)"``.
        Do not modify the table returned: it is shared between callers.
        """
        key = (attribute, tuple(by))
        if key not in self._sums:
            self._sums[key] = self._groups(attribute, by)
        return self._sums[key]

    def _groups(self, attribute: str, by: Sequence[str]) -> pd.DataFrame:
        t = self.table
        keys = [*by, "bin", "low", "high"]
        if attribute == OVERALL:
            t = t.assign(__g="(all)")
            attribute = "__g"
        out = t.groupby([attribute, *keys], sort=True, observed=True)[
            ["rows", "w", "w2", "score_sum", "score_sq_sum"]
        ].sum()
        return out.reset_index().rename(columns={attribute: "group"})

    def histogram(self) -> ScoreHistogram:
        """People per attribute, group and score bin (everyone first)."""
        parts = []
        for attr in (OVERALL, *self.attributes):
            g = self.groups(attr)
            g = g.assign(_m=g["group"] == MISSING_GROUP).sort_values(
                ["_m", "group", "bin"], kind="stable"
            )
            parts.append(
                pd.DataFrame(
                    {
                        "attribute": attr,
                        "group": g["group"].to_numpy(),
                        "low": g["low"].to_numpy(dtype=float),
                        "high": g["high"].to_numpy(dtype=float),
                        "count": g["rows"].to_numpy(dtype=np.int64),
                    }
                )
            )
        return ScoreHistogram(pd.concat(parts, ignore_index=True), self.exact)


def score_cube(cells: pd.DataFrame, attributes: Sequence[str], binning: ScoreBinning) -> ScoreCube:
    """Sum the one pass's cells (``__bin``, ``__cut``, ``__s``, ``__s2``) into a cube.

    Rows whose score is missing (no bin) and cells of nobody (a table of patterns'
    rows of count 0) are left out.
    """
    # a row of count 0 stands for nobody: its bin (maybe a score of nobody) is left out
    scored = cells[cells["__bin"].notna()]
    keys = [*attributes, "flagged", "investigated", "outcome", "__bin", "__cut"]
    t = (
        scored.groupby(keys, sort=True, observed=True)[["rows", "w", "w2", "__s", "__s2"]]
        .sum()
        .reset_index()
        .rename(columns={"__s": "score_sum", "__s2": "score_sq_sum"})
    )
    t = t[t["rows"] > 0]
    pairs = t[["__bin", "__cut"]].drop_duplicates().sort_values(["__bin", "__cut"])
    bounds = [
        binning.bounds(b, int(c)) for b, c in zip(pairs["__bin"], pairs["__cut"], strict=True)
    ]
    pairs = pairs.assign(
        bin=np.arange(len(pairs)),
        low=[b[0] for b in bounds],
        high=[b[1] for b in bounds],
    )
    t = t.merge(pairs, on=["__bin", "__cut"]).drop(columns=["__bin", "__cut"])
    t["rows"] = t["rows"].astype(np.int64)
    columns = [*attributes, *CUBE_COLUMNS]
    return ScoreCube(
        t[columns].reset_index(drop=True), tuple(attributes), binning.exact, binning.top_decile
    )
