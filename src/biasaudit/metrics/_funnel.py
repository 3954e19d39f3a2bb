"""Process funnels: how far each group gets through ordered stages.

A funnel is a tree of stages, e.g. population -> high risk -> selected -> home visit
-> irregularity found / visit unfounded -> appeal -> appeal upheld. The first stage is
everyone in the group; a person counts at a stage and at every stage above it. For each
group and stage, :func:`funnel_table` gives the share of the group that reached the
stage, the transition rate from the stage above, and both as ratios to the attribute's
reference group (DESIGN.md §4: Wilson intervals for rates, Katz log intervals for
ratios, a test of the transition, adjusted across the table).

The counts come from :mod:`biasaudit.counts._stages` (:func:`~biasaudit.counts._stages.funnel_counts`
for records, :func:`~biasaudit.counts._stages.funnel_counts_from_table` for aggregated tables).

Disclosure control is a later stage: :func:`biasaudit.disclosure.mark_funnel` marks
the rows that must not be published and :func:`biasaudit.disclosure.publish` blanks
them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import cast

import numpy as np
import pandas as pd

from .._exceptions import ConfigError, Problem, RecordsError, UndefinedRateWarning
from ..counts import FUNNEL_COUNT_COLUMNS, OVERALL, FunnelCounts, _check_parents, _shown
from ..spec import MISSING_GROUP, REFERENCE_RULES, REST, StatsOptions, check_stats
from ..stats import (
    Correction,
    IntervalMethod,
    adjust_pvalues,
    proportion_interval,
    ratio_interval,
    two_proportion_test,
)
from ._funnel_ranges import ranged_rows

#: Columns of :func:`funnel_table`, always these, in this order.
FUNNEL_COLUMNS = [
    "attribute",
    "group",
    "stage",
    "parent",
    "count",
    "n",
    "share",
    "share_ci_low",
    "share_ci_high",
    "share_lower_bound",
    "share_upper_bound",
    "transition",
    "transition_ci_low",
    "transition_ci_high",
    "transition_lower_bound",
    "transition_upper_bound",
    "reference_group",
    "share_ratio",
    "share_ratio_ci_low",
    "share_ratio_ci_high",
    "share_ratio_lower_bound",
    "share_ratio_upper_bound",
    "transition_ratio",
    "transition_ratio_ci_low",
    "transition_ratio_ci_high",
    "transition_ratio_lower_bound",
    "transition_ratio_upper_bound",
    "p_value",
    "p_adjusted",
    "suppressed",
    "note",
]
Key = tuple[str, str, str]  # attribute, group, stage


def _row_keys(table: pd.DataFrame, group: str = "group") -> list[Key]:
    """The key of each row; with ``group="reference_group"``, of its reference group's row."""
    return list(zip(table["attribute"], table[group], table["stage"], strict=True))


# --------------------------------------------------------------------------- metrics


def funnel_table(
    counts: FunnelCounts,
    *,
    reference: Mapping[str, str] | None = None,
    options: StatsOptions | None = None,
) -> pd.DataFrame:
    """Share, transition and relative risks of every group at every stage.

    For group g at stage s with parent stage p: ``share = count_s / n`` (n: everyone in
    g), ``transition = count_s / count_p``; ``share_ratio`` and ``transition_ratio``
    divide them by the reference group's. Rates get the interval of
    ``options.interval`` (Wilson by default), ratios the Katz log interval (zero cells
    as in :mod:`biasaudit.stats._stats`). ``p_value`` tests the transition against the
    reference group's (Fisher's exact test when an expected cell is below 5, else
    chi-square); ``p_adjusted`` adjusts across the table (``options.correction``).
    The first stage is the whole group: share 1, no transition, no comparison.

    Every row has ``suppressed`` False: disclosure control marks the table later
    (:func:`biasaudit.disclosure.mark_funnel`).

    Each of the four rates has ``*_lower_bound`` and ``*_upper_bound``, equal to it
    when the counts are exact. Counts read from a table with suppressed or rounded
    cells (``counts.ranges``) make every row that depends on one a range over the
    consistent funnels of whole numbers, with no interval or test
    (:mod:`biasaudit.metrics._funnel_ranges`).

    Parameters
    ----------
    counts : FunnelCounts
        From :func:`funnel_counts` or :func:`funnel_counts_from_table`.
    reference : mapping of str to str, optional
        Per attribute: a group name or ``"largest"`` (default: the group with the most
        people at the first stage; ``"(missing)"`` only when it is the only group).
    options : StatsOptions, optional
        Confidence level, interval method, p-value correction.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FUNNEL_COLUMNS`, rows in the order of ``counts.table``.

    Raises
    ------
    ConfigError
        Invalid options or reference rules.
    RecordsError
        A named reference group is not in the counts.

    Warns
    -----
    UndefinedRateWarning
        Naming every group and stage whose rate has an empty denominator (NaN, never 0).

    Examples
    --------
    >>> import pandas as pd
    >>> from biasaudit.counts._stages import funnel_counts_from_table
    >>> reply = pd.DataFrame({
    ...     "nationality": ["Dutch", "Moroccan"],
    ...     "population": [1000, 400],
    ...     "home visit": [50, 48],
    ... })
    >>> counts = funnel_counts_from_table(
    ...     reply, ["population", "home visit"], attributes="nationality"
    ... )
    >>> table = funnel_table(counts, reference={"nationality": "Dutch"})
    >>> row = table.iloc[-1]  # Moroccan at "home visit": (48 / 400) / (50 / 1000)
    >>> round(float(row["share_ratio"]), 2), round(float(row["share_ratio_ci_low"]), 2)
    (2.4, 1.64)
    """
    options = options or StatsOptions()
    problems = check_stats(options)
    if problems:
        raise ConfigError(problems)
    _check_counts(counts)
    refs = _references(counts, reference)
    out, undefined = _exact_table(counts, refs, options)
    for rate in ("share", "transition", "share_ratio", "transition_ratio"):
        out[f"{rate}_lower_bound"] = out[rate]
        out[f"{rate}_upper_bound"] = out[rate]
    if counts.ranges is not None:
        out, undefined = ranged_rows(out, counts, undefined, options)
    labels = [where for _, where in undefined]
    if labels:
        shown = ", ".join(labels[:10]) + (
            f" and {len(labels) - 10} more" if len(labels) > 10 else ""
        )
        warnings.warn(
            f"Rates with an empty denominator are reported as NaN, not 0: {shown}",
            UndefinedRateWarning,
            stacklevel=2,
        )
    return out[FUNNEL_COLUMNS]


