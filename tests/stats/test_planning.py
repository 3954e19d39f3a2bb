"""The random-audit sample planner (issue 18) against independent oracles.

* exact power: every pair of counts the two samples could give, enumerated, with the
  audit's test written out here from scipy (Fisher's exact test where an expected cell
  is below 5, else Pearson's chi-square without continuity correction);
* large samples: the textbook pooled-variance formula for two proportions, by hand,
  and statsmodels' power solver (arcsine effect size);
* interval width: statsmodels' Wilson interval averaged over scipy's binomial pmf.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_confint, proportion_effectsize

import biasaudit
from biasaudit import ConfigError
from biasaudit.stats import PLAN_COLUMNS, plan_sample


def audit_test_rejects(x1: int, n1: int, x2: int, n2: int, alpha: float) -> bool:
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    if table[:, 0].sum() == 0 or table[:, 1].sum() == 0:
        return False  # everyone alike: no evidence either way
    expected = table.sum(axis=1)[:, None] * table.sum(axis=0)[None, :] / table.sum()
    if (expected < 5).any():
        p = stats.fisher_exact(table).pvalue
    else:
        p = stats.chi2_contingency(table, correction=False).pvalue
    return p <= alpha


def enumerated_power(p1: float, p2: float, n1: int, n2: int, alpha: float = 0.05) -> float:
    b1, b2 = stats.binom.pmf(np.arange(n1 + 1), n1, p1), stats.binom.pmf(np.arange(n2 + 1), n2, p2)
    return sum(
        b1[x1] * b2[x2]
        for x1 in range(n1 + 1)
        for x2 in range(n2 + 1)
        if b1[x1] * b2[x2] > 1e-15 and audit_test_rejects(x1, n1, x2, n2, alpha)
    )


def wilson_width(n: int, p: float, confidence: float = 0.95) -> float:
    k = np.arange(n + 1)
    lo, hi = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    return float(np.sum(stats.binom.pmf(k, n, p) * (hi - lo)))


def row(plan: pd.DataFrame, group: str) -> pd.Series:
    return plan[plan["group"] == group].iloc[0]


@pytest.mark.parametrize(
    ("p_ref", "ratio"),
    [(0.3, 2.0), (0.05, 4.0)],  # chi-square mostly; Fisher mostly (rare outcome)
)
def test_ratio_plan_is_the_smallest_n_with_exact_power(p_ref, ratio):
    plan = plan_sample({"ref": 50_000, "g": 20_000}, p_ref, reference="ref", ratio=ratio)
    n = int(row(plan, "g")["sample"])
    assert row(plan, "ref")["sample"] == n
    reached = enumerated_power(ratio * p_ref, p_ref, n, n)
    assert reached >= 0.8
    assert enumerated_power(ratio * p_ref, p_ref, n - 1, n - 1) < 0.8
    assert row(plan, "g")["power"] == pytest.approx(reached, abs=1e-9)
    assert row(plan, "g")["power_method"] == "exact"


def test_large_samples_match_the_textbook_formula_and_statsmodels():
    p2, ratio = 0.05, 1.25
    p1 = p2 * ratio
    plan = plan_sample({"A": 500_000, "B": 60_000}, p2, reference="A", ratio=ratio)
    n = int(row(plan, "B")["sample"])
    za, zb = stats.norm.isf(0.025), stats.norm.isf(0.2)
    bar = (p1 + p2) / 2
    by_hand = za * math.sqrt(2 * bar * (1 - bar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    by_hand = by_hand**2 / (p1 - p2) ** 2
    assert abs(n - by_hand) <= 1.5
    solver = NormalIndPower().solve_power(
        proportion_effectsize(p1, p2), alpha=0.05, power=0.8, ratio=1.0
    )
    assert n == pytest.approx(solver, rel=0.03)
    assert row(plan, "B")["power_method"] == "normal approximation"


def test_width_plan_is_the_smallest_n_with_that_expected_wilson_width():
    plan = plan_sample({"A": 5_000, "B": 3_000}, {"A": 0.1, "B": 0.3}, width=0.1)
    for group, p in (("A", 0.1), ("B", 0.3)):
        n = int(row(plan, group)["sample"])
        assert wilson_width(n, p) <= 0.1 < wilson_width(n - 1, p)
        assert row(plan, group)["expected_width"] == pytest.approx(wilson_width(n, p), abs=1e-9)
    assert row(plan, "(total)")["sample"] == plan["sample"].iloc[:2].sum()
    assert list(plan.columns) == list(PLAN_COLUMNS)


def test_a_group_smaller_than_the_sample_needed_is_investigated_whole():
    plan = plan_sample({"A": 100_000, "B": 40}, 0.05, reference="A", ratio=1.5)
    b = row(plan, "B")
    assert b["sample"] == 40
    assert "investigate everyone; the target is not reached" in b["note"]
    assert b["power"] < 0.8


def test_every_problem_in_one_error():
    with pytest.raises(ConfigError) as err:
        plan_sample({"A": 0, "B": 2.5}, 1.5, reference="C", ratio=0.9, width=2, power=1.2, alpha=0)
    text = str(err.value)
    for needle in (
        "group 'A': population",
        "group 'B': population",
        "expected_rate must be a share",
        "ratio must be above 1",
        "width must be between 0 and 1",
        "power must be between 0 and 1",
        "alpha must be between 0 and 1",
        "reference 'C' is not one of the groups",
    ):
        assert needle in text
    with pytest.raises(ConfigError, match="give a target"):
        plan_sample({"A": 10, "B": 10}, 0.1)


def test_top_level_name():
    assert biasaudit.plan_sample is plan_sample


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "biasaudit.cli", "plan", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_cli_prints_and_writes_the_plan(tmp_path: Path):
    groups = tmp_path / "groups.csv"
    groups.write_text("group,population,expected_rate\nDutch,100000,0.1\nTurkish,8000,\n")
    out = tmp_path / "plan" / "plan.csv"
    done = cli(str(groups), "--rate", "0.1", "--ratio", "2", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Investigate 392 people chosen at random" in done.stdout
    written = pd.read_csv(out)
    assert written["sample"].tolist() == [196, 196, 392]
    assert written.loc[1, "power"] == pytest.approx(enumerated_power(0.2, 0.1, 196, 196), abs=1e-9)


def test_cli_bad_input_exit_2_every_problem_nothing_written(tmp_path: Path):
    out = tmp_path / "plan.csv"
    done = cli("Dutch=many", "Turkish=800:2", "--ratio", "0.5", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "argument 1 ('Dutch=many')" in done.stderr
    assert "ratio must be above 1" in done.stderr
    assert not out.exists()
    done = cli("Dutch=1000", "Turkish=800", "--ratio", "2", cwd=tmp_path)  # no rate
    assert done.returncode == 2 and "give --rate or a rate per group" in done.stderr
