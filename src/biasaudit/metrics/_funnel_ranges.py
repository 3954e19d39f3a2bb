"""Funnel rows that depend on a suppressed or rounded cell: every rate as a range.

A funnel table with suppressed or rounded cells (:class:`~biasaudit.counts.FunnelRanges`)
does not say its counts, only intervals (DESIGN.md §2, data shape 4). A row whose
counts the published cells (and what holds in every funnel) determine is what
:func:`~biasaudit.metrics._funnel.funnel_table` gives on exact counts: value, interval,
comparison and test. A row that depends on an interval:

* ``share`` and ``transition`` are NaN (unless the range is one value), with
  ``*_lower_bound``/``*_upper_bound`` the smallest and largest rate over every funnel
  of whole numbers consistent with the published cells (exact bounds; where the
  solver cannot prove an end over whole numbers, the relaxation's bound, and the note
  says "outer bound");
* ``count`` and ``n`` are NaN where they are not determined;
* intervals and the test are NaN: they need counts. The adjusted p-values are
  adjusted again among the remaining tests;
* ``share_ratio``/``transition_ratio`` against the reference group: the bounds are
  the range of the ratio from the two groups' ranges (an outer bound: each group's
  rate ranges over its own funnels), the value NaN unless both rates are points;
* a rate undefined (denominator 0) in some consistent funnels is given over those
  where it is defined; undefined in all of them: NaN, never 0, with the warning of
  ``funnel_table``.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np
import pandas as pd

from ..counts import OVERALL, FunnelCounts, FunnelRanges, count_text
from ..spec import Correction, StatsOptions
from ..stats import adjust_pvalues

Key = tuple[str, str, str]
_RATES = ("share", "transition")


def ranged_rows(
    out: pd.DataFrame,
    counts: FunnelCounts,
    undefined: list[tuple[int, str]],
    options: StatsOptions,
) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """The funnel table with every row that depends on an interval count made a range.

    ``out`` is the table computed on ``counts.table`` (one consistent funnel) with
    the bounds columns equal to the values; ``undefined`` its rows with an empty
    denominator. Returns both, corrected for the rows that are ranges.
    """
    ranges = counts.ranges
    assert ranges is not None
    exact = ranges.exact()
    root = counts.stages[0][0]
    out = out.copy()
    keys = list(zip(out["attribute"], out["group"], out["stage"], strict=True))
    context = ranges.describe()
    spans: dict[tuple[str, int], tuple[float, float] | None] = {}
    ranged: dict[tuple[str, int], bool] = {}
    empty: dict[int, str] = {}
    notes: dict[int, list[str]] = {}
    col = {c: out.columns.get_loc(c) for c in out.columns}

    def put(i: int, column: str, value: object) -> None:
        out.iat[i, col[column]] = value

    for i, (a, g, s) in enumerate(keys):
        parent = out["parent"].iat[i] if isinstance(out["parent"].iat[i], str) else None
        dens = {"share": (a, g, root), "transition": None if parent is None else (a, g, parent)}
        for what in ("count", "n"):
            key = (a, g, s) if what == "count" else (a, g, root)
            if not exact[key]:
                put(i, what, np.nan)
        mine: list[str] = []
        for rate in _RATES:
            den = dens[rate]
            if den is None:
                spans[(rate, i)], ranged[(rate, i)] = None, False
                continue
            if exact[(a, g, s)] and exact[den]:
                value = float(out[rate].iat[i])
                spans[(rate, i)] = None if math.isnan(value) else (value, value)
                ranged[(rate, i)] = False
                continue
            ranged[(rate, i)] = True
            found = ranges.rate_span((a, g, s), den)
            put(i, f"{rate}_ci_low", np.nan)
            put(i, f"{rate}_ci_high", np.nan)
            if found is None:
                spans[(rate, i)] = None
                for column in (rate, f"{rate}_lower_bound", f"{rate}_upper_bound"):
                    put(i, column, np.nan)
                who = "in this group" if rate == "share" else f"in this group reached {den[2]!r}"
                mine.append(
                    f"{rate} undefined: nobody {who} in every funnel consistent with the "
                    "published cells"
                )
                empty[i] = _where(a, g, s)
                continue
            (lo, hi), proven = found
            spans[(rate, i)] = (lo, hi)
            put(i, f"{rate}_lower_bound", lo)
            put(i, f"{rate}_upper_bound", hi)
            put(i, rate, lo if lo == hi else np.nan)
            if s == root and rate == "share":  # 1 by definition, not an estimate
                put(i, "share_ci_low", lo)
                put(i, "share_ci_high", hi)
            if not all(proven):
                mine.append(
                    f"{rate}: outer bound (the solver did not prove the range over whole "
                    "numbers; it may be slightly wider)"
                )
            if ranges.count_span(den)[0] == 0:
                mine.append(
                    f"{rate} undefined in some of these funnels ({_label(den, root)} can be "
                    "0): the range is over the funnels where it is defined"
                )
        if any(ranged[(r, i)] for r in _RATES):
            detail = "; ".join(
                x for x in (_counted(ranges, (a, g, s), parent, root), context) if x
            )
            mine.insert(
                0,
                "range over every funnel of whole numbers consistent with the published "
                f"cells ({detail}); no interval or test: they need exact counts",
            )
            if ranged[("transition", i)]:
                put(i, "p_value", np.nan)
        notes[i] = mine

    for i, (a, g, s) in enumerate(keys):  # comparisons with the reference group
        ref = out["reference_group"].iat[i]
        if not isinstance(ref, str) or a == OVERALL:
            continue
        j = keys.index((a, ref, s))
        for rate in _RATES:
            if not (ranged[(rate, i)] or ranged[(rate, j)]):
                continue
            ratio = f"{rate}_ratio"
            put(i, f"{ratio}_ci_low", np.nan)
            put(i, f"{ratio}_ci_high", np.nan)
            if rate == "transition":
                put(i, "p_value", np.nan)
            mine_span, theirs = spans[(rate, i)], spans[(rate, j)]
            low = high = value = math.nan
            if s == root and rate == "share":
                pass  # the first stage is not compared
            elif g == ref:
                if mine_span is not None and mine_span[1] > 0:
                    low = high = value = 1.0
            elif mine_span is not None and theirs is not None and theirs[1] > 0:
                low = mine_span[0] / theirs[1]
                high = mine_span[1] / theirs[0] if theirs[0] > 0 else math.nan
                if mine_span[0] == mine_span[1] and theirs[0] == theirs[1]:
                    value = mine_span[0] / theirs[0]
                text = (
                    f"{ratio}_lower_bound/upper_bound: the range of the ratio to {ref} from "
                    "the two groups' ranges (an outer bound), not a confidence interval"
                )
                if theirs[0] == 0:
                    text += "; no upper limit: the reference can be 0"
                notes[i].append(text)
            elif theirs is not None and theirs[1] == 0:
                notes[i].append(f"the reference group's {rate} is 0: ratio undefined")
            put(i, ratio, value)
            put(i, f"{ratio}_lower_bound", low)
            put(i, f"{ratio}_upper_bound", high)
    for i, extra in notes.items():
        if not extra:
            continue
        old = str(out["note"].iat[i])
        gone = {r for r in _RATES if ranged[(r, i)]}
        kept = [x for x in old.split("; ") if x and not _stale(x, gone)] if old else []
        put(i, "note", "; ".join(kept + extra))
    rows_ranged = {i for (_, i), r in ranged.items() if r}
    undefined = [(i, w) for i, w in undefined if i not in rows_ranged]
    undefined += sorted(empty.items())
    p = out["p_value"].to_numpy(float)
    out["p_adjusted"] = adjust_pvalues(p, method=cast(Correction, options.correction))
    return out, undefined


def _stale(note: str, rates: set[str]) -> bool:
    """Notes of the exact computation that the ranges of ``rates`` replace."""
    share = note.startswith(("undefined: nobody", "the reference group's share"))
    transition = note.startswith(("transition undefined", "the reference group's transition"))
    return ("share" in rates and share) or ("transition" in rates and transition)


def _where(a: str, g: str, s: str) -> str:
    return f"{'everyone' if a == OVERALL else f'{a} = {g}'} at {s!r}"


def _label(key: Key, root: str) -> str:
    return "n" if key[2] == root else f"the count at {key[2]!r}"


def _counted(ranges: FunnelRanges, key: Key, parent: str | None, root: str) -> str:
    """``count 0 to 9, at 'selected' = 50, n = 400``."""
    a, g, s = key
    parts = [f"count {count_text(*ranges.count_span(key))}"]
    if parent is not None and parent != root:
        parts.append(f"at {parent!r} {count_text(*ranges.count_span((a, g, parent)))}")
    if s != root:
        parts.append(f"n {count_text(*ranges.count_span((a, g, root)))}")
    return ", ".join(parts)