def _exact_table(
    counts: FunnelCounts, refs: Mapping[str, str], options: StatsOptions
) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """The table from the counts as exact numbers, and the rows with an empty denominator."""
    tree, table = counts.stages, counts.table
    root = tree[0][0]
    parent_of = dict(tree)
    count = {key: float(c) for key, c in zip(_row_keys(table), table["count"], strict=True)}

    def look(a: str, g: str | None, s: str | None) -> float:
        return count.get((a, g, s), math.nan) if g is not None and s is not None else math.nan

    attr = table["attribute"].to_numpy(dtype=object)
    group = table["group"].to_numpy(dtype=object)
    stage = table["stage"].to_numpy(dtype=object)
    parent = np.array([parent_of[s] for s in stage], dtype=object)
    ref = np.array([refs.get(a) for a in attr], dtype=object)
    k = table["count"].to_numpy(dtype=float)
    n = np.array([look(a, g, root) for a, g in zip(attr, group, strict=True)])
    p = np.array([look(a, g, s) for a, g, s in zip(attr, group, parent, strict=True)])
    rk = np.array([look(a, r, s) for a, r, s in zip(attr, ref, stage, strict=True)])
    rn = np.array([look(a, r, root) for a, r in zip(attr, ref, strict=True)])
    rp = np.array([look(a, r, s) for a, r, s in zip(attr, ref, parent, strict=True)])
    first = stage == root
    is_ref = group == ref
    level, method = options.confidence, cast(IntervalMethod, options.interval)

    def rate(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)

    share, transition = rate(k, n), rate(k, p)
    share_lo, share_hi = proportion_interval(k, n, method=method, confidence=level)
    # at the first stage the share is 1 by definition, not an estimate
    share_lo, share_hi = np.where(first, share, share_lo), np.where(first, share, share_hi)
    trans_lo, trans_hi = proportion_interval(k, p, method=method, confidence=level)
    ref_share, ref_transition = rate(rk, rn), rate(rk, rp)
    share_ratio = np.where(first, np.nan, rate(share, ref_share))
    transition_ratio = rate(transition, ref_transition)
    on_share = ~first & ~is_ref & (n > 0) & (rn > 0)
    on_transition = ~first & ~is_ref & (p > 0) & (rp > 0)
    s_lo, s_hi = ratio_interval(k, n, rk, rn, confidence=level)
    t_lo, t_hi = ratio_interval(k, p, rk, rp, confidence=level)
    p_value = np.full(len(table), np.nan)
    if on_transition.any():
        idx = np.flatnonzero(on_transition)
        p_value[idx], _ = two_proportion_test(k[idx], p[idx], rk[idx], rp[idx])

    notes: list[list[str]] = [[] for _ in range(len(table))]
    undefined: list[tuple[int, str]] = []
    for i in range(len(table)):
        where = (
            f"{'everyone' if attr[i] == OVERALL else f'{attr[i]} = {group[i]}'} at {stage[i]!r}"
        )
        if first[i]:
            notes[i].append("first stage: the whole group")
        if not n[i] > 0:
            notes[i].append("undefined: nobody in this group (n = 0)")
            undefined.append((i, where))
        elif not first[i] and not p[i] > 0:
            notes[i].append(f"transition undefined: nobody in this group reached {parent[i]!r}")
            undefined.append((i, where))
        if on_share[i] and ref_share[i] == 0:
            notes[i].append(f"the reference group's share at {stage[i]!r} is 0: ratio undefined")
        if on_transition[i] and ref_transition[i] == 0:
            notes[i].append("the reference group's transition is 0: ratio undefined")
    out = pd.DataFrame(
        {
            "attribute": attr,
            "group": group,
            "stage": stage,
            "parent": parent,
            "count": table["count"].to_numpy(dtype=None if counts.ranges is None else float),
            "n": n.astype(np.int64) if counts.ranges is None else n,
            "share": share,
            "share_ci_low": share_lo,
            "share_ci_high": share_hi,
            "transition": transition,
            "transition_ci_low": trans_lo,
            "transition_ci_high": trans_hi,
            "reference_group": ref,
            "share_ratio": share_ratio,
            "share_ratio_ci_low": np.where(on_share, s_lo, np.nan),
            "share_ratio_ci_high": np.where(on_share, s_hi, np.nan),
            "transition_ratio": transition_ratio,
            "transition_ratio_ci_low": np.where(on_transition, t_lo, np.nan),
            "transition_ratio_ci_high": np.where(on_transition, t_hi, np.nan),
            "p_value": p_value,
            "p_adjusted": adjust_pvalues(p_value, method=cast(Correction, options.correction)),
            "suppressed": np.zeros(len(table), dtype=bool),  # marked by disclosure control
            "note": ["; ".join(x) for x in notes],
        }
    )
    return out, undefined


