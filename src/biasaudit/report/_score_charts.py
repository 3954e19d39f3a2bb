"""Charts of the score analyses and of the regression-adjusted disparity.

Drawn with the helpers of :mod:`._charts` (one colour and marker per group, Agg
figures outside pyplot, literal names, the layout fixed once), from the *published*
tables of :class:`._score_audit.ScoreAnalysis` and the table of
:class:`._regression.AdjustedDisparity`:

* :func:`decile_chart`: each group's share of people in each score decile of everyone;
* :func:`excess_chart`: share at or above the top-decile threshold (and the audit's
  cut-off) minus everyone's share, with intervals;
* :func:`calibration_chart`: observed outcome rate per score bin and group;
* :func:`threshold_chart`: ratios to the reference group across the threshold sweep;
* :func:`adjusted_chart`: adjusted odds ratios and relative risks as a forest plot.

A row marked ``suppressed`` is never drawn, even when its numbers are present, and the
chart names what it left out. Titles and alt text state the finding in words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter, NullLocator

from ..counts import OVERALL
from ..disclosure import publish
from ..spec import metric as _metric
from ..stats import AdjustedDisparity
from ._charts import (
    _INK,
    _PERCENT,
    MARKERS,
    PALETTE,
    Chart,
    _chart,
    _figure,
    _finite,
    _group_axis,
    _legend,
    _level,
    _literal,
    _log_ticks,
    _looks,
    _pct,
    _rate_state,
    _row_heights,
    _short,
    _side_text,
    _slug,
    _times,
    _title,
    _true,
    _whiskers,
    _wrap,
)
from ._labels import capital
from ._messages import fmt
from ._messages import label as metric_label
from ._messages import text as message

#: Error rates the threshold chart can show, in the order it prefers them.
ERROR_METRICS = (
    "false_positive_rate",
    "false_discovery_rate",
    "innocent_flag_rate",
    "false_negative_rate",
)
_EVERYONE = "#BBBBBB"


# --------------------------------------------------------------------------- rows


def _part(table: pd.DataFrame, attribute: str, columns: Sequence[str], what: str) -> pd.DataFrame:
    """The attribute's rows, with the columns checked and a clean ``suppressed`` mark."""
    missing = [c for c in ["attribute", "group", *columns, "suppressed"] if c not in table]
    if missing:
        raise ValueError(
            f"{what} lacks the columns {', '.join(map(repr, missing))}. Got columns "
            f"{', '.join(map(repr, table.columns))}. Pass the published table of a "
            "ScoreAnalysis."
        )
    rows = table[table["attribute"] == attribute].copy()
    if rows.empty:
        attrs = [a for a in table["attribute"].drop_duplicates() if a != OVERALL]
        raise ValueError(
            f"Attribute {attribute!r} is not in {what.lower()}. Got {attribute!r}; "
            f"available: {', '.join(map(repr, attrs)) or 'none'}."
        )
    rows["suppressed"] = [_true(x) for x in rows["suppressed"]]
    return rows.reset_index(drop=True)


def _float(value: Any) -> float:
    """A table cell as a float (a blank, ``pd.NA`` or text is NaN)."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def _num(rows: pd.DataFrame, column: str) -> np.ndarray:
    return np.array([_float(v) for v in rows[column]], dtype=float)


def _groups(rows: pd.DataFrame) -> list[str]:
    return [str(g) for g in rows["group"].drop_duplicates()]


def _named(groups: Sequence[str]) -> str:
    return ", ".join(str(g) for g in groups)


def _xlabel(ax: Axes, label: str, note: str = "") -> None:
    """The axis label, and under it what the chart leaves out (inside the layout)."""
    chars = int(_width(ax) * 72 / (9 * 0.56)) - 6
    text = label if not note else f"{label}\n{_wrap(note, chars, 3)}"
    ax.set_xlabel(_literal(text), fontsize=9.5)


def _width(ax: Axes) -> float:
    fig = ax.get_figure(root=True)
    return float(fig.get_figwidth()) if isinstance(fig, Figure) else 6.4


def _key(fig: Figure, handles: Sequence[Any]) -> None:
    """The legend in as many columns as fit the figure's width."""
    labels = [str(h.get_label()) for h in handles] or [""]
    longest = max(len(line) for label in labels for line in label.split("\n"))
    per = (longest * 9 * 0.56 + 40) / 72  # inches: text, handle, padding
    _legend(fig, handles, ncols=max(1, min(len(handles), int(fig.get_figwidth() / per))))


def _score_fmt(x: float) -> str:
    return fmt(x, ".3g")


def _pp(x: float) -> str:
    """A difference of shares in percentage points."""
    return fmt(100 * x, "+.1f")


# --------------------------------------------------------------------------- deciles


