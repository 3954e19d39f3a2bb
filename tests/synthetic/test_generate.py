"""The synthetic welfare-fraud generator: seeded, and its built-in design shows."""

from __future__ import annotations

import pandas as pd

from biasaudit.synthetic._generate import generate_welfare


def test_same_seed_same_rows_other_seed_other_rows():
    a = generate_welfare(2_000, seed=11)
    pd.testing.assert_frame_equal(a, generate_welfare(2_000, seed=11))
    assert not a.equals(generate_welfare(2_000, seed=12))


def test_design_of_the_records():
    df = generate_welfare(40_000, seed=99)
    selected = df["selected"] == "yes"
    investigated = df["investigated"] == "yes"
    assert selected.sum() == 4_000  # top 10%
    assert not (investigated & ~selected).any()
    # 95% of the selected investigated: binomial sd sqrt(4000 * .95 * .05) = 13.8
    assert abs(investigated.sum() - 3_800) < 5 * 13.8
    # outcomes only for the investigated: selective labels
    assert (df.loc[~investigated, "fraud_found"] == "").all()
    assert set(df.loc[investigated, "fraud_found"]) == {"Errors Found", "No Errors Found"}
    # about 1% of nationality not recorded: sd sqrt(40000 * .01 * .99) = 19.9
    assert abs(df["nationality"].isna().sum() - 400) < 5 * 19.9
    assert df["risk_score"].between(0, 1).all()
    assert df["case_id"].is_unique


def test_built_in_disparities_appear():
    df = generate_welfare(40_000, seed=99)
    rate = (df["selected"] == "yes").groupby(df["gender"]).mean()
    assert rate["F"] / rate["M"] > 1.5  # +0.35 logit points for women
    nat = (df["selected"] == "yes").groupby(df["nationality"] == "Dutch").mean()
    assert nat[False] / nat[True] > 2.5  # +0.6 logit points for non-Dutch nationals
