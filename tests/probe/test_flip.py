"""Attribute-flip experiments recover planted effects; their counts, tests and
disclosure control agree with independent computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from biasaudit import RecordsError
from biasaudit.probe import FLIP_COLUMNS, Model, as_model, flip_experiment
from biasaudit.synthetic import fit_probe_model, generate_probe_records, probe_logit, probe_model

GENDER = {"attribute": "gender", "map": {"F": "M", "M": "F"}}


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return generate_probe_records(40_000, seed=11)


def test_flip_recovers_the_planted_direct_effect(records):
    model = as_model(probe_model(records))
    # by hand: the planted gender coefficient is 0.6 on the logit scale, so a woman's
    # score moves from sigmoid(eta) to sigmoid(eta - 0.6), a man's to sigmoid(eta + 0.6)
    eta = probe_logit(records)
    women = records["gender"].to_numpy() == "F"
    truth_f = float(np.mean(_sigmoid(eta[women] - 0.6) - _sigmoid(eta[women])))
    truth_m = float(np.mean(_sigmoid(eta[~women] + 0.6) - _sigmoid(eta[~women])))
    full = flip_experiment(records, model, [GENDER]).table.set_index("group")
    assert full.loc["F", "mean_change"] == pytest.approx(truth_f, abs=1e-12)
    assert full.loc["M", "mean_change"] == pytest.approx(truth_m, abs=1e-12)
    # a seeded sample of 3,000: its 95% interval covers the whole population's change
    part = flip_experiment(records, model, [GENDER], sample=3_000, seed=3).table
    part = part.set_index("group")
    assert part.loc["all", "n"] == 3_000
    for group, truth in (("F", truth_f), ("M", truth_m)):
        assert part.loc[group, "change_ci_low"] <= truth <= part.loc[group, "change_ci_high"]
        assert part.loc[group, "p_value"] < 1e-10


def test_flip_of_a_fitted_model_recovers_the_truth_within_sampling_error(records):
    """A model trained on outcomes drawn from the planted model (as an agency would
    train it): the flip's change is the fitted coefficient's, which estimates 0.6."""
    import statsmodels.api as sm

    fitted = fit_probe_model(records)
    design = (
        pd.get_dummies(records["gender"])[["F"]]
        .astype(float)
        .join(records[["language_level", "income", "has_children", "months_on_benefit"]])
    )
    fit = sm.Logit(records["fraud"], sm.add_constant(design)).fit(disp=0)
    beta, se = fit.params["F"], fit.bse["F"]
    assert abs(beta - 0.6) < 3 * se  # the data recover the planted coefficient
    women = records["gender"] == "F"
    eta = probe_logit(records)[women.to_numpy()]
    truth = float(np.mean(_sigmoid(eta - 0.6) - _sigmoid(eta)))
    slope = float(np.mean(_sigmoid(eta) * (1 - _sigmoid(eta))))  # d change / d beta
    got = flip_experiment(records, as_model(fitted), [GENDER]).table.set_index("group")
    assert abs(got.loc["F", "mean_change"] - truth) < 3 * se * slope + 0.002


def test_flag_and_rank_changes_match_a_direct_computation():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"g": rng.choice(["a", "b"], 400), "x": rng.random(400)})

    def score(d):
        return d["x"].to_numpy() * (1 + 0.3 * (d["g"].to_numpy() == "a"))

    model = Model.from_callable(score, features=["g", "x"])
    out = flip_experiment(
        df, model, [{"attribute": "g", "map": {"a": "b", "b": "a"}}], threshold={"top_k": 40}
    )
    row = out.table.set_index("group").loc["a"]
    before = score(df)
    after = score(df.assign(g=df["g"].map({"a": "b", "b": "a"})))
    cut = np.sort(before)[::-1][39]
    a = (df["g"] == "a").to_numpy()
    up = int(((after >= cut) & (before < cut))[a].sum())
    down = int(((after < cut) & (before >= cut))[a].sum())
    assert (row["flag_up"], row["flag_down"]) == (up, down)
    assert row["flagged_before"] == int((before >= cut)[a].sum())
    assert row["mcnemar_p"] == pytest.approx(stats.binomtest(up, up + down).pvalue)
    # ranks: each person's flipped score among everyone else's actual scores
    moved, into = [], 0
    for i in np.flatnonzero(a):
        others = np.delete(before, i)
        r0 = 1 + int((others > before[i]).sum())
        r1 = 1 + int((others > after[i]).sum())
        moved.append(r0 - r1)
        into += r0 > 40 and r1 <= 40
    assert row["mean_places_moved"] == pytest.approx(np.mean(moved))
    assert row["into_top_k"] == into
    lo, hi = row["change_ci_low"], row["change_ci_high"]
    d = (after - before)[a]
    t = stats.ttest_1samp(d, 0).confidence_interval(0.95)
    assert (lo, hi) == pytest.approx((t.low, t.high))
    assert list(out.table.columns) == FLIP_COLUMNS


def test_dependent_features_flip_together_and_the_notes_say_so():
    df = pd.DataFrame({"g": ["F", "M"] * 30, "pregnant": [1, 0] * 30, "x": 1.0})
    model = Model.from_callable(lambda d: 0.1 * d["pregnant"] + 0.01 * (d["g"] == "F"))
    flip = {"attribute": "g", "map": {"F": "M", "M": "F"}, "together": {"pregnant": {1: 0}}}
    out = flip_experiment(df, model, [flip])
    t = out.table.set_index("group")
    assert t.loc["F", "mean_change"] == pytest.approx(-0.11)
    assert t.loc["M", "mean_change"] == pytest.approx(0.01)
    assert any("pregnant flipped together with g" in n for n in out.notes)
    assert t.loc["F", "flip"] == "g F<->M (with pregnant)"


def test_small_groups_are_withheld_with_a_complement():
    df = pd.DataFrame(
        {
            "g": ["F", "M"] * 100,
            "nat": ["A"] * 150 + ["B"] * 45 + ["C"] * 5,
            "x": np.linspace(0, 1, 200),
        }
    )
    model = Model.from_callable(lambda d: d["x"] + 0.05 * (d["g"] == "F"))
    out = flip_experiment(
        df, model, [{"attribute": "g", "map": {"F": "M", "M": "F"}}], groups=["nat"]
    )
    t = out.table.set_index(["attribute", "group"])
    assert bool(t.loc[("nat", "C"), "suppressed"])  # 5 people
    assert bool(t.loc[("nat", "B"), "suppressed"])  # B = all - A - C would give C back
    assert not bool(t.loc[("nat", "A"), "suppressed"])
    pub = out.published().set_index(["attribute", "group"])
    assert pd.isna(pub.loc[("nat", "C"), "n"]) and pd.isna(pub.loc[("nat", "C"), "mean_change"])
    assert pub.loc[("nat", "A"), "n"] == 150


def test_bad_flips_and_failing_models_are_clear_errors():
    df = pd.DataFrame({"g": ["F", "M"] * 10, "x": 1.0})
    ok = Model.from_callable(lambda d: d["x"], features=["x"])
    with pytest.raises(RecordsError) as err:
        flip_experiment(
            df, ok, [{"attribute": "g", "map": {"Female": "M"}}, {"attribute": "h", "map": {1: 0}}]
        )
    text = str(err.value)
    assert "g never equals 'Female'" in text and "column 'h' not found" in text
    flaky = Model.from_callable(lambda d: d["x"] if len(d) == 20 else d["x"].iloc[:-1])
    with pytest.raises(RecordsError, match="expected one score per row"):
        flip_experiment(df, flaky, [{"attribute": "g", "map": {"F": "M"}}])
