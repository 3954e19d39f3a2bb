"""The score analyses (``result.score_analysis``) against independent oracles.

Distributions vs scipy (t interval, ``quantile_test`` order-statistic interval,
``ks_2samp(method="asymp")``, ``mannwhitneyu(method="asymptotic")``) and numpy's
inverted-CDF quantiles on the raw rows; AUC vs scikit-learn's ``roc_auc_score`` and
DeLong's variance vs a brute-force pairwise computation on the rows; adjusted p-values
vs statsmodels' ``multipletests``; deciles, excess shares and calibration vs a table
worked by hand (Wilson intervals vs statsmodels' ``proportion_confint``); disclosure
control checked on the published tables; every configuration error; row order.
The threshold sweep and the what-if table are in test_score_sweep.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import roc_auc_score
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

import biasaudit
from biasaudit import ConfigError
from biasaudit._exceptions import UndefinedRateWarning
from score_records import scored_records

ROLES = {"score": "score", "outcome": "y"}
REFERENCE = {"g": "a", "s": "f"}
Z95 = stats.norm.ppf(0.975)


@pytest.fixture(scope="module")
def discrete():
    """Risk classes 1..10, every outcome known, Holm."""
    df = scored_records(0)
    r = biasaudit.audit(
        df, roles=ROLES, groups=["g", "s"], reference=REFERENCE, threshold={"score_at_least": 7}
    )
    return df, r.score_analysis


@pytest.fixture(scope="module")
def selective():
    """Risk classes, outcomes known only for the investigated."""
    df = scored_records(1, selective=True)
    r = biasaudit.audit(
        df,
        roles={**ROLES, "investigated": "inv"},
        groups=["g", "s"],
        reference=REFERENCE,
        threshold={"top_k": 300},
    )
    return df, r.score_analysis


@pytest.fixture(scope="module")
def continuous():
    """A continuous score (binned), every outcome known, Benjamini-Hochberg."""
    df = scored_records(2, n=3000, discrete=False)
    r = biasaudit.audit(
        df,
        roles=ROLES,
        groups=["g", "s"],
        reference=REFERENCE,
        threshold={"score_at_least": 0.5},
        correction="fdr_bh",
        scores={"sweep": "score", "points": [0.2, 0.35, 0.8]},
    )
    return df, r.score_analysis


def members(df: pd.DataFrame, attribute: str, group: str) -> pd.DataFrame:
    return df if attribute == "(overall)" else df[df[attribute] == group]


def bin_counts(x: np.ndarray, df: pd.DataFrame) -> np.ndarray:
    """People per one of 200 equal-width bins of the whole score range (the pass's bins
    before they are split at named cut-offs, which only makes them smaller)."""
    lo, hi = df["score"].min(), df["score"].max()
    return np.histogram(x, bins=200, range=(lo, hi))[0]


def check_adjusted(table: pd.DataFrame, raw: str, adjusted: str, method: str) -> None:
    ok = table[raw].notna()
    want = multipletests(table.loc[ok, raw], method=method)[1]
    np.testing.assert_allclose(table.loc[ok, adjusted], want, rtol=1e-12)
    assert table.loc[~ok, adjusted].isna().all()


# --- distributions ------------------------------------------------------------------


def test_discrete_distribution_equals_scipy_on_the_rows(discrete):
    df, sa = discrete
    table = sa.distribution
    assert len(table) == 1 + 3 + 2
    for _, row in table.iterrows():
        x = members(df, row["attribute"], row["group"])["score"].to_numpy()
        assert row["people"] == len(x)
        assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert row["sd"] == pytest.approx(x.std(ddof=1), rel=1e-10)
        ci = stats.ttest_1samp(x, 0).confidence_interval(0.95)
        assert (row["mean_ci_low"], row["mean_ci_high"]) == pytest.approx((ci.low, ci.high))
        for name, p in (("q10", 0.1), ("q25", 0.25), ("median", 0.5), ("q75", 0.75)):
            assert row[name] == np.quantile(x, p, method="inverted_cdf"), name
        assert row["q90"] == np.quantile(x, 0.9, method="inverted_cdf")
        # scipy's interval is the same order-statistic one (binomial ranks)
        ci = stats.quantile_test(x, q=np.median(x), p=0.5).confidence_interval(0.95)
        assert (row["median_ci_low"], row["median_ci_high"]) == (ci.low, ci.high)
        reference = REFERENCE.get(row["attribute"])
        if reference is None or row["group"] == reference:
            assert np.isnan(row[["ks_statistic", "prob_higher", "mw_p_value"]].astype(float)).all()
            continue
        r = members(df, row["attribute"], reference)["score"].to_numpy()
        ks = stats.ks_2samp(x, r, method="asymp")
        assert row["ks_statistic"] == pytest.approx(ks.statistic, abs=1e-12)
        assert row["ks_p_value"] == pytest.approx(ks.pvalue, rel=1e-9)
        mw = stats.mannwhitneyu(x, r, method="asymptotic", use_continuity=True)
        assert row["prob_higher"] == pytest.approx(mw.statistic / (len(x) * len(r)), rel=1e-12)
        assert row["mw_p_value"] == pytest.approx(mw.pvalue, rel=1e-9)
    check_adjusted(table, "ks_p_value", "ks_p_adjusted", "holm")
    check_adjusted(table, "mw_p_value", "mw_p_adjusted", "holm")


@pytest.mark.parametrize("which", ["discrete", "continuous"])
def test_quantile_table_equals_numpy_and_scipy_intervals(which, request):
    df, sa = request.getfixturevalue(which)
    # exact for risk classes; else the interpolated order statistic is in its bin
    width = 0.0 if which == "discrete" else (df["score"].max() - df["score"].min()) / 200
    table = sa.quantiles
    assert len(table) == 5 * (1 + 3 + 2)
    for _, row in table.iterrows():
        x = members(df, row["attribute"], row["group"])["score"].to_numpy()
        p = row["quantile"]
        assert row["people"] == len(x)
        assert abs(row["value"] - np.quantile(x, p, method="inverted_cdf")) <= width
        ci = stats.quantile_test(x, q=np.median(x), p=p).confidence_interval(0.95)
        assert abs(row["ci_low"] - ci.low) <= width and abs(row["ci_high"] - ci.high) <= width
    # the distribution table's quantiles are the same numbers
    wide = table.pivot_table(index=["attribute", "group"], columns="quantile", values="value")
    dist = sa.distribution.set_index(["attribute", "group"])
    for p, column in ((0.1, "q10"), (0.25, "q25"), (0.5, "median"), (0.75, "q75"), (0.9, "q90")):
        pd.testing.assert_series_equal(
            wide[p].loc[dist.index], dist[column], check_names=False, rtol=1e-12
        )


def test_median_interval_is_nan_beyond_the_data_as_scipy():
    # 5 people: the binomial(5, 0.5) ranks of a 95% interval are 0 and 6, outside 1..5;
    # scipy's quantile_test gives NaN for both ends, and so does the table
    df = pd.DataFrame({"g": ["a"] * 5, "score": [1.0, 2, 3, 4, 5], "y": [0, 1, 0, 1, 1]})
    sa = biasaudit.audit(
        df, roles=ROLES, groups=["g"], threshold={"score_at_least": 3}, min_cell=0
    ).score_analysis
    row = sa.distribution.set_index("attribute").loc["g"]
    ci = stats.quantile_test(df["score"], q=3, p=0.5).confidence_interval(0.95)
    assert np.isnan(ci.low) and np.isnan(ci.high)
    assert np.isnan(row["median_ci_low"]) and np.isnan(row["median_ci_high"])
    assert row["median"] == 3.0


def test_continuous_distribution_within_the_bin_resolution(continuous):
    df, sa = continuous
    width = (df["score"].max() - df["score"].min()) / 200
    for _, row in sa.distribution.iterrows():
        x = members(df, row["attribute"], row["group"])["score"].to_numpy()
        assert row["people"] == len(x)
        # means and sds are exact: the pass adds up scores and their squares
        assert row["mean"] == pytest.approx(x.mean(), rel=1e-9)
        assert row["sd"] == pytest.approx(x.std(ddof=1), rel=1e-6)
        for name, p in (("q10", 0.1), ("q25", 0.25), ("median", 0.5), ("q75", 0.75)):
            # the order statistic lies in the bin that is interpolated: off by < 1 width
            assert abs(row[name] - np.quantile(x, p, method="inverted_cdf")) <= width, name
        ci = stats.quantile_test(x, q=np.median(x), p=0.5).confidence_interval(0.95)
        assert abs(row["median_ci_low"] - ci.low) <= width
        assert abs(row["median_ci_high"] - ci.high) <= width
        reference = REFERENCE.get(row["attribute"])
        if reference is None or row["group"] == reference:
            continue
        r = members(df, row["attribute"], reference)["score"].to_numpy()
        a, b = bin_counts(x, df), bin_counts(r, df)
        # the binned KS is the rows' ECDF gap at bin edges, and inside bin i the gap moves
        # by at most a_i / n (or b_i / m): true D - binned D <= the largest bin mass
        mass = max((a / len(x)).max(), (b / len(r)).max())
        true_d = stats.ks_2samp(x, r).statistic
        assert true_d - mass - 1e-12 <= row["ks_statistic"] <= true_d + 1e-12
        # pairs in one bin count as ties (1/2) instead of 0 or 1: at most half their share
        ties = 0.5 * np.sum(a * b) / (len(x) * len(r))
        u = stats.mannwhitneyu(x, r, method="asymptotic").statistic / (len(x) * len(r))
        assert abs(row["prob_higher"] - u) <= ties + 1e-12
        assert ties < 0.01  # a tolerance that means something
    check_adjusted(sa.distribution, "ks_p_value", "ks_p_adjusted", "fdr_bh")
    check_adjusted(sa.distribution, "mw_p_value", "mw_p_adjusted", "fdr_bh")


# --- AUC ------------------------------------------------------------------------------


def delong_brute_force(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
    """AUC and DeLong's variance from every positive-negative pair (DeLong et al. 1988)."""
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return float(psi.mean()), v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg)


