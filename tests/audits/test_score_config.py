"""[scores] and [regression] in a configuration file, run from the command line as a
user would: ProPublica's COMPAS regression reproduced through `biasaudit audit`, the
output folder's tables/, and the configuration errors."""

from __future__ import annotations

import textwrap

import narwhals as nw
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from biasaudit._exceptions import ConfigError
from biasaudit.audits._config import load_config
from biasaudit.cli import main
from biasaudit.disclosure import mark_terms, publish
from biasaudit.stats._regression import fit_adjusted
from conftest import COMPAS

CONFIG = """
[data]
path = "filtered.csv"
[roles]
id = "id"
score = "decile_score"
outcome = "two_year_recid"
[threshold]
score_at_least = 5
[groups]
attributes = ["race", "sex", "age_cat"]
reference = {{ race = "Caucasian", sex = "Male", age_cat = "25 - 45" }}
[scores]
sweep = "score"
points = [3, 5, 8]
{regression}
[output]
dir = "out"
"""
REGRESSION = """
[regression]
decision = "score_text"
positive = ["Medium", "High"]
covariates = ["priors_count", "c_charge_degree", "two_year_recid"]
numeric = ["priors_count", "two_year_recid"]
label = "a higher score"
"""


@pytest.fixture(scope="module")
def compas_run(tmp_path_factory):
    """ProPublica's regression sample (6,172 rows, filter in ../shared/datasets/compas)."""
    folder = tmp_path_factory.mktemp("compas")
    df = pd.read_csv(COMPAS)
    keep = (
        df["days_b_screening_arrest"].between(-30, 30)
        & (df["is_recid"] != -1)
        & (df["c_charge_degree"] != "O")
        & (df["score_text"] != "N/A")
    )
    df[keep].to_csv(folder / "filtered.csv", index=False)
    (folder / "audit.toml").write_text(CONFIG.format(regression=REGRESSION))
    assert main(["audit", str(folder / "audit.toml")]) == 0
    return folder, df[keep]


def test_cli_reproduces_propublica_regression(compas_run, capsys):
    folder, _ = compas_run
    table = pd.read_csv(folder / "out" / "tables" / "adjusted-disparity.csv")
    row = table[(table["variable"] == "race") & (table["level"] == "African-American")].iloc[0]
    # ProPublica, "Compas Analysis.ipynb": coefficient 0.47721, intercept -1.52554, RR 1.4528
    assert row["coefficient"] == pytest.approx(0.47721, abs=5e-6)
    assert row["relative_risk"] == pytest.approx(1.4528, abs=5e-5)
    intercept = table[table["variable"] == "(intercept)"].iloc[0]
    assert intercept["coefficient"] == pytest.approx(-1.52554, abs=5e-6)


def test_cli_writes_every_score_table_without_identifying_columns(compas_run):
    folder, rows = compas_run
    written = sorted(p.name for p in (folder / "out" / "tables").iterdir())
    assert written == [
        "adjusted-disparity.csv",
        "scores-auc.csv",
        "scores-calibration-gap.csv",
        "scores-calibration.csv",
        "scores-deciles.csv",
        "scores-distribution.csv",
        "scores-excess.csv",
        "scores-quantiles.csv",
        "scores-sweep.csv",
        "scores-what-if.csv",
    ]
    everything = "".join(p.read_text() for p in (folder / "out" / "tables").iterdir())
    for name in rows["name"].head(50):  # no raw record reaches a table
        assert name not in everything
    auc = pd.read_csv(folder / "out" / "tables" / "scores-auc.csv")
    black = rows[rows["race"] == "African-American"]
    got = auc[(auc["attribute"] == "race") & (auc["group"] == "African-American")]
    assert got["auc"].iloc[0] == pytest.approx(
        roc_auc_score(black["two_year_recid"], black["decile_score"]), abs=1e-12
    )


