"""Charts of an audit's findings, drawn with matplotlib (the only module that imports it).

Each chart is its own :class:`matplotlib.figure.Figure` on an Agg canvas, never made
through pyplot: no global figure state, nothing left open, safe to build in threads.

Charts read the *published* table (:meth:`biasaudit.AuditResult.published_table`). A
row marked ``suppressed`` is drawn as blank even when its values are present, and a
comparison with a suppressed reference group is not drawn, so no chart can show a
withheld value.

How the charts speak:

* the title and the alt text state the finding, in words, with the interval;
* one colour per group in every chart (Okabe-Ito, safe for colour-blind readers), and
  never colour alone: groups are named on the axes, with a marker shape per group;
* a value the data cannot pin down (not identifiable, or built on hidden or rounded
  cells) is a hatched span labelled as a range, never a point;
* names from the data are drawn literally (``$`` would start matplotlib's mathtext),
  long ones wrapped or cut with an ellipsis, and each group gets enough height.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import re
import textwrap
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter, NullLocator

from ..counts import OVERALL
from ..spec import HEADLINE, INTERSECTION_SEP, REST_GROUP, MetricSpec, metric
from ._messages import current_language, fmt
from ._messages import label as metric_label
from ._messages import text as message
from ._svg import compact_svg

#: Okabe & Ito's colour-blind-safe palette (yellow late: weak on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
#: One marker per group (seven: with eight colours, 56 groups differ in colour or shape).
MARKERS = ("o", "s", "D", "^", "v", "P", "X")
#: Largest intersection drawn as a heatmap; beyond it, :func:`cells_chart`.
HEATMAP_CELLS = 48
#: Metrics charted for every attribute, when the table has them.
#: The burden chart: flagged, flagged while innocent, unfounded investigations per person.
BURDEN = ("selection_rate", "false_positive_rate", "innocent_flag_rate")
DPI = 150
_SUPPRESSED, _NA, _INK = "#9A9A9A", "#DDDDDD", "0.2"
_HATCH = "////"
_RANGE_NOTE = "not confidence intervals"  # how a table says its ratio limits are a range
_SAVE_LOCK = threading.Lock()
_PERCENT = FuncFormatter(lambda x, _: fmt(100 * x, ".4g") + "%")
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")


@dataclasses.dataclass(frozen=True)
class Chart:
    """One chart: a file name, the finding as a title, alt text and the figure.

    Attributes
    ----------
    name : str
        File name without extension, e.g. ``"disparity-sex-selection_rate"``.
    title : str
        The finding, as drawn above the chart.
    alt : str
        Alt text: the finding and every value shown, in words.
    figure : matplotlib.figure.Figure
        The figure (Agg canvas, not registered with pyplot).
    attribute : str
        The attribute or intersection charted, e.g. ``"sex"`` or ``"sex × nationality"``.
    """

    name: str
    title: str
    alt: str
    figure: Figure
    attribute: str = ""


# --------------------------------------------------------------------------- text


def _literal(text: object) -> str:
    """Text from the data, drawn as is: ``$...$`` would otherwise be read as mathtext."""
    return str(text).replace("$", r"\$")


def _wrap(text: object, width: int = 26, lines: int = 3) -> str:
    """At most ``lines`` lines of ``width`` characters, the rest cut with an ellipsis."""
    parts = textwrap.wrap(str(text), width, break_on_hyphens=False) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1].rstrip() + "…"
    return "\n".join(parts)


def _short(text: object, width: int = 40) -> str:
    """One line of at most ``width`` characters (for names inside titles)."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _pct(x: float) -> str:
    return fmt(100 * x, ".3g") + "%"


def _points(x: float) -> str:
    return message("chart.points", points=fmt(100 * x, "+.3g"))


def _unit(spec: MetricSpec) -> Callable[[float], str]:
    """How values of a metric are written: shares in %, gaps in points, ratios as numbers."""
    if "expected_flagged" in spec.denominator:
        return _times
    return _points if " - " in spec.formula else _pct


def _furthest(rows: Sequence[pd.Series], column: str) -> pd.Series:
    """The best-supported row: the one whose interval of the ratio keeps furthest from
    1 (on the log scale), then whose ratio is furthest from 1 (a ratio of 0 last). Not
    the largest point estimate alone, which the smallest groups inflate."""
    positive = [r for r in rows if r[column] > 0]

    def support(r: pd.Series) -> float:
        lo, hi = r.get(f"{column}_ci_low"), r.get(f"{column}_ci_high")
        above = math.log(lo) if _finite(lo) and lo > 0 else 0.0
        below = -math.log(hi) if _finite(hi) and hi > 0 else 0.0
        return max(above, below, 0.0)

    if not positive:
        return rows[0]
    return max(positive, key=lambda r: (support(r), abs(math.log(r[column]))))


def _times(x: float) -> str:
    return fmt(x, ".2f") if 0.01 <= x < 100 else fmt(x, ".3g")


def _level(confidence: float) -> str:
    return message("chart.level", level=fmt(confidence, ".0%"))


def _slug(text: str) -> str:
    if INTERSECTION_SEP in text:
        return "-x-".join(_slug(part) for part in text.split(INTERSECTION_SEP))
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40] or "x"


def _counts(row: pd.Series) -> str:
    num, den = row["numerator"], row["denominator"]
    if all(isinstance(v, float | int) and math.isfinite(v) and v == int(v) for v in (num, den)):
        return message("chart.counts", numerator=fmt(int(num)), denominator=fmt(int(den)))
    return ""


# --------------------------------------------------------------------------- rows


def _check(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{what} lacks the columns {', '.join(map(repr, missing))}. Got columns "
            f"{', '.join(map(repr, table.columns))}. Pass the table of an audit result."
        )
    if "dataset" in table.columns and table["dataset"].nunique(dropna=False) > 1:
        raise ValueError(
            f"{what} holds several datasets ({', '.join(map(str, table['dataset'].unique()))}). "
            "Chart one at a time: table[table['dataset'] == name]."
        )


def _true(x: Any) -> bool:
    """A ``suppressed`` cell as a bool (a missing mark is not a suppression)."""
    return bool(x) and not pd.isna(x)


def _hidden(rows: pd.DataFrame) -> np.ndarray:
    return np.array([_true(x) for x in rows["suppressed"]], dtype=bool)


def _blank(rows: pd.DataFrame, key: str, comparisons: Sequence[str]) -> pd.DataFrame:
    """Rows as published: numbers of suppressed rows, and comparisons with a suppressed
    reference group, blanked (the caller should have passed the published table)."""
    out = rows.copy()
    hidden = _hidden(out)
    numeric = list(out.select_dtypes("number").columns)
    out.loc[hidden, numeric] = np.nan
    hidden_refs = {(k, g) for k, g, h in zip(out[key], out["group"], hidden, strict=True) if h}
    ref_hidden = np.array(
        [(k, r) in hidden_refs for k, r in zip(out[key], out["reference_group"], strict=True)],
        dtype=bool,
    )
    out.loc[ref_hidden, list(comparisons)] = np.nan
    out.loc[ref_hidden, "reference_group"] = None
    return out


def _rows(table: pd.DataFrame, attribute: str, name: str) -> pd.DataFrame:
    _check(table, ["attribute", "group", "metric", "value", "suppressed"], "The results table")
    rows = table[(table["attribute"] == attribute) & (table["metric"] == name)]
    if rows.empty:
        shown = table.loc[table["attribute"] == attribute, "metric"].unique()
        if not len(shown):
            attrs = [a for a in table["attribute"].unique() if a != OVERALL]
            raise ValueError(
                f"Attribute {attribute!r} is not in the table. Got {attribute!r}; "
                f"available: {', '.join(map(repr, attrs))}."
            )
        raise ValueError(
            f"Metric {name!r} is not in the table for {attribute!r}. Got {name!r}; "
            f"available: {', '.join(map(repr, shown))}."
        )
    comparisons = ["ratio", "ratio_ci_low", "ratio_ci_high", "reference_value"]
    return _blank(rows, "metric", comparisons).reset_index(drop=True)


def _reference(rows: pd.DataFrame) -> str | None:
    groups = set(rows["group"])
    refs = [r for r in rows["reference_group"] if isinstance(r, str) and r in groups]
    return max(set(refs), key=refs.count) if refs else None


def _finite(*values: Any) -> bool:
    return all(isinstance(v, float | int) and math.isfinite(v) for v in values)


def _rate_state(row: pd.Series) -> str:
    """``suppressed``, ``range`` (bounds, no identified value), ``point`` or ``n/a``."""
    if _true(row["suppressed"]):
        return "suppressed"
    lo, hi = row.get("lower_bound", math.nan), row.get("upper_bound", math.nan)
    if _finite(lo, hi) and hi - lo > 1e-12 * max(1.0, abs(hi)):
        return "range"  # a midpoint value is a rule chosen by the user, not a finding
    return "point" if _finite(row["value"]) else "n/a"


def _ratio_state(row: pd.Series, reference: str | None) -> str:
    if _true(row["suppressed"]):
        return "suppressed"
    ratio, lo = row["ratio"], row["ratio_ci_low"]
    if reference is not None and row["group"] == reference and _finite(ratio):
        return "reference"
    if _finite(lo) and (not _finite(ratio) or _RANGE_NOTE in str(row["note"])):
        return "range"
    return "point" if _finite(ratio) else "n/a"


def _why_not(row: pd.Series) -> str:
    lo, hi = row.get("lower_bound", math.nan), row.get("upper_bound", math.nan)
    return message("chart.not_identifiable") if _finite(lo, hi) else message("chart.na")


