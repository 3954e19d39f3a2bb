"""Did it change? The trend charts and the report section of an audit by period.

Built only from the published tables (the stacked results and the published change
table), like the rest of the report. One trend chart per attribute: each group's ratio
to its reference group in every period, with its interval, on a log scale; under it
the sentences of :mod:`._change_text` and the attribute's change table. The section is
one call in :func:`biasaudit.report._report.render_report`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..spec import INTERSECTION_SEP, metric
from ._change_text import _finite, change_sentences
from ._charts import (
    _INK,
    MARKERS,
    PALETTE,
    Chart,
    _chart,
    _figure,
    _legend,
    _level,
    _literal,
    _log_ticks,
    _short,
    _slug,
    _times,
    _title,
    _true,
    group_colors,
    plot,
)

if TYPE_CHECKING:
    from ..audits import AuditResult
    from ._labels import Labels

#: The change table's columns shown in the report, with their headings and formats.
_COLUMNS = (
    ("group", "Group", "text"),
    ("metric", "Metric", "text"),
    ("period_from", "From", "text"),
    ("period_to", "To", "text"),
    ("value_from", "Rate then", "pct"),
    ("value_to", "Rate now", "pct"),
    ("value_change", "Change (points)", "pts"),
    ("value_change_ci_low", "CI low", "pts"),
    ("value_change_ci_high", "CI high", "pts"),
    ("ratio_from", "Ratio then", "num"),
    ("ratio_to", "Ratio now", "num"),
    ("ratio_change", "Ratio of ratios", "num"),
    ("ratio_change_ci_low", "CI low", "num"),
    ("ratio_change_ci_high", "CI high", "num"),
    ("p_adjusted", "Adjusted p", "p"),
)


def trend_chart(
    table: pd.DataFrame,
    attribute: str,
    metric_name: str = "selection_rate",
    *,
    periods: Sequence[str],
    band: tuple[float, float] | None = (0.8, 1.25),
    colors: Mapping[tuple[str, str], str] | None = None,
    confidence: float = 0.95,
    changes: pd.DataFrame | None = None,
) -> Chart:
    """Each group's ratio to its reference group, period by period, with intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        The published results table with a ``dataset`` column naming the period.
    attribute : str
        An attribute of the table.
    metric_name : str, default="selection_rate"
        The metric whose ratios are drawn.
    periods : sequence of str
        The periods, first to last (the x axis).
    band : (float, float) or None, default=(0.8, 1.25)
        Shaded reference band around 1; None draws none.
    colors : mapping, optional
        ``(attribute, group) -> colour`` (default :func:`group_colors` of ``table``).
    confidence : float, default=0.95
        The level the table was computed at (labels only).
    changes : pandas.DataFrame, optional
        The published change table: the title then names the group whose ratio
        changed with the strongest evidence (else the one that moved most).

    Returns
    -------
    Chart

    Raises
    ------
    ValueError
        The attribute or metric is not in the table's periods.

    Examples
    --------
    >>> t = pd.DataFrame({
    ...     "dataset": ["2021", "2021", "2022", "2022"], "attribute": "sex",
    ...     "group": ["F", "M"] * 2, "metric": "selection_rate",
    ...     "reference_group": "M", "ratio": [2.0, 1.0, 1.2, 1.0],
    ...     "ratio_ci_low": [1.2, np.nan, 0.7, np.nan],
    ...     "ratio_ci_high": [3.4, np.nan, 2.1, np.nan], "suppressed": False})
    >>> trend_chart(t, "sex", periods=["2021", "2022"]).title
    'Selection rate ratio to M by sex, 2021 to 2022: F 2.00 → 1.20'
    """
    spec = metric(metric_name)
    rows = table[
        (table["attribute"] == attribute)
        & (table["metric"] == spec.name)
        & table["dataset"].astype(str).isin(list(periods))
    ]
    if rows.empty:
        raise ValueError(
            f"No {spec.name!r} rows of {attribute!r} in the periods {list(periods)!r}. "
            "Pass the published table of an audit by period."
        )
    refs = [r for r in rows["reference_group"] if isinstance(r, str) and r]
    ref = max(set(refs), key=refs.count) if refs else None
    groups = [g for g in dict.fromkeys(rows["group"]) if g != ref]
    palette = group_colors(table) if colors is None else colors
    x = np.arange(len(periods), dtype=float)
    fig = _figure(8.0, 4.6)
    ax = fig.add_subplot()
    values: list[float] = [1.0, *(band or ())]
    series: dict[str, list[tuple[float, float, float, float]]] = {}
    hidden: dict[str, list[str]] = {}
    for j, g in enumerate(groups):
        offset = (j - (len(groups) - 1) / 2) * min(0.08, 0.5 / max(len(groups), 1))
        mine = rows[rows["group"] == g].set_index(rows["dataset"][rows["group"] == g].astype(str))
        points = []
        for i, p in enumerate(periods):
            if p not in mine.index:
                continue
            row = mine.loc[p]
            r, lo, hi = row["ratio"], row["ratio_ci_low"], row["ratio_ci_high"]
            if (
                _true(row["suppressed"])
                or not _finite(r)
                or r <= 0
                or row["reference_group"] != ref
            ):
                hidden.setdefault(g, []).append(p)
                continue
            points.append((x[i] + offset, float(r), float(lo), float(hi)))
            values += [float(v) for v in (r, lo, hi) if _finite(v) and v > 0]
        series[g] = points
    lo_y, hi_y = min(values) / 1.25, max(values) * 1.25
    ax.set_yscale("log")
    ax.set_ylim(lo_y, hi_y)
    ticks = _log_ticks(lo_y, hi_y, [1.0, 0.5, 2.0, 3.0, 5.0, 0.25, 1.5, 4.0, 8.0], 4.6 * 0.7)
    ax.set_yticks(ticks, labels=[f"{t:g}" for t in ticks], fontsize=9)
    ax.yaxis.set_minor_locator(_null_locator())
    ax.yaxis.set_minor_formatter(_null_formatter())
    ax.set_xticks(x, labels=[_literal(_short(p, 16)) for p in periods], fontsize=10)
    ax.set_xlim(-0.5, len(periods) - 0.5)
    ref_name = _short(ref) if ref else "the reference group"
    ax.set_ylabel(_literal(f"ratio to {ref_name} (log scale)"), fontsize=10)
    ax.set_xlabel(_literal(f"period ({_level(confidence)} whiskers)"), fontsize=10)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    if band is not None:
        ax.axhspan(*band, color="#999999", alpha=0.2, lw=0, gid="band", zorder=0)
    ax.axhline(1.0, color=_INK, lw=1, gid="reference-line", zorder=1)
    parts = []
    for j, g in enumerate(groups):
        color = palette.get((attribute, g), PALETTE[j % len(PALETTE)])
        marker = MARKERS[j % len(MARKERS)]
        pts = series[g]
        if pts:
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            ax.plot(xs, ys, "-", color=color, lw=1.2, alpha=0.8, zorder=2, gid="trend")
            ax.plot(xs, ys, marker, color=color, mec=_INK, ms=8, ls="none", zorder=4, gid="point")
            spans = [(px, plo, phi) for px, _, plo, phi in pts if _finite(plo, phi)]
            if spans:
                at, lows, highs = (np.array(v) for v in zip(*spans, strict=True))
                ax.vlines(
                    at,
                    np.clip(lows, lo_y, hi_y),
                    np.clip(highs, lo_y, hi_y),
                    colors=color,
                    lw=1.4,
                    zorder=3,
                    gid="whiskers",
                )
        handles.append(
            Line2D([], [], color=color, marker=marker, mec=_INK, label=_literal(_short(g, 24)))
        )
        shown = ", ".join(
            f"{_times(r)} in {_period_at(px, periods)}"
            + (f" ({_times(plo)} to {_times(phi)})" if _finite(plo, phi) else "")
            for px, r, plo, phi in pts
        )
        missing = hidden.get(g, [])
        gone = f"; not shown in {', '.join(missing)} (suppressed or undefined)" if missing else ""
        parts.append(f"{g}: {shown or 'no ratio shown'}{gone}")
    handles.append(Line2D([], [], color=_INK, lw=1, label=_literal(f"1 = same as {ref_name}")))
    if band is not None:
        handles.append(Patch(color="#999999", alpha=0.2, label=f"{band[0]:g} to {band[1]:g}"))
    _legend(fig, handles, ncols=4)
    clearest = None
    if changes is not None:
        tested = changes[
            (changes["attribute"] == attribute)
            & (changes["metric"] == spec.name)
            & changes["p_adjusted"].notna()
            & changes["group"].isin([g for g, pts in series.items() if len(pts) >= 2])
        ]
        if len(tested):
            clearest = str(tested.sort_values("p_adjusted", kind="stable")["group"].iloc[0])
    title = _trend_title(spec.label.split(" (")[0], attribute, ref, periods, series, clearest)
    _title(fig, title)
    alt = (
        f"{title}. Ratio of each group's {spec.label.lower()} to that of {ref_name}, "
        f"per period ({', '.join(periods)}): {'; '.join(parts)}."
    )
    name = f"trend-{_slug(attribute)}-{spec.name}"
    return _chart(name, title, alt, fig, attribute)


def _period_at(x: float, periods: Sequence[str]) -> str:
    return periods[int(round(x))]


def _null_locator() -> Any:
    from matplotlib.ticker import NullLocator

    return NullLocator()


def _null_formatter() -> Any:
    from matplotlib.ticker import NullFormatter

    return NullFormatter()


def _trend_title(
    label: str,
    attribute: str,
    ref: str | None,
    periods: Sequence[str],
    series: Mapping[str, list[tuple[float, float, float, float]]],
    clearest: str | None = None,
) -> str:
    """The ``clearest`` group's ratio, or the group whose ratio moved most (log scale),
    from its first to its last period shown."""
    head = (
        f"{label} ratio to {_short(ref) if ref else 'the reference group'} by {_short(attribute)}"
    )
    span = f"{periods[0]} to {periods[-1]}"
    moved = [
        (abs(math.log(pts[-1][1] / pts[0][1])), g, pts)
        for g, pts in series.items()
        if len(pts) >= 2
    ]
    if not moved:
        return f"{head}, {span}: no change can be shown"
    _, g, pts = max(moved, key=lambda m: (m[1] == clearest, m[0]))
    return f"{head}, {span}: {_short(g, 24)} {_times(pts[0][1])} → {_times(pts[-1][1])}"


def plot_change(
    result: AuditResult, table: pd.DataFrame, kind: str, attribute: str | None, name: str | None
) -> Any:
    """``AuditResult.plot`` for an audit by period: ``"trend"``, or a chart of all
    periods together."""
    change = result.change
    if kind == "trend":
        if change is None:
            raise ValueError(
                "kind='trend' needs periods: roles.period (or an aggregated table with "
                "several datasets). Got no periods."
            )
        if attribute is None:
            raise ValueError("kind='trend' needs an attribute. Got None.")
        return trend_chart(
            table,
            attribute,
            name or _first_metric(change.table),
            periods=change.periods,
            confidence=result.spec.stats.confidence,
        ).figure
    if attribute is None:
        raise ValueError(f"kind={kind!r} needs an attribute. Got None.")
    if change is not None and change.pooled is not None:
        table = table[table["dataset"] == change.pooled].drop(columns="dataset")
    return plot(table, kind, attribute, name)


def _first_metric(changes: pd.DataFrame) -> str:
    tested = changes.loc[changes["ratio_change"].notna(), "metric"]
    names = list(dict.fromkeys(tested if len(tested) else changes["metric"]))
    return str(names[0]) if names else "selection_rate"


# --------------------------------------------------------------------------- report


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _cell(value: Any, kind: str) -> str:
    if kind == "text":
        return f"<td>{'' if value is None or value != value else _e(value)}</td>"
    if not _finite(value):
        return '<td class="num"></td>'
    x = float(value)
    text = {
        "pct": f"{100 * x:.1f}%",
        "pts": f"{100 * x:+.1f}",
        "num": _times(x),
        "p": "< 0.001" if x < 0.001 else f"{x:.3f}",
    }[kind]
    return f'<td class="num">{_e(text)}</td>'


def _table(rows: pd.DataFrame, caption: str) -> str:
    head = "".join(f'<th scope="col">{_e(h)}</th>' for _, h, _ in _COLUMNS)
    body = []
    for _, row in rows.iterrows():
        cells = "".join(_cell(row[c], kind) for c, _, kind in _COLUMNS)
        note = "suppressed" if _true(row["suppressed"]) else str(row["note"] or "")
        body.append(f"<tr>{cells}<td>{_e(note)}</td></tr>")
    return (
        f'<div class="table-wrap"><table><caption>{_e(caption)}</caption><thead><tr>{head}'
        f'<th scope="col">Note</th></tr></thead><tbody>{"".join(body)}</tbody></table></div>'
    )


def change_section(
    result: AuditResult, save: Callable[[Chart], str], labels: Labels | None = None
) -> str:
    """The report's "Did it change?" section ("" for an audit without periods);
    ``save`` writes a chart into the output folder and returns its HTML figure,
    ``labels`` name the attributes and groups."""
    change = result.change
    if change is None:
        return ""
    table = result.published_table()
    changes = result.published_changes()
    level = result.spec.stats.confidence
    versus = (
        "the period before it"
        if change.compare == "previous"
        else f"the first ({change.periods[0]})"
    )
    tested = list(dict.fromkeys(changes.loc[changes["ratio_change"].notna(), "metric"]))
    pooled = (
        f" The tables above show {change.pooled} and each period on its own; every "
        "comparison of a group with its reference group is within one period."
        if change.pooled
        else ""
    )
    parts = [
        '<section id="change"><h2>Did it change?</h2>'
        f"<p>Periods ({_e(change.column)}): {_e(', '.join(change.periods))}. Each period "
        f"is compared with {_e(versus)}.{_e(pooled)} A disparity's change is the ratio of "
        "the two periods' ratios to the reference group (1: unchanged; below 1: the "
        "disparity shrank), with a log-scale interval (delta method) and a test whose "
        f"p-values are adjusted across every change tested ({_e(result.spec.stats.correction)}). "
        "A rate's own change is the later rate minus the earlier, in percentage points, "
        "with Newcombe's interval. Metrics tested: "
        f"{_e(', '.join(tested) or 'none (no ratio is defined in two periods)')}.</p>"
    ]
    colors = group_colors(table)
    for attribute in result.counts.attributes():
        if INTERSECTION_SEP in attribute:
            continue
        mine = changes[changes["attribute"] == attribute]
        if mine.empty:
            continue
        figure = ""
        if tested:
            with_ratio = mine.loc[mine["ratio_change"].notna(), "metric"]
            name = str(with_ratio.iloc[0]) if len(with_ratio) else tested[0]
            rows = table[(table["attribute"] == attribute) & (table["metric"] == name)]
            if len(rows):
                chart = trend_chart(
                    table,
                    attribute,
                    name,
                    periods=change.periods,
                    colors=colors,
                    confidence=level,
                    changes=changes,
                )
                figure = save(chart)
        sentences = change_sentences(mine, confidence=level, labels=labels)[:6]
        items = "".join(f"<li>{_e(s)}</li>" for s in sentences)
        shown = mine[mine["group"] != mine["reference_group"]]
        parts.append(
            f"<h3>{_e(labels.name(attribute) if labels is not None else attribute)}</h3>{figure}"
            + (
                f"<ul>{items}</ul>"
                if items
                else "<p>No change of a disparity could be tested.</p>"
            )
            + _table(
                shown if len(shown) else mine,
                f"Change between periods for {attribute} (rates and ratios to the reference group)",
            )
        )
    parts.append("</section>")
    return "".join(parts)
