"""Charts: the figure objects, not pixels. What each chart draws (groups, whiskers,
reference line and band, ranges as spans), that suppressed values never appear, that a
group keeps its colour, that titles state the finding, that names from the data are
drawn literally, that files are byte-identical and that no figure is left open.

Numbers are checked against hand arithmetic (in the comments) and statsmodels."""

from __future__ import annotations

import math
import warnings
from concurrent.futures import ThreadPoolExecutor
from itertools import combinations
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.cbook import is_math_text
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text
from statsmodels.stats.proportion import proportion_confint

import biasaudit
from biasaudit.report._charts import (
    BURDEN,
    PALETTE,
    Chart,
    burden_chart,
    cells_chart,
    charts_for,
    disparity_chart,
    funnel_chart,
    group_colors,
    heatmap_chart,
    plot,
    rate_chart,
    save_chart,
)
from biasaudit.spec._registry import METRICS

Z = 1.959963984540054  # the 97.5% normal quantile
ROLES = {"flagged": "flag", "outcome": "fraud"}
HOSTILE = ["<script>alert(1)</script>", "$\\alpha$", "=1+1"]


def people(cells: dict[tuple[str, str], tuple[int, int, int, int]]) -> pd.DataFrame:
    """One row per person from (TP, FP, FN, TN) per (sex, nat); fraud NaN when FN/TN is None."""
    rows = []
    for (sex, nat), (tp, fp, fn, tn) in cells.items():
        for flag, fraud, k in ((1, 1, tp), (1, 0, fp), (0, 1, fn), (0, 0, tn)):
            rows += [{"sex": sex, "nat": nat, "flag": flag, "fraud": fraud}] * k
    return pd.DataFrame(rows)


# F: TP 5, FP 15, FN 4, TN 56 (n 80, 20 flagged); M: TP 3, FP 5, FN 4, TN 68 (n 80, 8 flagged)
CELLS = {
    ("F", "A"): (3, 9, 2, 26),
    ("F", "B"): (2, 6, 2, 30),
    ("M", "A"): (2, 3, 3, 32),
    ("M", "B"): (1, 2, 1, 36),
}


@pytest.fixture(scope="module")
def result() -> biasaudit.AuditResult:
    return biasaudit.audit(
        people(CELLS),
        roles=ROLES,
        groups=["sex", "nat"],
        intersections=[["sex", "nat"]],
        reference={"sex": "M", "nat": "A"},
        min_cell=0,
    )


@pytest.fixture(scope="module")
def table(result: biasaudit.AuditResult) -> pd.DataFrame:
    return result.published_table()


@pytest.fixture(scope="module")
def funnel_table() -> pd.DataFrame:
    counts = pd.DataFrame(
        {
            "sex": ["F", "M", "X"],
            "all": [500, 400, 30],
            "risk": [100, 40, 12],
            "visit": [60, 20, 4],
        }
    )
    result = biasaudit.funnel(
        counts,
        groups="sex",
        stages=["all", "risk", "visit"],
        layout="wide",
        reference={"sex": "M"},
    )
    return result.published_table()


# --------------------------------------------------------------------------- helpers


def shown(text: Text) -> str:
    """What a text object displays: never mathtext; escaped dollars drawn as dollars."""
    s = text.get_text()
    assert not is_math_text(s), s
    return s.replace("\\$", "$")


def group_ticks(ax) -> dict[float, str]:
    return {float(y): shown(t) for y, t in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)}


def by_gid(ax, gid: str) -> list:
    return [a for a in [*ax.lines, *ax.patches, *ax.collections, *ax.texts] if a.get_gid() == gid]


def whisker_ends(ax, vertical: bool = False) -> dict[float, tuple[float, float]]:
    """Whisker ends keyed by the position of the group (y) or stage (x)."""
    (whiskers,) = by_gid(ax, "whiskers")
    out = {}
    for seg in whiskers.get_segments():
        (x0, y0), (x1, y1) = seg
        out[float(x0 if vertical else y0)] = (y0, y1) if vertical else (x0, x1)
    return out


def all_text(fig: Figure) -> list[str]:
    texts = fig.findobj(Text)
    return [shown(t) for t in texts if t.get_text()]


def katz(a: int, n1: int, b: int, n2: int) -> tuple[float, float, float]:
    ratio = (a / n1) / (b / n2)
    se = math.sqrt(1 / a - 1 / n1 + 1 / b - 1 / n2)
    return ratio, ratio * math.exp(-Z * se), ratio * math.exp(Z * se)


