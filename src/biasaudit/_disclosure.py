"""Disclosure control for published tables: small counts and their complements.

Rule (DESIGN.md §4): a count of 1 to ``min_cell - 1`` people that a row would publish
(its group size, numerator, denominator, or a count behind its worst/best-case bounds)
is suppressed, with every rate, bound and comparison built on it (primary
suppression). Zeros are published: an empty cell says nothing about a person. Then
complementary suppression: every count a row publishes is a sum of cells of the
finest table of people (protected attributes x flagged x outcome), and a suppressed
count must not be computable exactly from the published sums, through margins,
totals or differences. The check is linear algebra: a hidden count is recoverable exactly when
its vector of cells lies in the span of the published vectors. While any small count
is recoverable, the published sum with the smallest count that shares cells with it
is withheld too, everywhere it appears.

Counts that can be narrowed to a range but not computed exactly are not protected
further (no interval-disclosure control).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._counts import (
    ALL,
    OVERALL,
    PARTITION,
    CountTable,
    completion,
    count_table,
    partition_cells,
)
from ._metrics import COMPARISON_COLUMNS, TABLE_COLUMNS
from ._registry import MetricSpec
from ._spec import INTERSECTION_SEP

#: Columns blanked in a suppressed row (the value and the counts behind it) and, when
#: the reference group is suppressed, the comparison columns (test name aside).
ROW_VALUES = TABLE_COLUMNS[TABLE_COLUMNS.index("value") : TABLE_COLUMNS.index("n") + 1]
COMPARISON_VALUES = COMPARISON_COLUMNS


def _variables(counts: CountTable) -> pd.DataFrame:
    """Finest cells (attribute levels x outcome cell) with their counts."""
    base = counts.base
    assert base is not None
    attrs = [a for a in counts.attributes() if INTERSECTION_SEP not in a]
    f, o = base["flagged"] == 1, base["outcome"]
    cell = np.select(
        [f & (o == 1), f & (o == 0), ~f & (o == 1), ~f & (o == 0), f & (o < 0)],
        list(PARTITION[:5]),
        default=PARTITION[5],
    )
    # people, not weights: a zero-weight person is still a person to protect
    var = base.assign(cell=cell).groupby([*attrs, "cell"], observed=True)["rows"].sum()
    var = var.reset_index().rename(columns={"rows": "count"})
    # empty cells are left out, as if known to be empty: the cautious choice
    return var[var["count"] > 0].reset_index(drop=True)


def suppression(
    table: pd.DataFrame, counts: CountTable, specs: Sequence[MetricSpec], min_cell: int
) -> pd.Series:
    """Why each row of the results table must not be published ("" = publish).

    Values: ``"primary"`` (a count of 1 to ``min_cell - 1``) or ``"complementary"``
    (would let a suppressed count be computed).
    """
    reason = pd.Series("", index=table.index, dtype=object)
    if min_cell <= 0 or table.empty:
        return reason
    if counts.base is None:  # never publish unchecked: say so instead
        raise ValueError(
            "disclosure control needs the finest table of people the counts were summed "
            "from (CountTable.base); this count table has none. Got base=None with "
            f"min_cell={min_cell}. Pass min_cell=0 for an unpublished, restricted view."
        )
    people = _people(counts)  # the rule counts people, not weights
    cell_counts = people[list(PARTITION)].to_numpy(float)
    row_of = {
        key: i for i, key in enumerate(zip(people["attribute"], people["group"], strict=True))
    }
    structural = {c for j, c in enumerate(PARTITION) if cell_counts[0, j] == 0}
    column = {c: j for j, c in enumerate(PARTITION)}
    combos: dict[tuple[str, str, frozenset[str]], int] = {}
    values: list[float] = []

    def combo(attribute: str, group: str, cells: frozenset[str]) -> int | None:
        cells = cells - structural
        if not cells:
            return None
        key = (attribute, group, cells)
        if key not in combos:
            combos[key] = len(values)
            row = cell_counts[row_of[(attribute, group)]]
            values.append(float(sum(row[column[c]] for c in cells)))
        return combos[key]

    by_name = {s.name: s for s in specs}
    row_combos: list[list[int]] = []
    for attribute, group, name, value in table[
        ["attribute", "group", "metric", "value"]
    ].itertuples(index=False):
        spec = by_name[name]
        ids: list[int | None] = [combo(attribute, group, frozenset(PARTITION))]
        if not np.isnan(value):
            ids += [combo(attribute, group, partition_cells(spec.numerator))]
            if spec.scope == "overall":  # e.g. share_of_flagged: flagged_all / ...
                ids += [combo(OVERALL, ALL, partition_cells(spec.denominator))]
            elif "expected_flagged" in spec.denominator:  # n_g * flagged_all / n_all
                ids += [combo(OVERALL, ALL, partition_cells(["flagged"]))]
                ids += [combo(OVERALL, ALL, frozenset(PARTITION))]
            else:
                ids += [combo(attribute, group, partition_cells(spec.denominator))]
        if spec.kind != "decision":  # the worst/best-case bounds publish the corners too
            for guilty, unflagged_guilty in ((0, 0), (0, 1), (1, 0), (1, 1)):
                for names in (spec.numerator, spec.denominator):
                    cells = completion(names, bool(guilty), bool(unflagged_guilty))
                    ids += [combo(attribute, group, cells)]
        row_combos.append(sorted({i for i in ids if i is not None}))
    n_published = len(values)
    # Counts that must not be computable, published or not: every sum of a group's
    # partition cells (e.g. "3 flagged with no outcome", "3 not flagged") of 1..min_cell-1.
    live = [c for c in PARTITION if c not in structural]
    subsets = [
        frozenset(c for j, c in enumerate(live) if mask >> j & 1)
        for mask in range(1, 2 ** len(live))
    ]
    sums = (
        cell_counts[:, [column[c] for c in live]]
        @ np.array([[1.0 if c in s else 0.0 for c in live] for s in subsets]).T
    )
    for i, j in zip(*np.nonzero((sums >= 1) & (sums < min_cell)), strict=True):
        combo(str(people["attribute"].iat[i]), str(people["group"].iat[i]), subsets[j])
    val = np.array(values)
    small = (val >= 1) & (val < min_cell)
    if not small.any():  # the common case for large groups: no linear algebra needed
        return reason
    keys = list(combos)
    candidate = np.arange(len(keys)) < n_published  # sums some row publishes
    vec = _vectors(counts, keys)
    withheld = small & candidate
    overall = np.array([key[0] == OVERALL for key in keys])
    for _ in range(len(vec)):
        published = candidate & ~withheld
        basis = _row_basis(vec[published])
        targets = np.flatnonzero(small)
        residual = vec[targets] - (vec[targets] @ basis.T) @ basis if len(basis) else vec[targets]
        exposed = targets[np.linalg.norm(residual, axis=1) < 1e-6]
        if not len(exposed):
            break
        # one exposed count per group per round (smallest first): groups far apart do
        # not interact, and one round per count would take an SVD-like step each
        seen: set[tuple[str, str]] = set()
        for target in exposed[np.argsort(val[exposed], kind="stable")]:
            if keys[target][:2] not in seen:
                seen.add(keys[target][:2])
                withheld |= _complement(target, keys, published, vec, val, overall, structural)
    for i, used in enumerate(row_combos):
        hit = [j for j in used if withheld[j]]
        if hit:
            reason.iloc[i] = "primary" if any(small[j] for j in hit) else "complementary"
    return reason


def _people(counts: CountTable) -> pd.DataFrame:
    """Per-group counts of people (row counts), whatever the weights."""
    if not counts.weighted:
        return counts.table
    assert counts.base is not None
    names = counts.attributes()
    attributes = [a for a in names if INTERSECTION_SEP not in a]
    intersections = [a.split(INTERSECTION_SEP) for a in names if INTERSECTION_SEP in a]
    base = counts.base.assign(w=counts.base["rows"].astype(float))
    return count_table(base, attributes, intersections).table


def _vectors(counts: CountTable, keys: list[tuple[str, str, frozenset[str]]]) -> np.ndarray:
    """Each sum as a vector whose span relations equal those over the finest cells.

    A sum over (group, set of partition cells) is, over the finest cells of people,
    the sum of one group-membership vector per partition cell. For each partition
    cell the membership vectors of all groups span a space of dimension at most the
    number of groups; expressing every vector in an orthonormal basis of that space
    keeps every linear relation (so "can this count be computed" is answered the
    same) with far fewer coordinates than there are finest cells.
    """
    var = _variables(counts)
    groups = list(dict.fromkeys((a, g) for a, g, _ in keys))
    index = {key: i for i, key in enumerate(groups)}
    member = np.ones((len(groups), len(var)), dtype=bool)
    for i, (attribute, group) in enumerate(groups):
        if attribute != OVERALL:
            pairs = zip(
                attribute.split(INTERSECTION_SEP), group.split(INTERSECTION_SEP), strict=True
            )
            for a, g in pairs:
                member[i] &= (var[a] == g).to_numpy()
    blocks: dict[str, np.ndarray] = {}
    for cell in PARTITION:
        of_cell = (var["cell"] == cell).to_numpy()
        if of_cell.any():
            blocks[cell] = (
                member[:, of_cell].astype(float) @ _row_basis(member[:, of_cell].astype(float)).T
            )
    offsets, width = {}, 0
    for cell, block in blocks.items():
        offsets[cell] = width
        width += block.shape[1]
    out = np.zeros((len(keys), width))
    for i, (attribute, group, cells) in enumerate(keys):
        row = index[(attribute, group)]
        for cell in cells:
            if cell in blocks:
                block = blocks[cell]
                out[i, offsets[cell] : offsets[cell] + block.shape[1]] += block[row]
    return out


def _complement(
    target: int,
    keys: list[tuple[str, str, frozenset[str]]],
    published: np.ndarray,
    vec: np.ndarray,
    val: np.ndarray,
    overall: np.ndarray,
    structural: set[str],
) -> np.ndarray:
    """Sums to withhold next so that the small count ``target`` is no longer exposed.

    In order: the outcome sums of the target's own group (its outcome-based rates go
    together); then those of the smallest other group of the same attribute (classic
    complementary suppression along a margin); then the smallest sum that takes part
    in recovering it. Group sizes and flagged counts (the decision) are only withheld
    in that last step.
    """
    attribute, group = keys[target][:2]
    decision = {
        frozenset(partition_cells(["n"]) - structural),
        frozenset(partition_cells(["flagged"]) - structural),
    }
    outcome = np.array([k[2] not in decision for k in keys]) & published

    def sums_of(g: str) -> np.ndarray:
        return outcome & np.array([k[0] == attribute and k[1] == g for k in keys])

    same = sums_of(group)
    if same.any():
        return same
    others = {k[1] for k, o in zip(keys, outcome, strict=True) if o and k[0] == attribute}
    if others:
        size = {g: val[sums_of(g)].max() for g in others}
        return sums_of(min(sorted(others), key=size.__getitem__))
    rows = np.flatnonzero(published)
    x, *_ = np.linalg.lstsq(vec[rows].T, vec[target], rcond=None)
    used = np.zeros(len(vec), dtype=bool)
    used[rows[np.abs(x) > 1e-9]] = True
    pick = next(i for i in np.lexsort((val, overall)) if used[i])
    out = np.zeros(len(vec), dtype=bool)
    out[pick] = True
    return out


def _row_basis(matrix: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the row space of ``matrix`` (eigenvectors of its Gram matrix,
    much faster than an SVD when there are more rows than columns)."""
    if not len(matrix):
        return np.zeros((0, matrix.shape[1] if matrix.ndim == 2 else 0))
    values, vectors = np.linalg.eigh(matrix.T @ matrix)
    keep = values > max(values.max(), 1.0) * 1e-10
    return vectors[:, keep].T


