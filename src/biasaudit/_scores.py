"""Risk scores by group: per-attribute score histograms and the quantiles read off them.

Counts are the interface here too: the rows are grouped once per attribute by score bin
(on whatever engine holds them), and everything after works on those small tables.
A score with at most :data:`EXACT_LIMIT` distinct values is counted value by value, so
its quantiles are exact; a continuous score goes into :data:`BINS` equal-width bins
between its minimum and maximum, and quantiles are interpolated within a bin (off by
at most one bin width).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import narwhals as nw
import numpy as np
import pandas as pd

from ._aggregate import _keys
from ._counts import OVERALL
from ._io import Records
from ._spec import MISSING_GROUP, AuditSpec

BINS = 200
EXACT_LIMIT = 200
#: Quantiles summarised per group.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


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
            cum = np.cumsum(count)
            row = {"attribute": attribute, "group": group, "n": int(n)}
            row["mean"] = float(np.sum(count * (low + high) / 2) / n) if n else np.nan
            for p in probs:
                key = f"q{round(p * 100):d}"
                if not n:
                    row[key] = np.nan
                    continue
                i = int(np.searchsorted(cum, p * n - 1e-9))
                if self.exact:
                    row[key] = float(low[i])
                else:
                    before = cum[i] - count[i]
                    share = (p * n - before) / count[i] if count[i] else 0.0
                    row[key] = float(low[i] + share * (high[i] - low[i]))
            rows.append(row)
        return pd.DataFrame(rows)


def score_histograms(records: Records, spec: AuditSpec) -> ScoreHistogram | None:
    """Histograms of ``roles.score`` per protected attribute (None without a score).

    Rows with a missing score are left out; rows with a missing protected value form
    the ``(missing)`` group, or are left out with ``missing = "drop"``.
    """
    col = spec.roles.score
    if col is None:
        return None
    frame = records.frame.filter(~nw.col(col).is_null())
    stats = frame.select(
        nw.col(col).min().alias("lo"),
        nw.col(col).max().alias("hi"),
        nw.col(col).n_unique().alias("distinct"),
    )
    stats = stats.collect() if isinstance(stats, nw.LazyFrame) else stats
    lo, hi, distinct = stats.to_pandas().iloc[0]
    if pd.isna(lo):
        return None
    exact = int(distinct) <= EXACT_LIMIT
    width = (float(hi) - float(lo)) / BINS or 1.0
    key = (
        nw.col(col)
        if exact
        else ((nw.col(col) - float(lo)) / width).floor().clip(0, BINS - 1).cast(nw.Int64)
    ).alias("__bin")
    parts = []
    for attr in spec.attributes:
        grouped = (
            frame.with_columns(key)
            .group_by(attr, "__bin", drop_null_keys=False)
            .agg(nw.len().alias("count"))
        )
        grouped = grouped.collect() if isinstance(grouped, nw.LazyFrame) else grouped
        raw = grouped.to_pandas()
        labels = _keys(raw[attr])
        if spec.missing == "drop":
            raw, labels = raw[labels.notna()], labels[labels.notna()]
        b = raw["__bin"].to_numpy(dtype=float)
        parts.append(
            pd.DataFrame(
                {
                    "attribute": attr,
                    "group": labels.fillna(MISSING_GROUP).to_numpy(),
                    "low": b if exact else float(lo) + b * width,
                    "high": b if exact else float(lo) + (b + 1) * width,
                    "count": raw["count"].to_numpy(dtype=np.int64),
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    table = table.groupby(["attribute", "group", "low", "high"], as_index=False, sort=True)[
        "count"
    ].sum()
    # attributes in the audit's order, "(missing)" last, as in the results table
    table = table.assign(
        _a=table["attribute"].map({a: i for i, a in enumerate(spec.attributes)}),
        _m=table["group"] == MISSING_GROUP,
    )
    table = table.sort_values(["_a", "_m", "group", "low"], kind="stable")
    table = table.drop(columns=["_a", "_m"]).reset_index(drop=True)
    everyone = table[table["attribute"] == spec.attributes[0]]
    overall = everyone.groupby(["low", "high"], as_index=False)["count"].sum()
    overall.insert(0, "group", "(all)")
    overall.insert(0, "attribute", OVERALL)
    return ScoreHistogram(pd.concat([overall, table], ignore_index=True), exact)