def row(table: pd.DataFrame, attribute: str, group: str, metric: str) -> pd.Series:
    rows = table[
        (table["attribute"] == attribute) & (table["group"] == group) & (table["metric"] == metric)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


# --------------------------------------------------------------------------- disparity


def test_disparity_chart_draws_ratios_whiskers_reference_and_band(table):
    chart = disparity_chart(table, "sex", "selection_rate")
    (ax,) = chart.figure.axes
    assert group_ticks(ax) == {0.0: "F", 1.0: "M\n(reference)"}
    # F: 20 of 80 flagged, M: 8 of 80; ratio 2.5, Katz: se = sqrt(1/20 - 1/80 + 1/8 - 1/80)
    ratio, lo, hi = katz(20, 80, 8, 80)
    assert ratio == pytest.approx(2.5)
    (point,) = by_gid(ax, "point")
    assert point.get_xdata()[0] == pytest.approx(2.5) and point.get_ydata()[0] == 0
    assert whisker_ends(ax) == {0.0: pytest.approx((lo, hi))}
    (ref_point,) = by_gid(ax, "reference-point")
    assert (ref_point.get_xdata()[0], ref_point.get_ydata()[0]) == (1.0, 1)
    (line,) = by_gid(ax, "reference-line")
    assert list(line.get_xdata()) == [1.0, 1.0]
    (band,) = by_gid(ax, "band")
    assert (band.get_x(), band.get_x() + band.get_width()) == pytest.approx((0.8, 1.25))
    assert ax.get_xscale() == "log"
    assert (
        chart.title == f"Selection rate: F 2.50 times as high as M (95% CI {lo:.2f} to {hi:.2f})"
    )
    assert "M is the reference group" in chart.alt and "0.8 to 1.25 band" in chart.alt
    side = [shown(t) for t in ax.texts]
    assert f"2.50 ({lo:.2f} to {hi:.2f})" in side and "reference" in side


def test_disparity_band_is_a_parameter(table):
    (ax,) = disparity_chart(table, "sex", "selection_rate", band=(0.9, 1.1)).figure.axes
    (band,) = by_gid(ax, "band")
    assert (band.get_x(), band.get_x() + band.get_width()) == pytest.approx((0.9, 1.1))
    (ax,) = disparity_chart(table, "sex", "selection_rate", band=None).figure.axes
    assert by_gid(ax, "band") == [] and len(by_gid(ax, "reference-line")) == 1


def test_disparity_title_names_the_group_furthest_from_one():
    df = people(
        {("F", "A"): (0, 30, 0, 10), ("M", "A"): (0, 20, 0, 20), ("X", "A"): (0, 4, 0, 36)}
    )
    table = biasaudit.audit(
        df, roles={"flagged": "flag"}, groups=["sex"], reference={"sex": "M"}, min_cell=0
    )
    chart = disparity_chart(table.published_table(), "sex", "selection_rate")
    # F: 30/40 / (20/40) = 1.5; X: 4/40 / (20/40) = 0.2, further from 1 on the ratio scale
    assert chart.title.startswith("Selection rate: X 0.20 times as high as M")


# --------------------------------------------------------------------------- rates


def test_rate_chart_bars_whiskers_and_everyone(table):
    chart = rate_chart(table, "sex", "selection_rate")
    (ax,) = chart.figure.axes
    ticks = group_ticks(ax)
    assert set(ticks.values()) == {"F", "M"}
    bars = {ticks[b.get_y() + b.get_height() / 2]: b.get_width() for b in by_gid(ax, "bar")}
    assert bars == {"F": pytest.approx(0.25), "M": pytest.approx(0.1)}
    ends = {ticks[y]: e for y, e in whisker_ends(ax).items()}
    for group, flagged in (("F", 20), ("M", 8)):
        assert ends[group] == pytest.approx(proportion_confint(flagged, 80, method="wilson"))
    (everyone,) = by_gid(ax, "overall")
    assert everyone.get_xdata()[0] == pytest.approx(28 / 160)
    assert chart.title == "Selection rate by sex: highest for F (25%), lowest for M (10%)"
    assert "F 25% (95% CI" in chart.alt and "20 of 80" in chart.alt


def test_unidentified_rates_are_hatched_spans_never_points():
    # selective labels: outcomes known only for the flagged. F: TP 1, FP 2, 2 unflagged
    # unknown -> FPR from 2 / (2 + 2) = 0.5 (all innocent) to 2 / 2 = 1 (all fraud);
    # M: TP 1, FP 1, 3 unknown -> 1 / 4 = 0.25 to 1.
    df = pd.DataFrame(
        {
            "sex": ["F"] * 5 + ["M"] * 5,
            "flag": [1, 1, 1, 0, 0, 1, 1, 0, 0, 0],
            "fraud": [1, 0, 0, None, None, 1, 0, None, None, None],
        }
    )
    result = biasaudit.audit(df, roles=ROLES, groups=["sex"], min_cell=0)
    chart = rate_chart(result.published_table(), "sex", "false_positive_rate")
    (ax,) = chart.figure.axes
    ticks = group_ticks(ax)
    assert by_gid(ax, "bar") == [] and by_gid(ax, "point") == [] and by_gid(ax, "whiskers") == []
    spans = {
        ticks[p.get_y() + p.get_height() / 2]: (p.get_x(), p.get_x() + p.get_width())
        for p in by_gid(ax, "range")
    }
    assert spans == {"F": pytest.approx((0.5, 1.0)), "M": pytest.approx((0.25, 1.0))}
    assert all(p.get_hatch() for p in by_gid(ax, "range"))
    assert {shown(t) for t in ax.texts} >= {"range 50% to 100%", "range 25% to 100%"}
    assert "range (not a confidence interval)" in [
        t.get_text() for t in chart.figure.legends[0].get_texts()
    ]
    assert "only ranges" in chart.title and "between 50% and 100%" in chart.alt
    # not identifiable means no ratio either: no disparity chart is chosen for it
    names = [c.name for c in charts_for(result.published_table())]
    assert "rate-sex-false_positive_rate" in names
    assert "disparity-sex-false_positive_rate" not in names


@pytest.mark.parametrize("point", ["none", "midpoint"])
def test_ranges_from_hidden_cells_are_spans_even_with_a_midpoint(point):
    counts = pd.DataFrame({"g": ["A", "B"], "n": [200, 400], "flagged": ["<10", 80]})
    result = biasaudit.audit_counts(
        counts, groups=["g"], metrics=["selection_rate"], min_cell=0, point=point
    )
    table = result.published_table()
    a = row(table, "g", "A", "selection_rate")
    assert (a["lower_bound"], a["upper_bound"]) == pytest.approx((0, 9 / 200))  # 0 to 9 of 200
    (ax,) = rate_chart(table, "g", "selection_rate").figure.axes
    ticks = group_ticks(ax)
    assert [ticks[b.get_y() + b.get_height() / 2] for b in by_gid(ax, "bar")] == ["B"]
    (span,) = by_gid(ax, "range")
    assert ticks[span.get_y() + span.get_height() / 2] == "A"
    assert (span.get_x(), span.get_x() + span.get_width()) == pytest.approx((0, 9 / 200))
    # the ratio to B (the largest group) is a range too, drawn as a span, not a point
    (ax,) = disparity_chart(table, "g", "selection_rate").figure.axes
    ticks = group_ticks(ax)
    (span,) = by_gid(ax, "range")
    assert ticks[span.get_y() + span.get_height() / 2] == "A"
    assert by_gid(ax, "point") == []
    assert any(shown(t).startswith("range ") for t in ax.texts)


# --------------------------------------------------------------------------- burden


def test_burden_chart_puts_the_three_burdens_side_by_side(table):
    chart = burden_chart(table, "sex")
    axes = chart.figure.axes
    assert [ax.get_title(loc="left").replace("\n", " ") for ax in axes] == [
        METRICS[m].label for m in BURDEN
    ]
    assert group_ticks(axes[0]) == {0.0: "F", 1.0: "M"}
    # FPR: F 15 of 71 innocent (FP + TN), M 5 of 73; innocent flag rate: F 15/80, M 5/80
    widths = [sorted(b.get_width() for b in by_gid(ax, "bar")) for ax in axes]
    assert widths == [
        pytest.approx([0.1, 0.25]),
        pytest.approx([5 / 73, 15 / 71]),
        pytest.approx([5 / 80, 15 / 80]),
    ]
    assert chart.title == "Burden by sex: highest for F on all 3 measures shown"
    with pytest.raises(ValueError, match="None of the metrics"):
        burden_chart(table, "sex", metrics=["share_of_offenders"])


# --------------------------------------------------------------------------- heatmap


def _big_intersection() -> biasaudit.AuditResult:
    """8 x 7 = 56 cells of 1,000 people (4% to 20% flagged) against a0 × b0 (10%), and
    one cell of 3 people, 1 flagged: the largest ratio, with the least evidence."""
    parts = []
    for i in range(8):
        for j in range(7):
            n, k = (3, 1) if (i, j) == (7, 6) else (1000, 40 + 10 * ((3 * i + 5 * j) % 17))
            if (i, j) == (0, 0):
                k = 100
            parts.append(
                pd.DataFrame({"a": f"a{i}", "b": f"b{j}", "flag": [1] * k + [0] * (n - k)})
            )
    df = pd.concat(parts, ignore_index=True)
    return biasaudit.audit(
        df,
        roles={"flagged": "flag"},
        groups=["a", "b"],
        intersections=[["a", "b"]],
        reference={"a × b": "a0 × b0"},
        min_cell=0,
    )


def test_large_intersection_charts_its_clearest_cells_not_a_heatmap():
    table = _big_intersection().published_table()
    names = [c.name for c in charts_for(table)]
    assert "cells-a-x-b-selection_rate" in names
    assert not [n for n in names if n.startswith("heatmap-")]
    # the oracle: Katz intervals by hand, ranked by how far each keeps from 1
    counts = table[(table["attribute"] == "a × b") & (table["metric"] == "selection_rate")]
    ranked = []
    for g, num, den in zip(
        counts["group"], counts["numerator"], counts["denominator"], strict=True
    ):
        if g == "a0 × b0":
            continue
        ratio, lo, hi = katz(int(num), int(den), 100, 1000)
        ranked.append((max(math.log(lo), -math.log(hi), 0.0), abs(math.log(ratio)), g))
    ranked.sort(key=lambda t: (-t[0], -t[1], t[2]))
    expected = {g for *_, g in ranked[:12]}
    assert ranked[11][0] > 0  # twelve cells are clear of 1
    chart = cells_chart(table, "a × b", "selection_rate")
    ax = chart.figure.axes[0]
    labels = {shown(t).replace("\n(reference)", "") for t in ax.get_yticklabels()}
    assert labels == expected | {"a0 × b0"}
    # the 3-person cell has the largest point estimate but is not clear of 1
    assert "a7 × b6" not in labels
    assert chart.title.startswith("Selection rate by a × b, the 12 of 55 cells furthest from a0")
    assert "every cell is in results.csv" in chart.alt


def test_intersection_up_to_the_limit_stays_a_heatmap(table):
    names = [c.name for c in charts_for(table)]
    assert "heatmap-sex-x-nat-selection_rate" in names
    assert not [n for n in names if n.startswith("cells-")]


def test_heatmap_rows_columns_values_and_reference(table):
    chart = heatmap_chart(table, "sex × nat", "selection_rate")
    ax = chart.figure.axes[0]
    assert [shown(t) for t in ax.get_yticklabels()] == ["F", "M"]
    assert [shown(t) for t in ax.get_xticklabels()] == ["A", "B"]
    texts = {(t.get_position()): shown(t) for t in by_gid(ax, "cell-text")}
    # reference: the largest cell (all are 40; the first); M × B: 3/40 / (12/40) = 0.25
    assert texts[(0, 0)] == "1\nreference"
    ratio, lo, hi = katz(3, 40, 12, 40)
    assert texts[(1, 1)] == f"{ratio:.2f}\n({lo:.2f} to {hi:.2f})"
    assert len(by_gid(ax, "reference-cell")) == 1
    assert "M × B" in chart.title and "F × A" in chart.title


def test_heatmap_greys_suppressed_cells_and_never_shows_their_values():
    cells = {
        ("F", "A"): (12, 30, 10, 50),
        ("F", "B"): (15, 25, 12, 60),
        ("F", "C"): (11, 20, 14, 55),
        ("M", "A"): (13, 22, 11, 70),
        ("M", "B"): (2, 3, 1, 2),  # 8 people: suppressed, and other cells to protect them
        ("M", "C"): (12, 18, 10, 45),
        ("X", "A"): (10, 21, 12, 40),
        ("X", "C"): (14, 19, 11, 44),
    }  # nobody is X × B: an empty intersection, shown as a row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", biasaudit.UndefinedRateWarning)
        result = biasaudit.audit(
            people(cells), roles=ROLES, groups=["sex", "nat"], intersections=[["sex", "nat"]]
        )
    name, metric = "sex × nat", "selection_rate"
    full = result.table[(result.table["attribute"] == name) & (result.table["metric"] == metric)]
    hidden = full[full["suppressed"]]
    assert "M × B" in set(hidden["group"]) and 0 < len(hidden) < len(full) - 1
    secrets = [f"{v:.2f}" for v in hidden["ratio"]] + [f"{v:.2f}" for v in hidden["ratio_ci_low"]]
    published = heatmap_chart(result.published_table(), name, metric)
    # the caller passes the published table; the auditor's view (values still in the
    # suppressed rows) must draw exactly the same chart
    auditors = heatmap_chart(result.table, name, metric)
    assert all_text(auditors.figure) == all_text(published.figure)
    assert (auditors.title, auditors.alt) == (published.title, published.alt)
    for chart in (published, auditors):
        ax = chart.figure.axes[0]
        rows = [shown(t) for t in ax.get_yticklabels()]
        cols = [shown(t) for t in ax.get_xticklabels()]
        assert (rows, cols) == (["F", "M", "X"], ["A", "B", "C"])
        grid = ax.collections[0].get_array()
        marks = {
            (round(p.get_y() + 0.5), round(p.get_x() + 0.5)): p for p in by_gid(ax, "suppressed")
        }
        texts = {t.get_position(): shown(t) for t in by_gid(ax, "cell-text")}
        for group in hidden["group"]:
            r, c = group.split(" × ")
            i, j = rows.index(r), cols.index(c)
            assert np.ma.is_masked(grid[i, j])
            assert marks[(i, j)].get_facecolor()[:3] == pytest.approx(to_rgba("#9A9A9A")[:3])
            assert marks[(i, j)].get_hatch()
            assert texts[(j, i)] == "suppressed"
        assert len(marks) == len(hidden)
        assert texts[(1, 2)] == "n/a" and np.ma.is_masked(grid[2, 1])  # X × B: nobody
        assert not np.ma.is_masked(grid[0, 0]) and texts[(0, 1)] == "1\nreference"  # M × A
        words = " ".join([*all_text(chart.figure), chart.title, chart.alt])
        for secret in secrets:
            assert secret not in words


def test_heatmap_needs_an_intersection(table):
    with pytest.raises(ValueError, match="needs an intersection"):
        heatmap_chart(table, "sex", "selection_rate")


# --------------------------------------------------------------------------- funnel


def test_funnel_chart_shares_in_stage_order_with_whiskers(funnel_table):
    chart = funnel_chart(funnel_table, "sex")
    (ax,) = chart.figure.axes
    assert [shown(t) for t in ax.get_xticklabels()] == ["all", "risk", "visit"]
    # one set of points per group, in table order; X reaches "visit" with 4 people and M
    # with 20 (suppressed to protect X's 4: the total is published): not drawn
    f, m, x = (tuple(p.get_ydata()) for p in by_gid(ax, "point"))
    assert f == pytest.approx((1, 100 / 500, 60 / 500))
    assert (m, x) == (pytest.approx((1, 40 / 400)), pytest.approx((1, 12 / 30)))
    ends = sorted(whisker_ends(ax, vertical=True).values())
    counted = ((100, 500), (60, 500), (40, 400), (12, 30))
    assert ends == [
        pytest.approx(e)
        for e in sorted(proportion_confint(k, n, method="wilson") for k, n in counted)
    ]
    legend = [shown(t) for t in chart.figure.legends[0].get_texts()]
    assert legend == ["F", "M (reference)", "X"]
    label = shown(ax.xaxis.label)
    assert "not shown (suppressed): M at 'visit', X at 'visit'" in label
    # at "visit" no ratio may be shown (M's count is hidden); at "risk", X: 0.4 / 0.1 = 4
    assert chart.title.startswith("40% of X reached 'risk', 4.00 times the share of M")
    assert "X at 'visit': suppressed" in chart.alt and "13.3%" not in chart.alt


def test_funnel_errors(funnel_table):
    with pytest.raises(ValueError, match="scale must be"):
        funnel_chart(funnel_table, "sex", scale="cubic")
    with pytest.raises(ValueError, match="not in the funnel table"):
        funnel_chart(funnel_table, "age")
    with pytest.raises(ValueError, match="lacks the columns"):
        funnel_chart(funnel_table.drop(columns="parent"), "sex")


# --------------------------------------------------------------------------- colours


def test_a_group_keeps_its_colour_in_every_chart(table, funnel_table):
    colors = group_colors(table, funnel_table)
    assert colors[("sex", "F")] == PALETTE[0] and colors[("sex", "X")] == PALETTE[2]
    found: dict[str, set] = {"F": set(), "M": set()}
    charts = charts_for(table, funnel_table)
    for chart in charts:
        if not chart.name.startswith(("disparity-sex", "rate-sex", "burden-sex")):
            continue
        ticks = group_ticks(chart.figure.axes[0])  # burden panels share the groups' axis
        for ax in chart.figure.axes:
            for bar in by_gid(ax, "bar"):
                found[ticks[bar.get_y() + bar.get_height() / 2]].add(bar.get_facecolor())
            for point in by_gid(ax, "point"):
                found[ticks[point.get_ydata()[0]]].add(to_rgba(point.get_color()))
    assert charts[-1].name == "funnel-sex"
    for handle, text in zip(
        charts[-1].figure.legends[0].legend_handles,
        charts[-1].figure.legends[0].get_texts(),
        strict=True,
    ):
        group = shown(text).removesuffix(" (reference)")
        if group in found:
            found[group].add(to_rgba(handle.get_color()))
    assert found == {"F": {to_rgba(PALETTE[0])}, "M": {to_rgba(PALETTE[1])}}


def test_group_colors_are_stable_and_skip_everyone(table):
    assert group_colors(table) == group_colors(table.iloc[::-1].iloc[::-1])
    assert all(a != "(overall)" for a, _ in group_colors(table))
    many = pd.DataFrame({"attribute": ["a"] * 10, "group": [f"g{i}" for i in range(10)]})
    assert list(group_colors(many).values()) == [*PALETTE, PALETTE[0], PALETTE[1]]


# --------------------------------------------------------------------------- choosing


def test_charts_for_chooses_charts_for_every_attribute_and_intersection(table, funnel_table):
    names = [c.name for c in charts_for(table, funnel_table)]
    for attr in ("sex", "nat"):
        for metric in ("selection_rate", "false_positive_rate", "innocent_flag_rate"):
            assert f"disparity-{attr}-{metric}" in names and f"rate-{attr}-{metric}" in names
        assert f"disparity-{attr}-false_discovery_rate" in names
        assert f"burden-{attr}" in names
    assert "heatmap-sex-x-nat-selection_rate" in names
    assert names[-1] == "funnel-sex" and len(names) == len(set(names))
    assert not any("precision" in n for n in names)  # the false discovery rate covers it
    charts = charts_for(table, funnel_table)
    assert {c.attribute for c in charts} == {"sex", "nat", "sex × nat"}
    assert all(c.name.split("-")[1] == c.attribute for c in charts if "×" not in c.attribute)
    assert [c.name for c in charts_for(None, funnel_table)] == ["funnel-sex"]


def test_charts_for_decision_only_table_and_several_datasets():
    df = people({("F", "A"): (0, 30, 0, 10), ("M", "A"): (0, 20, 0, 20)}).drop(columns="fraud")
    table = biasaudit.audit(
        df, roles={"flagged": "flag"}, groups=["sex"], min_cell=0
    ).published_table()
    assert [c.name for c in charts_for(table)] == [
        "disparity-sex-selection_rate",
        "rate-sex-selection_rate",
    ]
    counts = pd.DataFrame(
        {
            "year": ["2021", "2021", "2022", "2022"],
            "g": ["A", "B", "A", "B"],
            "n": [100, 200, 100, 200],
            "flagged": [30, 20, 25, 30],
        }
    )
    result = biasaudit.audit_counts(
        counts, groups=["g"], dataset="year", metrics=["selection_rate"], min_cell=0
    )
    charts = charts_for(result.published_table())
    assert [c.name for c in charts] == [
        "disparity-g-selection_rate-2021",
        "rate-g-selection_rate-2021",
        "disparity-g-selection_rate-2022",
        "rate-g-selection_rate-2022",
    ]
    assert charts[0].title.startswith("2021: ") and charts[0].figure.get_suptitle().startswith(
        "2021: "
    )
    with pytest.raises(ValueError, match="several datasets"):
        rate_chart(result.published_table(), "g", "selection_rate")


# --------------------------------------------------------------------------- safety


def test_names_from_the_data_are_drawn_literally():
    df = people({(HOSTILE[0], "A"): (2, 28, 1, 9), (HOSTILE[1], "A"): (2, 18, 1, 19)})
    df.loc[df["sex"] == HOSTILE[1], "nat"] = HOSTILE[2]
    result = biasaudit.audit(df, roles=ROLES, groups=["sex", "nat"], min_cell=0)
    table = result.published_table()
    charts = [
        disparity_chart(table, "sex", "selection_rate"),
        rate_chart(table, "nat", "selection_rate"),
        burden_chart(table, "sex"),
    ]
    labels = [
        shown(t).removesuffix("\n(reference)")
        for chart in charts
        for ax in chart.figure.axes
        for t in ax.get_yticklabels()
        if t.get_text()
    ]
    assert set(labels) == {*HOSTILE, "A"}
    for chart in charts:
        all_text(chart.figure)  # no text of any chart would be read as mathtext
        assert not is_math_text(chart.figure.get_suptitle())
    assert HOSTILE[0] in charts[0].title or HOSTILE[0] in charts[0].alt


def test_long_group_names_are_wrapped_and_never_overlap():
    names = [f"household type number {i} with a rather long description indeed" for i in range(12)]
    df = pd.concat(
        [people({(n, "A"): (1, 10 + i, 1, 20)}) for i, n in enumerate(names)], ignore_index=True
    )
    table = biasaudit.audit(df, roles=ROLES, groups=["sex"], min_cell=0).published_table()
    for chart in (
        disparity_chart(table, "sex", "selection_rate"),
        rate_chart(table, "sex", "selection_rate"),
    ):
        fig = chart.figure
        fig.canvas.draw()
        (ax,) = fig.axes
        labels = ax.get_yticklabels()
        assert all(t.get_text().count("\n") <= 3 for t in labels)
        boxes = [t.get_window_extent() for t in labels]
        assert not any(a.overlaps(b) for a, b in combinations(boxes, 2))
        sides = [t.get_window_extent() for t in ax.texts]
        assert not any(a.overlaps(b) for a, b in combinations(sides, 2))
        figure_box = fig.bbox
        assert all(
            figure_box.contains(b.x0, b.y0) and figure_box.contains(b.x1, b.y1)
            for b in boxes + sides
        )
        assert fig.get_figheight() > 12 * 0.4


def test_save_chart_writes_identical_bytes_without_metadata(table, tmp_path: Path):
    chart = disparity_chart(table, "sex", "selection_rate")
    first = save_chart(chart, tmp_path / "a", png=True)
    again = save_chart(chart, tmp_path / "b", png=True)
    rebuilt = save_chart(disparity_chart(table, "sex", "selection_rate"), tmp_path / "c", png=True)
    assert [p.name for p in first] == [
        "disparity-sex-selection_rate.svg",
        "disparity-sex-selection_rate.png",
    ]
    for a, b, c in zip(first, again, rebuilt, strict=True):
        assert a.read_bytes() == b.read_bytes() == c.read_bytes()
    svg, png = (p.read_bytes() for p in first)
    assert png.startswith(b"\x89PNG") and b"Software" not in png and b"atplotlib" not in png
    assert b"<dc:date>" not in svg and b"Matplotlib v" not in svg and b"<svg" in svg


def _counting_draws(monkeypatch) -> list[int]:
    from matplotlib.figure import Figure

    draws = [0]
    draw = Figure.draw

    def counted(self, renderer):
        draws[0] += 1
        return draw(self, renderer)

    monkeypatch.setattr(Figure, "draw", counted)
    return draws


@pytest.mark.parametrize("png", [False, True])
def test_each_saved_file_draws_the_chart_once(table, tmp_path: Path, monkeypatch, png):
    # issue 15: a layout pass plus two draws per file (savefig's own pre-draw) made
    # 5 draws a chart; measuring the layout draws nothing, and each file draws once
    draws = _counting_draws(monkeypatch)
    charts = [
        disparity_chart(table, "sex", "selection_rate"),
        rate_chart(table, "sex", "selection_rate"),
        burden_chart(table, "sex"),
        heatmap_chart(table, "sex × nat", "selection_rate"),
    ]
    assert draws == [0]
    files = [p for chart in charts for p in save_chart(chart, tmp_path, png=png)]
    assert [p.suffix for p in files] == [".svg", ".png"] * 4 if png else [".svg"] * 4
    assert draws == [len(files)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)


def test_saving_in_threads_gives_the_same_files(table, tmp_path: Path):
    serial = [
        p.read_bytes()
        for p in save_chart(rate_chart(table, "sex", "selection_rate"), tmp_path / "s")
    ]

    def work(i: int) -> list[bytes]:
        chart = rate_chart(table, "sex", "selection_rate")
        return [p.read_bytes() for p in save_chart(chart, tmp_path / f"t{i}")]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, range(8)))
    assert all(r == serial for r in results)