def test_cli_sweep_points_and_distribution_match_the_rows(compas_run):
    folder, rows = compas_run
    sweep = pd.read_csv(folder / "out" / "tables" / "scores-sweep.csv")
    assert sorted(set(sweep["threshold"])) == [3, 5, 8]
    at5 = sweep[
        (sweep["threshold"] == 5)
        & (sweep["metric"] == "selection_rate")
        & (sweep["group"] == "African-American")
    ].iloc[0]
    black = rows[rows["race"] == "African-American"]
    assert at5["numerator"] == int((black["decile_score"] >= 5).sum())
    dist = pd.read_csv(folder / "out" / "tables" / "scores-distribution.csv")
    white = rows[rows["race"] == "Caucasian"]["decile_score"]
    got = dist[(dist["attribute"] == "race") & (dist["group"] == "African-American")].iloc[0]
    ks = stats.ks_2samp(black["decile_score"], white, method="asymp")
    assert got["ks_statistic"] == pytest.approx(ks.statistic, abs=1e-12)
    assert got["median"] == np.quantile(black["decile_score"], 0.5, method="inverted_cdf")


def _config(tmp_path, extra: str) -> str:
    (tmp_path / "d.csv").write_text("g,s,y\na,1,0\nb,2,1\n")
    path = tmp_path / "a.toml"
    path.write_text(
        textwrap.dedent(
            """
            [data]
            path = "d.csv"
            [roles]
            score = "s"
            outcome = "y"
            [threshold]
            score_at_least = 2
            [groups]
            attributes = ["g"]
            """
        )
        + extra
    )
    return str(path)


def test_every_scores_and_regression_problem_in_one_error(tmp_path):
    path = _config(
        tmp_path,
        '[scores]\nsweep = "quantile"\ncalibration_bins = 1\nequalise = "fairness"\n'
        'swep = 1\n[regression]\nnumeric = ["age"]\n',
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert "scores.swep: unknown key (did you mean 'sweep'?)" in text
    assert "scores.sweep: expected one of top_fraction, score, top_k; got 'quantile'" in text
    assert "scores.calibration_bins: expected a whole number from 2 to 50; got 1" in text
    assert "scores.equalise: expected one of selection_rate" in text
    assert "regression.numeric: 'age' is not a covariate; list it in covariates too" in text
    assert "regression.decision: name the column modelled" in text


def test_scores_section_is_for_records_only(tmp_path):
    (tmp_path / "t.csv").write_text("group,n,flagged\na,10,2\n")
    (tmp_path / "a.toml").write_text(
        '[data]\npath = "t.csv"\nkind = "counts"\n[groups]\nattributes = ["g"]\n'
        '[scores]\nsweep = "score"\n'
    )
    with pytest.raises(ConfigError, match=r"\[scores\]: only used with \[data\] kind = 'records'"):
        load_config(tmp_path / "a.toml")


def test_bad_scores_config_exits_2_and_writes_nothing(tmp_path, capsys):
    path = _config(tmp_path, '[scores]\nsweep = "top_k"\n')
    assert main(["audit", path, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "scores.points: sweep = 'top_k' needs the numbers to flag" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_regression_terms_of_few_people_are_blanked_when_published(compas_run):
    folder, rows = compas_run
    table = pd.read_csv(folder / "out" / "tables" / "adjusted-disparity.csv")
    sizes = rows["race"].value_counts()
    assert sizes["Native American"] == 11 and sizes["Asian"] == 31  # min_cell is 10
    # 11 people and more are published: the published table keeps their coefficients
    native = table[table["level"] == "Native American"].iloc[0]
    assert native["people"] == 11 and np.isfinite(native["coefficient"])
    fit = fit_adjusted(  # a stricter threshold blanks them
        nw.from_native(rows),
        decision="score_text",
        positive=["Medium", "High"],
        groups=["race"],
        reference={"race": "Caucasian"},
    )
    strict = publish(mark_terms(fit.table, fit.rows_used, 20), "terms").set_index("level")
    assert strict.loc["Native American", ["coefficient", "odds_ratio"]].isna().all()
    assert (
        strict.loc["Asian", "coefficient"]
        == fit.table.set_index("level").loc["Asian", "coefficient"]
    )