def decile_chart(
    deciles: pd.DataFrame,
    attribute: str,
    *,
    score_name: str = "score",
    colors: Mapping[tuple[str, str], str] | None = None,
) -> Chart:
    """Each group's share of people in each score decile of everyone.

    Everyone's share of each decile is drawn as grey bars (about 10% each; with tied
    scores a decile holds more or less); each group is a line with its marker. A
    group's line above the bars at the right means the group is over-represented among
    the highest scores. Suppressed cells are not drawn (the line breaks) and the
    legend names them.

    Parameters
    ----------
    deciles : pandas.DataFrame
        ``ScoreAnalysis.published("deciles")``.
    attribute : str
        An attribute of the table.
    score_name : str, default="score"
        How the score is named in the labels.
    colors : mapping, optional
        ``(attribute, group) -> colour`` (default: :func:`group_colors` of the table).

    Returns
    -------
    Chart

    Raises
    ------
    ValueError
        The attribute is not in the table, or a column is missing.

    Examples
    --------
    >>> t = pd.DataFrame({"attribute": "sex", "group": ["F", "M", "F", "M"],
    ...                   "decile": [1, 1, 2, 2], "group_share": [.3, .7, .7, .3],
    ...                   "overall_share": [.5, .5, .5, .5], "suppressed": False})
    >>> decile_chart(t, "sex").title
    'Share in the top decile of score by sex: highest for F (70%, everyone 50%)'
    """
    rows = _part(
        deciles, attribute, ["decile", "group_share", "overall_share"], "The decile table"
    )
    rows = rows.sort_values("decile", kind="stable")
    deciles_shown = sorted({int(d) for d in rows["decile"]})
    groups = _groups(rows)
    looks = _looks(deciles, attribute, groups, colors)
    fig = _figure(6.4, 4.4)
    ax = fig.add_subplot()
    everyone = rows.drop_duplicates("decile")
    ax.bar(
        [int(d) for d in everyone["decile"]],
        _num(everyone, "overall_share"),
        width=0.8,
        color=_EVERYONE,
        edgecolor="none",
        gid="everyone",
        zorder=1,
    )
    parts: list[str] = []
    hidden: dict[str, list[int]] = {}
    top = max(deciles_shown)
    leaders: list[tuple[float, str, float]] = []
    handles: list[Any] = []
    for g in groups:
        part = rows[rows["group"] == g]
        shown = ~part["suppressed"].to_numpy(dtype=bool)
        x = [int(d) for d in part["decile"]]
        y = np.where(shown, _num(part, "group_share"), np.nan)
        hidden_here = [d for d, s in zip(x, shown, strict=True) if not s]
        if hidden_here:
            hidden[g] = hidden_here
        if np.isnan(y).all():
            continue
        color, marker = looks[g]
        ax.plot(
            x,
            y,
            marker=marker,
            color=color,
            mec=_INK,
            mew=0.6,
            ms=6,
            lw=1.6,
            gid="group-share",
            label=_literal(g),
            zorder=3,
        )
        handles.append(
            Line2D([], [], color=color, marker=marker, mec=_INK, label=_literal(_short(g, 28)))
        )
        parts.append(
            f"{g}: "
            + ", ".join(
                f"decile {d} {_pct(v)}" for d, v in zip(x, y, strict=True) if math.isfinite(v)
            )
        )
        at_top = y[np.array(x) == top]
        reference = _num(part[part["decile"] == top], "overall_share")
        if len(at_top) and math.isfinite(at_top[0]):
            leaders.append((float(at_top[0]), g, float(reference[0])))
    ax.set_xticks(deciles_shown, labels=[str(d) for d in deciles_shown], fontsize=9)
    ax.set_xlim(min(deciles_shown) - 0.6, max(deciles_shown) + 0.6)
    ax.yaxis.set_major_formatter(_PERCENT)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.set_ylim(0, None)
    ax.tick_params(axis="y", labelsize=9)
    ax.set_ylabel("share of the group's people", fontsize=10)
    ax.grid(axis="y", color="0.9", zorder=0)
    ax.set_axisbelow(True)
    handles.append(Patch(color=_EVERYONE, label="everyone"))
    note = ""
    if hidden:
        note = "Not drawn (suppressed): " + "; ".join(
            f"{g} in "
            + (
                "every decile"
                if len(d) == len(deciles_shown)
                else f"decile {', '.join(map(str, d))}"
            )
            for g, d in hidden.items()
        )
    _xlabel(ax, f"{_short(score_name)} decile of everyone (10 = highest)", note)
    _key(fig, handles)
    head = f"Share in the top decile of {_short(score_name)} by {_short(attribute)}"
    if leaders:
        share, g, overall = max(leaders)
        title = f"{head}: highest for {_short(g)} ({_pct(share)}, everyone {_pct(overall)})"
    else:
        title = f"{head}: no group can be shown"
    _title(fig, title)
    everyone_text = ", ".join(
        f"decile {int(d)} {_pct(v)}"
        for d, v in zip(everyone["decile"], _num(everyone, "overall_share"), strict=True)
    )
    alt = (
        f"{title}. Share of each group of {attribute} in each {score_name} decile of "
        f"everyone. Everyone: {everyone_text}. " + ". ".join(parts) + "."
    )
    if note:
        alt += f" {note}."
    return _chart(f"deciles-{_slug(attribute)}", title, alt, fig, attribute)


# --------------------------------------------------------------------------- excess