# --------------------------------------------------------------------------- colours


def group_colors(
    table: pd.DataFrame | None, *more: pd.DataFrame | None
) -> dict[tuple[str, str], str]:
    """One colour per (attribute, group), the same in every chart of these tables.

    Within an attribute, groups take the palette (:data:`PALETTE`, Okabe-Ito) in the
    order they first appear in ``table``, then in each further table (a funnel table,
    say); the everyone row is left out.

    Parameters
    ----------
    table : pandas.DataFrame or None
        A results table or a funnel table (columns ``attribute`` and ``group``).
    *more : pandas.DataFrame or None
        Further tables whose groups should keep the same colours.

    Returns
    -------
    dict
        ``(attribute, group) -> "#rrggbb"``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"attribute": ["sex", "sex", "sex"], "group": ["F", "M", "F"]})
    >>> group_colors(t)
    {('sex', 'F'): '#0072B2', ('sex', 'M'): '#E69F00'}
    """
    out: dict[tuple[str, str], str] = {}
    seen: dict[str, int] = {}
    for frame in (table, *more):
        if frame is None:
            continue
        for attribute, group in zip(frame["attribute"], frame["group"], strict=True):
            if attribute == OVERALL or (attribute, group) in out:
                continue
            i = seen.get(attribute, 0)
            out[(attribute, group)] = PALETTE[i % len(PALETTE)]
            seen[attribute] = i + 1
    return out


def _looks(
    table: pd.DataFrame,
    attribute: str,
    groups: Sequence[str],
    colors: Mapping[tuple[str, str], str] | None,
) -> dict[str, tuple[str, str]]:
    """Colour and marker of each group (markers by the group's place in the chart)."""
    palette = group_colors(table) if colors is None else colors
    return {
        g: (palette.get((attribute, g), PALETTE[i % len(PALETTE)]), MARKERS[i % len(MARKERS)])
        for i, g in enumerate(groups)
    }


# --------------------------------------------------------------------------- layout


class _ShownFigure(Figure):
    """A figure that Jupyter shows inline on its own.

    The charts are made without pyplot (no global state), so a notebook that never
    imported pyplot has no formatter for figures and would print ``<Figure size ...>``.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100, facecolor="white")
        return buffer.getvalue()


def _figure(width: float, height: float) -> Figure:
    fig = _ShownFigure(figsize=(width, height), dpi=DPI, layout="constrained", facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _chart(name: str, title: str, alt: str, fig: Figure, attribute: str) -> Chart:
    """The chart, its layout done once and fixed.

    Constrained layout iterates from the last layout, so every later draw would move
    things by a hair (and change the bytes). Running the layout engine measures the
    text without drawing the figure; removing the engine afterwards (not the "none"
    placeholder, which still makes ``savefig`` draw the whole figure once before
    saving it) leaves a figure that each saved file draws exactly once.

    In a language other than English, tick labels that matplotlib would write itself
    get the language's decimal separator (before the layout measures them).
    """
    if current_language() != "en":
        _localize_ticks(fig)
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    params: Any = mpl.rcParams
    if params["figure.autolayout"] or params["figure.constrained_layout.use"]:
        fig.set_layout_engine("none")  # None would bring back the default engine
    else:
        fig.set_layout_engine(None)
    return Chart(name, title, alt, fig, attribute)


def _localize_ticks(fig: Figure) -> None:
    """Give every axis that matplotlib labels by itself (a plain number formatter)
    the current language's separators."""
    from matplotlib.ticker import ScalarFormatter

    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), ScalarFormatter):
                axis.set_major_formatter(
                    FuncFormatter(lambda x, _: fmt(round(x, 12) + 0.0, ".4g"))
                )


def _title(fig: Figure, title: str) -> None:
    chars = max(40, int(fig.get_figwidth() * 72 / (12 * 0.56)) - 4)
    fig.suptitle(_literal(textwrap.fill(title, chars)), x=0.01, ha="left", fontsize=12)


def _row_heights(labels: Sequence[str]) -> float:
    return sum(max(0.42, 0.19 * (label.count("\n") + 1) + 0.14) for label in labels)


def _group_axis(ax: Axes, labels: Sequence[str], title: str) -> None:
    ax.set_yticks(range(len(labels)), labels=[_literal(x) for x in labels], fontsize=10)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_ylabel(_literal(_short(title)), fontsize=10)
    ax.tick_params(axis="y", length=0)


def _side_text(ax: Axes, y: float, text: str, **kw: Any) -> None:
    """A value written right of the plot, in the group's row: never over the data."""
    ax.text(
        1.02,
        y,
        _literal(text),
        transform=ax.get_yaxis_transform(),
        ha="left",
        va="center",
        fontsize=9,
        clip_on=False,
        **kw,
    )


def _legend(fig: Figure, handles: Sequence[Any], ncols: int = 2) -> None:
    if handles:
        fig.legend(
            handles=list(handles),
            loc="outside lower center",
            ncols=min(ncols, len(handles)),
            frameon=False,
            fontsize=9,
        )


def _log_ticks(lo: float, hi: float, first: Sequence[float], width: float) -> list[float]:
    """Round ratios for a log axis, at least 0.45 inch apart (no overlapping labels)."""
    gap = math.log(hi / lo) * 0.45 / max(width, 1.0)
    nice = [m * 10.0**k for m in (1, 2, 5) for k in range(-3, 4)]
    chosen: list[float] = []
    for t in [*first, *nice]:
        if lo <= t <= hi and all(abs(math.log(t / s)) >= gap for s in chosen):
            chosen.append(t)
    return sorted(chosen)


def _whiskers(ax: Axes, spans: Sequence[tuple[float, float, float]], vertical: bool) -> None:
    """Interval whiskers (one collection, gid ``whiskers``) with end caps."""
    if not spans:
        return
    at, lo, hi = (np.array(v, dtype=float) for v in zip(*spans, strict=True))
    if vertical:
        ax.vlines(at, lo, hi, colors=_INK, linewidth=1.4, gid="whiskers", zorder=3)
        ax.plot(np.r_[at, at], np.r_[lo, hi], "_", color=_INK, ms=7, gid="caps", zorder=3)
    else:
        ax.hlines(at, lo, hi, colors=_INK, linewidth=1.4, gid="whiskers", zorder=3)
        ax.plot(np.r_[lo, hi], np.r_[at, at], "|", color=_INK, ms=7, gid="caps", zorder=3)


def _range_handle() -> Patch:
    return Patch(
        facecolor="white", edgecolor=_INK, hatch=_HATCH, label="range (not a confidence interval)"
    )


# --------------------------------------------------------------------------- disparity


def disparity_chart(
    table: pd.DataFrame,
    attribute: str,
    metric: str,
    *,
    band: tuple[float, float] | None = (0.8, 1.25),
    colors: Mapping[tuple[str, str], str] | None = None,
    confidence: float = 0.95,
) -> Chart:
    """Each group's ratio to the reference group on one metric, with intervals.

    A forest plot on a log scale: one row per group, the ratio with its interval
    (``ratio_ci_low`` to ``ratio_ci_high``), a line at 1 (the reference group, which is
    marked) and the ``band`` shaded as a drawn reference, not a verdict. A ratio the
    table gives only as a range is a hatched span; the values are written beside the
    plot.

    Parameters
    ----------
    table : pandas.DataFrame
        The published results table (:data:`biasaudit.TABLE_COLUMNS`).
    attribute : str
        An attribute of the table, e.g. ``"sex"``.
    metric : str
        A metric of the table, e.g. ``"selection_rate"``.
    band : (float, float) or None, default=(0.8, 1.25)
        Shaded reference band around 1 (the four-fifths rule); None draws none.
    colors : mapping, optional
        ``(attribute, group) -> colour``, from :func:`group_colors` (default: of ``table``).
    confidence : float, default=0.95
        The level the table was computed at (for the labels only).

    Returns
    -------
    Chart

    Raises
    ------
    ValueError
        The attribute or metric is not in the table, or ``band`` is not two numbers
        ``0 < low < high``.

    Examples
    --------
    >>> import pandas as pd, biasaudit
    >>> df = pd.DataFrame({"sex": ["F"] * 10 + ["M"] * 10,
    ...                    "flag": [1] * 6 + [0] * 4 + [1] * 3 + [0] * 7})
    >>> result = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex"],
    ...                          reference={"sex": "M"}, min_cell=0)
    >>> chart = disparity_chart(result.published_table(), "sex", "selection_rate")
    >>> chart.title
    'Selection rate: F 2.00 times as high as M (95% CI 0.68 to 5.85)'
    """
    fig, title, values = _disparity_figure(table, attribute, metric, band, colors, confidence)
    _title(fig, title)
    alt = f"{title}. {values}"
    return _chart(f"disparity-{_slug(attribute)}-{_spec(metric).name}", title, alt, fig, attribute)