def _check_counts(counts: FunnelCounts) -> None:
    """A hand-built :class:`FunnelCounts` gets the checks the two builders make."""
    table, names = counts.table, counts.stage_names
    absent = [c for c in FUNNEL_COUNT_COLUMNS if c not in table.columns]
    if absent:
        raise RecordsError(
            [
                Problem(
                    f"FunnelCounts.table: no column {', '.join(map(repr, absent))}; expected "
                    f"{', '.join(FUNNEL_COUNT_COLUMNS)}",
                    column=absent[0],
                    reason="column_not_found",
                )
            ]
        )
    keys = ["attribute", "group", "stage"]
    count = pd.to_numeric(table["count"], errors="coerce")
    cells = table[keys].assign(count=count).drop_duplicates(keys)
    wide = cells.set_index(keys)["count"].unstack("stage").reindex(columns=names)
    problems = []
    if len(cells) < len(table) or len(table) != len(wide) * len(names):
        problems.append(
            Problem(
                "FunnelCounts.table: every attribute x group needs exactly one row per stage "
                f"({_shown(names)}) and no other stages",
                reason="missing_stage",
            )
        )
    if not len(table) or table["attribute"].iat[0] != OVERALL:
        problems.append(
            Problem(f"FunnelCounts.table: the first rows must be the {OVERALL!r} counts")
        )
    if (count.isna() | (count < 0) | (count % 1 != 0)).any():
        problems.append(
            Problem(
                "FunnelCounts.table: counts must be whole numbers >= 0",
                column="count",
                reason="invalid_count",
            )
        )
    problems += _check_parents(
        wide, counts.stages, ["attribute", "group"], pd.Series(np.nan, index=wide.index)
    )
    if problems:
        raise RecordsError(problems, context="FunnelCounts")


def _references(counts: FunnelCounts, reference: Mapping[str, str] | None) -> dict[str, str]:
    """The reference group of each attribute."""
    table, root = counts.table, counts.stages[0][0]
    attrs = counts.attributes()
    given = dict(reference or {})
    config: list[Problem] = []
    data: list[Problem] = []
    for attr, rule in given.items():
        key = f"reference.{attr}"
        if attr not in attrs:
            config.append(
                Problem(
                    f"{key}: not an attribute of these counts; attributes: {_shown(attrs)}",
                    column=key,
                    value=attr,
                    reason="unknown_key",
                )
            )
        elif not isinstance(rule, str):
            config.append(
                Problem(f"{key}: expected a group name or 'largest'; got {rule!r}", column=key)
            )
        elif rule == REST:
            config.append(
                Problem(
                    f"{key}: 'rest' (everyone else) is not available for a funnel yet; name "
                    "a group or use 'largest'",
                    column=key,
                    value=rule,
                )
            )
        elif rule in REFERENCE_RULES and rule != "largest":
            config.append(
                Problem(
                    f"{key}: {rule!r} has no meaning for a funnel (reaching a home visit is a "
                    "burden, an upheld appeal a relief); name a group or use 'largest'",
                    column=key,
                    value=rule,
                )
            )
    if config:
        raise ConfigError(config)
    out: dict[str, str] = {}
    for attr in attrs:
        sizes = table[(table["attribute"] == attr) & (table["stage"] == root)]
        groups = sizes["group"].tolist()
        rule = given.get(attr, "largest")
        if rule != "largest":
            if rule not in groups:
                data.append(
                    Problem(
                        f"reference group {rule!r} for {attr!r} is not in the data; groups: "
                        f"{_shown(groups)}; or use 'largest'",
                        column=attr,
                        value=rule,
                        reason="reference_not_found",
                    )
                )
            out[attr] = rule
            continue
        # never pick "(missing)" by rule, unless it is the only group
        candidates = sizes[sizes["group"] != MISSING_GROUP] if len(groups) > 1 else sizes
        out[attr] = str(
            candidates.sort_values("count", ascending=False, kind="stable")["group"].iat[0]
        )
    if data:
        raise RecordsError(data)
    return out