@pytest.mark.parametrize("which", ["discrete", "selective"])
def test_auc_equals_sklearn_and_delong_brute_force(which, request):
    df, sa = request.getfixturevalue(which)
    table = sa.auc
    fits = {}
    for _, row in table.iterrows():
        known = members(df, row["attribute"], row["group"]).dropna(subset=["y"])
        pos = known.loc[known["y"] == 1, "score"].to_numpy()
        neg = known.loc[known["y"] == 0, "score"].to_numpy()
        assert (row["positives"], row["negatives"]) == (len(pos), len(neg))
        assert row["auc"] == pytest.approx(roc_auc_score(known["y"], known["score"]), abs=1e-12)
        auc, var = delong_brute_force(pos, neg)
        fits[row["attribute"], row["group"]] = auc, var
        half = Z95 * math.sqrt(var)
        assert row["auc_ci_low"] == pytest.approx(max(0.0, auc - half), abs=1e-10)
        assert row["auc_ci_high"] == pytest.approx(min(1.0, auc + half), abs=1e-10)
    for _, row in table.iterrows():
        reference = REFERENCE.get(row["attribute"])
        if reference is None or row["group"] == reference:
            assert np.isnan(row["difference"])
            continue
        (auc, var), (ref_auc, ref_var) = (
            fits[row["attribute"], row["group"]],
            fits[row["attribute"], reference],
        )
        se = math.sqrt(var + ref_var)  # independent groups: the variances add
        assert row["difference"] == pytest.approx(auc - ref_auc, abs=1e-12)
        assert row["difference_ci_low"] == pytest.approx(auc - ref_auc - Z95 * se, abs=1e-10)
        assert row["difference_ci_high"] == pytest.approx(auc - ref_auc + Z95 * se, abs=1e-10)
        assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(auc - ref_auc) / se))
    check_adjusted(table, "p_value", "p_adjusted", "holm")


