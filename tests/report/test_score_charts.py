"""Score charts and the forest plot: the figure objects, not pixels.

What each chart draws is checked against numbers computed here from the records, not
read back from the code under test: decile shares from numpy's inverted-CDF quantiles,
shares at or above a cut by counting, calibration rates by counting with statsmodels'
Wilson interval, selection-rate ratios by counting at each threshold, and the forest
plot's odds ratios from statsmodels' Logit fitted to the rows. Also: suppressed rows are
never drawn, the audit's cut-off is marked, files are byte-identical and no figure is
left open."""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.proportion import proportion_confint

import biasaudit
from biasaudit.disclosure import mark_terms
from biasaudit.report._charts import save_chart
from biasaudit.report._score_charts import (
    adjusted_chart,
    calibration_chart,
    decile_chart,
    excess_chart,
    threshold_chart,
)
from score_records import class_records


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return class_records()


def _audit(records: pd.DataFrame, min_cell: int):
    return biasaudit.audit(
        records,
        min_cell=min_cell,
        roles={"score": "score", "outcome": "y"},
        threshold={"score_at_least": 5},
        groups=["g"],
        reference={"g": "A"},
        scores={"sweep": "score", "points": [3, 5, 8]},
    )


@pytest.fixture(scope="module")
def result(records):
    """Disclosure control off: every number is drawn and checked against the records."""
    return _audit(records, 0)


@pytest.fixture(scope="module")
def tiny():
    """A group of 4 people, and disclosure control on (min_cell 10)."""
    return _audit(class_records(tiny=True), 10)


def _lines(fig, gid):
    return {
        line.get_label(): line for ax in fig.axes for line in ax.lines if line.get_gid() == gid
    }


def _suppressed_groups(table: pd.DataFrame) -> set[str]:
    rows = table[(table["attribute"] == "g") & table["suppressed"].astype(bool)]
    return set(rows["group"])


def test_decile_lines_are_each_groups_share_per_decile_of_everyone(result, records):
    table = result.score_analysis.published("deciles")
    chart = decile_chart(table, "g", score_name="score")
    # deciles of everyone, by the inverted CDF: decile k holds scores in (q(k-1), q(k)]
    edges = np.quantile(records["score"], np.arange(1, 11) / 10, method="inverted_cdf")
    decile = np.searchsorted(edges, records["score"], side="left") + 1
    lines = _lines(chart.figure, "group-share")
    assert set(lines) == {"A", "B", "C"}
    for g, line in lines.items():
        mine = decile[(records["g"] == g).to_numpy()]
        assert list(line.get_xdata()) == list(range(1, 11))
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True):
            assert y == pytest.approx(np.mean(mine == x), abs=1e-12)
    # everyone's share of each decile as the grey bars
    bars = [p for p in chart.figure.axes[0].patches if p.get_gid() == "everyone"]
    for bar in bars:
        d = round(bar.get_x() + bar.get_width() / 2)
        assert bar.get_height() == pytest.approx(np.mean(decile == d), abs=1e-12)


def test_excess_bars_are_share_above_cut_minus_everyones_with_whiskers(result, records):
    table = result.score_analysis.published("excess")
    chart = excess_chart(table, "g", score_name="score")
    axes = chart.figure.axes
    cuts = list(table["cut"].drop_duplicates())
    assert len(axes) == len(cuts) == 2  # the top decile and the audit's cut-off
    groups = list(table.loc[table["attribute"] == "g", "group"].drop_duplicates())
    for ax, cut in zip(axes, cuts, strict=True):
        rows = table[(table["cut"] == cut) & (table["attribute"] == "g")].set_index("group")
        threshold = float(rows["threshold"].iloc[0])
        everyone = np.mean(records["score"] >= threshold)
        bars = [p for p in ax.patches if p.get_gid() == "bar"]
        drawn = {groups[round(b.get_y() + b.get_height() / 2)]: b.get_width() for b in bars}
        shown = rows.index[~rows["suppressed"].astype(bool)]
        assert set(drawn) == set(shown) == {"A", "B", "C"}
        for g, width in drawn.items():
            mine = records.loc[records["g"] == g, "score"] >= threshold
            assert width == pytest.approx(mine.mean() - everyone, abs=1e-12)
        [whiskers] = [c for c in ax.collections if c.get_gid() == "whiskers"]
        for segment in whiskers.get_segments():
            (lo, y), (hi, _) = segment
            g = groups[round(y)]
            assert (lo, hi) == pytest.approx(
                (rows.loc[g, "excess_ci_low"], rows.loc[g, "excess_ci_high"])
            )
    assert [line.get_xdata()[0] for line in axes[0].lines if line.get_gid() == "zero-line"] == [0]


