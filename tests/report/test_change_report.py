"""The trend chart and the sentences of an audit by period (issue 18, question 3): what
they draw and say is the published table's numbers, and nothing withheld."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import biasaudit
from biasaudit.report._change_report import change_section, trend_chart
from biasaudit.report._change_text import change_sentences
from biasaudit.report._html import figure


def table() -> pd.DataFrame:
    """A published stacked table: sex F vs M and X vs M in three years."""
    rows = []
    for year, (f, x) in {"2021": (2.0, 1.5), "2022": (1.6, 1.4), "2023": (1.1, 1.45)}.items():
        for g, r in (("F", f), ("X", x), ("M", 1.0)):
            ref = g == "M"
            rows.append(
                {
                    "dataset": year,
                    "attribute": "sex",
                    "group": g,
                    "metric": "selection_rate",
                    "reference_group": "M",
                    "ratio": r,
                    "ratio_ci_low": np.nan if ref else r / 1.3,
                    "ratio_ci_high": np.nan if ref else r * 1.3,
                    "suppressed": False,
                }
            )
    return pd.DataFrame(rows)


def points(chart) -> list[tuple[float, float]]:
    ax = chart.figure.axes[0]
    out = []
    for line in ax.get_lines():
        if line.get_gid() == "point":
            out += list(zip(line.get_xdata(), line.get_ydata(), strict=True))
    return out


def test_trend_chart_draws_each_ratio_with_its_interval():
    chart = trend_chart(table(), "sex", periods=["2021", "2022", "2023"])
    ys = sorted(round(y, 6) for _, y in points(chart))
    assert ys == sorted([2.0, 1.6, 1.1, 1.5, 1.4, 1.45])
    ax = chart.figure.axes[0]
    whiskers = [c for c in ax.collections if c.get_gid() == "whiskers"]
    spans = sorted(
        (round(seg[0][1], 6), round(seg[1][1], 6)) for c in whiskers for seg in c.get_segments()
    )
    assert spans == sorted(
        (round(r / 1.3, 6), round(r * 1.3, 6)) for r in (2, 1.6, 1.1, 1.5, 1.4, 1.45)
    )
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2021", "2022", "2023"]
    assert chart.title == "Selection rate ratio to M by sex, 2021 to 2023: F 2.00 → 1.10"
    assert "F: 2.00 in 2021 (1.54 to 2.60), 1.60 in 2022" in chart.alt
    assert chart.name == "trend-sex-selection_rate"


def test_trend_chart_draws_nothing_withheld():
    t = table()
    hidden = (t["dataset"] == "2022") & (t["group"] == "X")
    t.loc[hidden, "suppressed"] = True  # the published table blanks it; the mark suffices
    chart = trend_chart(t, "sex", periods=["2021", "2022", "2023"])
    assert round(1.4, 6) not in [round(y, 6) for _, y in points(chart)]
    assert (
        "X: 1.50 in 2021 (1.15 to 1.95), 1.45 in 2023 (1.12 to 1.89); not shown in 2022"
        in chart.alt
    )


def test_trend_chart_title_follows_the_clearest_change():
    changes = pd.DataFrame(
        {
            "attribute": "sex",
            "metric": "selection_rate",
            "group": ["F", "X"],
            "p_adjusted": [0.2, 0.001],
        }
    )
    chart = trend_chart(table(), "sex", periods=["2021", "2022", "2023"], changes=changes)
    assert chart.title.endswith("X 1.50 → 1.45")


def change_row(**kw) -> dict:
    row = {
        "attribute": "gender",
        "group": "F",
        "metric": "selection_rate",
        "reference_group": "M",
        "period_from": "2021",
        "period_to": "2022",
        "ratio_from": 1.9,
        "ratio_to": 1.2,
        "ratio_change": 1.2 / 1.9,
        "ratio_change_ci_low": 0.5,
        "ratio_change_ci_high": 0.8,
        "p_adjusted": 0.003,
        "suppressed": False,
    }
    return {**row, **kw}


def test_sentences_clearest_first_and_nothing_withheld():
    changes = pd.DataFrame(
        [
            change_row(group="X", ratio_from=1.1, ratio_to=1.3, ratio_change=1.18,
                       ratio_change_ci_low=0.9, ratio_change_ci_high=1.5, p_adjusted=0.4),
            change_row(),
            change_row(group="Y", suppressed=True, p_adjusted=0.0001),
            change_row(group="Z", ratio_from=1.204, ratio_to=1.201, p_adjusted=0.9),
            change_row(group="W", metric="false_positive_rate", p_adjusted=np.nan),
        ]
    )  # fmt: skip
    said = change_sentences(changes, confidence=0.95)
    assert said == [
        "For gender = F against M, the ratio of selection rates fell from 1.90 (2021) to 1.20 "
        "(2022) (ratio of ratios 0.63, 95% CI 0.50 to 0.80); the change is unlikely to be "
        "chance, adjusted p = 0.003.",
        "For gender = X against M, the ratio of selection rates rose from 1.10 (2021) to 1.30 "
        "(2022) (ratio of ratios 1.18, 95% CI 0.90 to 1.50); the change could be chance, "
        "adjusted p = 0.400.",
        "For gender = Z against M, the ratio of selection rates was 1.20 in both 2021 and 2022 "
        "(ratio of ratios 0.63, 95% CI 0.50 to 0.80); the change could be chance, adjusted "
        "p = 0.900.",
    ]
    # at a 99% level, p = 0.003 is "could be chance"
    assert "could be chance" in change_sentences(changes, confidence=0.999)[0]


@pytest.fixture(scope="module")
def by_year():
    rng = np.random.default_rng(3)
    n = 1200
    df = pd.DataFrame(
        {
            "year": rng.choice(["2021", "2022"], n),
            "sex": rng.choice(["F", "M"], n),
        }
    )
    p = np.where((df["sex"] == "F") & (df["year"] == "2021"), 0.3, 0.15)
    df["flag"] = (rng.random(n) < p).astype(int)
    return biasaudit.audit(
        df, roles={"flagged": "flag", "period": "year"}, groups="sex", reference={"sex": "M"}
    )


def test_plot_trend_and_the_pooled_charts(by_year):
    fig = by_year.plot("trend", "sex")
    assert fig.get_suptitle().startswith("Selection rate ratio to M by sex, 2021 to 2022: F")
    pooled = by_year.table[
        (by_year.table["dataset"] == "(all periods)")
        & (by_year.table["group"] == "F")
        & (by_year.table["metric"] == "selection_rate")
    ]
    title = by_year.plot("disparity", "sex").get_suptitle()
    assert f"F {pooled['ratio'].iloc[0]:.2f} times as high as M" in title
    with pytest.raises(ValueError, match="kind='trend' needs an attribute"):
        by_year.plot("trend")


def test_plot_trend_needs_periods():
    df = pd.DataFrame({"sex": ["F", "M"] * 10, "flag": [1, 0, 0, 0] * 5})
    r = biasaudit.audit(df, roles={"flagged": "flag"}, groups="sex", min_cell=0)
    with pytest.raises(ValueError, match="kind='trend' needs periods"):
        r.plot("trend", "sex")


def test_section_is_empty_without_periods(tmp_path):
    df = pd.DataFrame({"sex": ["F", "M"] * 10, "flag": [1, 0, 0, 0] * 5})
    r = biasaudit.audit(df, roles={"flagged": "flag"}, groups="sex", min_cell=0)
    assert change_section(r, lambda chart: figure(chart, tmp_path, False)) == ""
    assert r.published_changes().empty


def test_section_shows_the_published_changes(by_year, tmp_path):
    html = change_section(by_year, lambda chart: figure(chart, tmp_path, False))
    assert html.startswith('<section id="change"><h2>Did it change?</h2>')
    assert "Periods (year): 2021, 2022" in html
    row = by_year.published_changes().query("group == 'F'").iloc[0]
    assert f"{row['ratio_from']:.2f}" in html and f"{row['ratio_to']:.2f}" in html
    assert (tmp_path / "trend-sex-selection_rate.svg").is_file()
    assert math.isfinite(row["p_adjusted"])