def test_continuous_auc_within_the_share_of_pairs_tied_by_binning(continuous):
    df, sa = continuous
    for _, row in sa.auc.iterrows():
        part = members(df, row["attribute"], row["group"])
        pos = part.loc[part["y"] == 1, "score"].to_numpy()
        neg = part.loc[part["y"] == 0, "score"].to_numpy()
        # a positive and a negative in one bin count 1/2 instead of 0 or 1; every other
        # pair is ordered by its bins, so the error is at most half the tied pairs' share
        tied = 0.5 * np.sum(bin_counts(pos, df) * bin_counts(neg, df)) / (len(pos) * len(neg))
        assert tied < 0.01
        assert abs(row["auc"] - roc_auc_score(part["y"], part["score"])) <= tied + 1e-12


def test_auc_of_a_group_without_both_outcomes_is_nan_with_a_note():
    df = scored_records(5, n=400)
    df.loc[df["g"] == "c", "y"] = 0.0
    with pytest.warns(UndefinedRateWarning, match="true_positive_rate"):  # the audit's table
        sa = biasaudit.audit(
            df, roles=ROLES, groups=["g"], reference={"g": "a"}, threshold={"top_k": 40}
        ).score_analysis
    row = sa.auc.set_index("group").loc["c"]
    assert row["positives"] == 0 and np.isnan(row["auc"]) and np.isnan(row["difference"])
    assert row["note"].startswith("needs people with both outcomes")


# --- continuous scores are exact at named cut-offs --------------------------------------


def test_continuous_excess_is_exact_at_the_cutoff_and_top_decile(continuous):
    df, sa = continuous
    n = len(df)
    # the top decile: the floor(0.1 n)-th highest score (flag it and everyone above)
    top = np.sort(df["score"].to_numpy())[-math.floor(0.1 * n)]
    assert sa.top_decile == top
    assert sa.cutoff == 0.5
    cuts = dict(zip(sa.excess["cut"], sa.excess["threshold"], strict=False))
    assert sorted(cuts.values()) == [0.5, top]
    for _, row in sa.excess.iterrows():
        x = members(df, row["attribute"], row["group"])["score"]
        above = int((x >= row["threshold"]).sum())
        assert (row["people"], row["above"]) == (len(x), above)
        assert row["overall_share"] == (df["score"] >= row["threshold"]).mean()
    # and the deciles' top decile is the same people
    top_rows = sa.deciles[sa.deciles["decile"] == sa.deciles["decile"].max()]
    for _, row in top_rows.iterrows():
        x = members(df, row["attribute"], row["group"])["score"]
        assert row["people"] == (x >= top).sum()


