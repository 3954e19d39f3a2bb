"""The change table from per-period results (issue 18, question 3).

Oracles: statsmodels' Newcombe interval for the difference of two independent rates,
statsmodels' binomial log-link GLM for the ratio of ratios, statsmodels' Holm
adjustment, and Kish's effective sample size written out by hand.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.genmod.families import Binomial
from statsmodels.genmod.families.links import Log
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

import biasaudit
from biasaudit import UndefinedRateWarning
from biasaudit.metrics import CHANGE_COLUMNS, change_table


def people(flagged: dict[str, tuple[int, int]], **extra) -> pd.DataFrame:
    """Rows per group: ``{group: (flagged, n)}``; outcome known for everyone (the first
    third of each group's flagged and of its unflagged committed fraud)."""
    rows = []
    for g, (k, n) in flagged.items():
        for i in range(n):
            flag = i < k
            fraud = (i < k // 3) if flag else (i - k < (n - k) // 3)
            rows.append({"sex": g, "flag": int(flag), "fraud": int(fraud), **extra})
    return pd.DataFrame(rows)


def run(df: pd.DataFrame, **kw):
    return biasaudit.audit(
        df,
        roles={"flagged": "flag", "outcome": "fraud"},
        groups="sex",
        reference={"sex": "M"},
        metrics=["selection_rate", "false_positive_rate"],
        min_cell=0,
        **kw,
    )


@pytest.fixture(scope="module")
def two():
    a = run(people({"F": (60, 200), "M": (40, 300)}))
    b = run(people({"F": (45, 220), "M": (50, 310)}))
    return a, b, change_table([("2021", a.table, a.counts), ("2022", b.table, b.counts)])


def test_columns_and_rows(two):
    _, _, t = two
    assert list(t.columns) == CHANGE_COLUMNS
    # everyone and both groups, for each tested metric (the headline metrics present)
    assert list(zip(t["attribute"], t["group"], t["metric"], strict=True)) == [
        ("(overall)", "(all)", "selection_rate"),
        ("(overall)", "(all)", "false_positive_rate"),
        ("sex", "F", "selection_rate"),
        ("sex", "M", "selection_rate"),
        ("sex", "F", "false_positive_rate"),
        ("sex", "M", "false_positive_rate"),
    ]
    assert set(t["period_from"]) == {"2021"} and set(t["period_to"]) == {"2022"}


def test_value_change_is_newcombe(two):
    _, _, t = two
    row = t[(t["group"] == "F") & (t["metric"] == "selection_rate")].iloc[0]
    assert row["value_from"] == pytest.approx(60 / 200)
    assert row["value_to"] == pytest.approx(45 / 220)
    assert row["value_change"] == pytest.approx(45 / 220 - 60 / 200)
    lo, hi = confint_proportions_2indep(45, 220, 60, 200, method="newcomb", compare="diff")
    assert (row["value_change_ci_low"], row["value_change_ci_high"]) == pytest.approx((lo, hi))


def test_ratio_change_is_the_glm_interaction(two):
    _, _, t = two
    # false positive rate: innocent flagged / innocent (people() makes 2/3 innocent)
    # F 2021: flagged 60 (20 fraud) -> FP 40; unflagged 140 (46 fraud) -> TN 94
    # M 2021: flagged 40 (13) -> FP 27; unflagged 260 (86) -> TN 174
    # F 2022: flagged 45 (15) -> FP 30; unflagged 175 (58) -> TN 117
    # M 2022: flagged 50 (16) -> FP 34; unflagged 260 (86) -> TN 174
    k = [40, 27, 30, 34]
    n = [40 + 94, 27 + 174, 30 + 117, 34 + 174]
    group = np.array([1, 0, 1, 0], float)
    later = np.array([0, 0, 1, 1], float)
    design = sm.add_constant(np.column_stack([group, later, group * later]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(
            np.column_stack([k, np.subtract(n, k)]), design, family=Binomial(link=Log())
        ).fit(tol=1e-12)
    row = t[(t["group"] == "F") & (t["metric"] == "false_positive_rate")].iloc[0]
    assert row["ratio_from"] == pytest.approx((40 / 134) / (27 / 201))
    assert row["ratio_change"] == pytest.approx(math.exp(fit.params[3]), rel=1e-9)
    low, high = np.exp(fit.conf_int()[3])
    assert (row["ratio_change_ci_low"], row["ratio_change_ci_high"]) == pytest.approx(
        (low, high), rel=1e-6
    )
    assert row["p_value"] == pytest.approx(fit.pvalues[3], rel=1e-6)
    assert row["test"] == "wald-log" and row["reference_group"] == "M"
    # the reference group and everyone: the rate's change only
    others = t[(t["group"] != "F")]
    assert others["ratio_change"].isna().all() and others["p_value"].isna().all()


def test_p_values_adjusted_across_the_change_table():
    rng = np.random.default_rng(4)
    parts = []
    for year in ("2021", "2022", "2023"):
        sizes = {g: (int(rng.integers(20, 80)), 200) for g in ("A", "B", "C", "M")}
        r = run(people(sizes))
        parts.append((year, r.table, r.counts))
    for method, name in (("holm", "holm"), ("fdr_bh", "fdr_bh")):
        t = change_table(parts, options=biasaudit.spec.StatsOptions(correction=method))
        tested = t[t["p_value"].notna()]
        assert len(tested) == 3 * 2 * 2  # 3 groups x 2 metrics x 2 pairs
        want = multipletests(tested["p_value"], method=name)[1]
        np.testing.assert_allclose(tested["p_adjusted"], want, rtol=1e-12)


def test_pairs_previous_and_first():
    parts = []
    for year, k in (("2021", 30), ("2022", 40), ("2023", 50)):
        r = run(people({"F": (k, 100), "M": (20, 100)}))
        parts.append((year, r.table, r.counts))
    previous = change_table(parts, compare="previous")
    first = change_table(parts, compare="first")
    pair = ["period_from", "period_to"]
    assert previous[pair].drop_duplicates().values.tolist() == [["2021", "2022"], ["2022", "2023"]]
    assert first[pair].drop_duplicates().values.tolist() == [["2021", "2022"], ["2021", "2023"]]
    row = first[(first["group"] == "F") & (first["period_to"] == "2023")].iloc[0]
    # selection rate ratio 30/20 = 1.5 in 2021, 50/20 = 2.5 in 2023
    assert row["ratio_change"] == pytest.approx(2.5 / 1.5)
    assert row["value_change"] == pytest.approx(0.2)


def test_no_value_in_a_period_is_said():
    a = run(people({"F": (30, 100), "M": (20, 100)}))
    # 2022: every woman flagged and guilty... no innocent woman: her FPR is undefined
    df = people({"M": (20, 100)})
    df = pd.concat([df, pd.DataFrame({"sex": ["F"] * 30, "flag": 1, "fraud": 1})])
    with pytest.warns(UndefinedRateWarning):
        b = run(df)
    t = change_table([("2021", a.table, a.counts), ("2022", b.table, b.counts)])
    row = t[(t["group"] == "F") & (t["metric"] == "false_positive_rate")].iloc[0]
    assert math.isnan(row["value_change"]) and math.isnan(row["ratio_change"])
    assert row["note"] == "undefined in 2022"


def test_reference_groups_that_differ_are_not_compared():
    a = run(people({"F": (30, 100), "M": (20, 100)}))
    b = biasaudit.audit(
        people({"F": (30, 100), "M": (20, 100)}),
        roles={"flagged": "flag", "outcome": "fraud"},
        groups="sex",
        reference={"sex": "F"},
        metrics=["selection_rate"],
        min_cell=0,
    )
    t = change_table([("2021", a.table, a.counts), ("2022", b.table, b.counts)])
    row = t[(t["group"] == "F") & (t["metric"] == "selection_rate")].iloc[0]
    assert math.isnan(row["ratio_change"])
    assert "the reference group differs ('M' in 2021, 'F' in 2022)" in row["note"]
    assert row["value_change"] == pytest.approx(0.0)


def test_weighted_counts_use_kish_effective_sizes():
    def weighted(k_f, k_m, w_f):
        df = people({"F": (k_f, 100), "M": (k_m, 100)})
        df["w"] = np.where(df["sex"] == "F", w_f, 1.0)
        df.loc[df.index[::2], "w"] *= 2  # unequal weights: effective n below n
        return biasaudit.audit(
            df,
            roles={"flagged": "flag", "weight": "w"},
            groups="sex",
            reference={"sex": "M"},
            metrics=["selection_rate"],
            min_cell=0,
        ), df

    (a, da), (b, db) = weighted(30, 20, 1.0), weighted(24, 25, 1.5)
    t = change_table([("A", a.table, a.counts), ("B", b.table, b.counts)])
    row = t[t["group"] == "F"].iloc[0]

    def effective(df, g):  # Kish: n_eff = (sum w)^2 / sum w^2, k_eff = rate x n_eff
        part = df[df["sex"] == g]
        w, f = part["w"].to_numpy(), part["flag"].to_numpy()
        n_eff = w.sum() ** 2 / (w**2).sum()
        return (w * f).sum() / w.sum() * n_eff, n_eff

    kf_a, nf_a = effective(da, "F")
    km_a, nm_a = effective(da, "M")
    kf_b, nf_b = effective(db, "F")
    km_b, nm_b = effective(db, "M")
    var = sum(1 / k - 1 / n for k, n in ((kf_a, nf_a), (km_a, nm_a), (kf_b, nf_b), (km_b, nm_b)))
    ror = (kf_b / nf_b) / (km_b / nm_b) / ((kf_a / nf_a) / (km_a / nm_a))
    assert row["ratio_change"] == pytest.approx(ror)
    z = 1.959963984540054
    assert row["ratio_change_ci_low"] == pytest.approx(ror * math.exp(-z * math.sqrt(var)))
    lo, hi = confint_proportions_2indep(kf_b, nf_b, kf_a, nf_a, method="newcomb")
    assert (row["value_change_ci_low"], row["value_change_ci_high"]) == pytest.approx((lo, hi))