def _disparity_figure(
    table: pd.DataFrame,
    attribute: str,
    metric: str,
    band: tuple[float, float] | None,
    colors: Mapping[tuple[str, str], str] | None,
    confidence: float,
) -> tuple[Figure, str, str]:
    """:func:`disparity_chart`'s figure before its title and layout, its finding and
    the values it shows in words."""
    if band is not None and not (len(band) == 2 and _finite(*band) and 0 < band[0] < band[1]):
        raise ValueError(f"band must be two numbers 0 < low < high, or None. Got {band!r}.")
    spec = _spec(metric)
    rows = _rows(table, attribute, spec.name)
    ref = _reference(rows)
    groups = list(rows["group"])
    looks = _looks(table, attribute, groups, colors)
    labels = [_wrap(g) + ("\n" + message("chart.reference") if g == ref else "") for g in groups]
    width = 8.0
    fig = _figure(width, 1.9 + _row_heights(labels))
    ax = fig.add_subplot()
    _group_axis(ax, labels, attribute)
    states = [_ratio_state(row, ref) for _, row in rows.iterrows()]
    values = [1.0] + list(band or ())
    for state, (_, row) in zip(states, rows.iterrows(), strict=True):
        if state in ("point", "range"):
            values += [row["ratio"], row["ratio_ci_low"], row["ratio_ci_high"]]
    positive = [v for v in values if _finite(v) and v > 0]
    lo, hi = min(positive) / 1.25, max(positive) * 1.25
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ticks = _log_ticks(lo, hi, [1.0, *(band or ())], width * 0.55)
    ax.set_xticks(ticks, labels=[fmt(t, "g") for t in ticks], fontsize=9)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    # one-vs-rest: every group against its own complement, "everyone else"
    rest = ref is None and bool((rows["reference_group"] == REST_GROUP).any())
    against = ref or (message("group.everyone_else") if rest else None)
    ref_name = _short(against) if against else message("chart.the_reference_group")
    label = metric_label(spec.name)
    ax.set_xlabel(
        _literal(message("chart.ratio_axis", metric=label, reference=ref_name)), fontsize=10
    )
    handles: list[Any] = [
        Line2D(
            [], [], color=_INK, lw=1, label=_literal(message("chart.same_as", reference=ref_name))
        )
    ]
    if band is not None:
        ax.axvspan(*band, color="#999999", alpha=0.2, lw=0, gid="band", zorder=0)
        handles.append(Patch(color="#999999", alpha=0.2, label=_band(band)))
    ax.axvline(1.0, color=_INK, lw=1, gid="reference-line", zorder=1)
    ax.text(
        1.02,
        1.0,
        message("chart.ratio_head", level=_level(confidence)),
        transform=ax.transAxes,
        fontsize=9,
        ha="left",
        va="bottom",
        fontweight="bold",
    )
    spans: list[tuple[float, float, float]] = []
    parts: list[str] = []
    ranged = False
    for y, (state, (_, row)) in enumerate(zip(states, rows.iterrows(), strict=True)):
        g = row["group"]
        color, marker = looks[g]
        r, r_lo, r_hi = row["ratio"], row["ratio_ci_low"], row["ratio_ci_high"]
        if state == "reference":
            ax.plot(
                [1.0],
                [y],
                marker,
                mfc="white",
                mec=color,
                mew=2,
                ms=9,
                ls="none",
                gid="reference-point",
                zorder=4,
            )
            _side_text(ax, y, message("cell.reference"))
            parts.append(message("chart.alt_reference", group=g))
        elif state == "point":
            ax.plot(
                [np.clip(r, lo, hi)],
                [y],
                "<" if r < lo else marker,  # a ratio of 0 is off the log scale: an arrow
                color=color,
                clip_on=False,
                mec=_INK,
                ms=8,
                ls="none",
                gid="point",
                zorder=4,
            )
            if _finite(r_lo, r_hi):
                spans.append((y, max(r_lo, lo), min(r_hi, hi)))
                ci = " (" + message("cell.range", low=_times(r_lo), high=_times(r_hi)) + ")"
                parts.append(
                    message(
                        "chart.alt_times_ci",
                        group=g,
                        times=_times(r),
                        level=_level(confidence),
                        low=_times(r_lo),
                        high=_times(r_hi),
                    )
                )
            else:
                ci = ""
                parts.append(message("chart.alt_times", group=g, times=_times(r)))
            _side_text(ax, y, f"{_times(r)}{ci}")
        elif state == "range":
            ranged = True
            top = min(r_hi, hi) if _finite(r_hi) else hi
            ax.barh(
                y,
                top - max(r_lo, lo),
                left=max(r_lo, lo),
                height=0.5,
                facecolor="white",
                edgecolor=color,
                hatch=_HATCH,
                lw=1.2,
                gid="range",
                zorder=2,
            )
            upper = _times(r_hi) if _finite(r_hi) else message("chart.no_upper")
            _side_text(ax, y, message("chart.side_range", low=_times(r_lo), high=upper))
            parts.append(message("chart.alt_times_range", group=g, low=_times(r_lo), high=upper))
        else:
            why = message("cell.suppressed") if state == "suppressed" else _why_not(row)
            _side_text(ax, y, why, color="0.35", style="italic")
            parts.append(f"{g} {why}")
    _whiskers(ax, spans, vertical=False)
    if spans:
        handles.append(Line2D([], [], color=_INK, marker="|", lw=1.4, label=_level(confidence)))
    if ranged:
        handles.append(_range_handle())
    _legend(fig, handles)
    title = _disparity_finding(rows, states, spec, attribute, against, confidence)
    band_text = message("chart.alt_band", band=_band(band)) if band else ""
    described = message(
        "chart.alt_ratios",
        metric=label.lower(),
        attribute=attribute,
        reference=against or message("chart.the_reference_group"),
        values="; ".join(parts),
        band=band_text,
    )
    return fig, title, described


def _band(band: tuple[float, float]) -> str:
    return message("cell.range", low=fmt(band[0], "g"), high=fmt(band[1], "g"))


def _spec(name: str) -> MetricSpec:
    """The registry entry (the chart functions' ``metric`` argument hides :func:`metric`)."""
    return metric(name)


def _disparity_finding(
    rows: pd.DataFrame,
    states: Sequence[str],
    spec: MetricSpec,
    attribute: str,
    ref: str | None,
    confidence: float,
) -> str:
    shown = [(row, s) for (_, row), s in zip(rows.iterrows(), states, strict=True)]
    points = [row for row, s in shown if s == "point"]
    if ref is not None and points:
        row = _furthest(points, "ratio")
        ci = ""
        if _finite(row["ratio_ci_low"], row["ratio_ci_high"]):
            ci = message(
                "chart.ci",
                level=_level(confidence),
                low=_times(row["ratio_ci_low"]),
                high=_times(row["ratio_ci_high"]),
            )
        return message(
            "chart.title_times",
            metric=metric_label(spec.name),
            group=_short(row["group"]),
            times=_times(row["ratio"]),
            reference=_short(ref),
            ci=ci,
        )
    ranges = [row for row, s in shown if s == "range"]
    if ref is not None and ranges:
        row = max(ranges, key=lambda r: r["ratio_ci_low"])
        upper = _times(row["ratio_ci_high"]) if _finite(row["ratio_ci_high"]) else "∞"
        return message(
            "chart.title_times_range",
            metric=metric_label(spec.name),
            group=_short(row["group"]),
            low=_times(row["ratio_ci_low"]),
            high=upper,
            reference=_short(ref),
        )
    return message(
        "chart.title_no_ratio", metric=metric_label(spec.name), attribute=_short(attribute)
    )


# --------------------------------------------------------------------------- rates


def _rate_panel(
    ax: Axes,
    rows: pd.DataFrame,
    looks: Mapping[str, tuple[str, str]],
    overall: float,
    *,
    unit: Callable[[float], str],
    share: bool,
    confidence: float,
    detail: bool,
) -> tuple[list[str], bool, bool]:
    """Bars of one rate per group; returns alt parts and whether whiskers/ranges drawn."""
    spans: list[tuple[float, float, float]] = []
    parts: list[str] = []
    ranged = False
    level = _level(confidence)
    for y, (_, row) in enumerate(rows.iterrows()):
        g, state = row["group"], _rate_state(row)
        color = looks[g][0]
        if state == "point":
            v = row["value"]
            ax.barh(y, v, height=0.6, color=color, edgecolor=_INK, lw=0.6, gid="bar", zorder=2)
            text = unit(v)
            if _finite(row["ci_low"], row["ci_high"]):
                spans.append((y, row["ci_low"], row["ci_high"]))
                parts.append(
                    f"{g} {unit(v)} ({level} {unit(row['ci_low'])} to "
                    f"{unit(row['ci_high'])}{_counts(row)})"
                )
                if detail:
                    text += f" ({unit(row['ci_low'])} to {unit(row['ci_high'])})"
            else:
                parts.append(f"{g} {unit(v)}{_counts(row)}")
        elif state == "range":
            ranged = True
            lo, hi = row["lower_bound"], row["upper_bound"]
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
            text = f"range {unit(lo)} to {unit(hi)}"
            parts.append(f"{g} between {unit(lo)} and {unit(hi)} (a range: {_why_range(row)})")
        else:
            text = "suppressed" if state == "suppressed" else "n/a"
            parts.append(f"{g} {text}")
        style = {} if state in ("point", "range") else {"color": "0.35", "style": "italic"}
        _side_text(ax, y, text, **style)
    _whiskers(ax, spans, vertical=False)
    if math.isfinite(overall):
        ax.axvline(overall, color="0.35", ls="--", lw=1.2, gid="overall", zorder=3)
    ends = [overall, 0.0]
    for column in ("value", "ci_low", "ci_high", "lower_bound", "upper_bound"):
        ends += list(rows[column]) if column in rows else []
    low, high = min(v for v in ends if _finite(v)), max(v for v in ends if _finite(v))
    pad = 0.08 * (high - low) if high > low else 0.05
    ax.set_xlim(low - pad if low < 0 else 0.0, min(1.0, high + pad) if share else high + pad)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.xaxis.set_major_formatter(_PERCENT if unit is _pct else FuncFormatter(lambda x, _: unit(x)))
    ax.tick_params(axis="x", labelsize=9)
    ax.grid(axis="x", color="0.9", zorder=0)
    ax.set_axisbelow(True)
    return parts, bool(spans), ranged