# --- deciles, excess, calibration by hand -----------------------------------------------

#: 20 people, risk probability 0.1 .. 0.5 (people with outcome 1 in brackets):
#:   score   0.1    0.2    0.3    0.4    0.5    all
#:   A       4 (0)  1 (0)  2 (1)  1 (1)  2 (1)  10
#:   B       2 (1)  1 (0)  2 (1)  2 (1)  3 (3)  10
#:   all     6      2      4      3      5      20   cumulative 6, 8, 12, 15, 20
HAND = [
    ("A", 0.1, 4, 0),
    ("A", 0.2, 1, 0),
    ("A", 0.3, 2, 1),
    ("A", 0.4, 1, 1),
    ("A", 0.5, 2, 1),
    ("B", 0.1, 2, 1),
    ("B", 0.2, 1, 0),
    ("B", 0.3, 2, 1),
    ("B", 0.4, 2, 1),
    ("B", 0.5, 3, 3),
]


@pytest.fixture(scope="module")
def hand():
    rows = [{"g": g, "score": s, "y": int(i < pos)} for g, s, k, pos in HAND for i in range(k)]
    df = pd.DataFrame(rows)
    return biasaudit.audit(
        df,
        roles=ROLES,
        groups=["g"],
        reference={"g": "A"},
        threshold={"score_at_least": 0.4},
        min_cell=0,
        scores={"calibration_bins": 2},
    ).score_analysis


def test_hand_deciles(hand):
    # decile cut k = the (2k)-th smallest of 20 (k/10 * 20), k = 1..9:
    #   ranks 2 4 6 8 10 12 14 16 18 -> scores .1 .1 .1 .2 .3 .3 .4 .5 .5
    # decile of a score = 1 + cuts strictly below it:
    #   .1 -> 1; .2 -> 1 + 3 = 4; .3 -> 1 + 4 = 5; .4 -> 1 + 6 = 7; .5 -> 1 + 7 = 8
    t = hand.deciles.set_index(["group", "decile"])
    assert sorted(set(hand.deciles["decile"])) == [1, 4, 5, 7, 8]
    overall = {1: 6 / 20, 4: 2 / 20, 5: 4 / 20, 7: 3 / 20, 8: 5 / 20}
    a = {1: 4, 4: 1, 5: 2, 7: 1, 8: 2}
    b = {1: 2, 4: 1, 5: 2, 7: 2, 8: 3}
    for d, score in zip((1, 4, 5, 7, 8), (0.1, 0.2, 0.3, 0.4, 0.5), strict=True):
        for group, counts in (("A", a), ("B", b)):
            row = t.loc[(group, d)]
            assert row["score_low"] == row["score_high"] == score
            assert row["people"] == counts[d]
            assert row["group_share"] == pytest.approx(counts[d] / 10)
            assert row["overall_share"] == pytest.approx(overall[d])
            assert row["composition"] == pytest.approx(counts[d] / (a[d] + b[d]))  # e.g. 4/6
    assert not hand.deciles["suppressed"].any()


def test_hand_excess(hand):
    # top decile: the highest decile there is (8), i.e. score >= 0.5; everyone: 5/20
    #   A 2/10 = 0.2 (excess -0.05), B 3/10 = 0.3 (excess +0.05)
    # the audit's cut-off 0.4: everyone 8/20 = 0.4; A (1+2)/10 = 0.3, B (2+3)/10 = 0.5
    assert hand.top_decile == 0.5
    t = hand.excess.set_index(["cut", "group"])
    want = {
        ("top decile", "A"): (0.5, 2, 0.25),
        ("top decile", "B"): (0.5, 3, 0.25),
        ("score >= 0.4 (the audit's cut-off)", "A"): (0.4, 3, 0.4),
        ("score >= 0.4 (the audit's cut-off)", "B"): (0.4, 5, 0.4),
    }
    assert set(t.index) == set(want)
    for key, (threshold, above, overall) in want.items():
        row = t.loc[key]
        assert (row["threshold"], row["people"], row["above"]) == (threshold, 10, above)
        assert row["share"] == pytest.approx(above / 10)
        assert row["overall_share"] == pytest.approx(overall)
        assert row["excess"] == pytest.approx(above / 10 - overall)
        lo, hi = proportion_confint(above, 10, alpha=0.05, method="wilson")
        assert (row["share_ci_low"], row["share_ci_high"]) == pytest.approx((lo, hi))
        assert (row["excess_ci_low"], row["excess_ci_high"]) == pytest.approx(
            (lo - overall, hi - overall)
        )
        assert row["p_value"] == pytest.approx(stats.binomtest(above, 10, overall).pvalue)
    check_adjusted(hand.excess, "p_value", "p_adjusted", "holm")