def excess_chart(
    excess: pd.DataFrame,
    attribute: str,
    *,
    score_name: str = "score",
    colors: Mapping[tuple[str, str], str] | None = None,
    confidence: float = 0.95,
) -> Chart:
    """Each group's share at or above a cut minus everyone's share, with intervals.

    One panel per cut of the table (the top decile; the audit's cut-off when the flag
    was derived from the score): a bar per group from 0 (everyone's share) to the
    group's excess in percentage points, whiskers from ``excess_ci_low`` to
    ``excess_ci_high``. A suppressed group keeps its row, marked "suppressed", with
    nothing drawn.

    Parameters
    ----------
    excess : pandas.DataFrame
        ``ScoreAnalysis.published("excess")``.
    attribute : str
        An attribute of the table.
    score_name : str, default="score"
        How the score is named in the labels.
    colors : mapping, optional
        ``(attribute, group) -> colour`` (default: :func:`group_colors` of the table).
    confidence : float, default=0.95
        The level the table was computed at (for the labels only).

    Returns
    -------
    Chart

    Raises
    ------
    ValueError
        The attribute is not in the table, or a column is missing.

    Examples
    --------
    >>> t = pd.DataFrame({"attribute": "sex", "group": ["F", "M"], "cut": "top decile",
    ...                   "threshold": 0.8, "share": [.15, .05], "overall_share": .1,
    ...                   "excess": [.05, -.05], "excess_ci_low": [.02, -.08],
    ...                   "excess_ci_high": [.08, -.02], "suppressed": False})
    >>> excess_chart(t, "sex").title
    'Top decile of score: 15% of F against 10% of everyone (+5.0 points, 95% CI +2.0 to +8.0)'
    """
    columns = ["cut", "threshold", "share", "overall_share", "excess"]
    columns += ["excess_ci_low", "excess_ci_high"]
    rows = _part(excess, attribute, columns, "The excess table")
    cuts = [str(c) for c in rows["cut"].drop_duplicates()]
    groups = _groups(rows)
    looks = _looks(excess, attribute, groups, colors)
    labels = [_wrap(g) for g in groups]
    height = 1.0 + len(cuts) * (0.9 + _row_heights(labels))
    fig = _figure(7.2, height)
    axes = fig.subplots(len(cuts), 1, sharex=True, squeeze=False)[:, 0]
    level = _level(confidence)
    parts: list[str] = []
    best: tuple[float, str, pd.Series] | None = None
    suppressed: list[str] = []
    ends = [0.0]
    for ax, cut in zip(axes, cuts, strict=True):
        part = rows[rows["cut"] == cut].set_index("group").reindex(groups).reset_index()
        part["suppressed"] = [_true(x) for x in part["suppressed"]]
        threshold = _float(part["threshold"].iloc[0])
        overall = (
            _float(part["overall_share"].dropna().iloc[0])
            if part["overall_share"].notna().any()
            else math.nan
        )
        spans: list[tuple[float, float, float]] = []
        said: list[str] = []
        for y, (_, row) in enumerate(part.iterrows()):
            g = str(row["group"])
            value = _float(row["excess"])
            lo, hi = _float(row["excess_ci_low"]), _float(row["excess_ci_high"])
            if row["suppressed"] or not math.isfinite(value):
                why = message("cell.suppressed") if row["suppressed"] else message("chart.na")
                if row["suppressed"] and g not in suppressed:
                    suppressed.append(g)
                _side_text(ax, y, why, color="0.35", style="italic")
                said.append(f"{g} {why}")
                continue
            ax.barh(
                y,
                value,
                height=0.6,
                color=looks[g][0],
                edgecolor=_INK,
                lw=0.6,
                gid="bar",
                zorder=2,
            )
            share = _float(row["share"])
            text = f"{_pct(share)} ({_pp(value)})"
            ci = ""
            ends.append(value)
            if _finite(lo, hi):
                spans.append((y, lo, hi))
                ends += [lo, hi]
                ci = message("score.ci_points", level=level, low=_pp(lo), high=_pp(hi))
            _side_text(ax, y, text)
            said.append(
                message("score.alt_excess", group=g, share=_pct(share), points=_pp(value), ci=ci)
            )
            if cut == cuts[0] and (best is None or value > best[0]):
                best = (value, g, row)
        _whiskers(ax, spans, vertical=False)
        ax.axvline(0.0, color=_INK, lw=1, gid="zero-line", zorder=1)
        _group_axis(ax, labels, attribute)
        where = f"{_short(score_name)} ≥ {_score_fmt(threshold)}" if _finite(threshold) else cut
        name = message("score.top" if cut == "top decile" else "score.cutoff")
        every = (
            message("score.everyone_share", share=_pct(overall))
            if math.isfinite(overall)
            else message("score.everyone")
        )
        ax.set_title(
            _literal(message("score.cut_title", cut=capital(name), where=where, everyone=every)),
            fontsize=10,
            loc="left",
        )
        ax.grid(axis="x", color="0.9", zorder=0)
        ax.set_axisbelow(True)
        parts.append(
            message("score.cut_alt", cut=name, where=where, everyone=every, values="; ".join(said))
        )
    low, high = min(ends), max(ends)
    pad = 0.1 * (high - low) if high > low else 0.05
    axes[-1].set_xlim(low - pad, high + pad)
    axes[-1].xaxis.set_major_locator(MaxNLocator(nbins=6))
    axes[-1].xaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt(100 * x, "+.3g")))
    axes[-1].tick_params(axis="x", labelsize=9)
    _xlabel(
        axes[-1],
        message("score.excess_axis"),
        message("score.not_drawn", groups=_named(suppressed)) if suppressed else "",
    )
    _key(fig, [Line2D([], [], color=_INK, marker="|", lw=1.4, label=level)])
    decile = message("score.top_decile_of", score=_short(score_name))
    if best is not None:
        value, g, row = best
        ci = ""
        lo, hi = _float(row["excess_ci_low"]), _float(row["excess_ci_high"])
        if _finite(lo, hi):
            ci = message("score.ci", level=level, low=_pp(lo), high=_pp(hi))
        title = message(
            "score.title_excess",
            decile=decile,
            share=_pct(_float(row["share"])),
            group=_short(g),
            everyone=_pct(_float(row["overall_share"])),
            points=_pp(value),
            ci=ci,
        )
    else:
        title = message("score.title_excess_none", decile=decile, attribute=_short(attribute))
    _title(fig, title)
    alt = message(
        "score.alt_excess_chart", title=title, attribute=attribute, values=". ".join(parts)
    )
    return _chart(f"excess-{_slug(attribute)}", title, alt, fig, attribute)