def _why_range(row: pd.Series) -> str:
    note = str(row.get("note", ""))
    return "not identifiable" if note.startswith("not identifiable") else "cells hidden or rounded"


def _overall(table: pd.DataFrame, name: str) -> float:
    rows = table[(table["attribute"] == OVERALL) & (table["metric"] == name)]
    if rows.empty or _hidden(rows).any():
        return math.nan
    value = rows["value"].iloc[0]
    return float(value) if _finite(value) else math.nan


def rate_chart(
    table: pd.DataFrame,
    attribute: str,
    metric: str,
    *,
    colors: Mapping[tuple[str, str], str] | None = None,
    confidence: float = 0.95,
) -> Chart:
    """Each group's value of one rate, as bars with interval whiskers.

    A value the data cannot identify (NaN with worst/best-case bounds, or a range from
    hidden cells) is a hatched span from ``lower_bound`` to ``upper_bound``, labelled
    as a range, never a point. The dashed line is everyone's value.

    Parameters
    ----------
    table : pandas.DataFrame
        The published results table.
    attribute, metric : str
        What to chart, e.g. ``"sex"`` and ``"false_positive_rate"``.
    colors : mapping, optional
        ``(attribute, group) -> colour`` (default: :func:`group_colors` of ``table``).
    confidence : float, default=0.95
        The level the table was computed at (for the labels only).

    Returns
    -------
    Chart

    Raises
    ------
    ValueError
        The attribute or metric is not in the table.

    Examples
    --------
    >>> import pandas as pd, biasaudit
    >>> df = pd.DataFrame({"sex": ["F"] * 10 + ["M"] * 10,
    ...                    "flag": [1] * 6 + [0] * 4 + [1] * 3 + [0] * 7})
    >>> result = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex"], min_cell=0)
    >>> rate_chart(result.published_table(), "sex", "selection_rate").title
    'Selection rate by sex: highest for F (60%), lowest for M (30%)'
    """
    spec = _spec(metric)
    rows = _rows(table, attribute, spec.name)
    groups = list(rows["group"])
    looks = _looks(table, attribute, groups, colors)
    labels = [_wrap(g) for g in groups]
    fig = _figure(8.0, 1.9 + _row_heights(labels))
    ax = fig.add_subplot()
    _group_axis(ax, labels, attribute)
    overall = _overall(table, spec.name)
    parts, whiskers, ranged = _rate_panel(
        ax,
        rows,
        looks,
        overall,
        unit=_unit(spec),
        share=_unit(spec) is _pct,
        confidence=confidence,
        detail=True,
    )
    ax.set_xlabel(_literal(f"{spec.label}: {spec.plain.format(group='the group')}"), fontsize=10)
    ax.text(
        1.02,
        1.0,
        f"value ({_level(confidence)})",
        transform=ax.transAxes,
        fontsize=9,
        ha="left",
        va="bottom",
        fontweight="bold",
    )
    everyone = f"everyone: {_unit(spec)(overall)}" if math.isfinite(overall) else ""
    _legend(fig, _rate_handles(whiskers, ranged, everyone, confidence), ncols=3)
    title = _rate_finding(rows, spec, attribute)
    _title(fig, title)
    everyone = f"; everyone {_unit(spec)(overall)}" if math.isfinite(overall) else ""
    alt = f"{title}. {spec.label} by {attribute} ({spec.plain.format(group='the group')}): "
    alt += f"{'; '.join(parts)}{everyone}."
    return _chart(f"rate-{_slug(attribute)}-{spec.name}", title, alt, fig, attribute)


def _rate_handles(whiskers: bool, ranged: bool, everyone: str, confidence: float) -> list[Any]:
    handles: list[Any] = []
    if whiskers:
        handles.append(Line2D([], [], color=_INK, marker="|", lw=1.4, label=_level(confidence)))
    if ranged:
        handles.append(_range_handle())
    if everyone:
        handles.append(Line2D([], [], color="0.35", ls="--", label=everyone))
    return handles


def _rate_finding(rows: pd.DataFrame, spec: MetricSpec, attribute: str) -> str:
    points = [row for _, row in rows.iterrows() if _rate_state(row) == "point"]
    ranges = sum(_rate_state(row) == "range" for _, row in rows.iterrows())
    head = f"{spec.label} by {_short(attribute)}"
    also = f"; {ranges} {'group' if ranges == 1 else 'groups'} only as a range" if ranges else ""
    if len(points) >= 2:
        top = max(points, key=lambda r: r["value"])
        low = min(points, key=lambda r: r["value"])
        return (
            f"{head}: highest for {_short(top['group'])} ({_unit(spec)(top['value'])}), "
            f"lowest for {_short(low['group'])} ({_unit(spec)(low['value'])}){also}"
        )
    if points:
        return f"{head}: {_unit(spec)(points[0]['value'])} for {_short(points[0]['group'])}{also}"
    if ranges:
        return f"{head}: only ranges can be given, not values"
    return f"{head}: no value can be shown"


# --------------------------------------------------------------------------- burden


def burden_chart(
    table: pd.DataFrame,
    attribute: str,
    *,
    metrics: Sequence[str] = BURDEN,
    colors: Mapping[tuple[str, str], str] | None = None,
    confidence: float = 0.95,
) -> Chart:
    """Who bears the investigations: selection rate beside the false-accusation rates.

    One panel per metric of ``metrics`` that the table has for ``attribute`` (by
    default the selection rate, the false positive rate and unfounded investigations
    per person), groups in the same rows, each panel drawn as in :func:`rate_chart`.

    Parameters
    ----------
    table : pandas.DataFrame
        The published results table.
    attribute : str
        An attribute of the table.
    metrics : sequence of str, default=BURDEN
        Metrics to show, in order; those missing from the table are left out.
    colors : mapping, optional
        ``(attribute, group) -> colour`` (default: :func:`group_colors` of ``table``).
    confidence : float, default=0.95
        The level the table was computed at (for the labels only).

    Returns
    -------
    Chart

    Raises
    ------
    ValueError
        None of ``metrics`` is in the table for ``attribute``.

    Examples
    --------
    >>> import pandas as pd, biasaudit
    >>> df = pd.DataFrame({"sex": ["F"] * 10 + ["M"] * 10,
    ...                    "flag": [1] * 6 + [0] * 4 + [1] * 3 + [0] * 7,
    ...                    "fraud": [1, 0, 0, 0, 0, 0, 0, 1, 0, 0] + [1, 1, 0] + [0] * 7})
    >>> result = biasaudit.audit(df, roles={"flagged": "flag", "outcome": "fraud"},
    ...                          groups=["sex"], min_cell=0)
    >>> burden_chart(result.published_table(), "sex").title
    'Burden by sex: highest for F on all 3 measures shown'
    """
    present = set(table.loc[table["attribute"] == attribute, "metric"])
    names = [_spec(m).name for m in metrics if _spec(m).name in present]
    if not names:
        raise ValueError(
            f"None of the metrics {', '.join(map(repr, metrics))} is in the table for "
            f"{attribute!r}. Got metrics {', '.join(map(repr, sorted(present))) or 'none'}."
        )
    panels = [(_spec(m), _rows(table, attribute, m)) for m in names]
    groups = list(panels[0][1]["group"])
    looks = _looks(table, attribute, groups, colors)
    labels = [_wrap(g) for g in groups]
    fig = _figure(1.8 + 3.3 * len(panels), 2.1 + _row_heights(labels))
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    sentences, tops = [], []
    whiskers = ranged = False
    for ax, (spec, rows) in zip(axes, panels, strict=True):
        rows = rows.set_index("group").reindex(groups).reset_index()
        rows["suppressed"] = rows["suppressed"].map(_true)
        overall = _overall(table, spec.name)
        parts, w, r = _rate_panel(
            ax,
            rows,
            looks,
            overall,
            unit=_unit(spec),
            share=_unit(spec) is _pct,
            confidence=confidence,
            detail=False,
        )
        whiskers, ranged = whiskers or w, ranged or r
        ax.set_title(
            _literal(textwrap.fill(spec.label, 32, break_on_hyphens=False)),
            fontsize=10,
            loc="left",
        )
        sentences.append(
            f"{spec.label} ({spec.plain.format(group='the group')}): " + "; ".join(parts)
        )
        points = [row for _, row in rows.iterrows() if _rate_state(row) == "point"]
        if len(points) >= 2:
            top = max(points, key=lambda row: row["value"])
            tops.append((spec, top["group"], top["value"]))
    _group_axis(axes[0], labels, attribute)
    for ax in axes[1:]:
        ax.tick_params(axis="y", labelleft=False, length=0)
    everyone = "everyone" if any(math.isfinite(_overall(table, s.name)) for s, _ in panels) else ""
    _legend(fig, _rate_handles(whiskers, ranged, everyone, confidence), ncols=3)
    title = _burden_finding(tops, attribute, len(panels))
    _title(fig, title)
    alt = f"{title}. " + ". ".join(sentences) + "."
    return _chart(f"burden-{_slug(attribute)}", title, alt, fig, attribute)