def test_hand_calibration(hand):
    # 2 bins by the share of the labelled scoring below a score (20 labelled):
    #   .1: 0/20 -> bin 1; .2: 6/20 = 0.3 -> 1; .3: 8/20 = 0.4 -> 1;
    #   .4: 12/20 = 0.6 -> 2; .5: 15/20 = 0.75 -> 2     (bin = 1 + floor(2 * share))
    # bin 1 (.1-.3): A 7 people, 1 positive, mean score (4*.1 + .2 + 2*.3) / 7 = 1.2 / 7
    #                B 5 people, 2 positive, mean (2*.1 + .2 + 2*.3) / 5 = 1.0 / 5 = 0.2
    # bin 2 (.4-.5): A 3 people, 2 positive, mean (.4 + 2*.5) / 3 = 1.4 / 3
    #                B 5 people, 4 positive, mean (2*.4 + 3*.5) / 5 = 2.3 / 5 = 0.46
    want = {
        ("(all)", 1): (12, 3, 2.2 / 12),
        ("(all)", 2): (8, 6, 3.7 / 8),
        ("A", 1): (7, 1, 1.2 / 7),
        ("A", 2): (3, 2, 1.4 / 3),
        ("B", 1): (5, 2, 1.0 / 5),
        ("B", 2): (5, 4, 2.3 / 5),
    }
    t = hand.calibration.set_index(["group", "bin"])
    assert set(t.index) == set(want)
    for key, (people, positives, mean_score) in want.items():
        row = t.loc[key]
        low, high = (0.1, 0.3) if key[1] == 1 else (0.4, 0.5)
        assert (row["score_low"], row["score_high"]) == (low, high)
        assert (row["people"], row["positives"]) == (people, positives)
        assert row["mean_score"] == pytest.approx(mean_score)
        assert row["observed"] == pytest.approx(positives / people)
        lo, hi = proportion_confint(positives, people, alpha=0.05, method="wilson")
        assert (row["observed_ci_low"], row["observed_ci_high"]) == pytest.approx((lo, hi))


def test_hand_calibration_gap(hand):
    # B minus A per bin: bin 1: 2/5 - 1/7 = 0.2571429; bin 2: 4/5 - 2/3 = 0.1333333;
    # weights B's people 5, 5: gap = (0.2571429 + 0.1333333) / 2 = 0.1952381
    # variance = (5^2 (0.4*0.6/5 + (1/7)(6/7)/7) + 5^2 (0.8*0.2/5 + (2/3)(1/3)/3)) / 10^2
    #          = 0.25 * (0.048 + 0.0174927 + 0.032 + 0.0740741) = 0.0428917
    # calibration error (|observed - mean score|, people-weighted; the score is in [0, 1]):
    #   A: (7 |1/7 - 1.2/7| + 3 |2/3 - 1.4/3|) / 10 = (0.2 + 0.6) / 10 = 0.08
    #   B: (5 |0.4 - 0.2| + 5 |0.8 - 0.46|) / 10 = (1.0 + 1.7) / 10 = 0.27
    t = hand.calibration_gap.set_index("group")
    b = t.loc["B"]
    gap = (2 / 5 - 1 / 7 + 4 / 5 - 2 / 3) / 2
    var = 0.25 * (0.4 * 0.6 / 5 + (1 / 7) * (6 / 7) / 7 + 0.8 * 0.2 / 5 + (2 / 3) * (1 / 3) / 3)
    assert gap == pytest.approx(0.1952381, abs=1e-7) and var == pytest.approx(0.0428917, abs=1e-7)
    assert b["bins_compared"] == 2 and b["people"] == 10
    assert b["gap"] == pytest.approx(gap)
    se = math.sqrt(var)
    assert (b["gap_ci_low"], b["gap_ci_high"]) == pytest.approx((gap - Z95 * se, gap + Z95 * se))
    assert b["p_value"] == pytest.approx(2 * stats.norm.sf(gap / se))
    assert t.loc["A", "note"] == "reference group" and np.isnan(t.loc["A", "gap"])
    assert t.loc["A", "calibration_error"] == pytest.approx(0.08)
    assert b["calibration_error"] == pytest.approx(0.27)
    assert t.loc["(all)", "calibration_error"] == pytest.approx(
        (12 * abs(3 / 12 - 2.2 / 12) + 8 * abs(6 / 8 - 3.7 / 8)) / 20
    )


def test_calibration_counts_only_known_outcomes(selective):
    df, sa = selective
    known = df.dropna(subset=["y"])
    t = sa.calibration
    for (attr, group), part in t.groupby(["attribute", "group"]):
        rows = members(known, attr, group)
        assert part["people"].sum() == len(rows)
        assert part["positives"].sum() == rows["y"].sum()
    assert any("investigated only" in note for note in sa.notes)


