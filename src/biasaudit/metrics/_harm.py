"""Harm counts: people (or an amount) of a group beyond what its reference group's rate
would give (the registry's :data:`~biasaudit.spec.HARM_METRICS`).

Each harm count is read off the rows of its rate (:attr:`HarmSpec.rate`), which the
table computes anyway: with ``O`` the group's numerator, ``D`` its denominator and
``p_r`` the reference group's rate (or everyone else's, one-vs-rest)::

    excess = O - D x p_r = D x (p_g - p_r)        shortfall = -excess

* interval: ``D`` times the interval of the rate's difference to the reference
  (Newcombe's hybrid score interval; Kish's effective counts when weighted), ``D``
  held fixed: an interval for ``D x (pi_g - pi_r)``, the excess that the system's
  rates produce among the group's people. The test is the rate's own (the same
  p-value: an excess of 0 is a difference of 0).
* selective labels: where the rate is not identifiable, the value is NaN and the
  bounds are the smallest and largest excess over every filling-in of the group's
  unknown outcomes (the vertices of :func:`~biasaudit.metrics._metrics._completions`)
  and every reference rate within the reference's bounds (the excess is linear in
  the reference rate, so its ends suffice).
* amounts (``amount`` role): ``O`` is the amount over the numerator's people and
  ``p_r`` the reference's amount per person of its denominator; the interval is ``D``
  times a normal interval for the difference of the two mean amounts per person
  (variances from the sums of squared amounts, Kish's effective n when weighted). No
  test: the p-values stay those of the rates. Where the people behind the amount
  are not known (flagged with no known outcome), the bounds are outer bounds.
* undefined (the group's or the reference's denominator is 0, or the reference's
  rate undefined): NaN with a warning, never 0. The reference group's own row is 0
  (its excess over itself), with no interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..counts import OVERALL, CountTable, partition_cells
from ..spec import REST_GROUP, HarmSpec, StatsOptions


def _z(confidence: float) -> float:
    from scipy import stats  # scipy on first use: importing biasaudit stays quick

    return float(stats.norm.ppf(0.5 + confidence / 2))


def _sums(frame: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """Each row's sum of the partition cells behind the count cells ``names``."""
    cells = sorted(partition_cells(names))
    return frame[cells].to_numpy(dtype=float).sum(axis=1)