def _burden_finding(
    tops: Sequence[tuple[MetricSpec, str, float]], attribute: str, panels: int
) -> str:
    head = f"Burden by {_short(attribute)}"
    if not tops:
        return f"{head}: no two groups can be compared"
    leaders = {g for _, g, _ in tops}
    if len(leaders) == 1 and len(tops) > 1:
        every = "both" if len(tops) == 2 else f"all {len(tops)}"
        shown = "shown" if len(tops) == panels else "with values"
        return f"{head}: highest for {_short(tops[0][1])} on {every} measures {shown}"
    return f"{head}: highest " + ", ".join(
        f"{spec.label.lower()} for {_short(g)} ({_unit(spec)(v)})" for spec, g, v in tops
    )


# --------------------------------------------------------------------------- heatmap


def heatmap_chart(
    table: pd.DataFrame,
    intersection: str,
    metric: str,
    *,
    confidence: float = 0.95,
) -> Chart:
    """Ratios to the reference cell for an intersection of two (or more) attributes.

    Rows are the first attribute's groups, columns the others' (joined by " × ").
    Each cell is coloured by its ratio (purple below 1, orange above, on a log scale)
    and carries the ratio and its interval as text, so colour is never needed to read
    it. Suppressed cells are grey, hatched and say "suppressed"; cells without a ratio
    (an empty intersection, not identifiable) are light grey and say "n/a"; ranges
    are hatched and labelled as ranges.

    Parameters
    ----------
    table : pandas.DataFrame
        The published results table.
    intersection : str
        An intersection attribute of the table, e.g. ``"sex × nationality"``.
    metric : str
        A metric of the table.
    confidence : float, default=0.95
        The level the table was computed at (for the labels only).

    Returns
    -------
    Chart

    Raises
    ------
    ValueError
        ``intersection`` is not an intersection, or it or the metric is not in the table.

    Examples
    --------
    >>> import pandas as pd, biasaudit
    >>> flagged = {("F", "A"): 6, ("F", "B"): 4, ("M", "A"): 3, ("M", "B"): 2}  # of 10 each
    >>> df = pd.DataFrame([{"sex": s, "nat": n, "flag": int(i < k)}
    ...                    for (s, n), k in flagged.items() for i in range(10)])
    >>> result = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex", "nat"],
    ...                          intersections=[["sex", "nat"]], min_cell=0)
    >>> chart = heatmap_chart(result.published_table(), "sex × nat", "selection_rate")
    >>> chart.title.partition(", as a ratio to ")[2]
    'F × A: furthest from 1 for M × B, 0.33 times (95% CI 0.09 to 1.27)'
    """
    attrs = intersection.split(INTERSECTION_SEP)
    if len(attrs) < 2:
        raise ValueError(
            f"heatmap_chart needs an intersection of attributes such as "
            f"'sex{INTERSECTION_SEP}nationality'. Got {intersection!r}."
        )
    spec = _spec(metric)
    rows = _rows(table, intersection, spec.name)
    ref = _reference(rows)
    firsts = list(table.loc[table["attribute"] == attrs[0], "group"].drop_duplicates())
    cells: dict[tuple[str, str], pd.Series] = {}
    r_levels: list[str] = []
    c_levels: list[str] = []
    for _, row in rows.iterrows():
        r, c = _split(str(row["group"]), firsts)
        cells[(r, c)] = row
        r_levels += [] if r in r_levels else [r]
        c_levels += [] if c in c_levels else [c]
    col_labels = [_wrap(c, 14, 3) for c in c_levels]
    row_labels = [_wrap(r) for r in r_levels]
    line = max(x.count("\n") + 1 for x in col_labels)
    width = max(6.5, 2.6 + 1.2 * len(c_levels))
    fig = _figure(width, 2.3 + 0.18 * line + 0.62 * max(len(r_levels), 1) + 0.4)
    ax = fig.add_subplot()
    grid = np.full((len(r_levels), len(c_levels)), np.nan)
    for (r, c), row in cells.items():
        if _ratio_state(row, ref) in ("point", "reference"):
            ratio = row["ratio"]
            grid[r_levels.index(r), c_levels.index(c)] = math.log2(ratio) if ratio > 0 else -np.inf
    shown = np.abs(grid[np.isfinite(grid)])
    most = float(shown.max()) if shown.size else 0.0
    top = min([t for t in (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0) if t >= most - 1e-9] or [most])
    grid[np.isneginf(grid)] = -top  # a ratio of 0: the end of the scale, its text says 0
    cmap = mpl.colormaps["PuOr_r"].with_extremes(bad=_NA)
    norm = Normalize(-top, top)
    # vector cells, not an image: imshow resamples a bitmap the size of the figure for
    # each file (most of a large heatmap's time) and embeds it in the SVG as a PNG
    image = ax.pcolormesh(
        np.arange(len(c_levels) + 1) - 0.5,
        np.arange(len(r_levels) + 1) - 0.5,
        np.ma.masked_invalid(grid),
        cmap=cmap,
        norm=norm,
    )
    ax.set_facecolor(_NA)  # a cell without a ratio is not drawn: the background shows
    ax.set_xlim(-0.5, len(c_levels) - 0.5)
    ax.set_xticks(range(len(c_levels)), labels=[_literal(x) for x in col_labels], fontsize=9)
    ax.set_yticks(range(len(r_levels)), labels=[_literal(x) for x in row_labels], fontsize=10)
    ax.set_ylim(len(r_levels) - 0.5, -0.5)  # the first row on top
    ax.set_xlabel(_literal(_short(INTERSECTION_SEP.join(attrs[1:]), 60)), fontsize=10)
    ax.set_ylabel(_literal(_short(attrs[0])), fontsize=10)
    ax.tick_params(length=0)
    ax.set_xticks(np.arange(len(c_levels) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(r_levels) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=2)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    parts = []
    level = _level(confidence)
    for i, r in enumerate(r_levels):
        for j, c in enumerate(c_levels):
            row = cells.get((r, c))
            state = "n/a" if row is None else _ratio_state(row, ref)
            text, color = _cell(ax, (i, j), row, state, cmap(norm(grid[i, j])))
            name = f"{r}{INTERSECTION_SEP}{c}" if row is None else row["group"]
            parts.append(f"{name}: {text}".replace("\n", " "))
    bar = fig.colorbar(image, ax=ax, shrink=0.9, pad=0.02)
    ticks = [2.0**k for k in range(-math.floor(top), math.floor(top) + 1)]
    ticks += [0.8, 1.25] if top <= 2 else []
    bar.set_ticks([math.log2(t) for t in ticks], labels=[fmt(t, "g") for t in ticks])
    bar.ax.tick_params(labelsize=9)
    reference = _short(ref) if ref else message("chart.the_reference_group")
    bar.set_label(_literal(message("chart.ratio_to", reference=reference)), fontsize=9)
    title = _heatmap_finding(rows, ref, spec, intersection, level)
    _title(fig, title)
    alt = message(
        "chart.alt_heatmap",
        title=title,
        metric=metric_label(spec.name).lower(),
        attribute=intersection,
        reference=ref or message("chart.the_reference_group"),
        level=level,
        values="; ".join(parts),
    )
    return _chart(f"heatmap-{_slug(intersection)}-{spec.name}", title, alt, fig, intersection)


def cells_chart(
    table: pd.DataFrame,
    intersection: str,
    metric: str,
    *,
    cells: int = 12,
    band: tuple[float, float] | None = (0.8, 1.25),
    confidence: float = 0.95,
) -> Chart:
    """The cells of a large intersection whose ratio to the reference cell is clearest.

    A heatmap of hundreds of cells cannot be read (nor drawn quickly); this forest plot
    (:func:`disparity_chart`) shows the reference cell and the ``cells`` cells whose
    confidence interval lies furthest from 1, i.e. the disparities best supported by
    the data rather than the largest point estimates (those of the smallest cells are
    the noisiest). Cells whose interval reaches 1 follow, by how far their ratio is from
    1, when fewer than ``cells`` are clear. Every cell stays in ``results.csv``; the
    title and alt text say how many are shown.

    Parameters
    ----------
    table : pandas.DataFrame
        The published results table.
    intersection : str
        An intersection of the table, e.g. ``"sex × nationality"``.
    metric : str
        A metric of the table.
    cells : int, default=12
        How many cells besides the reference to show.
    band, confidence
        As for :func:`disparity_chart`.

    Returns
    -------
    Chart
        Named ``cells-<intersection>-<metric>``.

    Examples
    --------
    >>> import pandas as pd, biasaudit
    >>> counts = {("F", "A"): 30, ("F", "B"): 12, ("M", "A"): 10, ("M", "B"): 11}
    >>> df = pd.DataFrame([{"sex": s, "nat": n, "flag": int(i < k)}
    ...                    for (s, n), k in counts.items() for i in range(100)])
    >>> result = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex", "nat"],
    ...                          intersections=[["sex", "nat"]], min_cell=0,
    ...                          reference={"sex × nat": "M × A"})
    >>> chart = cells_chart(result.published_table(), "sex × nat", "selection_rate", cells=1)
    >>> head, _, finding = chart.title.partition(": ")
    >>> head
    'Selection rate by sex × nat, the 1 of 3 cells furthest from M × A'
    >>> finding
    'F × A 3.00 times as high as M × A (95% CI 1.55 to 5.80)'
    """
    spec = _spec(metric)
    rows = _rows(table, intersection, spec.name)
    ref = _reference(rows)
    ranked: list[tuple[float, float, str]] = []
    for _, row in rows.iterrows():
        if _ratio_state(row, ref) != "point" or not row["ratio"] >= 0:
            continue
        lo, hi, r = row["ratio_ci_low"], row["ratio_ci_high"], row["ratio"]
        # how far the interval keeps from 1 (0 when it reaches 1), on the log scale
        clear = max(
            math.log(lo) if _finite(lo) and lo > 0 else 0.0,
            -math.log(hi) if _finite(hi) and hi > 0 else 0.0,
            0.0,
        )
        ranked.append((clear, abs(math.log(r)) if r > 0 else math.inf, str(row["group"])))
    ranked.sort(key=lambda t: (-t[0], -t[1], t[2]))
    shown = [g for *_, g in ranked[: max(cells, 1)]]
    keep = ([ref] if ref is not None else []) + shown
    mine = (table["attribute"] == intersection) & (table["metric"] == spec.name)
    part = table[mine & table["group"].isin(keep)]
    part = part.iloc[np.argsort([keep.index(g) for g in part["group"]], kind="stable")]
    fig, finding, values = _disparity_figure(part, intersection, spec.name, band, None, confidence)
    others = len(rows) - (ref is not None)
    label = metric_label(spec.name)
    title = message(
        "chart.title_cells",
        metric=label,
        attribute=_short(intersection, 60),
        shown=fmt(len(shown)),
        total=fmt(others),
        reference=_short(ref) if ref else message("chart.the_reference_group"),
        finding=finding.removeprefix(label + ": "),
    )
    alt = message("chart.alt_cells", title=title, level=_level(confidence), values=values)
    _title(fig, title)
    return _chart(f"cells-{_slug(intersection)}-{spec.name}", title, alt, fig, intersection)


_CELLS: dict[str, dict[str, Any]] = {  # state -> look of the cell
    "suppressed": {"facecolor": _SUPPRESSED, "edgecolor": "white", "hatch": "xx", "lw": 2},
    "n/a": {"facecolor": _NA, "edgecolor": "white", "lw": 2},
    "range": {"facecolor": _NA, "edgecolor": "0.5", "hatch": _HATCH, "lw": 1},
}


def _cell(
    ax: Axes, at: tuple[int, int], row: pd.Series | None, state: str, rgba: Any
) -> tuple[str, str]:
    """Draw one heatmap cell's mark and text; return the text and its colour."""
    i, j = at
    color = "black"
    if row is None or state in ("suppressed", "n/a"):
        text = (
            message("cell.suppressed")
            if state == "suppressed"
            else message("chart.na")
            if row is None
            else _why_not(row)
        )
    elif state == "range":
        upper = _times(row["ratio_ci_high"]) if _finite(row["ratio_ci_high"]) else "∞"
        text = message("chart.cell_range", low=_times(row["ratio_ci_low"]), high=upper)
    elif state == "reference":
        ax.add_patch(
            Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, lw=2, gid="reference-cell")
        )
        text = "1\n" + message("cell.reference")
    else:
        r, g, b = to_rgb(rgba)
        color = "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45 else "black"
        text = _times(row["ratio"])
        if _finite(row["ratio_ci_low"], row["ratio_ci_high"]):
            low, high = _times(row["ratio_ci_low"]), _times(row["ratio_ci_high"])
            text += "\n(" + message("cell.range", low=low, high=high) + ")"
    if state in _CELLS:
        gid = {"n/a": "not-available"}.get(state, state)
        # add_artist, not add_patch: the limits are fixed, and updating them from each
        # patch's path was a tenth of a large heatmap's time
        ax.add_artist(Rectangle((j - 0.5, i - 0.5), 1, 1, gid=gid, **_CELLS[state]))
    box = None if state in ("point", "reference") else {"facecolor": "white", "lw": 0, "pad": 1.5}
    ax.text(
        j, i, text, ha="center", va="center", fontsize=8.5, color=color, bbox=box, gid="cell-text"
    ).set_in_layout(False)  # inside its cell: measuring hundreds of them moves nothing
    return text, color