# --- engines ------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::biasaudit._exceptions.UndefinedRateWarning")  # one row
def test_every_engine_gives_the_same_score_tables(tmp_path):
    df = scored_records(6, n=1500, discrete=False, selective=True)
    df["flag"] = (df["score"] >= 0.45).astype(int)
    df.loc[3, "g"] = None
    df.loc[8, "score"] = np.nan  # given a flag, a missing score is left out of the analyses
    df.to_parquet(tmp_path / "r.parquet")
    results = [
        biasaudit.audit(
            tmp_path / "r.parquet",
            roles={**ROLES, "investigated": "inv", "flagged": "flag"},
            groups=["g", "s"],
            scores={"sweep": "top_k", "points": [50, 300, 700]},
            engine=engine,
        ).score_analysis
        for engine in ("pandas", "polars", "duckdb")
    ]
    first = results[0]
    assert "(missing)" in set(first.distribution["group"])
    for other in results[1:]:
        assert other.top_decile == first.top_decile and other.cutoff == first.cutoff
        for name, table in first.tables.items():
            pd.testing.assert_frame_equal(other.tables[name], table, obj=name)


# --- disclosure --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_group():
    """min_cell 10 with a group d of 15 people (< 2 * 10): small decile cells too."""
    df = scored_records(7, n=1500)
    d = np.random.default_rng(7).choice(len(df), size=15, replace=False)
    df.loc[d, "g"] = "d"
    result = biasaudit.audit(
        df, roles=ROLES, groups=["g"], reference={"g": "a"}, threshold={"score_at_least": 6}
    )
    return df, result


def test_small_group_distribution_auc_and_gap_suppressed(small_group):
    df, result = small_group
    sa = result.score_analysis
    for name in ("distribution", "calibration_gap"):
        t = sa.tables[name].set_index("group")
        assert t.loc["d", "suppressed"], name
        # one more group is withheld, so the everyone row does not give d away; the
        # reference group's distribution stays (its calibration gap may go: its
        # outcome split over the whole score range is the last complement left for a
        # small count of fraud found at the top scores of group a)
        assert t.drop(index="d")["suppressed"].sum() >= 1, name
        if name == "distribution":
            assert not t.loc["a", "suppressed"], name
        published = sa.published(name).set_index("group")
        assert pd.isna(published.loc["d", "people"]), name
    assert sa.auc.set_index("group").loc["d", "suppressed"]
    published = sa.published("distribution").set_index("group").loc["d"]
    for column in ("mean", "sd", "q10", "median", "q90", "ks_statistic", "prob_higher"):
        assert np.isnan(published[column])