# --------------------------------------------------------------------------- calibration


def calibration_chart(
    calibration: pd.DataFrame,
    attribute: str,
    *,
    gap: pd.DataFrame | None = None,
    score_name: str = "score",
    outcome_name: str = "the outcome",
    colors: Mapping[tuple[str, str], str] | None = None,
    confidence: float = 0.95,
    probability: bool | None = None,
) -> Chart:
    """Observed outcome rate per score bin, one line per group, with Wilson whiskers.

    The x position of a point is the mean score of the bin's people in the group;
    everyone's rates are the dashed grey line. When the score is a probability
    (``probability``; default: every bin within 0 to 1) the diagonal where the observed
    rate equals the score is drawn. Suppressed bins are not drawn. With ``gap`` (the
    published calibration-gap table) the title states the largest gap: the group's
    outcome rate minus the reference group's at the same score.

    Parameters
    ----------
    calibration : pandas.DataFrame
        ``ScoreAnalysis.published("calibration")`` (its everyone rows are used too).
    attribute : str
        An attribute of the table.
    gap : pandas.DataFrame, optional
        ``ScoreAnalysis.published("calibration_gap")``.
    score_name, outcome_name : str
        How the score and the outcome are named in the labels.
    colors : mapping, optional
        ``(attribute, group) -> colour`` (default: :func:`group_colors` of the table).
    confidence : float, default=0.95
        The level the table was computed at (for the labels only).
    probability : bool, optional
        Draw the diagonal (default: when every bin lies within 0 to 1).

    Returns
    -------
    Chart

    Raises
    ------
    ValueError
        The attribute is not in the table, or a column is missing.

    Examples
    --------
    >>> t = pd.DataFrame({"attribute": "sex", "group": ["F", "F", "M", "M"],
    ...                   "bin": [1, 2, 1, 2], "score_low": [0, .5, 0, .5],
    ...                   "score_high": [.5, 1, .5, 1], "mean_score": [.2, .7, .3, .8],
    ...                   "observed": [.1, .5, .3, .8], "observed_ci_low": [.05, .4, .2, .7],
    ...                   "observed_ci_high": [.2, .6, .4, .9], "suppressed": False})
    >>> calibration_chart(t, "sex").title
    'Observed rate of the outcome by score and sex: 2 groups, 4 bins shown'
    """
    columns = ["bin", "mean_score", "observed", "observed_ci_low", "observed_ci_high"]
    rows = _part(calibration, attribute, columns, "The calibration table")
    rows = rows.sort_values(["bin"], kind="stable")
    everyone = calibration[calibration["attribute"] == OVERALL]
    groups = _groups(rows)
    looks = _looks(calibration, attribute, groups, colors)
    fig = _figure(6.4, 4.8)
    ax = fig.add_subplot()
    level = _level(confidence)
    xs: list[float] = []
    ys: list[float] = []
    handles: list[Any] = []
    parts: list[str] = []
    hidden: list[str] = []
    shown_points = 0
    if not everyone.empty:
        keep = ~np.array([_true(s) for s in everyone["suppressed"]], dtype=bool)
        ex, ey = _num(everyone, "mean_score")[keep], _num(everyone, "observed")[keep]
        ok = np.isfinite(ex) & np.isfinite(ey)
        if ok.any():
            ax.plot(ex[ok], ey[ok], color="0.45", ls="--", lw=1.2, gid="everyone", zorder=2)
            handles.append(Line2D([], [], color="0.45", ls="--", label=message("score.everyone")))
            xs += list(ex[ok])
            ys += list(ey[ok])
    for g in groups:
        part = rows[rows["group"] == g]
        keep = ~part["suppressed"].to_numpy(dtype=bool)
        x, y = _num(part, "mean_score"), _num(part, "observed")
        lo, hi = _num(part, "observed_ci_low"), _num(part, "observed_ci_high")
        ok = keep & np.isfinite(x) & np.isfinite(y)
        if (~keep).any():
            hidden.append(g)
        if not ok.any():
            continue
        color, marker = looks[g]
        ax.plot(
            x[ok],
            y[ok],
            marker=marker,
            color=color,
            mec=_INK,
            mew=0.6,
            ms=5.5,
            lw=1.4,
            gid="calibration",
            label=_literal(g),
            zorder=4,
        )
        whisk = ok & np.isfinite(lo) & np.isfinite(hi)
        if whisk.any():
            ax.vlines(
                x[whisk],
                lo[whisk],
                hi[whisk],
                colors=color,
                lw=1.1,
                alpha=0.8,
                gid="whiskers",
                zorder=3,
            )
        handles.append(
            Line2D([], [], color=color, marker=marker, mec=_INK, label=_literal(_short(g, 28)))
        )
        shown_points += int(ok.sum())
        xs += list(x[ok])
        ys += list(np.r_[y[ok], lo[whisk], hi[whisk]])
        parts.append(
            f"{g}: "
            + ", ".join(
                message("score.alt_bin", mean=_score_fmt(a), rate=_pct(b))
                + (
                    message("score.ci_paren", level=level, low=_pct(c), high=_pct(d))
                    if _finite(c, d)
                    else ""
                )
                for a, b, c, d, k in zip(x, y, lo, hi, ok, strict=True)
                if k
            )
        )
    if probability is None:
        low = _num(rows, "score_low") if "score_low" in rows else np.array([math.nan])
        high = _num(rows, "score_high") if "score_high" in rows else np.array([math.nan])
        probability = bool(np.isfinite(low).any() and np.nanmin(low) >= 0 and np.nanmax(high) <= 1)
    if probability and xs:
        lim = [0.0, max(1e-9, max(xs + ys))]
        ax.plot(lim, lim, color="0.6", lw=1, ls=":", gid="diagonal", zorder=1)
        handles.append(Line2D([], [], color="0.6", ls=":", label=message("score.diagonal")))
    ax.yaxis.set_major_formatter(_PERCENT)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.tick_params(labelsize=9)
    ax.set_ylim(0, min(1.0, max(ys) * 1.08) if ys and max(ys) > 0 else 1.0)
    outcome = _short(outcome_name, 30)
    ax.set_ylabel(_literal(message("score.observed_axis", outcome=outcome)), fontsize=10)
    ax.grid(color="0.92", zorder=0)
    ax.set_axisbelow(True)
    handles.append(Line2D([], [], color=_INK, marker="|", lw=1.1, label=level))
    note = message("score.bins_not_drawn", groups=_named(hidden)) if hidden else ""
    _xlabel(ax, message("score.bin_axis", score=_short(score_name)), note)
    _key(fig, handles)
    title = _calibration_finding(gap, attribute, score_name, outcome_name, confidence)
    if title is None:
        title = message(
            "score.title_calibration",
            outcome=outcome,
            score=_short(score_name),
            attribute=_short(attribute),
            groups=fmt(len(parts)),
            bins=fmt(shown_points),
        )
    _title(fig, title)
    alt = message(
        "score.alt_calibration",
        title=title,
        outcome=outcome_name,
        score=score_name,
        attribute=attribute,
        values=". ".join(parts),
    )
    if note:
        alt += f" {note}."
    return _chart(f"calibration-{_slug(attribute)}", title, alt, fig, attribute)