def _split(group: str, firsts: Sequence[str]) -> tuple[str, str]:
    """Row and column of an intersection group (the first attribute's levels known)."""
    known = [f for f in firsts if group.startswith(f + INTERSECTION_SEP)]
    if known:
        first = max(known, key=len)
        return first, group[len(first) + len(INTERSECTION_SEP) :]
    head, _, rest = group.partition(INTERSECTION_SEP)
    return head, rest


def _heatmap_finding(
    rows: pd.DataFrame, ref: str | None, spec: MetricSpec, intersection: str, level: str
) -> str:
    label, attribute = metric_label(spec.name), _short(intersection, 60)
    points = [row for _, row in rows.iterrows() if _ratio_state(row, ref) == "point"]
    if ref is None or not points:
        return message("chart.title_no_ratio", metric=label, attribute=attribute)
    row = _furthest(points, "ratio")
    ci = ""
    if _finite(row["ratio_ci_low"], row["ratio_ci_high"]):
        ci = message(
            "chart.ci",
            level=level,
            low=_times(row["ratio_ci_low"]),
            high=_times(row["ratio_ci_high"]),
        )
    return message(
        "chart.title_heatmap",
        metric=label,
        attribute=attribute,
        reference=_short(ref),
        group=_short(row["group"]),
        times=_times(row["ratio"]),
        ci=ci,
    )


# --------------------------------------------------------------------------- funnel


def funnel_chart(
    funnel_table: pd.DataFrame,
    attribute: str,
    *,
    colors: Mapping[tuple[str, str], str] | None = None,
    confidence: float = 0.95,
    scale: Literal["auto", "linear", "log"] = "auto",
) -> Chart:
    """Share of each group reaching each stage of a funnel, stages in their order.

    One line and marker shape per group, each point with its interval whisker. The
    stages are laid out as the process branches: along x by their depth (steps from
    the first stage), branches of one stage side by side at the next depth, each
    joined to the stage it came from, so no line passes through a sibling. The title
    tells the best-supported disparity (the share ratio whose interval lies furthest
    from 1), not the last stage's. Suppressed points are left out and listed under the
    chart.

    Parameters
    ----------
    funnel_table : pandas.DataFrame
        The published funnel table (:data:`biasaudit.FUNNEL_COLUMNS`).
    attribute : str
        An attribute of the funnel table.
    colors : mapping, optional
        ``(attribute, group) -> colour`` (default: :func:`group_colors` of the table).
    confidence : float, default=0.95
        The level the table was computed at (for the labels only).
    scale : {"auto", "linear", "log"}, default="auto"
        Scale of the share axis; ``"auto"`` is log when a share below 5% is shown.

    Returns
    -------
    Chart

    Raises
    ------
    ValueError
        The attribute is not in the table, or ``scale`` is not allowed.

    Examples
    --------
    >>> import pandas as pd, biasaudit
    >>> counts = pd.DataFrame({"sex": ["F", "M"], "all": [500, 400], "visit": [60, 20]})
    >>> result = biasaudit.funnel(counts, groups="sex", stages=["all", "visit"], layout="wide",
    ...                           reference={"sex": "M"})
    >>> funnel_chart(result.published_table(), "sex").title
    "12% of F reached 'visit', 2.40 times the share of M (95% CI 1.47 to 3.91)"
    """
    if scale not in ("auto", "linear", "log"):
        raise ValueError(f"scale must be 'auto', 'linear' or 'log'. Got {scale!r}.")
    _check(
        funnel_table,
        ["attribute", "group", "stage", "parent", "share", "suppressed"],
        "The funnel table",
    )
    rows = funnel_table[funnel_table["attribute"] == attribute]
    if rows.empty:
        attrs = [a for a in funnel_table["attribute"].unique() if a != OVERALL]
        raise ValueError(
            f"Attribute {attribute!r} is not in the funnel table. Got "
            f"{attribute!r}; available: {', '.join(map(repr, attrs))}."
        )
    comparisons = [c for c in funnel_table.columns if "ratio" in c or c.startswith("p_")]
    rows = _blank(rows.assign(_key=rows["stage"]), "_key", comparisons).reset_index(drop=True)
    stages = list(rows["stage"].drop_duplicates())
    parent = dict(zip(rows["stage"], rows["parent"], strict=True))
    groups = list(rows["group"].drop_duplicates())
    refs = [r for r in rows["reference_group"] if isinstance(r, str) and r in groups]
    ref = max(set(refs), key=refs.count) if refs else None
    looks = _looks(funnel_table, attribute, groups, colors)
    place, width, labels = _funnel_layout(stages, parent, len(groups))
    fig = _figure(max(7.0, 2.8 + 1.3 * (max(place.values()) + 1)), 5.0 + 0.15 * len(groups))
    ax = fig.add_subplot()
    spans: list[tuple[float, float, float]] = []
    handles: list[Any] = []
    hidden: list[str] = []
    shares: list[float] = []
    for i, g in enumerate(groups):
        color, marker = looks[g]
        mine = rows[rows["group"] == g].set_index("stage")
        at = {  # each group a little apart within its stage's slot
            s: (place[s] + (i - (len(groups) - 1) / 2) * width[s], mine.loc[s, "share"])
            for s in stages
            if s in mine.index and _finite(mine.loc[s, "share"])
        }
        hidden += [
            message("chart.at_stage", group=_short(g), stage=message("funnel.stage", stage=s))
            for s in stages
            if s in mine.index and _true(mine.loc[s, "suppressed"])
        ]
        for s, (x, y) in at.items():
            up = parent.get(s)
            if isinstance(up, str) and up in at:
                ax.plot(
                    [at[up][0], x],
                    [at[up][1], y],
                    color=color,
                    lw=1.6,
                    zorder=2,
                    gid="funnel-line",
                )
            lo, hi = mine.loc[s, "share_ci_low"], mine.loc[s, "share_ci_high"]
            if _finite(lo, hi) and hi > lo:
                spans.append((x, lo, hi))
        if at:
            xs, ys = zip(*at.values(), strict=True)
            ax.plot(xs, ys, marker, color=color, mec=_INK, ms=7, ls="none", zorder=4, gid="point")
            shares += list(ys)
        label = _short(g, 30) + (" " + message("chart.reference") if g == ref else "")
        handles.append(
            Line2D([], [], color=color, marker=marker, mec=_INK, lw=1.6, label=_literal(label))
        )
    _whiskers(ax, spans, vertical=True)
    positive = [s for s in shares if s > 0] + [lo for _, lo, _ in spans if lo > 0]
    if scale == "log" or (scale == "auto" and positive and min(positive) < 0.05):
        ax.set_yscale("log")
        ax.set_ylim(min(positive or [0.01]) / 1.5, 1.3)
        ax.yaxis.set_minor_formatter(NullFormatter())
    else:
        ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(_PERCENT)
    ax.set_xticks([place[st] for st in stages], labels=[_literal(x) for x in labels], fontsize=9)
    ax.set_xlim(-0.5, max(place.values()) + 0.5)
    ax.set_ylabel(message("chart.funnel_axis", level=_level(confidence)), fontsize=10)
    ax.grid(axis="y", color="0.9")
    ax.set_axisbelow(True)
    xlabel = message("chart.stage")
    if hidden:
        listed = ", ".join(hidden[:4]) + (
            " " + message("chart.and_more", n=fmt(len(hidden) - 4)) if len(hidden) > 4 else ""
        )
        xlabel += "\n" + textwrap.fill(message("chart.not_shown", listed=listed), 100)
    ax.set_xlabel(_literal(xlabel), fontsize=9)
    fig.legend(
        handles=handles,
        loc="outside right upper",
        frameon=False,
        fontsize=9,
        title=_literal(_short(attribute, 30)),
        title_fontsize=9,
    )
    title = _funnel_finding(rows, stages, ref, confidence, attribute)
    _title(fig, title)
    parts = []
    for _, row in rows.iterrows():
        where = message(
            "chart.at_stage", group=row["group"], stage=message("funnel.stage", stage=row["stage"])
        )
        if _true(row["suppressed"]):
            parts.append(f"{where}: {message('cell.suppressed')}")
        elif _finite(row["share"]):
            parts.append(f"{where}: {_pct(row['share'])}")
    alt = message("chart.alt_funnel", title=title, attribute=attribute, values="; ".join(parts))
    return _chart(f"funnel-{_slug(attribute)}", title, alt, fig, attribute)


