"""One chart per question: a measure of every group, with its ratio to the reference.

The report draws each headline measure of an attribute once: the rate of every group
(a bar with its confidence interval, or a hatched range where the data cannot pin the
rate down) and, written beside it, the ratio to the reference group with its interval.
A rate computed among the people with a known outcome (a hit rate under selective
labels) is a number, as in the sentences; it is a range only where the rate itself is
one (not identifiable, or built on rounded or suppressed cells). The title tells the
best-supported disparity: the one whose interval lies furthest from 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from matplotlib.lines import Line2D

from ..metrics import range_causes, ranged_comparison
from ._charts import (
    _HATCH,
    _INK,
    Chart,
    _chart,
    _figure,
    _finite,
    _group_axis,
    _legend,
    _literal,
    _looks,
    _overall,
    _range_handle,
    _reference,
    _row_heights,
    _rows,
    _short,
    _side_text,
    _slug,
    _spec,
    _times,
    _title,
    _true,
    _unit,
    _whiskers,
    _wrap,
)
from ._headline import support
from ._messages import fmt, plain, text
from ._messages import label as metric_label


def rate_state(row: pd.Series) -> str:
    """``suppressed``, ``point`` (a number with an interval), ``range`` or ``n/a``.

    A row with a value is a point unless its value is the middle of a range from
    rounded or suppressed cells; a row without one is a range when its bounds differ.

    Examples
    --------
    >>> rate_state(pd.Series({"suppressed": False, "value": .76, "lower_bound": .72,
    ...                       "upper_bound": .77, "note": "among the 2,551 flagged"}))
    'point'
    >>> rate_state(pd.Series({"suppressed": False, "value": float("nan"),
    ...                       "lower_bound": .09, "upper_bound": 1.0, "note": ""}))
    'range'
    """
    if _true(row["suppressed"]):
        return "suppressed"
    lo, hi = row.get("lower_bound", math.nan), row.get("upper_bound", math.nan)
    spread = _finite(lo, hi) and hi - lo > 1e-12 * max(1.0, abs(hi))
    if _finite(row["value"]) and not (spread and range_causes(str(row.get("note", "")))):
        return "point"
    return "range" if spread else "n/a"


def shows_difference(table: pd.DataFrame, attribute: str, metric: str) -> bool:
    """Whether the measure chart of ``metric`` can show anything: a ratio to the
    reference group, two values, or two ranges that do not overlap."""
    rows = _rows(table, attribute, metric)
    ref = _reference(rows)
    spans = []
    for _, row in rows.iterrows():
        state = rate_state(row)
        if ref is not None and row["group"] != ref and _finite(row.get("ratio_ci_low")):
            return True
        if ref is not None and row["group"] != ref and _finite(row.get("ratio")):
            return True
        if state == "point":
            spans.append((row["value"], row["value"]))
        elif state == "range":
            spans.append((row["lower_bound"], row["upper_bound"]))
    if len(spans) < 2:
        return False
    return min(hi for _, hi in spans) < max(lo for lo, _ in spans)


def _ratio_text(row: pd.Series, ref: str | None) -> tuple[str, float]:
    """The ratio as written beside the bar, and its support (0: none or unclear)."""
    if ref is None or _true(row["suppressed"]):
        return "", 0.0
    if row["group"] == ref:
        return text("cell.reference"), 0.0
    r, lo, hi = row.get("ratio"), row.get("ratio_ci_low"), row.get("ratio_ci_high")
    if _finite(lo) and ranged_comparison(str(row.get("note", ""))):
        upper = _times(hi) if _finite(hi) else "∞"
        return text("chart.ratio_range", low=_times(lo), high=upper), support(lo, hi)
    if _finite(r) and _finite(lo, hi):
        return text("chart.ratio_ci", ratio=_times(r), low=_times(lo), high=_times(hi)), support(
            lo, hi
        )
    if _finite(r):
        return text("chart.ratio", ratio=_times(r), reference=_short(ref, 20)), 0.0
    return "", 0.0


def measure_chart(
    table: pd.DataFrame,
    attribute: str,
    metric: str,
    *,
    name: str | None = None,
    colors: Mapping[tuple[str, str], str] | None = None,
    confidence: float = 0.95,
) -> Chart:
    """The rate of every group of ``attribute`` on ``metric``, with its ratio to the
    reference group written beside it.

    Parameters
    ----------
    table : pandas.DataFrame
        The published results table (groups as the report names them).
    attribute, metric : str
        What to chart.
    name : str, optional
        The attribute in the title and on the axis (default: ``attribute``).
    colors : mapping, optional
        ``(attribute, group) -> colour``.
    confidence : float, default=0.95
        The level the table was computed at (for the labels only).

    Returns
    -------
    Chart
        Named ``measure-<attribute>-<metric>``.

    Examples
    --------
    >>> import biasaudit
    >>> df = pd.DataFrame({"sex": ["F"] * 200 + ["M"] * 200,
    ...                    "flag": [1] * 60 + [0] * 140 + [1] * 20 + [0] * 180})
    >>> r = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex"],
    ...                     reference={"sex": "M"})
    >>> measure_chart(r.published_table(), "sex", "selection_rate").title
    'Selection rate: F 3.00 times as high as M (95% CI 1.88 to 4.78)'
    """
    spec = _spec(metric)
    shown_name = name or attribute
    rows = _rows(table, attribute, spec.name)
    ref = _reference(rows)
    groups = list(rows["group"])
    looks = _looks(table, attribute, groups, colors)
    labels = [_wrap(g) + ("\n" + text("chart.reference") if g == ref else "") for g in groups]
    fig = _figure(8.0, 1.9 + _row_heights(labels))
    ax = fig.add_subplot()
    _group_axis(ax, labels, shown_name)
    unit = _unit(spec)
    level = text("chart.level", level=fmt(confidence, ".0%"))
    spans: list[tuple[float, float, float]] = []
    parts: list[str] = []
    ranged = False
    best: tuple[float, pd.Series | None] = (0.0, None)
    ends: list[float] = [0.0]
    for y, (_, row) in enumerate(rows.iterrows()):
        g, state = row["group"], rate_state(row)
        color = looks[g][0]
        ratio, sup = _ratio_text(row, ref)
        if sup > best[0]:
            best = (sup, row)
        if state == "point":
            v = row["value"]
            ax.barh(y, v, height=0.6, color=color, edgecolor=_INK, lw=0.6, gid="bar", zorder=2)
            shown = unit(v)
            ends.append(v)
            if _finite(row["ci_low"], row["ci_high"]):
                spans.append((y, row["ci_low"], row["ci_high"]))
                ends += [row["ci_low"], row["ci_high"]]
                parts.append(
                    text(
                        "chart.alt_point",
                        group=g,
                        value=unit(v),
                        level=level,
                        low=unit(row["ci_low"]),
                        high=unit(row["ci_high"]),
                        counts=_counts(row),
                    )
                )
            else:
                parts.append(f"{g} {unit(v)}")
        elif state == "range":
            ranged = True
            lo, hi = row["lower_bound"], row["upper_bound"]
            ends += [lo, hi]
            ax.barh(
                y,
                hi - lo,
                left=lo,
                height=0.6,
                facecolor="white",
                edgecolor=color,
                hatch=_HATCH,
                lw=1.2,
                gid="range",
                zorder=2,
            )
            shown = text("cell.range", low=unit(lo), high=unit(hi))
            why = (
                text("chart.range_why_cells")
                if range_causes(str(row.get("note", "")))
                else text("chart.range_why_unknown")
            )
            parts.append(text("chart.alt_range", group=g, low=unit(lo), high=unit(hi), why=why))
        else:
            shown = text("cell.suppressed") if state == "suppressed" else text("chart.na")
            parts.append(f"{g} {shown}")
        if ratio and ratio != text("cell.reference"):
            parts[-1] += "; " + ratio
        side = f"{shown}   {ratio}" if ratio else shown
        style = {} if state in ("point", "range") else {"color": "0.35", "style": "italic"}
        _side_text(ax, y, side, **style)
    _whiskers(ax, spans, vertical=False)
    overall = _overall(table, spec.name)
    if math.isfinite(overall):
        ax.axvline(overall, color="0.35", ls="--", lw=1.2, gid="overall", zorder=3)
        ends.append(overall)
    finite = [e for e in ends if _finite(e)]
    low, high = min(finite), max(finite)
    pad = 0.08 * (high - low) if high > low else 0.05
    share = unit.__name__ == "_pct"
    ax.set_xlim(low - pad if low < 0 else 0.0, min(1.0, high + pad) if share else high + pad)
    ax.grid(axis="x", color="0.9")
    ax.set_axisbelow(True)
    ax.xaxis.set_major_formatter(_percent_axis() if share else _plain_axis())
    words = plain(spec.name)
    metric_name = metric_label(spec.name)
    ax.set_xlabel(_literal(text("chart.axis", metric=metric_name, plain=words)), fontsize=10)
    handles: list[Any] = []
    if spans:
        handles.append(Line2D([], [], color=_INK, marker="|", lw=1.4, label=level))
    if ranged:
        handles.append(_range_handle())
    if math.isfinite(overall):
        label = text("chart.everyone", value=unit(overall))
        handles.append(Line2D([], [], color="0.35", ls="--", label=_literal(label)))
    _legend(fig, handles, ncols=3)
    title = _finding(rows, best[1], metric_name, shown_name, ref, confidence, unit)
    _title(fig, title)
    alt = text(
        "chart.alt_measure",
        title=title,
        metric=metric_name,
        attribute=shown_name,
        plain=words,
        values="; ".join(parts),
    )
    if math.isfinite(overall):
        alt += text("chart.alt_everyone", value=unit(overall))
    return _chart(f"measure-{_slug(attribute)}-{spec.name}", title, alt + ".", fig, attribute)


def _counts(row: pd.Series) -> str:
    num, den = row["numerator"], row["denominator"]
    if _finite(num, den) and float(num).is_integer() and float(den).is_integer():
        return text("chart.counts", numerator=fmt(int(num)), denominator=fmt(int(den)))
    return ""


def _percent_axis() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _: fmt(100 * x, ".4g") + "%")


def _plain_axis() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _: fmt(x, ".4g"))


def _finding(
    rows: pd.DataFrame,
    best: pd.Series | None,
    label: str,
    name: str,
    ref: str | None,
    confidence: float,
    unit: Any,
) -> str:
    """The best-supported ratio, else the spread of the values, in one line."""
    level = fmt(confidence, ".0%")
    if best is not None and ref is not None:
        lo, hi = best["ratio_ci_low"], best["ratio_ci_high"]
        if ranged_comparison(str(best.get("note", ""))):
            group, other = _short(best["group"]), _short(ref)
            if _finite(hi) and 0 < hi < 1:
                group, other, lo, hi = other, group, 1 / hi, 1 / lo if lo > 0 else math.nan
            return text(
                "chart.title_range",
                metric=label,
                group=group,
                low=_times(lo),
                high=_times(hi) if _finite(hi) else "∞",
                reference=other,
            )
        group, other, ratio = _short(best["group"]), _short(ref), float(best["ratio"])
        if 0 < ratio < 1:  # told from the side with the higher rate, as the sentences are
            group, other, ratio, lo, hi = other, group, 1 / ratio, 1 / hi, 1 / lo
        return text(
            "chart.title_ratio",
            metric=label,
            group=group,
            ratio=_times(ratio),
            reference=other,
            level=level,
            low=_times(lo),
            high=_times(hi),
        )
    points = [row for _, row in rows.iterrows() if rate_state(row) == "point"]
    if len(points) >= 2:
        top = max(points, key=lambda r: r["value"])
        low = min(points, key=lambda r: r["value"])
        return text(
            "chart.title_spread",
            metric=label,
            attribute=_short(name),
            top=_short(top["group"]),
            top_value=unit(top["value"]),
            low=_short(low["group"]),
            low_value=unit(low["value"]),
        )
    if points:
        return text(
            "chart.title_one",
            metric=label,
            attribute=_short(name),
            value=unit(points[0]["value"]),
            group=_short(points[0]["group"]),
        )
    if any(rate_state(row) == "range" for _, row in rows.iterrows()):
        return text("chart.title_ranges", metric=label, attribute=_short(name))
    return text("chart.title_none", metric=label, attribute=_short(name))