def hidden_lines(hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns with exactly one withheld cell: their total would give it away."""
    return np.flatnonzero(hidden.sum(axis=1) == 1), np.flatnonzero(hidden.sum(axis=0) == 1)


def test_small_decile_cells_and_their_complements_are_withheld(small_group):
    df, result = small_group
    sa = result.score_analysis
    raw = sa.deciles.pivot(index="group", columns="decile", values="people")
    published = sa.published("deciles")
    shown = published.pivot(index="group", columns="decile", values="people").astype(float)
    hidden = shown.isna().to_numpy()
    # every cell of 1..9 people is withheld, and some are (group d has 15 people)
    assert hidden[(raw > 0) & (raw < 10)].all()
    assert ((raw.to_numpy() > 0) & (raw.to_numpy() < 10)).any()
    # group sizes are published (the audit's table) and so is each decile's size
    # (overall_share stays visible): no line may have exactly one withheld cell
    rows, columns = hidden_lines(hidden)
    assert len(rows) == 0 and len(columns) == 0
    totals = published.groupby("decile")["overall_share"].first() * len(df)
    assert np.allclose(totals, raw.sum(axis=0))  # the column totals really are public
    # the published version blanks every count, share and composition of a hidden cell
    hidden_rows = published[published["suppressed"]]
    assert hidden_rows[["people", "group_share", "composition"]].isna().all().all()


def recover(known: np.ndarray, row_totals: np.ndarray, column_totals: np.ndarray) -> np.ndarray:
    """Fill every cell that is the only unknown one of its row or column from the total."""
    known = known.copy()
    changed = True
    while changed:
        changed = False
        for view, totals in ((known, row_totals), (known.T, column_totals)):
            for i in range(view.shape[0]):
                missing = np.flatnonzero(np.isnan(view[i]))
                if len(missing) == 1:
                    view[i, missing[0]] = totals[i] - np.nansum(view[i])
                    changed = True
    return known


def test_no_withheld_decile_count_is_recovered_with_the_excess_table(small_group):
    df, result = small_group
    sa = result.score_analysis
    raw = sa.deciles.pivot(index="group", columns="decile", values="people")
    shown = sa.published("deciles").pivot(index="group", columns="decile", values="people")
    known = shown.astype(float).to_numpy(copy=True)
    # the excess table's "top decile" count of a group is its cell in the highest decile
    excess = sa.published("excess").query("cut == 'top decile'").set_index("group")["above"]
    top = list(shown.columns).index(shown.columns.max())
    for i, group in enumerate(shown.index):
        if not pd.isna(excess[group]):
            known[i, top] = excess[group]
    sizes = result.table.query("attribute == 'g' and metric == 'selection_rate'")
    sizes = sizes.set_index("group")["n"].loc[shown.index].to_numpy(dtype=float)
    deciles = sa.published("deciles").groupby("decile")["overall_share"].first()
    recovered = recover(known, sizes, np.round(deciles.to_numpy() * len(df)))
    small = (raw.to_numpy() > 0) & (raw.to_numpy() < 10)
    assert not (small & ~np.isnan(recovered)).any()


@pytest.mark.parametrize(
    ("name", "by", "columns"),
    [("excess", "cut", ("above",)), ("calibration", "bin", ("positives",))],
)
def test_small_excess_and_calibration_cells_withheld_by_line(small_group, name, by, columns):
    _, result = small_group
    sa = result.score_analysis
    table = sa.tables[name]
    table = table[table["attribute"] != "(overall)"]
    yes = table.pivot(index="group", columns=by, values=columns[0])
    no = table.pivot(index="group", columns=by, values="people") - yes
    hidden = table.pivot(index="group", columns=by, values="suppressed").to_numpy(dtype=bool)
    for counts in (yes.to_numpy(), no.to_numpy()):
        assert hidden[(counts > 0) & (counts < 10)].all()
    rows, cols = hidden_lines(hidden)
    assert len(rows) == 0 and len(cols) == 0


#: Columns a published score table may show for a withheld row (labels, thresholds and
#: everyone's figures); anything else is a number about the withheld people.
VISIBLE = {
    "attribute",
    "group",
    "reference_group",
    "decile",
    "bin",
    "cut",
    "threshold",
    "score_low",
    "score_high",
    "overall_share",
    "metric",
    "sweep",
    "point",
    "flagged_people",
    "flagged_share",
    "common_threshold",
    "target",
    "quantile",
    "suppressed",
    "note",
}


def test_published_tables_show_no_number_of_a_withheld_row(small_group):
    sa = small_group[1].score_analysis
    for name, table in sa.tables.items():
        if name == "sweep":  # published like the results table (next test)
            continue
        published = sa.published(name)
        assert list(published.columns) == list(table.columns)
        assert published["suppressed"].equals(table["suppressed"])
        hidden = published[published["suppressed"].astype(bool)]
        assert len(hidden), name
        for column in set(table.columns) - VISIBLE:
            assert hidden[column].isna().all(), (name, column)
        shown = published[~published["suppressed"].astype(bool)]
        for column in table.columns:  # the rest is untouched
            if column.endswith("p_adjusted"):  # adjusted again over the shown tests
                raw = shown[column.replace("p_adjusted", "p_value")].to_numpy(float)
                has = ~np.isnan(raw)
                want_p = np.full(len(raw), np.nan)
                if has.any():
                    want_p[has] = multipletests(raw[has], method="holm")[1]
                np.testing.assert_allclose(shown[column].to_numpy(float), want_p, rtol=1e-12)
                continue
            want = table.loc[shown.index, column]
            assert (
                shown[column].astype(object).fillna(-1) == want.astype(object).fillna(-1)
            ).all()


# --- configuration errors -----------------------------------------------------------------

SCORE_ERRORS = [
    # (option, value, what the message must say: the key, the value and the fix)
    ("sweep", "deciles", ["scores.sweep", "'deciles'", "top_fraction, score, top_k"]),
    ("points", "0.1", ["scores.points", "'0.1'", "a list of numbers"]),
    ("points", 5, ["scores.points", "5", "a list of numbers"]),
    ("points", [0.1, "x"], ["scores.points", "'x'", "expected numbers"]),
    ("points", [0.1, float("nan")], ["scores.points", "nan", "expected numbers"]),
    ("points", [0.1, True], ["scores.points", "True", "expected numbers"]),
    ("points", [0, 0.5], ["scores.points", "0", "must be in (0, 1]"]),
    ("points", [0.5, 1.5], ["scores.points", "1.5", "must be in (0, 1]"]),
    ("calibration_bins", 1, ["scores.calibration_bins", "got 1", "whole number from 2 to 50"]),
    ("calibration_bins", 51, ["scores.calibration_bins", "51", "whole number from 2 to 50"]),
    ("calibration_bins", 2.5, ["scores.calibration_bins", "2.5", "whole number from 2 to 50"]),
    ("calibration_bins", True, ["scores.calibration_bins", "True", "whole number from 2 to 50"]),
    ("equalise", "auc", ["scores.equalise", "'auc'", "selection_rate, false_positive_rate"]),
]
TOP_K_ERRORS = [
    ({"sweep": "top_k", "points": [10, 2.5]}, ["scores.points", "2.5", "whole numbers >= 1"]),
    ({"sweep": "top_k", "points": [0, 10]}, ["scores.points", "0", "whole numbers >= 1"]),
    ({"sweep": "top_k"}, ["scores.points", "'top_k'", "e.g. [100, 500, 1000]"]),
    ({"sweep": "score", "points": [0.5, "high"]}, ["scores.points", "'high'", "numbers"]),
]
REGRESSION_ERRORS = [
    ({"covariates": "priors"}, ["regression.covariates", "'priors'", "expected a list"]),
    ({"numeric": "age"}, ["regression.numeric", "'age'", "expected a list"]),
    ({"positive": "yes"}, ["regression.positive", "'yes'", "expected a list"]),
    (
        {"covariates": ["priors"], "numeric": ["age"]},
        ["regression.numeric", "'age'", "list it in covariates too"],
    ),
]
TINY = pd.DataFrame({"g": ["a", "b"], "score": [1.0, 2.0], "flag": [0, 1], "y": [0, 1]})


def config_error(**kwargs) -> str:
    kwargs.setdefault("roles", {"flagged": "flag", "score": "score"})
    with pytest.raises(ConfigError) as err:
        biasaudit.audit(TINY, groups=["g"], **kwargs)
    return str(err.value)


@pytest.mark.parametrize(("key", "value", "says"), SCORE_ERRORS)
def test_score_option_errors_name_key_value_and_fix(key, value, says):
    message = config_error(scores={key: value})
    for part in says:
        assert part in message, (part, message)


@pytest.mark.parametrize(("scores", "says"), TOP_K_ERRORS)
def test_sweep_point_errors_name_key_value_and_fix(scores, says):
    message = config_error(scores=scores)
    for part in says:
        assert part in message, (part, message)


@pytest.mark.parametrize(("regression", "says"), REGRESSION_ERRORS)
def test_regression_option_errors_name_key_value_and_fix(regression, says):
    message = config_error(regression=regression)
    for part in says:
        assert part in message, (part, message)


def test_regression_without_a_decision_to_model_says_what_to_name():
    # no roles.flagged (the decision comes from the score threshold) and no decision
    message = config_error(
        roles={"score": "score"}, threshold={"score_at_least": 2}, regression={}
    )
    assert "regression.decision" in message
    assert "no roles.flagged" in message  # the value: nothing to default to
    assert "name the column modelled" in message  # the fix


def test_every_score_and_regression_problem_in_one_error():
    message = config_error(
        scores={"sweep": "x", "calibration_bins": 0, "equalise": "auc"},
        regression={"covariates": "c"},
    )
    for key in ("scores.sweep", "scores.calibration_bins", "scores.equalise", "regression."):
        assert key in message
    assert message.startswith("4 problems")


# --- row order ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::biasaudit._exceptions.UndefinedRateWarning")  # tiny groups
@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(40, 400),
    discrete=st.booleans(),
    selective=st.booleans(),
)
def test_row_order_changes_no_score_table(seed, n, discrete, selective):
    df = scored_records(seed, n=n, discrete=discrete, selective=selective)
    shuffled = df.sample(frac=1, random_state=seed % 1000).reset_index(drop=True)
    kwargs = {
        # outcomes known for people never investigated are an error in the records
        "roles": {**ROLES, "investigated": "inv"} if selective else ROLES,
        "groups": ["g", "s"],
        "threshold": {"top_fraction": 0.25},
        "min_cell": 3,
        "scores": {"sweep": "top_k", "points": [5, 20]},
    }
    first = biasaudit.audit(df, **kwargs).score_analysis
    second = biasaudit.audit(shuffled, **kwargs).score_analysis
    assert first.top_decile == second.top_decile
    for name, table in first.tables.items():
        # sums of floats in another order may differ in the last bits
        pd.testing.assert_frame_equal(second.tables[name], table, rtol=1e-9, obj=name)


def test_published_sweep_blanks_comparisons_with_a_suppressed_reference(small_group):
    import dataclasses

    sa = small_group[1].score_analysis
    # the reference group is withheld last, so this audit keeps it: withhold it by hand
    # at every point to see what published() does with the rows compared with it
    sweep = sa.sweep.copy()
    sweep.loc[sweep["group"] == sweep["reference_group"], "suppressed"] = True
    sa = dataclasses.replace(sa, sweep=sweep)
    pub = sa.published("sweep")
    keys = ["sweep", "point", "attribute", "metric"]
    ref = sweep[sweep["group"] == sweep["reference_group"]].set_index([*keys])["suppressed"]
    ref_hidden = np.array(
        [bool(ref.get(tuple(k), False)) for k in sweep[keys].itertuples(index=False)]
    )
    exposed = ref_hidden & ~sweep["suppressed"].to_numpy(bool)
    assert exposed.any()  # rows that would show a withheld reference group's rate
    assert sweep.loc[exposed, "reference_value"].notna().any()
    for column in ("reference_value", "ratio", "ratio_ci_low", "difference"):
        assert pub.loc[exposed, column].isna().all(), column
    assert pub.loc[~sweep["suppressed"].to_numpy(bool), "value"].equals(
        sweep.loc[~sweep["suppressed"].to_numpy(bool), "value"]
    )