def harm_rows(
    rates: pd.DataFrame,
    counts: CountTable,
    specs: Sequence[HarmSpec],
    vertices: Mapping[str, np.ndarray],
    options: StatsOptions,
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The rows of the harm counts ``specs``, from the rows of their rates.

    Parameters
    ----------
    rates : pandas.DataFrame
        The compared rate rows (every column of the results table, and the reference
        rate's bounds as ``_rlo``, ``_rhi``), one per count-table row and rate.
    counts : CountTable
        The counts (``amounts`` for the amount counts).
    specs : sequence of HarmSpec
    vertices : mapping
        Partition cells at every admissible filling-in of the unknown outcomes, shape
        (candidates, count-table rows).
    options : StatsOptions

    Returns
    -------
    rows : pandas.DataFrame
        The results table's columns (and ``_rlo``, ``_rhi``).
    undefined : dict
        Per metric, the groups whose count is undefined.
    """
    table = counts.table
    position = {
        key: i for i, key in enumerate(zip(table["attribute"], table["group"], strict=True))
    }
    z = _z(options.confidence)
    parts, undefined = [], {}
    for spec in specs:
        rows = rates[(rates["metric"] == spec.rate) & (rates["attribute"] != OVERALL)]
        rows = rows.reset_index(drop=True)
        at = np.array(
            [position[k] for k in zip(rows["attribute"], rows["group"], strict=True)], dtype=int
        )
        if spec.amount:
            out = _amount(rows, at, counts, spec, vertices, z)
            out["test"], out["p_value"], out["p_adjusted"] = "", np.nan, np.nan
        else:
            out = _people(rows, at, spec, vertices)
        out["metric"] = spec.name
        own = (rows["group"] == rows["reference_group"]).to_numpy()
        out.loc[own, ["value", "lower_bound", "upper_bound"]] = 0.0
        out.loc[own, ["ci_low", "ci_high"]] = np.nan
        out.loc[own, "note"] = ""
        empty = out["value"].isna() & out["lower_bound"].isna()
        if empty.any():
            labels = rows["attribute"] + " = " + rows["group"]
            undefined[spec.name] = list(labels[empty.to_numpy()])
        parts.append(out)
    return pd.concat(parts, ignore_index=True), undefined


def _frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The columns a harm row shares with its rate's row (test included)."""
    out = rows[
        [
            "attribute",
            "group",
            "n",
            "reference_group",
            "reference_value",
            "test",
            "p_value",
            "p_adjusted",
            "suppressed",
        ]
    ].copy()
    for column in ("ratio", "ratio_ci_low", "ratio_ci_high", "difference"):
        out[column] = np.nan
    for column in ("difference_ci_low", "difference_ci_high", "relative_difference"):
        out[column] = np.nan
    out["detectable_ratio"] = np.nan
    out["_rlo"], out["_rhi"] = rows["_rlo"].to_numpy(), rows["_rhi"].to_numpy()
    return out


def _people(
    rows: pd.DataFrame, at: np.ndarray, spec: HarmSpec, vertices: Mapping[str, np.ndarray]
) -> pd.DataFrame:
    """Harm in people: ``sign x (O - D x p_r)`` with its interval and bounds."""
    out = _frame(rows)
    sign = float(spec.sign)
    num, den = rows["numerator"].to_numpy(float), rows["denominator"].to_numpy(float)
    ref = rows["reference_value"].to_numpy(float)
    defined = rows["value"].notna().to_numpy() & ~np.isnan(ref) & (den > 0)
    value = np.where(defined, sign * (num - den * ref), np.nan)
    d_lo = rows["difference_ci_low"].to_numpy(float)
    d_hi = rows["difference_ci_high"].to_numpy(float)
    ends = np.sort(np.vstack([sign * den * d_lo, sign * den * d_hi]), axis=0)
    out["value"] = value
    out["ci_low"] = np.where(defined, ends[0], np.nan)
    out["ci_high"] = np.where(defined, ends[1], np.nan)
    out["numerator"] = np.where(defined, num, np.nan)
    out["denominator"] = np.where(defined, den, np.nan)
    lo, hi = _vertex_bounds(rows, at, spec, vertices)
    # bounds only where both rates have them (an empty group's rate has none)
    bounded = rows["lower_bound"].notna().to_numpy() & ~np.isnan(rows["_rlo"].to_numpy(float))
    lo, hi = np.where(bounded, lo, np.nan), np.where(bounded, hi, np.nan)
    out["lower_bound"] = np.where(defined, value, lo)
    out["upper_bound"] = np.where(defined, value, hi)
    notes = rows["note"].fillna("").astype(str).to_numpy(dtype=object)
    out["note"] = [
        _note(n, d, v, lo_) for n, d, v, lo_ in zip(notes, defined, value, lo, strict=True)
    ]
    return out


def _vertex_bounds(
    rows: pd.DataFrame, at: np.ndarray, spec: HarmSpec, vertices: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest harm over the group's admissible fillings-in and the
    reference rate's range."""
    num = np.sum([vertices[c] for c in sorted(partition_cells(spec.numerator))], axis=0)
    den = np.sum([vertices[c] for c in sorted(partition_cells(spec.denominator))], axis=0)
    num, den = num[:, at], den[:, at]
    r_lo, r_hi = rows["_rlo"].to_numpy(float), rows["_rhi"].to_numpy(float)
    r_lo = np.where(np.isnan(r_lo), rows["reference_value"].to_numpy(float), r_lo)
    r_hi = np.where(np.isnan(r_hi), rows["reference_value"].to_numpy(float), r_hi)
    sign = float(spec.sign)
    candidates = np.vstack([sign * (num - den * r_lo), sign * (num - den * r_hi)])
    known = np.vstack([~np.isnan(num), ~np.isnan(num)]) & ~np.isnan(candidates)
    with np.errstate(invalid="ignore"):
        lo = np.where(known.any(axis=0), np.nanmin(np.where(known, candidates, np.inf), 0), np.nan)
        hi = np.where(
            known.any(axis=0), np.nanmax(np.where(known, candidates, -np.inf), 0), np.nan
        )
    return lo, hi


def _note(rate_note: str, defined: bool, value: float, low: float) -> str:
    """The harm row's note, from its rate's note."""
    if defined:  # an assumption that fills in the unknown outcomes is said again
        return rate_note if rate_note.startswith("identified by the assumption") else ""
    if rate_note.startswith("not identifiable") or (np.isnan(value) and not np.isnan(low)):
        reason = rate_note.split("; reference value is 0")[0]
        return (
            reason + "; " if reason else ""
        ) + "the bounds also take the reference rate anywhere within its bounds"
    if rate_note.startswith("undefined"):
        return rate_note.split("; reference value is 0")[0]
    return "undefined: the reference group's rate is undefined"


def _amount(
    rows: pd.DataFrame,
    at: np.ndarray,
    counts: CountTable,
    spec: HarmSpec,
    vertices: Mapping[str, np.ndarray],
    z: float,
) -> pd.DataFrame:
    """Harm in the amount column: ``sign x (A - D x a_r)``, ``a_r`` the reference's
    amount per person of its denominator."""
    out = _frame(rows)
    n = len(rows)
    if counts.amounts is None or counts.amount_squares is None:
        for column in ("value", "ci_low", "ci_high", "lower_bound", "upper_bound"):
            out[column] = np.nan
        out["numerator"] = out["denominator"] = out["reference_value"] = np.nan
        out["note"] = "undefined: no amount column (roles.amount) in this audit"
        return out
    table = counts.table
    amount = _sums(counts.amounts, spec.numerator)
    squares = _sums(counts.amount_squares, spec.numerator)
    people = _sums(table, spec.denominator)
    people_sq = people if counts.squares is None else _sums(counts.squares, spec.denominator)
    # amounts of the flagged with no known outcome: they may or may not be in FP
    loose = counts.amounts["flagged_unlabelled"].to_numpy(float)
    unknown = np.zeros(len(table))
    if spec.kind != "decision":
        unknown = table["flagged_unlabelled"].to_numpy(float)
        if partition_cells(spec.denominator) & {"tn", "fn"}:
            unknown = unknown + table["unflagged_unlabelled"].to_numpy(float)
    ref_at = _reference_positions(rows, table)

    def pick(x: np.ndarray, where: np.ndarray) -> np.ndarray:
        """x at the rows ``where`` (-1: the complement of the row's group)."""
        return np.where(where >= 0, x[np.maximum(where, 0)], x[0] - x[at])

    a_g, q_g, d_g, s_g = amount[at], squares[at], people[at], people_sq[at]
    a_r, q_r, d_r, s_r = (pick(x, ref_at) for x in (amount, squares, people, people_sq))
    ok = (d_g > 0) & (d_r > 0) & (ref_at > -2)
    sure = (unknown[at] == 0) & (pick(unknown, ref_at) == 0)
    touches = spec.kind != "decision"
    sign = float(spec.sign)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_g, m_r = a_g / d_g, a_r / d_r
        value = np.where(ok & sure, sign * (a_g - d_g * m_r), np.nan)
        # variance of the amount per person (people outside the numerator bear 0)
        v_g = np.maximum(q_g / d_g - m_g**2, 0.0)
        v_r = np.maximum(q_r / d_r - m_r**2, 0.0)
        n_g, n_r = d_g**2 / s_g, d_r**2 / s_r  # Kish's effective n (d when unweighted)
        se = np.sqrt(v_g / np.maximum(n_g - 1, 1) + v_r / np.maximum(n_r - 1, 1))
    diff = m_g - m_r
    ends = np.sort(np.vstack([sign * d_g * (diff - z * se), sign * d_g * (diff + z * se)]), 0)
    out["value"] = value
    out["ci_low"] = np.where(ok & sure, ends[0], np.nan)
    out["ci_high"] = np.where(ok & sure, ends[1], np.nan)
    out["numerator"] = np.where(ok & sure, a_g, np.nan)
    out["denominator"] = np.where(ok & sure, d_g, np.nan)
    out["reference_value"] = np.where(ok & sure, m_r, np.nan)
    # outer bounds where the people behind an amount are unknown
    den_v = np.sum([vertices[c] for c in sorted(partition_cells(spec.denominator))], axis=0)
    d_lo, d_hi = np.nanmin(den_v, axis=0), np.nanmax(den_v, axis=0)
    extra = loose if touches else np.zeros_like(loose)
    a_lo, a_hi = amount, amount + extra
    # everyone else's people at least everyone's fewest less the group's most
    rd_lo = np.where(ref_at >= 0, d_lo[np.maximum(ref_at, 0)], d_lo[0] - d_hi[at])
    rd_hi = np.where(ref_at >= 0, d_hi[np.maximum(ref_at, 0)], d_hi[0] - d_lo[at])
    with np.errstate(divide="ignore", invalid="ignore"):
        r_lo = pick(a_lo, ref_at) / rd_hi
        r_hi = pick(a_hi, ref_at) / rd_lo
        ends_lo = a_lo[at] - d_hi[at] * r_hi
        ends_hi = a_hi[at] - d_lo[at] * r_lo
    bounds = np.sort(np.vstack([sign * ends_lo, sign * ends_hi]), axis=0)
    has = ~(ok & sure) & (rd_lo > 0) & (d_hi[at] > 0) & (ref_at > -2)
    out["lower_bound"] = np.where(ok & sure, value, np.where(has, bounds[0], np.nan))
    out["upper_bound"] = np.where(ok & sure, value, np.where(has, bounds[1], np.nan))
    notes = np.full(n, "", dtype=object)
    notes[has] = (
        "not identifiable: some people behind the amount have no known outcome; outer "
        "bounds: every one of them in or out of the count, the reference's amount per "
        "person taken apart"
    )
    empty = ~(ok & sure) & ~has
    cells = " + ".join(c.upper() if len(c) == 2 else c for c in spec.denominator)
    notes[empty] = np.where(
        d_g[empty] > 0,
        "undefined: the reference group's amount per person is undefined",
        f"undefined: {cells} is 0 for this group",
    )
    out["note"] = notes
    return out


def _reference_positions(rows: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    """Count-table row of each row's reference group; -1 for everyone else (the
    complement), -2 for none."""
    position = {
        key: i for i, key in enumerate(zip(table["attribute"], table["group"], strict=True))
    }
    out = []
    for a, r in zip(rows["attribute"], rows["reference_group"], strict=True):
        if r == REST_GROUP:
            out.append(-1)
        elif isinstance(r, str) and (a, r) in position:
            out.append(position[(a, r)])
        else:
            out.append(-2)
    return np.array(out, dtype=int)