def test_hostile_names_stay_out_of_svg_markup(tmp_path: Path):
    df = people({(HOSTILE[0], "A"): (0, 30, 0, 10), ("M", "A"): (0, 20, 0, 20)})
    table = biasaudit.audit(
        df, roles={"flagged": "flag"}, groups=["sex"], min_cell=0
    ).published_table()
    (svg,) = save_chart(rate_chart(table, "sex", "selection_rate"), tmp_path)
    assert b"<script" not in svg.read_bytes()


def test_no_figure_is_left_open(table, funnel_table, tmp_path: Path):
    before = plt.get_fignums()
    charts = charts_for(table, funnel_table)
    for chart in charts[:3]:
        save_chart(chart, tmp_path)
    assert plt.get_fignums() == before == []
    assert all(isinstance(c, Chart) and isinstance(c.figure, Figure) for c in charts)


# --------------------------------------------------------------------------- errors


def test_errors_name_what_is_allowed(table):
    with pytest.raises(ValueError, match="Attribute 'age' is not in the table.*'sex'"):
        rate_chart(table, "age", "selection_rate")
    with pytest.raises(ValueError, match="Metric 'share_of_offenders' is not in the table"):
        rate_chart(table, "sex", "share_of_offenders")
    with pytest.raises(ValueError, match="Unknown metric"):
        rate_chart(table, "sex", "selectivity")
    with pytest.raises(ValueError, match="band must be"):
        disparity_chart(table, "sex", "selection_rate", band=(1.25, 0.8))
    with pytest.raises(ValueError, match="lacks the columns"):
        rate_chart(table.drop(columns="suppressed"), "sex", "selection_rate")
    chart = rate_chart(table, "sex", "selection_rate")
    with pytest.raises(ValueError, match="plain file name"):
        save_chart(Chart("../escape", chart.title, chart.alt, chart.figure), "unused")


