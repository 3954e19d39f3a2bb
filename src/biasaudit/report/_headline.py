"""The first screen: the best-supported disparities in plain sentences, what the data
cannot show, and who audited what, in one line.

A disparity is *best supported* when its confidence interval (or, for rounded or
suppressed counts, its range) lies furthest from 1 on the log scale: the end nearest
to "no difference", not the point estimate, which is biased away from 1 and noisiest
for the smallest groups. Only comparisons that are clear after the correction for
multiple tests (adjusted p below the level, interval excluding 1) lead the report.
Rates are told as natural frequencies ("129 of every 1,000 women against 69 of every
1,000 men"), with the ratio and its interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..counts import OVERALL
from ..metrics import range_causes
from ..spec import INTERSECTION_SEP
from ._findings import _strength, compared, range_rates, range_source
from ._labels import Labels, capital
from ._messages import fmt, label, text

#: Metrics that tell how often innocent people bore an investigation.
FALSE_ACCUSATION = ("false_positive_rate", "false_discovery_rate", "innocent_flag_rate")
#: At most this many disparities lead the report (with the chart, one phone screen).
MOST = 3


@dataclass(frozen=True)
class Told:
    """A comparison of a group with its reference group, told in a sentence.

    ``support`` is how far the interval (or range) keeps from 1 on the log scale,
    0 when it reaches 1; ``strength`` is ``clear``, ``uncertain`` or ``too few to
    tell``.
    """

    attribute: str
    group: str
    reference: str
    metric: str
    strength: str
    support: float
    size: float
    sentence: str
    dataset: str | None = None
    short: str = ""


def support(low: float, high: float) -> float:
    """How far an interval keeps from 1, on the log scale (0 when it contains 1).

    Examples
    --------
    >>> round(support(1.5, 3.0), 3), support(0.8, 1.2), round(support(0.25, 0.5), 3)
    (0.405, 0.0, 0.693)
    """
    above = math.log(low) if _finite(low) and low > 0 else 0.0
    below = -math.log(high) if _finite(high) and high > 0 else 0.0
    return max(above, below, 0.0)


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def base_for(*rates: float) -> int:
    """The "of every N" that gives the smallest rate at least about ten people.

    Examples
    --------
    >>> base_for(0.129, 0.069), base_for(0.0046, 0.02), base_for(0.5)
    (1000, 10000, 1000)
    """
    shown = [r for r in rates if _finite(r) and r > 0]
    base = 1000
    while shown and min(shown) * base < 9.5 and base < 1_000_000:
        base *= 10
    return base


def ends(low: float, high: float) -> tuple[str, str]:
    """The ends of a ratio's interval as told: one decimal, two when below 1."""
    digits = 1 if min(low, high) >= 0.995 else 2
    return fmt(low, f".{digits}f"), fmt(high, f".{digits}f")


def ratio_number(ratio: float) -> str:
    """A ratio as a sentence tells it: ``3.2``, and below 1 two decimals (``0.85``)."""
    return fmt(ratio, ".1f") if ratio >= 0.995 else fmt(ratio, ".2f")


def frequency(rate: float, base: int) -> str:
    """``129 of every 1,000``."""
    return text("frequency.one", count=fmt(round(rate * base)), base=fmt(base))


def _frequency_range(low: float, high: float, base: int) -> str:
    lo, hi = round(low * base), round(high * base)
    if lo == hi:
        return text("frequency.one", count=fmt(lo), base=fmt(base))
    return text("frequency.range", low=fmt(lo), high=fmt(hi), base=fmt(base))


def tell(table: pd.DataFrame, labels: Labels, *, confidence: float = 0.95) -> list[Told]:
    """Every comparison of a group with its reference on a headline metric, told.

    Clear ones first, each kind by support (best supported first), then by size.
    Built from the published table: a suppressed row never reaches a sentence.
    """
    level = fmt(confidence, ".0%")
    found: list[tuple[int, float, float, Told]] = []
    for row in compared(table).itertuples():
        told = _told_range(row, labels) if row.ranged else _told(row, labels, confidence, level)
        if told is None:
            continue
        strength, sup, size, sentence, short = told
        dataset = getattr(row, "dataset", None)
        dataset = None if dataset is None or pd.isna(dataset) else str(dataset)
        if dataset is not None:
            sentence = text("headline.dataset", dataset=dataset, sentence=sentence)
        item = Told(
            str(row.attribute),
            str(row.group),
            str(row.reference_group),
            str(row.metric),
            strength,
            sup,
            size,
            sentence,
            dataset,
            short,
        )
        order = ("clear", "uncertain", "too few to tell").index(strength)
        found.append((order, -sup, -size, item))
    found.sort(key=lambda t: t[:3])
    return [t for *_, t in found]


