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
from ._labels import Labels, capital
from ._messages import fmt, has, text
from ._messages import label as metric_label
from ._notes import note_text

if TYPE_CHECKING:
    from ..audits import AuditResult

#: The change table's columns shown in the report, with their formats (the headings
#: are the catalogue's ``ccol.<column>``).
_COLUMNS = (
    ("group", "text"),
    ("metric", "text"),
    ("period_from", "text"),
    ("period_to", "text"),
    ("value_from", "pct"),
    ("value_to", "pct"),
    ("value_change", "pts"),
    ("value_change_ci_low", "pts"),
    ("value_change_ci_high", "pts"),
    ("ratio_from", "num"),
    ("ratio_to", "num"),
    ("ratio_change", "num"),
    ("ratio_change_ci_low", "num"),
    ("ratio_change_ci_high", "num"),
    ("p_adjusted", "p"),
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
    ax.set_yticks(ticks, labels=[fmt(t, "g") for t in ticks], fontsize=9)
    ax.yaxis.set_minor_locator(_null_locator())
    ax.yaxis.set_minor_formatter(_null_formatter())
    ax.set_xticks(x, labels=[_literal(_short(p, 16)) for p in periods], fontsize=10)
    ax.set_xlim(-0.5, len(periods) - 0.5)
    ref_name = _short(ref) if ref else text("chart.the_reference_group")
    ax.set_ylabel(_literal(text("trend.y_axis", reference=ref_name)), fontsize=10)
    ax.set_xlabel(_literal(text("trend.x_axis", level=_level(confidence))), fontsize=10)
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
            text("trend.in", ratio=_times(r), period=_period_at(px, periods))
            + (
                " (" + text("cell.range", low=_times(plo), high=_times(phi)) + ")"
                if _finite(plo, phi)
                else ""
            )
            for px, r, plo, phi in pts
        )
        missing = hidden.get(g, [])
        gone = text("trend.not_shown", periods=", ".join(missing)) if missing else ""
        parts.append(f"{g}: {shown or text('trend.no_ratio')}{gone}")
    same = text("chart.same_as", reference=ref_name)
    handles.append(Line2D([], [], color=_INK, lw=1, label=_literal(same)))
    if band is not None:
        band_text = text("cell.range", low=fmt(band[0], "g"), high=fmt(band[1], "g"))
        handles.append(Patch(color="#999999", alpha=0.2, label=band_text))
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
    label = metric_label(spec.name)
    title = _trend_title(label.split(" (")[0], attribute, ref, periods, series, clearest)
    _title(fig, title)
    alt = text(
        "trend.alt",
        title=title,
        metric=label.lower(),
        reference=ref_name,
        periods=", ".join(periods),
        values="; ".join(parts),
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
    head = text(
        "trend.head",
        metric=label,
        reference=_short(ref) if ref else text("chart.the_reference_group"),
        attribute=_short(attribute),
        first=periods[0],
        last=periods[-1],
    )
    moved = [
        (abs(math.log(pts[-1][1] / pts[0][1])), g, pts)
        for g, pts in series.items()
        if len(pts) >= 2
    ]
    if not moved:
        return text("trend.none", head=head)
    _, g, pts = max(moved, key=lambda m: (m[1] == clearest, m[0]))
    return f"{head}: {_short(g, 24)} {_times(pts[0][1])} → {_times(pts[-1][1])}"


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
    shown = {
        "pct": fmt(100 * x, ".1f") + "%",
        "pts": fmt(100 * x, "+.1f"),
        "num": _times(x),
        "p": text("p.small") if x < 0.001 else fmt(x, ".3f"),
    }[kind]
    return f'<td class="num">{_e(shown)}</td>'


def _table(rows: pd.DataFrame, caption: str, labels: Labels) -> str:
    head = "".join(f'<th scope="col">{_e(text(f"ccol.{c}"))}</th>' for c, _ in _COLUMNS)
    body = []
    for _, row in rows.iterrows():
        shown = row.copy()
        shown["group"] = labels.group(str(row["attribute"]), str(row["group"]))
        shown["metric"] = metric_label(str(row["metric"]))
        cells = "".join(_cell(shown[c], kind) for c, kind in _COLUMNS)
        note = text("cell.suppressed") if _true(row["suppressed"]) else str(row["note"] or "")
        body.append(f"<tr>{cells}<td>{_e(note_text(note))}</td></tr>")
    return (
        f'<div class="table-wrap"><table><caption>{_e(caption)}</caption><thead><tr>{head}'
        f'<th scope="col">{_e(text("col.note"))}</th></tr></thead><tbody>{"".join(body)}'
        "</tbody></table></div>"
    )


def change_section(
    result: AuditResult, save: Callable[[Chart], str], labels: Labels | None = None
) -> str:
    """The report's "Did it change?" section ("" for an audit without periods);
    ``save`` writes a chart into the output folder and returns its HTML figure;
    ``labels`` name the attributes and groups."""
    change = result.change
    if change is None:
        return ""
    labels = labels or Labels()
    table = result.published_table()
    changes = result.published_changes()
    level = result.spec.stats.confidence
    versus = (
        text("change.versus_previous")
        if change.compare == "previous"
        else text("change.versus_first", first=change.periods[0])
    )
    tested = list(dict.fromkeys(changes.loc[changes["ratio_change"].notna(), "metric"]))
    pooled = text("change.pooled", pooled=change.pooled) if change.pooled else ""
    correction = result.spec.stats.correction
    intro = text(
        "change.intro",
        column=change.column,
        periods=", ".join(change.periods),
        versus=versus,
        pooled=pooled,
        correction=text(f"correction.{correction}")
        if has(f"correction.{correction}")
        else correction,
        tested=", ".join(metric_label(m) for m in tested) or text("change.none_tested"),
    )
    parts = [f'<section id="change"><h2>{_e(text("change.heading"))}</h2><p>{_e(intro)}</p>']
    drawn, drawn_changes = labels.relabel(table), labels.relabel(changes)
    colors = group_colors(drawn)
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
                    drawn,
                    attribute,
                    name,
                    periods=change.periods,
                    colors=colors,
                    confidence=level,
                    changes=drawn_changes,
                )
                figure = save(chart)
        sentences = change_sentences(mine, confidence=level, name=labels.people)[:6]
        items = "".join(f"<li>{_e(capital(s))}</li>" for s in sentences)
        shown = mine[mine["group"] != mine["reference_group"]]
        name = capital(labels.name(attribute))
        parts.append(
            f"<h3>{_e(name)}</h3>{figure}"
            + (f"<ul>{items}</ul>" if items else f"<p>{_e(text('change.untested'))}</p>")
            + _table(
                shown if len(shown) else mine,
                text("change.caption", name=name),
                labels,
            )
        )
    parts.append("</section>")
    return "".join(parts)