def published(table: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """The table as it may be published: suppressed rows blanked, with the reason.

    Comparisons with a suppressed reference group are blanked as well.
    """
    out = table.copy()
    hidden = out["suppressed"].to_numpy(bool)
    if not hidden.any():
        return out
    out.loc[hidden, ROW_VALUES] = np.nan
    out.loc[hidden, COMPARISON_VALUES] = np.nan
    out.loc[hidden, "test"] = ""
    # several datasets side by side: a comparison is within its own dataset
    scope = out["dataset"] if "dataset" in out else pd.Series("", index=out.index)
    hidden_keys = set(
        zip(
            scope[hidden],
            out.loc[hidden, "attribute"],
            out.loc[hidden, "group"],
            out.loc[hidden, "metric"],
            strict=True,
        )
    )
    ref_hidden = np.array(
        [
            (d, a, r, m) in hidden_keys
            for d, a, r, m in zip(
                scope, out["attribute"], out["reference_group"], out["metric"], strict=True
            )
        ]
    )
    out.loc[ref_hidden & ~hidden, COMPARISON_VALUES] = np.nan
    out.loc[ref_hidden, "reference_group"] = None  # its name could tell its rank
    out.loc[ref_hidden & ~hidden, "test"] = ""
    note = f"suppressed: a count of fewer than {min_cell} people, or a count that would reveal one"
    out.loc[hidden, "note"] = note
    out.loc[ref_hidden & ~hidden, "note"] = out.loc[ref_hidden & ~hidden, "note"].map(
        lambda s: (
            (s + "; " if s else "")
            + "comparison suppressed: the reference group's counts are suppressed"
        )
    )
    return out
