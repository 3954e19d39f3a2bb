"""The proxy audit ranks the planted proxy first; its measures equal scikit-learn's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score, roc_auc_score

from biasaudit.probe import Model, Scorecard, as_model, proxy_audit, scorecard_from_dict
from biasaudit.probe._proxy import auc, nmi
from biasaudit.synthetic import PROBE_TRUTH, generate_probe_records, probe_model


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return generate_probe_records(20_000, seed=21)


@pytest.mark.parametrize("form", ["scorecard", "sklearn"])
def test_the_planted_proxy_ranks_first(records, form):
    model = (
        as_model(scorecard_from_dict({**PROBE_TRUTH, "link": "logistic"}))
        if form == "scorecard"
        else as_model(probe_model(records))
    )
    out = proxy_audit(records, model, attributes=["nationality"], bootstrap=50, sample=8_000)
    t = out.table.set_index("feature")
    assert out.top("nationality") == "language_level"
    assert t.loc["language_level", "measure"] == "normalised mutual information"
    # language depends on nationality by construction; income does not
    assert t.loc["language_level", "strength_ci_low"] > 5 * t.loc["income", "strength_ci_high"]
    lang = t.loc["language_level"]
    assert lang["strength_ci_low"] <= lang["strength"] <= lang["strength_ci_high"]
    # unrelated features: their (upward-biased) information is reflected back to 0
    assert (t.drop(index="language_level")["strength_ci_low"] < 0.002).all()
    assert t["influence_share"].sum() == pytest.approx(1.0)


def test_a_binary_attribute_gets_an_auc_and_the_attribute_itself_is_direct_use(records):
    df = records.assign(dutch=np.where(records["nationality"] == "Dutch", "yes", "no"))
    out = proxy_audit(
        df, as_model(probe_model(records)), attributes=["dutch", "gender"], bootstrap=20
    )
    t = out.table.set_index(["attribute", "feature"])
    assert t.loc[("dutch", "language_level"), "measure"] == "AUC"
    lang = df["language_level"].to_numpy()
    truth = roc_auc_score((df["dutch"] == "yes").to_numpy(), lang)
    assert t.loc[("dutch", "language_level"), "strength"] == pytest.approx(max(truth, 1 - truth))
    assert "direct use" in t.loc[("gender", "gender"), "note"]
    assert np.isnan(t.loc[("gender", "gender"), "proxy_score"])


def test_scorecard_influence_is_coefficient_times_spread(records):
    card = Scorecard(intercept=0.0, numeric={"income": -0.5, "language_level": -0.45})
    out = proxy_audit(
        records, Model.from_scorecard(card), attributes=["gender"], bootstrap=0, sample=None
    )
    t = out.table.set_index("feature")
    for name, coef in card.numeric.items():
        assert t.loc[name, "influence"] == pytest.approx(abs(coef) * records[name].std(ddof=0))


def test_fast_measures_equal_scikit_learn():
    rng = np.random.default_rng(4)
    for _ in range(20):
        y = rng.integers(0, 2, 300)
        x = rng.integers(0, 6, 300) + y * rng.random(300)  # with ties
        assert auc(y, x) == pytest.approx(roc_auc_score(y, x), abs=1e-12)
        a, b = rng.integers(0, 4, 300), rng.integers(0, 7, 300)
        assert nmi(a, b) == pytest.approx(normalized_mutual_info_score(a, b), abs=1e-12)


def test_the_top_proxy_is_flipped_to_the_largest_groups_typical_value(records):
    from biasaudit.probe import probe

    model = as_model(scorecard_from_dict({**PROBE_TRUTH, "link": "logistic"}))
    out = probe(records, model, proxies=["nationality"], flip_proxies=1, bootstrap=0)
    t = out.flips.table
    assert set(t["flip"]) == {"language_level 1->4, 2->4, 3->4"}  # 4: most common among Dutch
    assert any("most common value among nationality = Dutch" in n for n in out.flips.notes)
    # by hand: a non-Dutch person at level 1 gains 3 levels: 3 x -0.45 on the log-odds
    level1 = records[records["language_level"] == 1]
    eta = (
        -1.2
        + 0.6 * (level1["gender"] == "F")
        - 0.45 * level1["language_level"]
        - 0.5 * level1["income"]
        + 0.4 * level1["has_children"]
        + 0.01 * level1["months_on_benefit"]
    ).to_numpy()
    truth = np.mean(1 / (1 + np.exp(-(eta - 1.35))) - 1 / (1 + np.exp(-eta)))
    row = t[(t["attribute"] == "language_level") & (t["group"] == "1")].iloc[0]
    assert row["mean_change"] == pytest.approx(truth, abs=1e-12)
    assert "nationality" in set(t["attribute"])  # rows per nationality