def _calibration_finding(
    gap: pd.DataFrame | None,
    attribute: str,
    score_name: str,
    outcome_name: str,
    confidence: float,
) -> str | None:
    if gap is None:
        return None
    rows = gap[(gap["attribute"] == attribute)]
    best: tuple[bool, float, pd.Series] | None = None
    for _, row in rows.iterrows():
        value = _float(row.get("gap"))
        if _true(row.get("suppressed")) or not math.isfinite(value):
            continue
        if row["group"] == row.get("reference_group"):
            continue
        lo, hi = _float(row.get("gap_ci_low")), _float(row.get("gap_ci_high"))
        clear = _finite(lo, hi) and (lo > 0 or hi < 0)  # the interval excludes no gap
        if best is None or (clear, abs(value)) > (best[0], abs(best[1])):
            best = (clear, value, row)
    if best is None:
        return None
    _, value, row = best
    lo, hi = _float(row.get("gap_ci_low")), _float(row.get("gap_ci_high"))
    ci = (
        message("score.ci_points_paren", level=_level(confidence), low=_pp(lo), high=_pp(hi))
        if _finite(lo, hi)
        else ""
    )
    return message(
        "score.title_gap_higher" if value > 0 else "score.title_gap_lower",
        score=_short(score_name),
        outcome=_short(outcome_name, 30),
        points=fmt(abs(100 * value), ".1f"),
        group=_short(row["group"]),
        reference=_short(row["reference_group"]),
        ci=ci,
    )


# --------------------------------------------------------------------------- thresholds


def _ratio_points(part: pd.DataFrame, ref: str | None) -> pd.DataFrame:
    """Rows with a ratio that is a number (not suppressed, not a range, not the
    reference, and not compared with a suppressed reference: the ratio would give the
    reference's withheld rate away)."""
    hidden_ref = {
        float(t)
        for t, g, h in zip(part["threshold"], part["group"], part["suppressed"], strict=True)
        if g == ref and _true(h)
    }
    keep = []
    for _, row in part.iterrows():
        ok = (
            not _true(row["suppressed"])
            and float(row["threshold"]) not in hidden_ref
            and row["group"] != ref
            and _rate_state(row) == "point"
            and _finite(_float(row["ratio"]))
            and _float(row["ratio"]) > 0
        )
        keep.append(ok)
    return part[np.array(keep, dtype=bool)] if len(part) else part


def _sweep_reference(part: pd.DataFrame) -> str | None:
    refs = [r for r in part["reference_group"] if isinstance(r, str) and r]
    return max(set(refs), key=lambda r: (refs.count(r), r)) if refs else None


def _error_metric(rows: pd.DataFrame, ref: str | None) -> str | None:
    for name in ERROR_METRICS:
        part = rows[rows["metric"] == name]
        if len(set(_ratio_points(part, ref)["threshold"])) >= 2:
            return name
    return None