def test_calibration_points_are_observed_rates_with_wilson_whiskers(result, records):
    analysis = result.score_analysis
    table = analysis.published("calibration")
    chart = calibration_chart(table, "g", gap=analysis.published("calibration_gap"))
    lines = _lines(chart.figure, "calibration")
    assert set(lines) == {"A", "B", "C"}
    whiskers = [c for c in chart.figure.axes[0].collections if c.get_gid() == "whiskers"]
    spans = {
        (round(s[0][0], 9), round(s[0][1], 9)): s[1][1] for c in whiskers for s in c.get_segments()
    }
    for g, line in lines.items():
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True):
            # the bin's people: integer scores, so a bin of one score holds just it
            people = records[(records["g"] == g) & (records["score"] == x)]
            k, n = int(people["y"].sum()), len(people)
            assert x == pytest.approx(people["score"].mean())
            assert y == pytest.approx(k / n)
            lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
            assert spans[(round(x, 9), round(lo, 9))] == pytest.approx(hi)
    shown = table[(table["attribute"] == "g") & ~table["suppressed"].astype(bool)]
    assert sum(len(line.get_xdata()) for line in lines.values()) == len(shown)


def test_threshold_chart_ratios_and_the_cutoff_line(result, records):
    sweep = result.score_analysis.published("sweep")
    chart = threshold_chart(sweep, "g", cutoff=result.score_analysis.cutoff)
    ratio_panel = chart.figure.axes[0]
    lines = {ln.get_label(): ln for ln in ratio_panel.lines if ln.get_gid() == "ratio"}
    assert set(lines) == {"B", "C"}  # A is the reference: the line at 1
    ref = records[records["g"] == "A"]
    for g, line in lines.items():
        mine = records[records["g"] == g]
        for t, r in zip(line.get_xdata(), line.get_ydata(), strict=True):
            expected = (mine["score"] >= t).mean() / (ref["score"] >= t).mean()
            assert r == pytest.approx(expected, rel=1e-12)
    cutoffs = [ln for ax in chart.figure.axes for ln in ax.lines if ln.get_gid() == "cutoff"]
    assert cutoffs and all(list(ln.get_xdata()) == [5.0, 5.0] for ln in cutoffs)
    labels = [t.get_text() for t in ratio_panel.texts if t.get_gid() == "cutoff-label"]
    assert labels == ["audit's cut-off: score ≥ 5"]
    # the outcome is known for everyone: the false positive rate is the second panel
    assert "False positive rate" in chart.figure.axes[1].get_title(loc="left")


def test_a_ratio_to_a_suppressed_reference_is_not_drawn():
    sweep = pd.DataFrame(
        {
            "attribute": "g",
            "group": ["A", "B", "A", "B"],
            "threshold": [1.0, 1.0, 2.0, 2.0],
            "flagged_share": [0.5, 0.5, 0.2, 0.2],
            "metric": "selection_rate",
            "value": [np.nan, 0.4, 0.1, 0.3],
            "ratio": [np.nan, 2.0, 1.0, 3.0],
            "reference_group": "A",
            "suppressed": [True, False, False, False],
        }
    )
    chart = threshold_chart(sweep, "g")
    [line] = [ln for ln in chart.figure.axes[0].lines if ln.get_gid() == "ratio"]
    # B's ratio at 1.0 would give A's withheld rate away (0.4 / 2.0)
    assert list(line.get_xdata()) == [2.0] and list(line.get_ydata()) == [3.0]


