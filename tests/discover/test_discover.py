"""Subgroup discovery (issue 18, question 1): planted subgroups are found, nothing is
found where nothing was planted, and the numbers of a discovered subgroup are the test
half's, checked against pandas, scipy and statsmodels computed here from the rule.

The data come from :func:`biasaudit.synthetic.planted_records`, whose ``planted``
column is the truth (not an input of the audit).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

import biasaudit
from biasaudit import ConfigError, RecordsError
from biasaudit.discover import DISCOVERY_COLUMNS
from biasaudit.synthetic import planted_records

ROLES = {"id": "case_id", "flagged": "flagged", "outcome": "fraud_found"}
ATTRIBUTES = ["gender", "age_band", "household", "nationality", "district"]
FEATURES = ["income", "months_on_benefit", "hours_worked", "household_size"]
PLANTED = {("gender", "F"), ("age_band", "18-29"), ("household", "single parent")}


def audited(df: pd.DataFrame, **kw) -> biasaudit.AuditResult:
    return biasaudit.audit(df, roles=ROLES, groups=["gender"], **kw)


def rule(discoveries, name: str) -> set[tuple[str, str]]:
    sub = next(s for s in discoveries.subgroups if s.name == name)
    return {(c.column, c.values[0]) for c in sub.conditions}


def primary(discoveries) -> pd.DataFrame:
    t = discoveries.table
    return t[(t["metric"] == discoveries.metric) & (t["group"] != "everyone else")].iloc[1:]


@pytest.fixture(scope="module")
def three_way():
    df = planted_records(12_000, seed=11, plant=("attributes",))
    found = audited(df).discover(df, attributes=ATTRIBUTES, depth=3)
    return df, found


def test_a_subgroup_of_three_attributes_is_found(three_way):
    _, found = three_way
    reported = found.reported(published=False)
    assert len(reported), found.table
    assert rule(found, reported["attribute"].iloc[0]) == PLANTED
    assert (
        reported["group"].iloc[0]
        == "gender = F and age_band = 18-29 and household = single parent"
    )
    assert list(found.table.columns) == DISCOVERY_COLUMNS


def test_only_reported_subgroups_publish_numbers(three_way):
    _, found = three_way
    published = found.published()
    shown = published[published["attribute"] != "(overall)"]
    reported = set(found.reported(published=False)["attribute"])
    assert reported and set(shown["attribute"]) - reported, "some tested, not reported"
    for name, rows in shown.groupby("attribute"):
        if name in reported:
            assert rows.loc[rows["metric"] == "selection_rate", "value"].notna().all()
        else:
            assert rows[["value", "n", "numerator", "p_value"]].isna().all().all()
            assert rows["note"].str.startswith("suppressed").all()
            assert rows["group"].iloc[0] != "everyone else" or len(rows) > 1  # rule kept
    restricted = found.table
    assert restricted.loc[restricted["attribute"] != "(overall)", "value"].notna().any()


def test_the_numbers_are_the_test_half_s(three_way):
    """Rate, ratio, test and the adjusted p-values against pandas, scipy and statsmodels,
    from the rule applied to the raw records of the test half."""
    df, found = three_way
    test = df.iloc[found.membership["row"].to_numpy()]
    assert len(test) == found.test_rows == len(df) // 2
    flagged = (test["flagged"] == "yes").to_numpy()
    rows = primary(found)
    p_values = []
    for sub in found.subgroups:
        inside = np.ones(len(test), dtype=bool)
        for c in sub.conditions:
            inside &= test[c.column].isin(c.values).to_numpy()
        assert (inside == found.membership[sub.name].to_numpy()).all()
        row = rows[rows["attribute"] == sub.name].iloc[0]
        a, n1 = flagged[inside].sum(), inside.sum()
        c, n2 = flagged[~inside].sum(), (~inside).sum()
        assert row["n"] == n1 and row["numerator"] == a
        assert row["value"] == pytest.approx(a / n1)
        assert row["reference_value"] == pytest.approx(c / n2)
        assert row["ratio"] == pytest.approx((a / n1) / (c / n2))
        table = np.array([[a, n1 - a], [c, n2 - c]])
        if row["test"] == "chi2":
            expected = stats.chi2_contingency(table, correction=False).pvalue
        else:
            expected = stats.fisher_exact(table).pvalue
        assert row["p_value"] == pytest.approx(expected, rel=1e-9)
        p_values.append(expected)
    holm = multipletests(p_values, method="holm")[1]
    assert rows["discovery_p_adjusted"].to_numpy() == pytest.approx(holm, rel=1e-9)
    worse = rows["ratio"].to_numpy() > 1
    assert (rows["reported"].to_numpy() == ((holm < 0.05) & worse)).all()


def test_a_subgroup_of_input_features_only_is_found_by_clustering():
    df = planted_records(12_000, seed=3, plant=("features",))
    found = audited(df).discover(df, attributes=[], features=FEATURES)
    truth = (df["planted"] == "features").to_numpy()[found.membership["row"].to_numpy()]
    reported = found.reported(published=False)
    assert len(reported)
    best = reported["attribute"].iloc[0]
    sub = next(s for s in found.subgroups if s.name == best)
    assert sub.method == "clustering"
    assert {c.column for c in sub.conditions} >= {"income", "months_on_benefit"}
    members = found.membership[best].to_numpy()
    precision = (members & truth).sum() / members.sum()
    jaccard = (members & truth).sum() / (members | truth).sum()
    assert precision > 0.9 and jaccard > 0.6, (sub.description, precision, jaccard)


@pytest.mark.slow
def test_nothing_planted_nothing_reported_smoke():
    """A small null simulation: no subgroup differs, so every reported one is false.

    With Holm at 0.05 the chance that an audit reports any is at most 0.05; in 20 null
    audits, 4 or more would happen with probability 0.016 if it were exactly 0.05
    (benchmarks/discover_null.py runs the real-sized simulation)."""
    any_reported = 0
    for seed in range(20):
        df = planted_records(2_000, seed=100 + seed, plant=())
        found = audited(df).discover(
            df, attributes=ATTRIBUTES[:4], features=FEATURES[:2], depth=2, min_size=40
        )
        assert len(found.subgroups) <= 10
        any_reported += bool(len(found.reported(published=False)))
    assert any_reported <= 3


def test_same_people_same_halves_whatever_the_row_order():
    """With an id, the split hashes the ids: shuffled rows give the same table."""
    df = planted_records(3_000, seed=5, plant=("attributes",))
    first = audited(df).discover(df, attributes=ATTRIBUTES[:3], min_size=30)
    shuffled = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    second = audited(shuffled).discover(shuffled, attributes=ATTRIBUTES[:3], min_size=30)
    pd.testing.assert_frame_equal(first.table, second.table)


def test_a_lazy_engine_hands_its_rows_over(tmp_path):
    df = planted_records(3_000, seed=5, plant=("attributes",))
    path = tmp_path / "records.csv"
    df.to_csv(path, index=False)
    options = {"attributes": ATTRIBUTES[:3], "min_size": 30}
    in_memory = audited(df).discover(df, **options)
    result = biasaudit.audit(path, roles=ROLES, groups=["gender"], engine="duckdb")
    lazy = result.discover(path, engine="duckdb", **options)
    pd.testing.assert_frame_equal(in_memory.table, lazy.table)
    assert any("held in memory" in n for n in lazy.notes)
    with pytest.raises(RecordsError, match="discovery runs on records in memory"):
        result.discover(path, engine="duckdb", max_rows=1_000, **options)


def test_the_audit_s_own_numbers_do_not_change():
    df = planted_records(3_000, seed=5)
    plain = audited(df)
    both = audited(df, discover={"attributes": ATTRIBUTES[:3], "min_size": 30})
    pd.testing.assert_frame_equal(plain.table, both.table)
    assert both.discoveries is not None and plain.discoveries is None


def test_bad_options_are_one_error():
    df = planted_records(2_000, seed=5)
    result = audited(df)
    with pytest.raises(ConfigError) as err:
        result.discover(df, depth=0, max_groups=-1, correction="none", metric="nope")
    text = str(err.value)
    for part in (
        "discover.depth",
        "discover.max_groups",
        "discover.correction",
        "discover.metric",
    ):
        assert part in text
    assert text.startswith("4 problems")


def test_unknown_columns_and_a_min_size_beyond_the_data_are_one_error():
    df = planted_records(2_000, seed=5)
    with pytest.raises(ConfigError) as err:
        audited(df).discover(df, attributes=["gender", "housold"], min_size=5_000)
    text = str(err.value)
    assert "column 'housold' not found (did you mean 'household'?)" in text
    assert "discover.min_size: 5,000 is more than the find half (1,000 of 2,000 records)" in text


def test_a_rate_the_records_cannot_identify_is_refused():
    df = planted_records(2_000, seed=5)
    with pytest.raises(ConfigError, match="not identifiable here"):
        audited(df).discover(df, metric="false_positive_rate")


def test_missing_numbers_in_a_feature_are_named():
    df = planted_records(2_000, seed=5)
    df.loc[[4, 9], "income"] = np.nan
    with pytest.raises(
        RecordsError, match=r"'income': 2 missing or infinite numbers \(first at row 5\)"
    ):
        audited(df).discover(df, attributes=[], features=["income"])


def test_an_audit_of_counts_cannot_discover():
    table = pd.DataFrame({"gender": ["F", "M"], "n": [100, 120], "flagged": [30, 12]})
    result = biasaudit.audit_counts(table, groups=["gender"], metrics=["selection_rate"])
    with pytest.raises(ConfigError, match="needs decision records, one row per person"):
        result.discover(table, attributes=["gender"])


def test_a_numeric_column_is_not_an_attribute_to_combine():
    df = planted_records(2_000, seed=5)
    with pytest.raises(ConfigError, match="'income' has .* distinct values, more than max_groups"):
        audited(df).discover(df, attributes=["gender", "income"])
