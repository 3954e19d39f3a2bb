"""Disclosure control of the score tables, through the one recoverability check.

Every count a score table publishes is a sum of one group's people in a range of
score bins, split by outcome status (fraud found, none found, unknown): a decile, a
calibration bin, everyone at or above a cut-off, the threshold sweep's confusion
cells above and below each threshold. So each attribute is one block of
:mod:`._solver` whose cells are (group, score interval) and whose layers are the three
outcome statuses; a published row is a sum over a range of intervals. Withholding is
per row (a decile, a calibration bin, a threshold), not per group: a small count in
one calibration bin withholds that bin and its complements, not the group's AUC.

For a score counted value by value (exact), the mean and standard deviation of a
group, and the mean score of a calibration bin, are exact linear sums over the
values and are part of the system; a binned score's means are not sums of counts.
Quantiles and other statistics that are not sums are governed by the
``2 * min_cell`` people rule of the score analyses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..counts import ALL, OVERALL, PARTITION
from ..spec import metric as metric_spec
from ._results import _plan
from ._solver import Block, Problem, solve

#: Outcome statuses (the layers): fraud found, none found, outcome unknown.
STATUSES = ("positive", "negative", "unknown")
_ALL3 = np.ones(3, bool)
_PEOPLE, _FINE = 2, 1  # ranks: a range's people vs. its split by outcome
_REFERENCE = 1  # one step dearer: the other groups' rows are compared with its
#: What complementary suppression spares first: the tables readers rely on most.
_PRIORITY = {
    "sweep": 0,
    "what_if": 0,
    "excess": 1,
    "deciles": 1,
    "calibration": 2,
    "calibration_gap": 3,
    "auc": 3,
    "distribution": 3,
    "quantiles": 3,
}


@dataclass(frozen=True)
class ScoreBins:
    """The fine score bins of an audit and their people by group and status.

    ``counts[attribute]`` is an array groups x bins x 3 (positive, negative, unknown);
    ``groups[attribute]`` names its rows; ``low`` / ``high`` each bin's score range;
    ``exact`` says the score is counted value by value.
    """

    groups: Mapping[str, Sequence[str]]
    counts: Mapping[str, np.ndarray]
    low: np.ndarray
    high: np.ndarray
    exact: bool


class _Sums:
    """Published sums of one audit: (attribute, group, first bin, last bin) x status."""

    def __init__(self, bins: ScoreBins) -> None:
        self.bins = bins
        self.rows: dict[str, list[list[tuple[tuple, int]]]] = {}
        self.sums: dict[tuple, dict[bytes, tuple[np.ndarray, int]]] = {}
        self.moments: dict[tuple, np.ndarray] = {}  # key -> weight per fine bin
        self.priority: dict[tuple, int] = {}  # key -> how much its tables matter

    def key(self, attribute: str, group: str, first: int, last: int) -> tuple:
        if attribute == OVERALL:
            return (OVERALL, ALL, first, last)
        return (attribute, group, first, last)

    def add(self, table: str, row: list[tuple[tuple, np.ndarray]]) -> None:
        out = []
        weight = _PRIORITY.get(table, 0)
        for key, status in row:
            self.priority[key] = max(self.priority.get(key, 0), weight)
            if first_last_empty(key) or not status.any():
                continue
            rank = _PEOPLE if status.all() else _FINE
            self.sums.setdefault(key, {})[status.tobytes()] = (status, rank)
            out.append((key, rank))
        self.rows.setdefault(table, []).append(out)

    def moment(self, key: tuple, weights: np.ndarray, status: np.ndarray) -> tuple:
        self.moments[key] = weights
        self.sums.setdefault(key, {})[status.tobytes()] = (status, _FINE)
        return key


def first_last_empty(key: tuple) -> bool:
    return len(key) == 4 and key[2] > key[3]


def score_suppression(
    bins: ScoreBins,
    tables: Mapping[str, pd.DataFrame],
    *,
    min_cell: int,
    decile_of: np.ndarray,
    calibration_of: np.ndarray,
    forced: Mapping[tuple[str, str], int] | None = None,
) -> dict[str, np.ndarray]:
    """Which rows of each score table to withhold.

    Parameters
    ----------
    bins : ScoreBins
    tables : mapping
        The score tables by name (``deciles``, ``excess``, ``auc``, ``calibration``,
        ``calibration_gap``, ``distribution``, ``quantiles``, ``what_if``, ``sweep``).
    min_cell : int
    decile_of, calibration_of : numpy.ndarray
        Decile (1-10) and calibration bin of every fine bin.
    forced : mapping, optional
        (attribute, group) -> level already withheld by the results table: 2 for the
        whole group, 1 for its outcome-based counts.

    Returns
    -------
    dict
        Table name -> array of reasons per row: ``""`` (publish), ``"primary"`` (a
        count below ``min_cell``) or ``"complementary"`` (it would reveal one).
    """
    out = {name: np.full(len(t), "", dtype=object) for name, t in tables.items()}
    if min_cell <= 1:
        return out
    nb = len(bins.low)
    full = (0, nb - 1)
    sums = _Sums(bins)

    def above(t: float) -> tuple[int, int]:
        ok = np.flatnonzero(bins.low >= t - 1e-12 * max(1.0, abs(t)))
        return (int(ok[0]), nb - 1) if len(ok) else (nb, nb - 1)

    def where(mask: np.ndarray) -> tuple[int, int]:
        idx = np.flatnonzero(mask)
        return (int(idx[0]), int(idx[-1])) if len(idx) else (nb, nb - 1)

    def one(status: str) -> np.ndarray:
        return np.array([s == status for s in STATUSES])

    labelled = one("positive") | one("negative")

    for r in _records(tables.get("deciles")):
        rng = where(decile_of == r["decile"])
        sums.add(
            "deciles",
            [
                (sums.key(r["attribute"], r["group"], *rng), _ALL3),
                (sums.key(OVERALL, ALL, *rng), _ALL3),
                (sums.key(r["attribute"], r["group"], *full), _ALL3),
                (sums.key(OVERALL, ALL, *full), _ALL3),
            ],
        )
    for r in _records(tables.get("excess")):
        rng = above(r["threshold"])
        sums.add(
            "excess",
            [
                (sums.key(r["attribute"], r["group"], *rng), _ALL3),
                (sums.key(r["attribute"], r["group"], *full), _ALL3),
                (sums.key(OVERALL, ALL, *rng), _ALL3),
                (sums.key(OVERALL, ALL, *full), _ALL3),
            ],
        )
    for r in _records(tables.get("auc")):
        k = sums.key(r["attribute"], r["group"], *full)
        sums.add("auc", [(k, one("positive")), (k, one("negative"))])
    for r in _records(tables.get("calibration")):
        rng = where(calibration_of == r["bin"])
        k = sums.key(r["attribute"], r["group"], *rng)
        row = [(k, one("positive")), (k, labelled)]
        if bins.exact:  # the bin's mean score: a sum over its values
            weights = np.where(
                (np.arange(nb) >= rng[0]) & (np.arange(nb) <= rng[1]), bins.low, 0.0
            )
            row.append((sums.moment(("mean", *k), weights, labelled), labelled))
        sums.add("calibration", row)
    for name in ("calibration_gap",):
        for r in _records(tables.get(name)):
            k = sums.key(r["attribute"], r["group"], *full)
            sums.add(name, [(k, labelled)])
    for name in ("distribution", "quantiles"):
        for r in _records(tables.get(name)):
            k = sums.key(r["attribute"], r["group"], *full)
            row = [(k, _ALL3)]
            if bins.exact and name == "distribution":  # mean and sd: sums of scores
                row.append((sums.moment(("mean", *k), bins.low, _ALL3), _ALL3))
                row.append((sums.moment(("square", *k), bins.low**2, _ALL3), _ALL3))
            sums.add(name, row)
    for r in _records(tables.get("what_if")):
        a, g = r["attribute"], r["group"]
        row = [(sums.key(a, g, *full), _ALL3)]
        for column in ("common_threshold", "threshold_needed"):
            t = r.get(column)
            if t is not None and np.isfinite(t):
                row += _threshold_sums(sums, a, g, above(t), full, r["metric"])
        sums.add("what_if", row)
    for r in _records(tables.get("sweep")):
        a, g = r["attribute"], r["group"]
        t = r["threshold"]
        hi = above(t) if np.isfinite(t) else (nb, nb - 1)
        sums.add(
            "sweep",
            _threshold_sums(sums, a, g, hi, full, r["metric"], nan=not np.isfinite(r["value"])),
        )

    # every comparison is with the reference group: withhold it last
    for name in ("distribution", "auc", "calibration_gap"):
        for r in _records(tables.get(name)):
            ref = r.get("reference_group")
            if isinstance(ref, str) and ref:
                for key in list(sums.sums):
                    if key[:2] == (r["attribute"], ref):
                        sums.priority[key] = sums.priority.get(key, 0) + _REFERENCE
    problem = _problem(sums, min_cell, forced or {})
    withheld = solve(problem)
    for name, rows in sums.rows.items():
        reasons = [{withheld.reason(key, rank) for key, rank in row} for row in rows]
        out[name] = np.array(
            [
                "primary" if "primary" in r else ("complementary" if r - {""} else "")
                for r in reasons
            ],
            dtype=object,
        )
    return out


def _threshold_sums(
    sums: _Sums,
    attribute: str,
    group: str,
    hi: tuple[int, int],
    full: tuple[int, int],
    name: str,
    *,
    nan: bool = False,
) -> list[tuple[tuple, np.ndarray]]:
    """The sums a results-table row of ``name`` publishes when flagged = score >= t.

    A sum of confusion cells is split into its part at or above the threshold (TP, FP,
    flagged without outcome) and below it (FN, TN, unflagged without outcome).
    """
    lo = (full[0], hi[0] - 1)

    def mask(cells: frozenset[str]) -> np.ndarray:
        return np.array([c in cells for c in PARTITION])

    rows: list[tuple[tuple, np.ndarray]] = [(sums.key(attribute, group, *full), _ALL3)]
    spec = metric_spec(name)
    for whose, (m, _) in _plan(spec, mask)[nan]:
        cells = frozenset(c for c, keep in zip(PARTITION, m, strict=True) if keep)
        g = (OVERALL, ALL) if whose == "overall" else (attribute, group)
        upper = np.array([c in cells for c in ("tp", "fp", "flagged_unlabelled")])
        lower = np.array([c in cells for c in ("fn", "tn", "unflagged_unlabelled")])
        rows.append((sums.key(*g, *hi), upper))
        rows.append((sums.key(*g, *lo), lower))
    return rows


def _records(table: pd.DataFrame | None) -> list[dict]:
    return [] if table is None or table.empty else table.to_dict("records")


def _problem(sums: _Sums, min_cell: int, forced: Mapping[tuple[str, str], int]) -> Problem:
    """Blocks: each group's score intervals with its ranges, and each range's groups.

    A group's block holds its cells (the score intervals x statuses), every range it
    publishes (and every short range, as a count to protect) and its moments: the
    exact check there catches differences between overlapping ranges of one group
    (two thresholds of the sweep, a decile and a cut-off). A range's block holds that
    range of every group of an attribute with everyone's as their total: complementary
    suppression along that line, as for the results table.
    """
    bins = sums.bins
    nb = len(bins.low)
    # intervals: the fine bins, merged where no published range or moment separates them
    cuts = {0, nb}
    exact_moments = bins.exact and any(k[0] in ("mean", "square") for k in sums.sums)
    if exact_moments:
        cuts |= set(range(nb + 1))
    for key in sums.sums:
        if key[0] not in ("mean", "square"):
            cuts |= {key[2], key[3] + 1}
    edges = sorted(c for c in cuts if 0 <= c <= nb)
    n_int = len(edges) - 1
    interval_of = np.searchsorted(edges, np.arange(nb), side="right") - 1
    longest = n_int if n_int <= 24 else 3  # every range of few intervals, else short ones

    values: dict = {}
    problem_sums: dict = {k: list(v.values()) for k, v in sums.sums.items()}
    blocks: list[Block] = []
    owners = [(OVERALL, ALL, bins.counts[OVERALL][0])]
    for attribute in (a for a in bins.counts if a != OVERALL):
        owners += [
            (attribute, g, bins.counts[attribute][i]) for i, g in enumerate(bins.groups[attribute])
        ]
    by_owner: dict[tuple[str, str], list[tuple]] = {}
    for key in sums.sums:
        owner = key[1:3] if key[0] in ("mean", "square") else key[:2]
        by_owner.setdefault(owner, []).append(key)
    for attribute, group, counts in owners:  # one block per group
        per_interval = np.zeros((n_int, 3))
        np.add.at(per_interval, interval_of, counts)
        cells = tuple((attribute, group, i) for i in range(n_int))
        for i, cell in enumerate(cells):
            values[cell] = per_interval[i]
        members: dict = {c: (i,) for i, c in enumerate(cells)}
        weights: dict = {}
        extra = {
            (attribute, group, int(edges[i]), int(edges[j + 1]) - 1)
            for i in range(n_int)
            for j in range(i, min(n_int, i + longest))
        }
        for key in sorted({*by_owner.get((attribute, group), ()), *extra}, key=str):
            if key[0] in ("mean", "square"):
                first, last = key[3], key[4]
                lo_i, hi_i = int(interval_of[first]), int(interval_of[last])
                members[key] = tuple(range(lo_i, hi_i + 1))
                w = sums.moments[key]
                weights[key] = np.array(
                    [float(w[interval_of == i].sum()) for i in range(lo_i, hi_i + 1)]
                )
                values[key] = np.zeros(3)
                continue
            first, last = key[2], key[3]
            lo_i, hi_i = int(interval_of[first]), int(interval_of[last])
            members[key] = tuple(range(lo_i, hi_i + 1))
            values[key] = counts[first : last + 1].sum(axis=0)
        blocks.append(Block(f"{attribute}={group}", cells, members, weights))
    ranges = sorted({k[2:] for k in sums.sums if k[0] not in ("mean", "square")})
    for attribute in (a for a in bins.counts if a != OVERALL):  # one block per range
        for first, last in ranges:
            line = (OVERALL, ALL, first, last)
            of_line = tuple((attribute, g, first, last) for g in bins.groups[attribute])
            if line not in values or not all(c in values for c in of_line):
                continue
            on_line: dict[Any, tuple[int, ...]] = {c: (i,) for i, c in enumerate(of_line)}
            on_line[line] = tuple(range(len(of_line)))
            blocks.append(Block(f"{attribute} {first}-{last}", of_line, on_line))
    start = {(a, g, 0, nb - 1): level for (a, g), level in forced.items() if level > 0}
    return Problem(
        layers=STATUSES,
        values=values,
        sums=problem_sums,
        blocks=blocks,
        min_cell=min_cell,
        max_rank=_PEOPLE,
        forced={k: min(v, _PEOPLE) for k, v in start.items() if k in problem_sums},
        priority=sums.priority,
    )