def test_forest_plot_points_are_odds_ratios_from_a_logit_fit(records, tmp_path):
    df = records.copy()
    df["high"] = (df["score"] >= 6).astype(int)
    df["older"] = np.arange(len(df)) % 3  # a numeric covariate
    fit = biasaudit.adjusted_disparity(
        df,
        decision="high",
        positive=[1],
        groups=["g"],
        covariates=["older"],
        numeric=["older"],
        reference={"g": "A"},
    )
    chart = adjusted_chart(fit, groups=["g"])
    exog = sm.add_constant(
        pd.DataFrame(
            {
                "B": (df["g"] == "B").astype(float),
                "C": (df["g"] == "C").astype(float),
                "older": df["older"].astype(float),
            }
        )
    )
    logit = sm.Logit(df["high"].astype(float), exog).fit(disp=0)
    expected = np.exp(logit.params[["B", "C", "older"]].to_numpy())
    odds_panel = chart.figure.axes[0]
    points = [ln for ln in odds_panel.lines if ln.get_gid() == "point"]
    got = {round(ln.get_ydata()[0]): ln.get_xdata()[0] for ln in points}
    assert [got[i] for i in range(3)] == pytest.approx(expected, rel=1e-6)
    ci = np.exp(logit.conf_int().loc[["B", "C", "older"]].to_numpy())
    [whiskers] = [c for c in odds_panel.collections if c.get_gid() == "whiskers"]
    for (lo, y), (hi, _) in whiskers.get_segments():
        assert (lo, hi) == pytest.approx(tuple(ci[round(y)]), rel=1e-5)
    assert [ln.get_xdata()[0] for ln in odds_panel.lines if ln.get_gid() == "reference-line"] == [
        1.0
    ]
    assert odds_panel.get_xscale() == "log"
    assert "(covariate)" in [t.get_text() for t in odds_panel.get_yticklabels()][2]


def test_forest_plot_leaves_out_terms_of_small_levels():
    df = class_records(tiny=True)
    df["high"] = (df["score"] >= 6).astype(int)
    fit = biasaudit.adjusted_disparity(
        df, decision="high", positive=[1], groups=["g"], reference={"g": "A"}
    )
    fit = dataclasses.replace(fit, table=mark_terms(fit.table, fit.rows_used, 10))
    chart = adjusted_chart(fit, groups=["g"])
    labels = [t.get_text() for t in chart.figure.axes[0].get_yticklabels()]
    points = [ln for ln in chart.figure.axes[0].lines if ln.get_gid() == "point"]
    tiny = [i for i, label in enumerate(labels) if "tiny" in label]
    assert tiny and all(round(ln.get_ydata()[0]) not in tiny for ln in points)
    assert "suppressed" in chart.alt


def test_suppressed_rows_are_never_drawn_and_the_charts_say_so(tiny):
    analysis = tiny.score_analysis
    deciles = analysis.published("deciles")
    hidden = deciles[deciles["suppressed"].astype(bool)]
    assert "tiny" in set(hidden["group"])
    chart = decile_chart(deciles, "g")
    for g, line in _lines(chart.figure, "group-share").items():
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True):
            cell = deciles[(deciles["group"] == g) & (deciles["decile"] == x)].iloc[0]
            assert np.isnan(y) if cell["suppressed"] else y == cell["group_share"]
    assert "suppressed" in chart.alt.lower()

    excess = analysis.published("excess")
    chart = excess_chart(excess, "g")
    groups = list(excess["group"].drop_duplicates())
    for ax, cut in zip(chart.figure.axes, excess["cut"].drop_duplicates(), strict=True):
        rows = excess[excess["cut"] == cut].set_index("group")
        drawn = {groups[round(p.get_y() + p.get_height() / 2)] for p in ax.patches}
        assert drawn == set(rows.index[~rows["suppressed"].astype(bool)])
        said = [t.get_text() for t in ax.texts if t.get_text() == "suppressed"]
        assert len(said) == int(rows["suppressed"].sum())

    calibration = analysis.published("calibration")
    chart = calibration_chart(calibration, "g")
    lines = _lines(chart.figure, "calibration")
    for g, line in lines.items():
        mine = calibration[(calibration["group"] == g) & ~calibration["suppressed"].astype(bool)]
        assert list(line.get_ydata()) == pytest.approx(list(mine["observed"].dropna()))
    assert "tiny" not in lines

    sweep = analysis.published("sweep")
    chart = threshold_chart(sweep, "g", cutoff=5.0)
    lines = {ln.get_label() for ln in chart.figure.axes[0].lines if ln.get_gid() == "ratio"}
    assert "tiny" not in lines
    assert "suppressed" in chart.alt


