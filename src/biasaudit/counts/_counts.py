"""Count tables: the interface between the data and every metric.

Everything after the one pass over the rows works on these small per-group tables of
counts (DESIGN.md §5), so records and aggregated tables are audited alike. This module
is the one place where the confusion cells (TP, FP, FN, TN and the unknown-outcome
cells) are defined and summed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd

from ..spec import MISSING_GROUP, intersection_name

#: Count cells of every count table, in this order.
COUNT_COLUMNS = (
    "rows",
    "n",
    "flagged",
    "investigated",
    "tp",
    "fp",
    "fn",
    "tn",
    "flagged_unlabelled",
    "unflagged_unlabelled",
)
#: The six cells that partition every group's people: known outcomes by flag, and the
#: flagged and unflagged whose outcome is unknown.
PARTITION = ("tp", "fp", "fn", "tn", "flagged_unlabelled", "unflagged_unlabelled")
_COMPOSITE = {
    "n": PARTITION,
    "expected_flagged": PARTITION,  # n_g times a constant
    "flagged": ("tp", "fp", "flagged_unlabelled"),
}
OVERALL = "(overall)"
ALL = "(all)"


def partition_cells(names: Sequence[str]) -> frozenset[str]:
    """The :data:`PARTITION` cells summed into the count cells ``names``.

    Examples
    --------
    >>> sorted(partition_cells(["flagged"]))
    ['flagged_unlabelled', 'fp', 'tp']
    """
    out: set[str] = set()
    for name in names:
        out.update(_COMPOSITE.get(name, (name,)))
    return frozenset(out)


def completion(
    names: Sequence[str], flagged_guilty: bool, unflagged_guilty: bool
) -> frozenset[str]:
    """The partition cells of the count cells ``names`` once every unknown outcome is
    filled in one extreme way (selective labels: worst and best cases).

    ``flagged_guilty``: the flagged with unknown outcome count as TP (else FP);
    ``unflagged_guilty``: the unflagged with unknown outcome count as FN (else TN).

    Examples
    --------
    >>> sorted(completion(["fp", "tn"], False, True))
    ['flagged_unlabelled', 'fp', 'tn']
    """
    cells = partition_cells(names)
    out = set(cells) - {"flagged_unlabelled", "unflagged_unlabelled"}
    if ("tp" if flagged_guilty else "fp") in cells:
        out.add("flagged_unlabelled")
    if ("fn" if unflagged_guilty else "tn") in cells:
        out.add("unflagged_unlabelled")
    return frozenset(out)


@dataclass(frozen=True)
class CountTable:
    """Per-group counts: the interface between the data and every metric.

    ``table`` has the columns ``attribute, group`` and :data:`COUNT_COLUMNS`; its
    first row is the whole population (attribute ``"(overall)"``, group ``"(all)"``).
    Counts are weighted sums when ``weighted`` (``rows`` is always a row count);
    ``squares`` then holds the sums of squared weights, cell by cell, for Kish's
    effective sample size. ``base`` is the finest table of cells the counts were
    summed from (None for aggregated input): disclosure control solves against it.
    With an ``amount`` role, ``amounts`` holds the amount summed over the people of
    each cell (same layout as ``table``; times the weight when weighted) and
    ``amount_squares`` the sums of squared amounts, for the amounts' intervals.
    """

    table: pd.DataFrame
    weighted: bool = False
    squares: pd.DataFrame | None = None
    base: pd.DataFrame | None = field(default=None, repr=False)
    amounts: pd.DataFrame | None = field(default=None, repr=False)
    amount_squares: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def overall(self) -> pd.Series:
        """Counts of the whole population (the first row)."""
        return self.table.iloc[0]

    def attributes(self) -> list[str]:
        """Attributes and intersections in the table, in order (overall excluded)."""
        names = self.table["attribute"].drop_duplicates().tolist()
        return [a for a in names if a != OVERALL]


def _cell_counts(cells: pd.DataFrame, weight: pd.Series) -> pd.DataFrame:
    """Each count cell of :data:`COUNT_COLUMNS` as ``weight`` times an indicator."""
    f, o, w = cells["flagged"] == 1, cells["outcome"], weight
    return pd.DataFrame(
        {
            "rows": cells["rows"],
            "n": w,
            "flagged": w * f,
            "investigated": w * (cells["investigated"] == 1),
            "tp": w * (f & (o == 1)),
            "fp": w * (f & (o == 0)),
            "fn": w * (~f & (o == 1)),
            "tn": w * (~f & (o == 0)),
            "flagged_unlabelled": w * (f & (o < 0)),
            "unflagged_unlabelled": w * (~f & (o < 0)),
        }
    )


def _sum_by_group(
    cnt: pd.DataFrame,
    codes: dict[str, np.ndarray],
    combos: Sequence[tuple[str, ...]],
    levels: dict[str, list[str]],
) -> pd.DataFrame:
    """Sum the count columns of ``cnt`` by each combination of attributes (numpy)."""
    values = cnt[list(COUNT_COLUMNS)].to_numpy(dtype=float)
    parts = [
        pd.DataFrame([{"attribute": OVERALL, "group": ALL, **cnt[list(COUNT_COLUMNS)].sum()}])
    ]
    for combo in combos:
        shape = tuple(len(levels[a]) for a in combo)
        flat = np.ravel_multi_index(tuple(codes[a] for a in combo), shape)
        size = int(np.prod(shape))
        sums = np.column_stack(
            [
                np.bincount(flat, weights=values[:, j], minlength=size)
                for j in range(values.shape[1])
            ]
        )
        part = pd.DataFrame(sums, columns=list(COUNT_COLUMNS))
        labels = [intersection_name(k) for k in product(*(levels[a] for a in combo))]
        part.insert(0, "group", labels)
        part.insert(0, "attribute", intersection_name(combo))
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table["rows"] = table["rows"].astype("int64")
    return table


def count_table(
    cells: pd.DataFrame,
    attributes: Sequence[str],
    intersections: Sequence[Sequence[str]] = (),
    *,
    weighted: bool = False,
    levels: Mapping[str, Sequence[str]] | None = None,
) -> CountTable:
    """Sum base cells into counts per group, per attribute and per intersection.

    ``cells`` has one row per combination of the attributes and ``flagged`` (1/0),
    ``investigated`` (1/0), ``outcome`` (1, 0 or -1 for unknown), with ``rows``,
    ``w`` (the weighted count) and, when weighted, ``w2`` (sum of squared weights).
    Intersections list every combination of the levels seen, including empty ones
    (all counts 0). ``levels`` gives an attribute's groups instead of the ones seen
    (one period's counts keep the groups of every period, empty ones as rows).
    With ``a`` and ``a2`` (an amount and its square, summed with the weights), the
    amounts are summed per cell too.
    """
    combos = [(a,) for a in attributes] + [tuple(c) for c in intersections]
    given = dict(levels or {})
    ordered = {
        a: list(given[a]) if a in given else _ordered(cells[a].unique()) for a in attributes
    }
    codes = {
        a: pd.Categorical(cells[a], categories=ordered[a]).codes.astype(np.int64)
        for a in attributes
    }
    table = _sum_by_group(_cell_counts(cells, cells["w"]), codes, combos, ordered)
    squares = None
    if weighted:
        squares = _sum_by_group(_cell_counts(cells, cells["w2"]), codes, combos, ordered)
    else:
        for c in COUNT_COLUMNS:
            table[c] = table[c].astype("int64")
    amounts = amount_squares = None
    if "a" in cells and "a2" in cells:
        amounts = _sum_by_group(_cell_counts(cells, cells["a"]), codes, combos, ordered)
        amount_squares = _sum_by_group(_cell_counts(cells, cells["a2"]), codes, combos, ordered)
    return CountTable(
        table,
        weighted=weighted,
        squares=squares,
        base=cells,
        amounts=amounts,
        amount_squares=amount_squares,
    )


def _ordered(values: np.ndarray) -> list[str]:
    return sorted(values, key=lambda v: (v == MISSING_GROUP, v))