def test_plot_gives_the_figure_of_each_kind(table):
    for kind, suptitle in (
        ("disparity", "Selection rate: F 2.50 times as high as M"),
        ("rates", "Selection rate by sex: highest for F (25%)"),
        ("burden", "Burden by sex: highest for F"),
    ):
        figure = plot(table, kind, "sex")
        assert isinstance(figure, Figure) and figure.get_suptitle().startswith(suptitle)
    heat = plot(table, "heatmap", "sex × nat", "false_positive_rate")
    assert "False positive rate" in heat.get_suptitle()
    with pytest.raises(ValueError, match="kind must be"):
        plot(table, "pie", "sex")


def test_heatmap_svg_is_vector_cells_not_an_embedded_bitmap(table, tmp_path: Path):
    # issue 15: imshow resampled a figure-sized bitmap for every saved file and put it
    # into the SVG as a base64 PNG; the cells are now 4 vector quads (2 x 2 groups)
    chart = heatmap_chart(table, "sex × nat", "selection_rate")
    (svg,) = save_chart(chart, tmp_path)
    text = svg.read_text(encoding="utf-8")
    # one bitmap left: the colour bar's gradient (matplotlib rasterises it), not the cells
    assert text.count("<image") == 1 and len(chart.figure.axes[0].images) == 0
    mesh = chart.figure.axes[0].collections[0]
    assert mesh.get_array().shape == (2, 2)


def test_a_chart_shows_itself_in_jupyter_without_pyplot(table):
    """A notebook that never imported pyplot has no figure formatter: the figure
    itself must offer a PNG (IPython's own display formatter asks for it)."""
    from IPython.core.formatters import DisplayFormatter

    figure = plot(table, "rates", "sex")
    data, _ = DisplayFormatter().format(figure)
    assert data["image/png"].startswith(b"\x89PNG\r\n\x1a\n")