def _sides(row: Any, labels: Labels) -> tuple[str, str]:
    return (
        labels.people(str(row.attribute), str(row.group)),
        labels.people(str(row.attribute), str(row.reference_group)),
    )


def _told(
    row: Any, labels: Labels, confidence: float, level: str
) -> tuple[str, float, float, str, str]:
    g, r = _sides(row, labels)
    strength = _strength(row, confidence)
    mine, theirs = float(row.value), float(row.ref_value)
    ratio, low, high = float(row.ratio), float(row.ratio_ci_low), float(row.ratio_ci_high)
    if 0 < ratio < 1:  # told from the side with the higher rate: "2.7 times", not "0.37"
        g, r, mine, theirs = r, g, theirs, mine
        ratio, low, high = (
            1 / ratio,
            1 / high if high > 0 else math.nan,
            1 / low if low > 0 else math.nan,
        )
    ci = ""
    if _finite(low) and _finite(high):
        lo_text, hi_text = ends(low, high)
        ci = text("headline.ci", level=level, low=lo_text, high=hi_text)
    size = abs(math.log(row.ratio)) if row.ratio > 0 else math.inf
    sup = support(float(row.ratio_ci_low), float(row.ratio_ci_high))
    name = str(row.metric)
    if strength == "too few to tell":
        sentence = text(
            "headline.too_few",
            g=g,
            r=r,
            metric=label(name).lower(),
            ci=ci or text("headline.no_ci"),
        )
        return strength, sup, size, sentence, sentence
    base = base_for(mine, theirs)
    head = text(
        f"headline.{name}", G=capital(g), g=g, r=r, times=text("times.one", x=ratio_number(ratio))
    )
    tail = text(f"tail.{name}", g=g, r=r, a=frequency(mine, base), b=frequency(theirs, base))
    sentence = head + tail + (ci or text("headline.no_ci"))
    if strength == "uncertain":
        sentence += text("headline.uncertain")
    return strength, sup, size, sentence, head + text("headline.no_ci")


def _told_range(row: Any, labels: Labels) -> tuple[str, float, float, str, str] | None:
    """A comparison known as a range (counts rounded or suppressed by the source)."""
    low, high = float(row.ratio_ci_low), float(row.ratio_ci_high)
    if math.isnan(high) and low <= 1:
        return None  # from at most 1 to no upper limit: says nothing
    g, r = _sides(row, labels)
    shown = bool(range_rates(row)[0])
    bounds = [
        (float(row.lower_bound), float(row.upper_bound)),
        (float(row.ref_lower_bound), float(row.ref_upper_bound)),
    ]
    if high < 1:  # told from the side with the higher rate
        g, r = r, g
        bounds.reverse()
        low, high = 1 / high, (1 / low if low > 0 else math.nan)
    if math.isnan(high):
        times = text("times.at_least", x=ratio_number(low))
    elif high - low <= 1e-9 * high:
        times = text("times.one", x=ratio_number(low))
    else:
        lo, hi = ends(low, high)
        times = text("times.between", low=lo, high=hi)
    clear = low > 1 or high < 1
    name = str(row.metric)
    sentence = head = text(f"headline.{name}", G=capital(g), g=g, r=r, times=times)
    if shown:
        base = base_for(bounds[0][0], bounds[1][0])
        sentence += text(
            f"tail.{name}",
            g=g,
            r=r,
            a=_frequency_range(*bounds[0], base),
            b=_frequency_range(*bounds[1], base),
        )
    sentence += text("headline.range", source=range_source(row.note, row.ref_note))
    if not clear:
        sentence += text("headline.uncertain")
    sup = support(float(row.ratio_ci_low), float(row.ratio_ci_high))
    return ("clear" if clear else "uncertain"), sup, sup, sentence, head + text("headline.no_ci")