def _funnel_layout(
    stages: Sequence[str], parent: Mapping[str, Any], groups: int
) -> tuple[dict[str, float], dict[str, float], list[str]]:
    """Where each stage sits: its depth in the process along x, stages of one depth
    (branches from one stage, say "found" and "unfounded" after "home visit") side by
    side within that depth, so a line only ever joins a stage to its parent. Returns
    the x of each stage, the spacing of the groups' points within it, and the tick
    labels (those of branches staggered so they do not overlap)."""
    depth: dict[str, int] = {}
    for stage in stages:
        up = parent.get(stage)
        depth[stage] = depth[up] + 1 if isinstance(up, str) and up in depth else 0
    xs: dict[str, float] = {}
    width: dict[str, float] = {}
    labels: list[str] = []
    for stage in stages:
        same = [s for s in stages if depth[s] == depth[stage]]
        k, i = len(same), same.index(stage)
        slot = 0.84 / k
        xs[stage] = depth[stage] + (i - (k - 1) / 2) * slot
        width[stage] = min(slot * 0.6 / max(groups, 1), 0.12)
        text = _wrap(stage, 14 if k == 1 else 10, 3)
        labels.append(("\n" * (text.count("\n") + 1) if i % 2 else "") + text)
    return xs, width, labels


def _funnel_finding(
    rows: pd.DataFrame, stages: Sequence[str], ref: str | None, confidence: float, attribute: str
) -> str:
    """The best-supported disparity of the funnel: the share ratio whose interval lies
    furthest from 1, at any stage; not the last stage's, nor the largest point
    estimate. (The table's p-values test the step from the stage above, not the
    share, so the share's own interval decides.)"""
    best: tuple[float, pd.Series | None] = (0.0, None)
    for _, row in rows.iterrows():
        lo, hi = row.get("share_ratio_ci_low"), row.get("share_ratio_ci_high")
        if ref is None or row["group"] == ref or not _finite(lo, hi, row.get("share_ratio")):
            continue
        clear = max(math.log(lo) if lo > 0 else 0.0, -math.log(hi) if hi > 0 else 0.0, 0.0)
        if clear > best[0]:
            best = (clear, row)
    row = best[1]
    if row is None or ref is None:
        return message("funnel.title_none", attribute=_short(attribute))
    return message(
        "funnel.title",
        share=_pct(row["share"]),
        group=_short(row["group"]),
        stage=message("funnel.stage", stage=_short(row["stage"])),
        ratio=_times(row["share_ratio"]),
        reference=_short(ref),
        level=fmt(confidence, ".0%"),
        low=_times(row["share_ratio_ci_low"]),
        high=_times(row["share_ratio_ci_high"]),
    )


# --------------------------------------------------------------------------- choosing


def charts_for(
    result_table: pd.DataFrame | None,
    funnel_table: pd.DataFrame | None = None,
    *,
    band: tuple[float, float] | None = (0.8, 1.25),
    confidence: float = 0.95,
) -> list[Chart]:
    """The charts worth drawing for a published results table (and funnel table).

    For every attribute, and each headline metric the table has (selection rate,
    false positive rate, unfounded investigations per person, false discovery rate or
    else precision): the disparity chart when some group has a ratio or a range to
    show, the rate chart when some group has a value or a range; then the burden
    chart when it has two or more metrics. For every intersection, a heatmap per
    headline metric with a ratio to show (for an intersection of more than
    :data:`HEATMAP_CELLS` cells, :func:`cells_chart` of its clearest cells instead);
    for every attribute of ``funnel_table``, a
    funnel chart. Colours come from :func:`group_colors` of both tables. A table with
    several datasets gets each chart per dataset, named and titled by it.

    Parameters
    ----------
    result_table : pandas.DataFrame or None
        The published results table (None: a funnel only).
    funnel_table : pandas.DataFrame, optional
        The published funnel table.
    band : (float, float) or None, default=(0.8, 1.25)
        As for :func:`disparity_chart`.
    confidence : float, default=0.95
        The level the tables were computed at (for the labels only).

    Returns
    -------
    list of Chart
        Unique names, in the order above.

    Examples
    --------
    >>> import pandas as pd, biasaudit
    >>> df = pd.DataFrame({"sex": ["F"] * 10 + ["M"] * 10,
    ...                    "flag": [1] * 6 + [0] * 4 + [1] * 3 + [0] * 7})
    >>> result = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex"], min_cell=0)
    >>> [chart.name for chart in charts_for(result.published_table())]
    ['disparity-sex-selection_rate', 'rate-sex-selection_rate']
    """
    return list(iter_charts(result_table, funnel_table, band=band, confidence=confidence))


def iter_charts(
    result_table: pd.DataFrame | None,
    funnel_table: pd.DataFrame | None = None,
    *,
    band: tuple[float, float] | None = (0.8, 1.25),
    confidence: float = 0.95,
) -> Iterator[Chart]:
    """:func:`charts_for`, one chart at a time: the report saves each chart and lets
    its figure go before the next is made, so a run with many charts never holds
    them all (the figures, not the files, are what fills memory).
    """
    colors = group_colors(result_table, funnel_table)
    seen: dict[str, int] = {}
    for chart in _charts(result_table, funnel_table, colors, band, confidence):
        k = seen[chart.name] = seen.get(chart.name, 0) + 1
        yield chart if k == 1 else dataclasses.replace(chart, name=f"{chart.name}-{k}")


def _charts(
    result_table: pd.DataFrame | None,
    funnel_table: pd.DataFrame | None,
    colors: Mapping[tuple[str, str], str],
    band: tuple[float, float] | None,
    confidence: float,
) -> Iterator[Chart]:
    if result_table is not None and "dataset" in result_table.columns:
        for dataset, part in result_table.groupby("dataset", sort=False, dropna=False):
            label = str(dataset)
            for chart in _table_charts(part, colors, band, confidence):
                yield _for_dataset(chart, label)
    elif result_table is not None:
        yield from _table_charts(result_table, colors, band, confidence)
    if funnel_table is not None:
        for attribute in funnel_table["attribute"].drop_duplicates():
            if attribute != OVERALL:
                yield funnel_chart(funnel_table, attribute, colors=colors, confidence=confidence)