def test_titles_state_the_finding_in_house_words(result):
    analysis = result.score_analysis
    charts = [
        decile_chart(analysis.published("deciles"), "g"),
        excess_chart(analysis.published("excess"), "g"),
        calibration_chart(analysis.published("calibration"), "g"),
        threshold_chart(analysis.published("sweep"), "g", cutoff=5.0),
    ]
    for chart in charts:
        words = (chart.title + " " + chart.alt).lower()
        assert " fair" not in words and "unbiased" not in words
        assert chart.alt.startswith(chart.title)
    assert "flagged" in charts[3].title


def test_charts_of_blank_groups_do_not_crash():
    deciles = pd.DataFrame(
        {
            "attribute": "g",
            "group": ["A", "B"],
            "decile": [10, 10],
            "group_share": [np.nan, np.nan],
            "overall_share": [0.1, 0.1],
            "suppressed": [True, True],
        }
    )
    assert "no group can be shown" in decile_chart(deciles, "g").title
    excess = pd.DataFrame(
        {
            "attribute": "g",
            "group": ["A"],
            "cut": "top decile",
            "threshold": np.nan,
            "share": [pd.NA],
            "overall_share": [0.1],
            "excess": [pd.NA],
            "excess_ci_low": [pd.NA],
            "excess_ci_high": [pd.NA],
            "suppressed": [True],
        }
    )
    assert "no group can be shown" in excess_chart(excess, "g").title
    with pytest.raises(ValueError, match="available: 'g'"):
        excess_chart(excess, "nope")
    with pytest.raises(ValueError, match="lacks the columns"):
        excess_chart(excess.drop(columns="excess"), "g")


def test_svg_files_are_identical_on_rerun_and_no_figure_is_left_open(result, tmp_path):
    analysis = result.score_analysis
    before = plt.get_fignums()

    def draw(folder):
        charts = [
            decile_chart(analysis.published("deciles"), "g"),
            excess_chart(analysis.published("excess"), "g"),
            calibration_chart(analysis.published("calibration"), "g"),
            threshold_chart(analysis.published("sweep"), "g", cutoff=5.0),
        ]
        return [save_chart(c, folder)[0].read_bytes() for c in charts]

    assert draw(tmp_path / "a") == draw(tmp_path / "b")
    assert plt.get_fignums() == before == []


def test_audit_result_plot_gives_each_score_kind(result, records):
    for kind in ("deciles", "excess", "calibration", "thresholds"):
        assert result.plot(kind, "g").axes
    with pytest.raises(ValueError, match="needs regression"):
        result.plot("adjusted")
    plain = biasaudit.audit(records, roles={"flagged": "y"}, groups=["g"])
    with pytest.raises(ValueError, match="needs roles.score"):
        plain.plot("deciles", "g")
    df = records.assign(high=(records["score"] >= 6).astype(int))
    fitted = biasaudit.audit(
        df,
        roles={"score": "score", "outcome": "y"},
        threshold={"score_at_least": 5},
        groups=["g"],
        reference={"g": "A"},
        regression={"decision": "high", "positive": [1]},
    )
    assert fitted.plot("adjusted").axes
    assert fitted.plot("adjusted", "g").axes
    with pytest.raises(ValueError, match="No term of the model"):
        fitted.plot("adjusted", "nope")
    with pytest.raises(ValueError, match="needs an attribute"):
        fitted.plot("deciles")
