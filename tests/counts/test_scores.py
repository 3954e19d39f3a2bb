"""Score histograms per group and the quantiles read off them, checked against numpy
on the raw rows; the score chart and its place in the report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import biasaudit
from biasaudit.report._charts import score_chart


def _records(seed: int, *, discrete: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 3000
    g = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.4, 0.1])
    score = rng.beta(2, 5, size=n) + 0.15 * (g == "b")
    if discrete:
        score = np.ceil(score * 10).clip(1, 10)  # risk deciles 1..10
    df = pd.DataFrame({"g": g, "score": score, "flag": (score > np.quantile(score, 0.8))})
    df["flag"] = df["flag"].astype(int)
    return df


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("discrete", [True, False])
def test_quantiles_agree_with_numpy_on_the_rows(seed, discrete):
    df = _records(seed, discrete=discrete)
    r = biasaudit.audit(df, roles={"flagged": "flag", "score": "score"}, groups=["g"])
    assert r.scores is not None and r.scores.exact == discrete
    q = r.scores.quantiles().set_index(["attribute", "group"])
    width = (df["score"].max() - df["score"].min()) / 200
    for group, part in df.groupby("g"):
        row = q.loc[("g", group)]
        assert row["n"] == len(part)
        for p in (0.05, 0.25, 0.5, 0.75, 0.95):
            want = np.quantile(part["score"], p, method="inverted_cdf")
            got = row[f"q{round(p * 100)}"]
            if discrete:
                assert got == want  # exact: every distinct score is its own bin
            else:
                assert abs(got - want) <= width + 1e-12
    everyone = q.loc[("(overall)", "(all)")]
    assert everyone["n"] == len(df)


def test_same_histograms_on_every_engine(tmp_path):
    df = _records(4, discrete=False)
    df.loc[5, "g"] = None
    df.loc[7, "score"] = np.nan
    df.to_parquet(tmp_path / "r.parquet")
    roles = {"flagged": "flag", "score": "score"}
    tables = [
        biasaudit.audit(tmp_path / "r.parquet", roles=roles, groups=["g"], engine=e).scores.table
        for e in ("pandas", "polars", "duckdb")
    ]
    for t in tables[1:]:
        pd.testing.assert_frame_equal(t, tables[0])
    t = tables[0]
    assert t["count"].sum() == 2 * (len(df) - 1)  # overall + g; the missing score is out
    assert "(missing)" in set(t["group"])
    dropped = biasaudit.audit(df, roles=roles, groups=["g"], missing="drop").scores.table
    assert "(missing)" not in set(dropped["group"])


def test_score_chart_leaves_out_small_groups():
    df = _records(0, discrete=True)
    r = biasaudit.audit(df, roles={"flagged": "flag", "score": "score"}, groups=["g"])
    q = r.scores.quantiles()
    n_c = int(q.set_index("group").loc["c", "n"])
    chart = score_chart(q, "g", min_people=n_c + 1)
    ax = chart.figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert any("too few people to show: c" in t.get_text() for t in ax.texts)
    assert "c:" not in chart.alt and "Median" in chart.title
    # the medians drawn are the quantile table's
    markers = [line.get_xdata()[0] for line in ax.lines if line.get_marker() not in (None, "None")]
    assert markers == list(q.set_index("group").loc[["a", "b"], "q50"])


@pytest.mark.slow
def test_demo_report_has_score_charts(tmp_path):
    from biasaudit.cli import main

    assert main(["demo", "--out", str(tmp_path / "d")]) == 0
    assert (tmp_path / "d" / "charts" / "scores-gender.svg").exists()
    text = (tmp_path / "d" / "report.html").read_text(encoding="utf-8")
    assert "Median risk_score by gender" in text


def test_plot_scores_in_a_notebook():
    df = _records(1, discrete=False)
    r = biasaudit.audit(df, roles={"flagged": "flag", "score": "score"}, groups=["g"])
    fig = r.plot("scores", "g")
    assert fig.get_suptitle().startswith("Median score by g")
    plain = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["g"])
    with pytest.raises(ValueError, match="needs roles.score"):
        plain.plot("scores", "g")