def score_chart(
    quantiles: pd.DataFrame,
    attribute: str,
    *,
    min_people: int = 10,
    score_name: str = "risk score",
    colors: Mapping[tuple[str, str], str] | None = None,
) -> Chart:
    """Score distribution per group: the middle half as a box, 5th to 95th percentile
    as a line, the median as a marker (from :meth:`ScoreHistogram.quantiles`).

    Groups with fewer than ``min_people`` scored people are left out and named under
    the chart: their quantiles would come close to single people's scores.

    Examples
    --------
    >>> q = pd.DataFrame({"attribute": "sex", "group": ["F", "M"], "n": [50, 50],
    ...                   "mean": [.6, .4], "q5": [.1, .0], "q25": [.4, .2],
    ...                   "q50": [.6, .4], "q75": [.8, .6], "q95": [.95, .9]})
    >>> score_chart(q, "sex").title
    'Median risk score by sex: highest for F (0.6), lowest for M (0.4)'
    """
    rows = quantiles[quantiles["attribute"] == attribute]
    if rows.empty:
        raise ValueError(f"attribute {attribute!r} has no scores. Got {attribute!r}.")
    shown = rows[rows["n"] >= max(min_people, 1)]
    left_out = [str(g) for g in rows.loc[rows["n"] < max(min_people, 1), "group"]]
    groups = [str(g) for g in shown["group"]]
    labels = [_wrap(g) for g in groups]
    looks = _looks(rows, attribute, groups, colors)
    fig = _figure(7.5, 1.6 + _row_heights(labels or ["-"]))
    ax = fig.add_subplot()
    for i, row in enumerate(shown.itertuples()):
        color, marker = looks[str(row.group)]
        ax.hlines(i, row.q5, row.q95, color=color, linewidth=1.5)
        ax.add_patch(
            Rectangle(
                (row.q25, i - 0.25),
                row.q75 - row.q25,
                0.5,
                facecolor=color,
                alpha=0.35,
                edgecolor=color,
            )
        )
        ax.plot([row.q50], [i], marker=marker, color=color, markersize=8, linestyle="none")
    _group_axis(ax, labels, attribute)
    ax.set_xlabel(_literal(message("chart.percentiles", score=score_name)))
    if left_out:
        ax.text(
            0,
            -0.22 - 0.03 * len(labels),
            _literal(message("chart.too_few", groups=", ".join(left_out))),
            transform=ax.transAxes,
            fontsize=9,
        )
    if len(shown):
        top, bottom = shown.loc[shown["q50"].idxmax()], shown.loc[shown["q50"].idxmin()]
        title = message(
            "chart.title_median",
            score=score_name,
            attribute=_short(attribute),
            top=_short(top["group"]),
            top_value=fmt(top["q50"], ".3g"),
            low=_short(bottom["group"]),
            low_value=fmt(bottom["q50"], ".3g"),
        )
        alt = (
            title
            + ". "
            + "; ".join(
                message(
                    "chart.alt_median",
                    group=r.group,
                    median=fmt(r.q50, ".3g"),
                    low=fmt(r.q25, ".3g"),
                    high=fmt(r.q75, ".3g"),
                    n=fmt(r.n),
                )
                for r in shown.itertuples()
            )
        )
    else:
        title = message("chart.title_scores_none", score=score_name, attribute=_short(attribute))
        alt = title
    _title(fig, title)
    return _chart(f"scores-{_slug(attribute)}", title, alt, fig, attribute)


def plot(
    table: pd.DataFrame,
    kind: str,
    attribute: str,
    metric: str | None = None,
) -> Figure:
    """One chart as a matplotlib figure, for notebooks (``AuditResult.plot``).

    Parameters
    ----------
    table : pandas.DataFrame
        The published results table.
    kind : {"disparity", "rates", "burden", "heatmap"}
        :func:`disparity_chart`, :func:`rate_chart`, :func:`burden_chart` or
        :func:`heatmap_chart` (``attribute`` is then an intersection).
    attribute : str
        An attribute (or intersection) of the table.
    metric : str, optional
        The metric (default ``"selection_rate"``; the burden chart shows its own three).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        An unknown ``kind``, or what the chart function raises.

    Examples
    --------
    >>> import pandas as pd, biasaudit
    >>> df = pd.DataFrame({"sex": ["F"] * 10 + ["M"] * 10,
    ...                    "flag": [1] * 6 + [0] * 4 + [1] * 3 + [0] * 7})
    >>> result = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex"], min_cell=0)
    >>> plot(result.published_table(), "rates", "sex").get_suptitle()
    'Selection rate by sex: highest for F (60%), lowest for M (30%)'
    """
    name = metric or "selection_rate"
    if kind == "disparity":
        return disparity_chart(table, attribute, name).figure
    if kind == "rates":
        return rate_chart(table, attribute, name).figure
    if kind == "burden":
        return burden_chart(table, attribute).figure
    if kind == "heatmap":
        return heatmap_chart(table, attribute, name).figure
    raise ValueError(
        f"kind must be 'disparity', 'rates', 'burden' or 'heatmap'. Got {kind!r}. "
        "Funnel charts: FunnelResult.plot(attribute)."
    )


def _table_charts(
    table: pd.DataFrame,
    colors: Mapping[tuple[str, str], str],
    band: tuple[float, float] | None,
    confidence: float,
) -> Iterator[Chart]:
    for attribute in table["attribute"].drop_duplicates():
        if attribute == OVERALL:
            continue
        present = set(table.loc[table["attribute"] == attribute, "metric"])
        headline = [m for m in HEADLINE if m in present]
        if "false_discovery_rate" not in present and "precision" in present:
            headline.append("precision")
        if INTERSECTION_SEP in attribute:
            cells = table.loc[table["attribute"] == attribute, "group"].nunique()
            for name in headline:
                rows = _rows(table, attribute, name)
                ref = _reference(rows)
                if not any(_ratio_state(r, ref) in ("point", "range") for _, r in rows.iterrows()):
                    continue
                if cells <= HEATMAP_CELLS:
                    yield heatmap_chart(table, attribute, name, confidence=confidence)
                else:
                    yield cells_chart(table, attribute, name, band=band, confidence=confidence)
            continue
        burden = 0
        for name in headline:
            rows = _rows(table, attribute, name)
            ref = _reference(rows)
            if any(_ratio_state(r, ref) in ("point", "range") for _, r in rows.iterrows()):
                yield disparity_chart(
                    table, attribute, name, band=band, colors=colors, confidence=confidence
                )
            if any(_rate_state(r) in ("point", "range") for _, r in rows.iterrows()):
                yield rate_chart(table, attribute, name, colors=colors, confidence=confidence)
                burden += name in BURDEN
        if burden >= 2:
            yield burden_chart(table, attribute, colors=colors, confidence=confidence)


def _for_dataset(chart: Chart, dataset: str) -> Chart:
    title = f"{_short(dataset)}: {chart.title}"
    chart.figure.set_layout_engine("constrained")
    _title(chart.figure, title)
    alt = message("chart.alt_dataset", dataset=dataset, alt=chart.alt)
    return _chart(f"{chart.name}-{_slug(dataset)}", title, alt, chart.figure, chart.attribute)


# --------------------------------------------------------------------------- files


@contextlib.contextmanager
def _reproducible_svg() -> Iterator[None]:
    """Fixed SVG ids and text as text while saving (rcParams are global: one at a time).

    Text as ``<text>`` elements rather than glyph outlines: a third of the bytes and
    about half the time to write, and the words can be selected, searched and read by
    screen readers. The font named is DejaVu Sans, whose metrics laid the chart out,
    with the usual sans-serif fallbacks.
    """
    fixed = {"svg.hashsalt": "biasaudit", "svg.fonttype": "none", "svg.id": None}
    params: Any = mpl.rcParams
    with _SAVE_LOCK:
        before = {k: params[k] for k in fixed}
        try:
            for k, v in fixed.items():
                params[k] = v
            yield
        finally:
            for k, v in before.items():
                params[k] = v


def save_chart(chart: Chart, folder: str | Path, *, png: bool = False) -> list[Path]:
    """Write ``<name>.svg`` (and ``<name>.png`` when asked) into ``folder``, the same
    bytes every run.

    No date or software version in the files, fixed SVG ids, and text as XML-escaped
    ``<text>`` (selectable and searchable; sans-serif fonts). The layout was fixed when
    the chart was made, so saving never moves anything, and each file draws the
    figure once.

    Parameters
    ----------
    chart : Chart
        A chart from this module.
    folder : str or Path
        Created when missing.
    png : bool, default=False
        Also write a PNG (at 150 dpi): the SVG is sharp at any size and is what the
        report embeds, so the PNG only costs time unless a reader needs one.

    Returns
    -------
    list of Path
        The SVG, then the PNG when ``png``.

    Raises
    ------
    ValueError
        ``chart.name`` is not a plain file name (lowercase letters, digits, ``-_.``).

    Examples
    --------
    >>> import tempfile, pandas as pd, biasaudit
    >>> df = pd.DataFrame({"sex": ["F"] * 10 + ["M"] * 10,
    ...                    "flag": [1] * 6 + [0] * 4 + [1] * 3 + [0] * 7})
    >>> result = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex"], min_cell=0)
    >>> chart = rate_chart(result.published_table(), "sex", "selection_rate")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     [p.name for p in save_chart(chart, folder, png=True)]
    ['rate-sex-selection_rate.svg', 'rate-sex-selection_rate.png']
    """
    if not _NAME.fullmatch(chart.name):
        raise ValueError(
            "chart.name must be a plain file name: lowercase letters, digits and -_. "
            f"(not starting with . - or _). Got {chart.name!r}."
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    svg = folder / f"{chart.name}.svg"
    paths = [svg]
    buffer = io.StringIO()
    with _reproducible_svg():
        chart.figure.savefig(
            buffer, format="svg", facecolor="white", metadata={"Date": None, "Creator": None}
        )
    svg.write_text(compact_svg(buffer.getvalue()), encoding="utf-8")
    if png:
        paths.append(folder / f"{chart.name}.png")
        chart.figure.savefig(
            paths[1], format="png", dpi=DPI, facecolor="white", metadata={"Software": None}
        )
    return paths