def lead(told: Sequence[Told], most: int = MOST) -> list[Told]:
    """The disparities the report leads with: clear ones only, the best supported of
    each attribute first (attributes by their best), one of them on the false-accusation
    rates when there is one, then the next best, at most one per attribute and metric
    and two per attribute; intersections only after the attributes. With several
    datasets (periods, years of a table) these limits hold across them, so the same
    comparison is told once, from the dataset where it is best supported.

    Examples
    --------
    >>> t = [Told("nat", g, "NL", m, "clear", s, s, "")
    ...      for g, m, s in [("SR", "selection_rate", 1.1), ("MA", "selection_rate", 1.0),
    ...                      ("SR", "false_discovery_rate", .2)]]
    >>> t.append(Told("sex", "F", "M", "selection_rate", "clear", .6, .6, ""))
    >>> [(x.attribute, x.group, x.metric) for x in lead(t)]
    [('nat', 'SR', 'selection_rate'), ('sex', 'F', 'selection_rate'), ('nat', 'SR', 'false_discovery_rate')]
    """
    clear = sorted((t for t in told if t.strength == "clear"), key=lambda t: -t.support)
    chosen: list[Told] = []
    per_attribute: dict[str, int] = {}
    pairs: set[tuple[str, str]] = set()

    def take(t: Told) -> None:
        chosen.append(t)
        per_attribute[t.attribute] = per_attribute.get(t.attribute, 0) + 1
        pairs.add((t.attribute, t.metric))

    def fits(t: Told) -> bool:
        return (
            t not in chosen
            and (t.attribute, t.metric) not in pairs
            and per_attribute.get(t.attribute, 0) < 2
        )

    single = [t for t in clear if INTERSECTION_SEP not in t.attribute]
    for t in single:  # the best of each attribute, attributes by their best
        if len(chosen) < most - 1 and t.attribute not in per_attribute:
            take(t)
    if not any(t.metric in FALSE_ACCUSATION for t in chosen):
        for t in single:
            if t.metric in FALSE_ACCUSATION and fits(t):
                take(t)
                break
    for pool in (single, clear):
        for t in pool:
            if len(chosen) < most and fits(t):
                take(t)
    return chosen


def count_tests(table: pd.DataFrame) -> int:
    """Distinct group-versus-reference tests the published table shows."""
    rows = table[table["p_adjusted"].notna() & (table["attribute"] != OVERALL)]
    if "test" in rows.columns:
        rows = rows[rows["test"].astype(str) != ""]
    keys = [c for c in ("dataset", "attribute", "group", "p_value") if c in rows.columns]
    return int(len(rows.drop_duplicates(keys))) if len(rows) else 0


def withheld(table: pd.DataFrame, labels: Labels, min_cell: int) -> str:
    """A sentence naming the groups with a withheld headline figure ("" for none)."""
    if min_cell <= 0:
        return text("limits.off")
    from ..spec import HEADLINE

    hidden = table[
        table["suppressed"].astype(bool)
        & table["metric"].isin(list(HEADLINE))
        & (table["attribute"] != OVERALL)
    ]
    if hidden.empty:
        return ""
    single = hidden[~hidden["attribute"].astype(str).str.contains(INTERSECTION_SEP)]
    names = list(
        dict.fromkeys(
            labels.people(str(a), str(g))
            for a, g in zip(single["attribute"], single["group"], strict=True)
        )
    )
    cells = hidden[hidden["attribute"].astype(str).str.contains(INTERSECTION_SEP)]
    n_cells = len(cells.drop_duplicates(["attribute", "group"]))
    shown = names[:4]
    if len(names) > 4:
        shown.append(text("limits.and_more", n=fmt(len(names) - 4)))
    if n_cells:
        shown.append(text("limits.withheld_cells", n=fmt(n_cells)))
    return text("limits.withheld", min_cell=fmt(min_cell), groups=_and(shown))


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return text("list.and", first=", ".join(items[:-1]), last=items[-1])


def ranged_rate(row: Any) -> bool:
    """Whether a rate is a range from hidden or rounded cells (not sampling)."""
    return bool(range_causes(str(row.get("note", ""))))