def threshold_chart(
    sweep: pd.DataFrame,
    attribute: str,
    *,
    cutoff: float | None = None,
    cutoff_label: str | None = None,
    metric: str | None = None,
    score_name: str = "score",
    colors: Mapping[tuple[str, str], str] | None = None,
) -> Chart:
    """Ratios to the reference group across the threshold sweep, one line per group.

    The first panel is the selection rate ratio (how many times as often each group
    would be flagged as the reference group at each threshold), the second one error
    rate's ratio (``metric``; default the first of :data:`ERROR_METRICS` that is a
    number at two thresholds or more). Log scale, a line at 1 (the reference group).
    Only ratios that are numbers are drawn: suppressed rows and rates that are only
    bounds (outcomes unknown) are left out, and the chart says so. The audit's
    cut-off is a vertical line with its label; the top axis gives the share flagged.

    Parameters
    ----------
    sweep : pandas.DataFrame
        ``ScoreAnalysis.published("sweep")``.
    attribute : str
        An attribute of the table.
    cutoff : float, optional
        The audit's score cut-off, marked with a vertical line.
    cutoff_label : str, optional
        The line's label (default ``"audit's cut-off: score ≥ <cutoff>"``).
    metric : str, optional
        The error rate of the second panel.
    score_name : str, default="score"
        How the score is named in the labels.
    colors : mapping, optional
        ``(attribute, group) -> colour`` (default: :func:`group_colors` of the table).

    Returns
    -------
    Chart

    Raises
    ------
    ValueError
        The attribute or ``metric`` is not in the table, or a column is missing.
    """
    columns = ["threshold", "flagged_share", "metric", "value", "ratio", "reference_group"]
    rows = _part(sweep, attribute, columns, "The sweep table")
    rows = rows[np.isfinite(_num(rows, "threshold"))]
    ref = _sweep_reference(rows)
    names = ["selection_rate"]
    if metric is not None:
        name = _metric(metric).name
        if name not in set(rows["metric"]):
            raise ValueError(
                f"Metric {metric!r} is not in the sweep for {attribute!r}. Got {metric!r}; "
                f"available: {', '.join(map(repr, rows['metric'].drop_duplicates()))}."
            )
        names.append(name)
    else:
        chosen = _error_metric(rows, ref)
        if chosen is not None:
            names.append(chosen)
    groups = _groups(rows)
    looks = _looks(sweep, attribute, groups, colors)
    fig = _figure(6.4, 1.6 + 2.5 * len(names))
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    thresholds = sorted({float(t) for t in rows["threshold"]})
    shares = rows.drop_duplicates("threshold").set_index("threshold")["flagged_share"]
    parts: list[str] = []
    left_out: set[str] = set()
    handles: dict[str, Any] = {}
    finding: tuple[float, str, float, float] | None = None
    for ax, name in zip(axes, names, strict=True):
        spec = _metric(name)
        part = rows[rows["metric"] == name].drop_duplicates(["threshold", "group"])
        drawn = _ratio_points(part, ref)
        for g in set(part["group"]) - set(drawn["group"]) - {ref}:
            left_out.add(str(g))
        if len(drawn) < len(part[part["group"] != ref]):
            left_out.update(
                str(g)
                for g in part.loc[part["group"] != ref, "group"]
                if len(drawn[drawn["group"] == g]) < len(part[part["group"] == g])
            )
        values = [1.0]
        said = []
        for g in groups:
            mine = drawn[drawn["group"] == g].sort_values("threshold")
            if mine.empty:
                continue
            x, r = _num(mine, "threshold"), _num(mine, "ratio")
            color, marker = looks[g]
            ax.plot(
                x,
                r,
                marker=marker,
                color=color,
                mec=_INK,
                mew=0.6,
                ms=5,
                lw=1.4,
                gid="ratio",
                label=_literal(g),
                zorder=3,
            )
            handles.setdefault(
                g,
                Line2D(
                    [], [], color=color, marker=marker, mec=_INK, label=_literal(_short(g, 28))
                ),
            )
            values += list(r)
            said.append(
                f"{g} "
                + ", ".join(
                    message("score.at", ratio=_times(b), threshold=_score_fmt(a))
                    for a, b in zip(x, r, strict=True)
                )
            )
            if name == "selection_rate":
                size = float(np.max(np.abs(np.log(r))))
                if finding is None or size > finding[0]:
                    finding = (size, g, float(r.min()), float(r.max()))
        ax.axhline(1.0, color=_INK, lw=1, gid="reference-line", zorder=2)
        lo, hi = min(values) / 1.15, max(values) * 1.15
        ax.set_yscale("log")
        ax.set_ylim(lo, hi)
        ticks = _log_ticks(lo, hi, [1.0], 2.2)
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: fmt(y, "g")))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.tick_params(labelsize=9)
        ref_name = _short(ref, 24) if ref else message("chart.the_reference_group")
        label = metric_label(spec.name)
        ax.set_ylabel(_literal(message("score.ratio_axis", reference=ref_name)), fontsize=9)
        ax.set_title(
            _literal(message("score.ratio_title", metric=label, reference=ref_name)),
            fontsize=10,
            loc="left",
        )
        ax.grid(axis="y", color="0.92", zorder=0)
        ax.set_axisbelow(True)
        parts.append(
            message(
                "score.alt_ratios",
                metric=label,
                reference=ref or message("chart.the_reference_group"),
                values="; ".join(said),
            )
        )
    if len(thresholds) > 1:
        pad = 0.04 * (thresholds[-1] - thresholds[0])
        axes[-1].set_xlim(thresholds[0] - pad, thresholds[-1] + pad)
    top = axes[0].secondary_xaxis("top")
    picked = _spread(thresholds, axes[0])
    top.set_xticks(picked, labels=[_pct(_float(shares.get(t))) for t in picked], fontsize=8)
    top.set_xlabel(message("score.flagged_axis"), fontsize=9)
    marked = ""
    if cutoff is not None and math.isfinite(cutoff):
        label = cutoff_label or message(
            "score.cutoff_label", score=_short(score_name), cutoff=_score_fmt(cutoff)
        )
        for ax in axes:
            ax.axvline(cutoff, color="#555555", ls="--", lw=1.3, gid="cutoff", zorder=2)
        axes[0].annotate(
            _literal(label),
            xy=(cutoff, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(4, -4),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=8,
            color="#333333",
            gid="cutoff-label",
        )
        marked = message("score.marked", label=label)
    legend = list(handles.values())
    if ref is not None:
        legend.append(Line2D([], [], color=_INK, lw=1, label=_literal(f"1 = {_short(ref, 28)}")))
    notes = []
    if left_out:
        notes.append(
            message("score.not_drawn_bounds", groups=_named(sorted(left_out, key=groups.index)))
        )
    if len(names) == 1:
        notes.append(message("score.no_error_rate"))
    note = ". ".join(notes)
    _xlabel(axes[-1], message("score.threshold_axis", score=_short(score_name)), note)
    _key(fig, legend)
    head = message("score.threshold_head", score=_short(score_name), attribute=_short(attribute))
    if finding is not None and ref is not None:
        _, g, lo_r, hi_r = finding
        title = message(
            "score.title_threshold",
            head=head,
            group=_short(g),
            low=_times(lo_r),
            high=_times(hi_r),
            reference=_short(ref),
        )
    else:
        title = message("score.title_threshold_none", head=head)
    _title(fig, title)
    alt = message("score.alt_threshold", title=title, marked=marked, values=". ".join(parts))
    if note:
        alt += f" {note}."
    return _chart(f"thresholds-{_slug(attribute)}", title, alt, fig, attribute)


def _spread(values: Sequence[float], ax: Axes) -> list[float]:
    """Ticks at least 0.45 inch apart on the axis (no overlapping labels)."""
    if not values:
        return []
    lo, hi = ax.get_xlim()
    width = ax.get_position().width * _width(ax)
    gap = (hi - lo) * 0.45 / max(width, 1.0)
    chosen: list[float] = []
    for v in values:
        if all(abs(v - c) >= gap for c in chosen):
            chosen.append(v)
    return chosen


# --------------------------------------------------------------------------- adjusted


def _term(row: pd.Series) -> str:
    variable, level = str(row["variable"]), str(row["level"])
    if not level:
        return message("score.per_unit", variable=variable)
    return message("score.term", variable=variable, level=level, reference=row["reference_level"])


def adjusted_chart(
    adjusted: AdjustedDisparity,
    *,
    groups: Sequence[str] | None = None,
    variables: Sequence[str] | None = None,
    colors: Mapping[tuple[str, str], str] | None = None,
) -> Chart:
    """Adjusted odds ratios and relative risks of a regression as a forest plot.

    One row per model term (the intercept left out), the odds ratio with its interval
    in the left panel and the relative risk (at the reference profile's probability)
    in the right, on a log scale with a line at 1. Terms of protected attributes
    (``groups``) take their group's colour; covariates are grey and marked as such. A
    term whose estimate is not a finite number (e.g. complete separation) is named,
    not drawn; so is a term disclosure control withholds (a level of few people).

    Parameters
    ----------
    adjusted : AdjustedDisparity
        The fitted regression (``AuditResult.adjusted``).
    groups : sequence of str, optional
        The protected attributes of the model (default: every categorical variable).
    variables : sequence of str, optional
        Only these variables' terms (default: every term).
    colors : mapping, optional
        ``(attribute, group) -> colour`` (default: by order of the levels).

    Returns
    -------
    Chart

    Raises
    ------
    ValueError
        ``variables`` names no term of the model.
    """
    table = publish(adjusted.table, "terms")
    rows = table[table["variable"] != "(intercept)"].reset_index(drop=True)
    if variables is not None:
        chosen = rows[rows["variable"].isin(list(variables))]
        if chosen.empty:
            raise ValueError(
                f"No term of the model is for {', '.join(map(repr, variables))}. Got "
                f"{list(variables)!r}; available: "
                f"{', '.join(map(repr, rows['variable'].drop_duplicates()))}."
            )
        rows = chosen.reset_index(drop=True)
    if groups is None:
        groups = [str(v) for v in rows.loc[rows["level"] != "", "variable"].drop_duplicates()]
    level = _level(adjusted.confidence)
    labels = [
        "\n".join(_wrap(line, 30, 2) for line in _term(r).split("\n")) for _, r in rows.iterrows()
    ]
    labels = [
        lab + ("" if r["variable"] in groups else "\n(" + message("scol.covariate") + ")")
        for lab, (_, r) in zip(labels, rows.iterrows(), strict=True)
    ]
    fig = _figure(8.4, 2.0 + _row_heights(labels))
    axes = fig.subplots(1, 2, sharey=True)
    palette: dict[str, int] = {}
    looks: list[tuple[str, str]] = []
    for _, r in rows.iterrows():
        v = str(r["variable"])
        if v not in groups:
            looks.append(("#999999", "o"))
            continue
        i = palette[v] = palette.get(v, -1) + 1
        color = (colors or {}).get((v, str(r["level"])), PALETTE[i % len(PALETTE)])
        looks.append((color, MARKERS[i % len(MARKERS)]))
    parts: list[str] = []
    missing: list[str] = []
    hidden: list[str] = []
    for ax, (key, name) in zip(
        axes,
        (("odds_ratio", message("scol.odds_ratio")), ("relative_risk", message("score.rr"))),
        strict=True,
    ):
        values = _num(rows, key)
        lows, highs = _num(rows, f"{key}_ci_low"), _num(rows, f"{key}_ci_high")
        ok = np.isfinite(values) & (values > 0)
        ends = [1.0, *values[ok]]
        ends += [v for v in np.r_[lows[ok], highs[ok]] if math.isfinite(v) and v > 0]
        lo, hi = min(ends) / 1.2, max(ends) * 1.2
        spans: list[tuple[float, float, float]] = []
        for y, (value, a, b) in enumerate(zip(values, lows, highs, strict=True)):
            if not ok[y]:
                if key == "odds_ratio":
                    what = hidden if rows["suppressed"].iloc[y] else missing
                    what.append(_term(rows.iloc[y]).replace("\n", " "))
                continue
            color, marker = looks[y]
            ax.plot(
                [value],
                [y],
                marker,
                color=color,
                mec=_INK,
                ms=8,
                ls="none",
                gid="point",
                zorder=4,
            )
            if _finite(a, b) and a > 0:
                spans.append((y, max(a, lo), min(b, hi)))
        _whiskers(ax, spans, vertical=False)
        ax.axvline(1.0, color=_INK, lw=1, gid="reference-line", zorder=1)
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ticks = _log_ticks(lo, hi, [1.0], 3.0)
        ax.set_xticks(ticks, labels=[fmt(t, "g") for t in ticks], fontsize=9)
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(message("score.log_axis", name=name, level=level), fontsize=10)
        ax.grid(axis="x", color="0.92", zorder=0)
        ax.set_axisbelow(True)
    _group_axis(axes[0], labels, "")
    axes[0].set_ylabel("")
    axes[1].tick_params(axis="y", labelleft=False, length=0)
    for y, (_, r) in enumerate(rows.iterrows()):
        o, rr = _float(r["odds_ratio"]), _float(r["relative_risk"])
        if not (_finite(o, rr) and o > 0):
            why = message("cell.suppressed") if r["suppressed"] else message("score.not_estimable")
            _side_text(axes[1], y, why, color="0.35", style="italic")
            parts.append(f"{_term(r).replace(chr(10), ' ')}: {why}")
            continue
        _side_text(axes[1], y, f"{_times(o)} · {_times(rr)}")
        ci = ""
        if _finite(r["odds_ratio_ci_low"], r["odds_ratio_ci_high"]):
            low, high = _times(r["odds_ratio_ci_low"]), _times(r["odds_ratio_ci_high"])
            ci = message("score.ci_paren", level=level, low=low, high=high)
        rci = ""
        if _finite(r["relative_risk_ci_low"], r["relative_risk_ci_high"]):
            low, high = _times(r["relative_risk_ci_low"]), _times(r["relative_risk_ci_high"])
            rci = message("score.ci_paren", level=level, low=low, high=high)
        parts.append(
            message(
                "score.alt_term",
                term=_term(r).replace(chr(10), " "),
                odds=_times(o),
                ci=ci,
                rr=_times(rr),
                rci=rci,
            )
        )
    axes[1].text(
        1.02,
        1.0,
        message("score.or_rr"),
        transform=axes[1].transAxes,
        fontsize=9,
        ha="left",
        va="bottom",
        fontweight="bold",
    )
    handles: list[Any] = [
        Line2D([], [], color=_INK, lw=1, label=message("score.same_odds")),
        Line2D([], [], color=_INK, marker="|", lw=1.4, label=level),
    ]
    notes = []
    if hidden:
        notes.append(message("score.withheld_terms", terms=_named(hidden)))
    if missing:
        notes.append(message("score.not_estimable_terms", terms=_named(missing)))
    if notes:
        _xlabel(axes[0], axes[0].get_xlabel(), ". ".join(notes))
    _key(fig, handles)
    title = _adjusted_finding(rows, groups, adjusted.decision, level)
    _title(fig, title)
    alt = message(
        "score.alt_adjusted",
        title=title,
        decision=adjusted.decision,
        groups=", ".join(groups),
        records=fmt(adjusted.rows_used),
        values="; ".join(parts),
    )
    return _chart("adjusted-disparity", title, alt, fig, "")


def _adjusted_finding(rows: pd.DataFrame, groups: Sequence[str], decision: str, level: str) -> str:
    best: tuple[tuple[bool, float], pd.Series] | None = None
    for _, r in rows.iterrows():
        o = _float(r["odds_ratio"])
        if r["variable"] not in groups or not (_finite(o) and o > 0):
            continue
        lo, hi = _float(r["odds_ratio_ci_low"]), _float(r["odds_ratio_ci_high"])
        clear = _finite(lo, hi) and (lo > 1 or hi < 1)  # the interval excludes 1
        if best is None or (clear, abs(math.log(o))) > best[0]:
            best = ((clear, abs(math.log(o))), r)
    if best is None:
        return message("score.title_adjusted_none", decision=_short(decision))
    r = best[1]
    ci = ""
    if _finite(r["odds_ratio_ci_low"], r["odds_ratio_ci_high"]):
        low, high = _times(r["odds_ratio_ci_low"]), _times(r["odds_ratio_ci_high"])
        ci = message("score.ci_paren", level=level, low=low, high=high)
    return message(
        "score.title_adjusted",
        decision=_short(decision),
        variable=_short(r["variable"]),
        level=_short(r["level"]),
        times=_times(_float(r["odds_ratio"])),
        reference=_short(r["reference_level"]),
        ci=ci,
    )
