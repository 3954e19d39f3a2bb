"""Process funnels: counts from records and tables, shares, transitions, relative risks,
intervals and tests, every error path, and disclosure control.

Numbers are checked against hand arithmetic (in the comments), statsmodels and scipy;
disclosure control against an independent linear-algebra check of what the published
table reveals."""

from __future__ import annotations

import math
import warnings
from itertools import product

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from biasaudit._exceptions import ConfigError, RecordsError, UndefinedRateWarning
from biasaudit.counts._stages import FunnelCounts, funnel_counts, funnel_counts_from_table
from biasaudit.disclosure import mark_funnel, publish
from biasaudit.io._io import open_records
from biasaudit.metrics._funnel import (
    FUNNEL_COLUMNS,
    funnel_table,
)
from biasaudit.report import funnel_sentence
from biasaudit.spec._spec import StatsOptions

Z = 1.959963984540054  # the 97.5% normal quantile
NO_SUPPRESSION = StatsOptions(min_cell=0)


def marked_table(counts, reference=None, options=StatsOptions()):  # noqa: B008
    """The funnel table with disclosure control's marks, as the audit makes it."""
    table = funnel_table(counts, reference=reference, options=options)
    return mark_funnel(table, counts.stages, options.min_cell)


def published(table):
    return publish(table, "funnel")


STAGES = [
    "population",
    "selected",
    "home visit",
    ("irregularity found", "home visit"),
    ("visit unfounded", "home visit"),
    ("appeal", "irregularity found"),
    "appeal upheld",
]
NAMES = [s if isinstance(s, str) else s[0] for s in STAGES]
# every stage a person reached, by the furthest stage, written out by hand
REACHED = {
    "population": ["population"],
    "selected": ["population", "selected"],
    "home visit": ["population", "selected", "home visit"],
    "irregularity found": ["population", "selected", "home visit", "irregularity found"],
    "visit unfounded": ["population", "selected", "home visit", "visit unfounded"],
    "appeal": ["population", "selected", "home visit", "irregularity found", "appeal"],
    "appeal upheld": NAMES[:4] + ["appeal", "appeal upheld"],
}
# Hand-built stage counts. Every visit ends in exactly one of found / unfounded.
COUNTS = {
    #           pop  sel  visit found unfounded appeal upheld
    "Dutch": [2000, 100, 60, 30, 30, 12, 4],
    "Moroccan": [500, 75, 54, 18, 36, 10, 6],
    "Turkish": [400, 40, 20, 12, 8, 5, 1],
}


def wide_table(counts: dict[str, list[int]] = COUNTS, column: str = "nationality") -> pd.DataFrame:
    return pd.DataFrame([[g, *c] for g, c in counts.items()], columns=[column, *NAMES])


def people(counts: dict[str, list[int]] = COUNTS) -> pd.DataFrame:
    """One row per person, with the furthest stage reached: the number who stop at a stage
    is its count minus the counts of the stages right below it."""
    below = {
        "population": ["selected"],
        "selected": ["home visit"],
        "home visit": ["irregularity found", "visit unfounded"],
        "irregularity found": ["appeal"],
        "visit unfounded": [],
        "appeal": ["appeal upheld"],
        "appeal upheld": [],
    }
    rows = []
    for group, values in counts.items():
        at = dict(zip(NAMES, values, strict=True))
        for stage in NAMES:
            stop = at[stage] - sum(at[c] for c in below[stage])
            rows += [(group, stage)] * stop
    frame = pd.DataFrame(rows, columns=["nationality", "stage"])
    # the same people with one yes/no column per stage
    for stage in NAMES[1:]:
        frame[f"at {stage}"] = ["yes" if stage in REACHED[s] else "no" for s in frame["stage"]]
    return frame.sample(frac=1, random_state=3).reset_index(drop=True)  # order is irrelevant


BY_FLAGS = {s: f"at {s}" for s in NAMES[1:]}


@pytest.fixture(scope="module")
def counts() -> FunnelCounts:
    return funnel_counts_from_table(wide_table(), STAGES, attributes="nationality")


@pytest.fixture(scope="module")
def table(counts) -> pd.DataFrame:
    return funnel_table(counts, reference={"nationality": "Dutch"}, options=NO_SUPPRESSION)


def row(table: pd.DataFrame, group: str, stage: str) -> pd.Series:
    hit = table[(table["group"] == group) & (table["stage"] == stage)]
    assert len(hit) == 1
    return hit.iloc[0]


# --------------------------------------------------------------------------- counts


def test_counts_table_layout(counts):
    assert list(counts.table.columns) == ["attribute", "group", "stage", "count"]
    assert counts.stage_names == NAMES
    assert dict(counts.stages)["visit unfounded"] == "home visit"
    assert dict(counts.stages)["population"] is None
    # overall first: the sums of the three groups, e.g. 2000 + 500 + 400 = 2900
    overall = counts.table[counts.table["attribute"] == "(overall)"]
    assert overall["group"].unique().tolist() == ["(all)"]
    assert overall["count"].tolist() == [2900, 215, 134, 60, 74, 27, 11]
    assert counts.table["count"].dtype == np.int64
    wide = counts.wide()
    assert wide.columns.tolist() == ["attribute", "group", *NAMES]
    assert wide["group"].tolist() == ["(all)", "Dutch", "Moroccan", "Turkish"]
    assert wide.iloc[2, 2:].tolist() == COUNTS["Moroccan"]


def test_records_with_a_stage_column_give_the_hand_counts(counts):
    records = people()
    assert len(records) == 2900
    from_records = funnel_counts(records, "nationality", STAGES, stage_column="stage")
    pd.testing.assert_frame_equal(from_records.table, counts.table)
    assert from_records.ledger is not None
    assert (from_records.ledger.rows_read, from_records.ledger.rows_excluded) == (2900, 0)


def test_stage_column_and_boolean_columns_give_the_same_counts():
    records = people()
    by_stage = funnel_counts(records, "nationality", STAGES, stage_column="stage")
    by_flags = funnel_counts(records, "nationality", STAGES, stage_columns=BY_FLAGS)
    pd.testing.assert_frame_equal(by_stage.table, by_flags.table)
    # 1/0, true/false and real booleans mean the same as yes/no
    coded = records.copy()
    for i, col in enumerate(BY_FLAGS.values()):
        yes = coded[col] == "yes"
        coded[col] = [yes, yes.astype(int), np.where(yes, "true", "false")][i % 3]
    flags = funnel_counts(coded, "nationality", STAGES, stage_columns=BY_FLAGS)
    pd.testing.assert_frame_equal(flags.table, by_stage.table)


@pytest.fixture(scope="module")
def mixed_records() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 600
    stage = rng.choice(NAMES, n, p=[0.5, 0.2, 0.1, 0.06, 0.08, 0.04, 0.02])
    frame = pd.DataFrame(
        {
            "nat": rng.choice(["NL", "MA", "TR", None], n),
            "zip": rng.choice(["01", "02", "10"], n),
            "stage": stage,
        }
    )
    for s in NAMES[1:]:
        frame[f"at {s}"] = [int(s in REACHED[x]) for x in stage]
    return frame


@pytest.mark.parametrize(
    "convert",
    [
        pytest.param(pl.from_pandas, id="polars"),
        pytest.param(lambda df: pl.from_pandas(df).lazy(), id="polars-lazy"),
        pytest.param(lambda df: pa.Table.from_pandas(df, preserve_index=False), id="pyarrow"),
        pytest.param(lambda df: duckdb.connect().from_df(df), id="duckdb"),
        pytest.param(lambda df: df.astype("category"), id="pandas-category"),
    ],
)
@pytest.mark.parametrize("flags", [False, True], ids=["stage-column", "stage-columns"])
def test_every_engine_gives_identical_counts(mixed_records, convert, flags):
    how = {"stage_columns": BY_FLAGS} if flags else {"stage_column": "stage"}
    expected = funnel_counts(mixed_records, ["nat", "zip"], STAGES, **how)
    got = funnel_counts(convert(mixed_records), ["nat", "zip"], STAGES, **how)
    pd.testing.assert_frame_equal(got.table, expected.table)


@pytest.mark.parametrize("engine", ["pandas", "polars", "pyarrow", "duckdb"])
def test_files_on_every_engine_give_identical_counts(mixed_records, tmp_path, engine):
    path = tmp_path / "people.parquet"
    mixed_records.to_parquet(path, index=False)
    expected = funnel_counts(mixed_records, ["nat", "zip"], STAGES, stage_column="stage")
    records = open_records(path, columns=["nat", "zip", "stage"], engine=engine)
    got = funnel_counts(records, ["nat", "zip"], STAGES, stage_column="stage")
    pd.testing.assert_frame_equal(got.table, expected.table)
    csv = tmp_path / "people.csv"
    mixed_records.to_csv(csv, index=False)
    pd.testing.assert_frame_equal(
        funnel_counts(csv, ["nat", "zip"], STAGES, stage_column="stage").table, expected.table
    )


def test_record_counts_by_hand_with_missing_values(mixed_records):
    got = funnel_counts(mixed_records, ["nat", "zip"], STAGES, stage_column="stage")
    t = got.table.set_index(["attribute", "group", "stage"])["count"]
    missing = mixed_records["nat"].isna()
    assert t[("nat", "(missing)", "population")] == missing.sum()
    visited = mixed_records["stage"].isin(NAMES[2:])  # home visit and every stage below it
    assert t[("nat", "MA", "home visit")] == (visited & (mixed_records["nat"] == "MA")).sum()
    assert t[("zip", "01", "population")] == (mixed_records["zip"] == "01").sum()  # "01" kept
    # missing last, groups sorted
    assert got.table.loc[got.table["attribute"] == "nat", "group"].unique().tolist() == [
        "MA",
        "NL",
        "TR",
        "(missing)",
    ]
    dropped = funnel_counts(mixed_records, "nat", STAGES, stage_column="stage", missing="drop")
    assert dropped.ledger is not None
    assert dropped.ledger.rows_excluded == missing.sum()
    assert dropped.ledger.excluded[0][0] == "missing value in 'nat' (missing = 'drop')"
    overall = dropped.table.set_index(["attribute", "stage"])["count"]
    assert overall[("(overall)", "population")] == (~missing).sum()


def test_caller_data_is_not_modified(mixed_records):
    before = mixed_records.copy()
    funnel_counts(mixed_records, ["nat"], STAGES, stage_columns=BY_FLAGS)
    pd.testing.assert_frame_equal(mixed_records, before)


def test_table_layouts_give_the_same_counts(counts):
    wide = wide_table()
    long = wide.melt(id_vars="nationality", var_name="stage", value_name="count")
    from_long = funnel_counts_from_table(long, STAGES, attributes="nationality", layout="long")
    pd.testing.assert_frame_equal(from_long.table, counts.table)
    tidy = wide.rename(columns={"nationality": "group"}).assign(attribute="nationality")
    from_tidy = funnel_counts_from_table(tidy, STAGES, attribute_column="attribute")
    pd.testing.assert_frame_equal(from_tidy.table, counts.table)


def test_a_cross_table_is_summed_per_attribute():
    # nationality x sex; the margins are the sums over the other attribute
    cross = pd.DataFrame(
        {
            "nat": ["NL", "NL", "MA", "MA"],
            "sex": ["F", "M", "F", "M"],
            "all": [600, 400, 150, 100],
            "visit": [30, 10, 20, 12],
        }
    )
    got = funnel_counts_from_table(cross, ["all", "visit"], attributes=["nat", "sex"]).wide()
    assert got.values.tolist() == [
        ["(overall)", "(all)", 1250, 72],  # 600 + 400 + 150 + 100; 30 + 10 + 20 + 12
        ["nat", "MA", 250, 32],
        ["nat", "NL", 1000, 40],
        ["sex", "F", 750, 50],  # 600 + 150; 30 + 20
        ["sex", "M", 500, 22],
    ]


# --------------------------------------------------------------------------- metrics


def test_columns_are_fixed(table):
    assert list(table.columns) == FUNNEL_COLUMNS
    assert len(table) == 4 * len(NAMES)
    assert table["reference_group"].dropna().unique().tolist() == ["Dutch"]


def test_relative_risks_equal_hand_computation(table):
    hand = {
        # (group, stage): (share ratio, transition ratio)
        # selected: (75 / 500) / (100 / 2000) = 0.15 / 0.05 = 3; parent is everyone
        ("Moroccan", "selected"): (3.0, 3.0),
        # home visit: (54 / 500) / (60 / 2000) = 0.108 / 0.03 = 3.6;
        # transition (54 / 75) / (60 / 100) = 0.72 / 0.6 = 1.2
        ("Moroccan", "home visit"): (3.6, 1.2),
        # visit unfounded: (36 / 500) / (30 / 2000) = 0.072 / 0.015 = 4.8;
        # transition (36 / 54) / (30 / 60) = 0.6667 / 0.5 = 1.3333
        ("Moroccan", "visit unfounded"): (4.8, (36 / 54) / 0.5),
        # Turkish home visit: (20 / 400) / 0.03 = 1.6667; (20 / 40) / 0.6 = 0.8333
        ("Turkish", "home visit"): (0.05 / 0.03, 0.5 / 0.6),
        # appeal upheld: (1 / 400) / (4 / 2000) = 1.25; (1 / 5) / (4 / 12) = 0.6
        ("Turkish", "appeal upheld"): (1.25, 0.6),
    }
    for (group, stage), (share_ratio, transition_ratio) in hand.items():
        r = row(table, group, stage)
        assert r["share_ratio"] == pytest.approx(share_ratio, rel=1e-12), (group, stage)
        assert r["transition_ratio"] == pytest.approx(transition_ratio, rel=1e-12), (group, stage)
    r = row(table, "Moroccan", "home visit")
    assert (r["count"], r["n"], r["share"], r["transition"]) == (54, 500, 0.108, 0.72)
    # the reference group compared with itself is 1, with no interval or test
    ref = row(table, "Dutch", "home visit")
    assert (ref["share_ratio"], ref["transition_ratio"]) == (1.0, 1.0)
    assert np.isnan([ref["share_ratio_ci_low"], ref["p_value"]]).all()


def test_katz_interval_equals_hand_formula_and_statsmodels(table):
    r = row(table, "Moroccan", "selected")
    # log(3) +- z * sqrt(1/75 - 1/500 + 1/100 - 1/2000) = log(3) +- z * sqrt(0.0208333)
    se = math.sqrt(1 / 75 - 1 / 500 + 1 / 100 - 1 / 2000)
    assert r["share_ratio_ci_low"] == pytest.approx(3 * math.exp(-Z * se), rel=1e-9)
    assert r["share_ratio_ci_high"] == pytest.approx(3 * math.exp(Z * se), rel=1e-9)
    assert (round(r["share_ratio_ci_low"], 3), round(r["share_ratio_ci_high"], 3)) == (
        2.261,
        3.981,
    )
    r = row(table, "Moroccan", "home visit")
    lo, hi = confint_proportions_2indep(54, 75, 60, 100, method="log", compare="ratio")
    assert (r["transition_ratio_ci_low"], r["transition_ratio_ci_high"]) == (
        pytest.approx(lo, rel=1e-9),
        pytest.approx(hi, rel=1e-9),
    )
    lo, hi = confint_proportions_2indep(54, 500, 60, 2000, method="log", compare="ratio")
    assert (r["share_ratio_ci_low"], r["share_ratio_ci_high"]) == (
        pytest.approx(lo, rel=1e-9),
        pytest.approx(hi, rel=1e-9),
    )


def test_rate_intervals_equal_statsmodels_wilson(table):
    for group, stage, k, n, p in [
        ("Moroccan", "selected", 75, 500, 500),
        ("Turkish", "appeal upheld", 1, 400, 5),
        ("Dutch", "visit unfounded", 30, 2000, 60),
    ]:
        r = row(table, group, stage)
        assert (r["share_ci_low"], r["share_ci_high"]) == pytest.approx(
            proportion_confint(k, n, method="wilson"), abs=1e-12
        )
        assert (r["transition_ci_low"], r["transition_ci_high"]) == pytest.approx(
            proportion_confint(k, p, method="wilson"), abs=1e-12
        )


def test_first_stage_is_the_whole_group(table):
    r = row(table, "Turkish", "population")
    assert (r["share"], r["share_ci_low"], r["share_ci_high"]) == (1.0, 1.0, 1.0)
    assert np.isnan([r["transition"], r["share_ratio"], r["transition_ratio"], r["p_value"]]).all()
    assert r["note"] == "first stage: the whole group"
    assert pd.isna(r["parent"])


def test_tests_of_the_transition_equal_scipy_and_holm_equals_statsmodels(table):
    # home visit | selected, Moroccan vs Dutch: [[54, 75 - 54], [60, 100 - 60]]; every
    # expected cell is at least 5, so Pearson's chi-square without continuity correction
    chi2 = stats.chi2_contingency([[54, 21], [60, 40]], correction=False)
    assert row(table, "Moroccan", "home visit")["p_value"] == pytest.approx(chi2.pvalue)
    # appeal upheld | appeal, Turkish vs Dutch: [[1, 4], [4, 8]]: small cells, Fisher
    fisher = stats.fisher_exact([[1, 4], [4, 8]])
    assert row(table, "Turkish", "appeal upheld")["p_value"] == pytest.approx(fisher.pvalue)
    tested = table["p_value"].notna()
    assert tested.sum() == 2 * (len(NAMES) - 1)  # two groups x every stage after the first
    holm = multipletests(table.loc[tested, "p_value"], method="holm")[1]
    np.testing.assert_allclose(table.loc[tested, "p_adjusted"], holm, rtol=1e-12)


def test_benjamini_hochberg_on_request(counts):
    out = funnel_table(counts, options=StatsOptions(correction="fdr_bh", min_cell=0))
    tested = out["p_value"].notna()
    bh = multipletests(out.loc[tested, "p_value"], method="fdr_bh")[1]
    np.testing.assert_allclose(out.loc[tested, "p_adjusted"], bh, rtol=1e-12)


def test_zero_counts_follow_the_documented_katz_treatment():
    counts = funnel_counts_from_table(
        pd.DataFrame({"g": ["A", "B", "C"], "all": [200, 50, 40], "visit": [10, 0, 4]}),
        ["all", "visit"],
        attributes="g",
    )
    out = funnel_table(counts, options=NO_SUPPRESSION)  # reference: A, the largest
    b = row(out, "B", "visit")
    # B has 0 of 50: ratio 0, lower limit 0; the upper limit adds 0.5 to each cell:
    # (0.5 / 51) / (10.5 / 201) with se sqrt(1/0.5 - 1/51 + 1/10.5 - 1/201)
    log_rr = math.log((0.5 / 51) / (10.5 / 201))
    se = math.sqrt(1 / 0.5 - 1 / 51 + 1 / 10.5 - 1 / 201)
    assert (b["share_ratio"], b["share_ratio_ci_low"]) == (0.0, 0.0)
    assert b["share_ratio_ci_high"] == pytest.approx(math.exp(log_rr + Z * se), rel=1e-12)
    # reference count 0: no ratio, said so
    zero_ref = funnel_table(counts, reference={"g": "B"}, options=NO_SUPPRESSION)
    a = row(zero_ref, "A", "visit")
    assert np.isnan([a["share_ratio"], a["share_ratio_ci_high"]]).all()
    assert "reference group's share at 'visit' is 0: ratio undefined" in a["note"]


def test_undefined_rates_are_nan_with_a_warning():
    frame = wide_table({"Dutch": COUNTS["Dutch"], "Frisian": [30, 0, 0, 0, 0, 0, 0]})
    counts = funnel_counts_from_table(frame, STAGES, attributes="nationality")
    with pytest.warns(UndefinedRateWarning, match="nationality = Frisian at 'home visit'") as w:
        out = funnel_table(counts, options=NO_SUPPRESSION)
    assert len(w) == 1  # one warning naming every case
    r = row(out, "Frisian", "home visit")
    assert r["share"] == 0.0  # 0 of 30: a defined share
    assert np.isnan([r["transition"], r["transition_ci_low"], r["transition_ratio"]]).all()
    assert "transition undefined: nobody in this group reached 'selected'" in r["note"]
    assert row(out, "Frisian", "selected")["transition"] == 0.0  # 0 of 30 went on
    empty = funnel_counts_from_table(
        pd.DataFrame({"g": ["A", "B"], "all": [20, 0], "visit": [5, 0]}),
        ["all", "visit"],
        attributes="g",
    )
    with pytest.warns(UndefinedRateWarning, match="g = B at 'all'"):
        out = funnel_table(empty, options=NO_SUPPRESSION)
    assert np.isnan(row(out, "B", "all")["share"])
    assert "undefined: nobody in this group (n = 0)" in row(out, "B", "all")["note"]


def test_reference_rules():
    frame = pd.DataFrame({"g": ["A", "B", None], "all": [300, 500, 900], "visit": [30, 40, 50]})
    counts = funnel_counts_from_table(frame, ["all", "visit"], attributes="g")
    out = funnel_table(counts, options=NO_SUPPRESSION)
    # "(missing)" has the most people, but is never picked by a rule: B (500) is
    assert set(out.loc[out["attribute"] == "g", "reference_group"]) == {"B"}
    assert out.loc[out["attribute"] == "(overall)", "reference_group"].isna().all()
    named = funnel_table(counts, reference={"g": "(missing)"}, options=NO_SUPPRESSION)
    assert row(named, "A", "visit")["share_ratio"] == pytest.approx((30 / 300) / (50 / 900))
    only_missing = funnel_counts_from_table(
        pd.DataFrame({"g": [None], "all": [100], "visit": [10]}), ["all", "visit"], attributes="g"
    )
    assert funnel_table(only_missing).loc[2, "reference_group"] == "(missing)"


def test_properties_on_the_example(table):
    rates = ["share", "transition"]
    for r in rates:
        ok = table[r].notna()
        assert ((table.loc[ok, r] >= 0) & (table.loc[ok, r] <= 1)).all()
        assert (table.loc[ok, f"{r}_ci_low"] <= table.loc[ok, r]).all()
        assert (table.loc[ok, r] <= table.loc[ok, f"{r}_ci_high"]).all()
        ok = table[f"{r}_ratio_ci_low"].notna()
        assert (table.loc[ok, f"{r}_ratio_ci_low"] <= table.loc[ok, f"{r}_ratio"]).all()
        assert (table.loc[ok, f"{r}_ratio"] <= table.loc[ok, f"{r}_ratio_ci_high"]).all()


# --------------------------------------------------------------------------- sentences


def test_sentences(table):
    r = row(table, "Moroccan", "home visit")
    assert funnel_sentence(r) == (
        "People with nationality = Moroccan were 3.6 times as likely as those with "
        f"nationality = Dutch to reach 'home visit' (95% CI {r['share_ratio_ci_low']:.1f} to "
        f"{r['share_ratio_ci_high']:.1f}; 54 of 500 reached it)."
    )
    assert funnel_sentence(r, rate="transition").startswith(
        "People with nationality = Moroccan who reached 'selected' were 1.2 times as likely as "
        "those with nationality = Dutch to go on to 'home visit' (95% CI "
    )
    lo, hi = proportion_confint(100, 2000, method="wilson")  # 0.04129 to 0.06045
    assert funnel_sentence(row(table, "Dutch", "selected")) == (
        f"5.0% of people with nationality = Dutch reached 'selected' (95% CI {lo:.1%} to "
        f"{hi:.1%}); Dutch is the reference group for nationality."
    )
    assert funnel_sentence(row(table, "(all)", "selected")).startswith(
        "7.4% of all people reached 'selected'"  # 215 / 2900
    )
    assert funnel_sentence(row(table, "Dutch", "population"), rate="transition") == (
        "'population' is the first stage: everyone, people with nationality = Dutch (2,000 "
        "people), is there."
    )
    with pytest.raises(ValueError, match="rate must be 'share' or 'transition'"):
        funnel_sentence(r, rate="ratio")  # type: ignore[arg-type]


def test_sentence_for_a_suppressed_row_reveals_no_number(counts):
    out = published(marked_table(counts))
    text = funnel_sentence(row(out, "Turkish", "appeal upheld"))
    assert "suppressed" in text
    assert not any(ch.isdigit() for ch in text)


# --------------------------------------------------------------------------- disclosure


def test_complementary_suppression_along_the_margin():
    counts = funnel_counts_from_table(
        pd.DataFrame({"sex": ["F", "M", "X"], "all": [500, 400, 30], "visit": [60, 40, 4]}),
        ["all", "visit"],
        attributes="sex",
    )
    out = marked_table(counts)  # min_cell = 10
    hidden = set(out.loc[out["suppressed"], "group"] + " " + out.loc[out["suppressed"], "stage"])
    # X has 4 visits; 104 - 60 - 40 = 4 would give it back, so the smaller other group
    # (M, 40 < 60) is withheld too
    assert hidden == {"X visit", "M visit"}
    assert "complementary" in row(out, "M", "visit")["note"]
    assert not_recoverable(published(out), counts, 10)


def test_a_row_hidden_with_its_parent_still_reveals_its_count_through_the_next_stage():
    counts = funnel_counts_from_table(
        pd.DataFrame(
            {
                "g": ["A", "B", "C"],
                "all": [500, 400, 300],
                "sel": [100, 55, 40],
                "visit": [60, 50, 30],
                "found": [30, 40, 3],
                "appeal": [15, 20, 2],
            }
        ),
        ["all", "sel", "visit", "found", "appeal"],
        attributes="g",
    )
    out = marked_table(counts)
    hidden = set(out.loc[out["suppressed"], "group"] + " " + out.loc[out["suppressed"], "stage"])
    # primary: C found 3 and C appeal 2; B visit hides 55 selected - 50 visited = 5
    # people. A group's stages are withheld from the deepest up: with B's 'visit' its
    # 'found' and 'appeal' go too (B's appeal row would show B found through its
    # transition, and then C found = 73 - 30 - 40 = 3). B visit = 140 - 60 - C visit,
    # so C visit (300 people, fewer than A's 500) goes too. A stays whole: B + C found =
    # 73 - 30 = 43 and B + C appeal = 37 - 15 = 22 pin neither.
    assert hidden == {"B visit", "B found", "B appeal", "C visit", "C found", "C appeal"}
    assert not out.loc[out["group"] == "A", "suppressed"].any()
    assert not_recoverable(published(out), counts, 10)


def test_suppression_of_the_example(counts):
    out = marked_table(counts, reference={"nationality": "Dutch"})  # min_cell = 10
    hidden = {(g, s) for g, s in out.loc[out["suppressed"], ["group", "stage"]].itertuples(False)}
    # A group's stages are withheld from the deepest up, the two after a visit together.
    # primary: counts of 1..9 (Dutch upheld 4; Moroccan upheld 6; Turkish unfounded 8,
    # so Turkish from 'irregularity found' down, where 20 visits - 12 found = 8 too) and
    # Moroccan 'appeal' (18 found - 10 appealed = 8 stopped at found).
    # complementary, at 'irregularity found': Turkish = 60 - 30 - 18 = 12, so Moroccan
    # (500 people, fewer than Dutch's 2,000) goes too, with its 'visit unfounded'. That
    # is enough: with M + T found = 60 - 30 = 30, M + T unfounded = 74 - 30 = 44 and
    # every visit ending in one of them (54 = M found + M unfounded, 20 = T found + T
    # unfounded), one unknown stays free. Upheld: 11 - D - M - T with all three hidden.
    # Dutch keeps 'irregularity found', 'visit unfounded' and 'appeal' (12).
    assert hidden == {
        ("Dutch", "appeal upheld"),
        *product(["Moroccan", "Turkish"], ["irregularity found", "visit unfounded"]),
        *product(["Moroccan", "Turkish"], ["appeal", "appeal upheld"]),
    }
    notes = out.set_index(["group", "stage"])["note"]
    assert "fewer than 10 people" in notes[("Turkish", "appeal upheld")]
    assert "reached an earlier stage but not this one" in notes[("Turkish", "irregularity found")]
    assert "reached an earlier stage but not this one" in notes[("Moroccan", "appeal")]
    assert "complementary" in notes[("Moroccan", "irregularity found")]
    # the auditor's view keeps the values; the published view blanks them
    assert row(out, "Turkish", "appeal upheld")["count"] == 1
    shown = published(out)
    blank = shown[shown["suppressed"]]
    assert (
        blank[["count", "n", "share", "transition", "share_ratio", "p_value"]].isna().all().all()
    )
    assert (blank["note"].str.startswith("suppressed:")).all()
    assert not_recoverable(shown, counts, 10)


def test_a_small_deep_count_costs_one_complement_at_its_stage():
    """The one solver on a hand-built funnel: only the small count's stage is touched."""
    counts = funnel_counts_from_table(
        pd.DataFrame(
            {
                "g": ["A", "B", "C"],
                "all": [1000, 800, 600],
                "selected": [200, 150, 120],
                "visit": [100, 80, 60],
                "found": [40, 30, 4],
            }
        ),
        ["all", "selected", "visit", "found"],
        attributes="g",
    )
    out = marked_table(counts)  # min_cell = 10
    hidden = set(out.loc[out["suppressed"], "group"] + " " + out.loc[out["suppressed"], "stage"])
    # C found = 4 (primary). Everyone found = 40 + 30 + 4 = 74, so 74 - 40 - 30 would give
    # it back: one more group at 'found' goes, the smaller one (B, 800 people < A's 1,000).
    # Then B + C found = 74 - 40 = 34 and nothing else: every shallower stage (all,
    # selected, visit) of every group, everyone's row and all of A stay published.
    assert hidden == {"C found", "B found"}
    assert "a count of fewer than 10 people" in row(out, "C", "found")["note"]
    assert "complementary" in row(out, "B", "found")["note"]
    assert not_recoverable(published(out), counts, 10)


def test_a_small_count_takes_its_sibling_stage_with_it():
    """Stages at one depth are withheld together (the solver's levels): a small 'found'
    takes the group's 'unfounded' along, which then needs no complement of its own."""
    counts = funnel_counts_from_table(
        pd.DataFrame(
            {
                "g": ["A", "B", "C"],
                "all": [1000, 800, 600],
                "visit": [100, 80, 70],
                "found": [40, 30, 4],
                "unfounded": [60, 50, 56],
            }
        ),
        ["all", "visit", ("found", "visit"), ("unfounded", "visit")],
        attributes="g",
    )
    out = marked_table(counts)
    hidden = set(out.loc[out["suppressed"], "group"] + " " + out.loc[out["suppressed"], "stage"])
    # C found 4 (primary) withholds C unfounded (56; 70 - 56 = 14 is no small count) with
    # it; B found (complement, as above) likewise B unfounded. B + C found = 74 - 40 = 34,
    # B + C unfounded = 166 - 60 = 106, B found + B unfounded = 80 (every B visit ends in
    # one of them; 10 of C's do not): three equations, four unknowns, C found stays free.
    assert hidden == {"C found", "C unfounded", "B found", "B unfounded"}
    assert "withheld with the count at 'found'" in row(out, "C", "unfounded")["note"]
    assert not_recoverable(published(out), counts, 10)


def test_comparisons_with_a_suppressed_reference_are_blanked():
    counts = funnel_counts_from_table(
        pd.DataFrame({"g": ["A", "B", "C"], "all": [500, 400, 300], "visit": [5, 40, 30]}),
        ["all", "visit"],
        attributes="g",
    )
    shown = published(marked_table(counts))  # A (the largest) has 5 visits
    b = row(shown, "B", "visit")
    assert b["count"] == 40 and not b["suppressed"]
    assert np.isnan([b["share_ratio"], b["transition_ratio"], b["p_value"]]).all()
    assert "the reference group's counts are suppressed" in b["note"]
    assert not_recoverable(shown, counts, 10)


def test_min_cell_zero_turns_suppression_off(counts):
    assert not funnel_table(counts, options=NO_SUPPRESSION)["suppressed"].any()


def not_recoverable(shown: pd.DataFrame, counts: FunnelCounts, min_cell: int) -> bool:
    """True when no protected count can be computed exactly from the published table.

    Unknowns: every count (overall and each group at each stage). What the published
    table pins down, row by row: the count; the group size (``n``); the parent count
    (the transition's interval depends on it); for a shown comparison, the reference
    group's counts at the stage, the first stage and the parent stage. Identities: at
    each stage the groups of every attribute sum to the overall count. A quantity is
    computable exactly when its vector lies in the row space of these equations.
    Protected: counts of 1..min_cell - 1 and differences of 1..min_cell - 1 between a
    group's count at a stage and at an earlier stage of the same branch.

    A reader may also guess that the stages right below a stage split it (every home
    visit ends in "irregularity found" or "visit unfounded"): wherever that holds in the
    data, it is an identity too, and 1..min_cell - 1 people who stopped at a branching
    stage are protected.
    """
    table = counts.table
    keys = list(zip(table["attribute"], table["group"], table["stage"], strict=True))
    index = {k: i for i, k in enumerate(keys)}
    value = dict(zip(keys, table["count"], strict=True))
    parent, root = dict(counts.stages), counts.stages[0][0]
    known: set[tuple[str, str, str]] = set()
    for r in shown.itertuples(index=False):
        if not np.isnan(r.count):
            known.add((r.attribute, r.group, r.stage))
        if not np.isnan(r.n):
            known.add((r.attribute, r.group, root))
        if not np.isnan(r.transition_ci_low):
            known.add((r.attribute, r.group, parent[r.stage]))
        if isinstance(r.reference_group, str) and not (
            np.isnan(r.share_ratio_ci_low) and np.isnan(r.transition_ratio_ci_low)
        ):
            for s in (r.stage, root, parent[r.stage]):
                known.add((r.attribute, r.reference_group, s))
    equations = [np.eye(len(keys))[index[k]] for k in known]
    attributes = [a for a in dict.fromkeys(table["attribute"]) if a != "(overall)"]
    for stage, _ in counts.stages:
        for a in attributes:
            eq = np.zeros(len(keys))
            eq[index[("(overall)", "(all)", stage)]] = 1
            for k in keys:
                if k[0] == a and k[2] == stage:
                    eq[index[k]] = -1
            equations.append(eq)
    below = {s: [c for c, p in parent.items() if p == s] for s in parent}
    protected = []
    for a, g, s in keys:
        if below[s]:
            rest = np.eye(len(keys))[index[(a, g, s)]].copy()
            for c in below[s]:
                rest[index[(a, g, c)]] -= 1
            stopped = value[(a, g, s)] - sum(value[(a, g, c)] for c in below[s])
            if stopped == 0:
                equations.append(rest)
            elif 1 <= stopped < min_cell and len(below[s]) > 1:
                protected.append(rest)
    system = np.array(equations)
    rank = np.linalg.matrix_rank(system)

    def computable(vector: np.ndarray) -> bool:
        return np.linalg.matrix_rank(np.vstack([system, vector])) == rank

    ancestors = {s: [] for s in parent}
    for s in parent:
        up = parent[s]
        while up is not None:
            ancestors[s].append(up)
            up = parent[up]
    if any(computable(v) for v in protected):
        return False
    for k in keys:
        if 1 <= value[k] < min_cell and computable(np.eye(len(keys))[index[k]]):
            return False
        for up in ancestors[k[2]]:
            other = (k[0], k[1], up)
            if 1 <= value[other] - value[k] < min_cell:
                vector = np.eye(len(keys))[index[other]] - np.eye(len(keys))[index[k]]
                if computable(vector):
                    return False
    return True


def test_the_oracle_sees_a_recoverable_count(counts):
    """The check above is not vacuous: publishing everything reveals the small counts."""
    everything = funnel_table(counts, options=NO_SUPPRESSION)
    assert not not_recoverable(everything, counts, 10)
    # hiding only the small counts (no complementary suppression) is not enough either:
    # Turkish 'irregularity found' = 60 - 30 - 18 = 12 reveals 20 - 12 = 8 unfounded...
    naive = everything.copy()
    small = naive["count"].between(1, 9)
    naive["suppressed"] = small
    assert not not_recoverable(published(naive), counts, 10)
    # nor is complementary suppression along the margins alone: with Moroccan found and
    # Dutch unfounded hidden as complements, 54 - 36 = 18 and 60 - 30 = 30 give them back
    margins_only = {
        ("Dutch", "appeal upheld"),
        ("Moroccan", "appeal"),
        ("Moroccan", "appeal upheld"),
        ("Turkish", "irregularity found"),
        ("Turkish", "visit unfounded"),
        ("Turkish", "appeal"),
        ("Turkish", "appeal upheld"),
        ("Moroccan", "irregularity found"),
        ("Dutch", "visit unfounded"),
    }
    keys = zip(naive["group"], naive["stage"], strict=True)
    naive["suppressed"] = [k in margins_only for k in keys]
    assert not not_recoverable(published(naive), counts, 10)


def test_two_attributes_do_not_give_away_each_others_withheld_totals():
    """Everyone is shared by the attributes' blocks: a total one block withholds must not
    be computable in the other (found by the random test below)."""
    frame = pd.DataFrame(
        [["g0", "g0", 3, 0], ["g0", "g1", 0, 0], ["g1", "g0", 1, 1], ["g1", "g1", 3, 3]],
        columns=["a0", "a1", "all", "selected"],
    )
    counts = funnel_counts_from_table(frame, ["all", "selected"], attributes=["a0", "a1"])
    out = marked_table(counts, options=StatsOptions(min_cell=3))
    # a1: g0 selected = 1 (primary); a1's g1 has everyone selected (3 of 3), so its
    # 'selected' is its size, and only everyone's 'selected' (4) can protect g0's. But a0
    # gives everyone's 'selected' as g0 + g1 = 0 + 4 (a0's g1: 4 of 4, its size again):
    # a0 must withhold its groups' sizes too, or 4 - 3 = 1 comes back.
    assert row(out, "(all)", "selected")["suppressed"]
    a0 = out[out["attribute"] == "a0"]
    assert a0["suppressed"].all()
    assert not_recoverable(published(out), counts, 3)


@pytest.mark.parametrize("seed", [9, 64, 95, 105])
def test_overlapping_branches_keep_small_counts_out_of_reach(seed):
    """With a yes/no column per stage a person may reach both branches (an appeal and a
    complaint): a stage's count minus its branches' can be negative. Still nothing small
    comes back (seeds that once leaked)."""
    rng = np.random.default_rng(seed)
    n = 150
    g = rng.choice(["x", "y", "z"], size=n, p=[0.6, 0.3, 0.1])
    h = rng.choice(["u", "v"], size=n)
    visit = rng.random(n) < 0.5
    appeal = visit & (rng.random(n) < 0.5)
    complaint = visit & (rng.random(n) < 0.4)
    records = pd.DataFrame(
        {
            "g": g,
            "h": h,
            "visit": visit.astype(int),
            "appeal": appeal.astype(int),
            "complaint": complaint.astype(int),
        }
    )
    counts = funnel_counts(
        records,
        ["g", "h"],
        ["all", "visit", ("appeal", "visit"), ("complaint", "visit")],
        stage_columns={"visit": "visit", "appeal": "appeal", "complaint": "complaint"},
    )
    min_cell = int(rng.choice([3, 5, 10]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedRateWarning)
        out = marked_table(counts, options=StatsOptions(min_cell=min_cell))
    assert not_recoverable(published(out), counts, min_cell)


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    groups=st.lists(st.integers(1, 3), min_size=1, max_size=2),
    min_cell=st.sampled_from([3, 5, 10]),
)
def test_no_suppressed_count_can_be_recomputed(data, groups, min_cell):
    """Random funnels (a branch at 'home visit'), one or two attributes over the same
    people: every published table keeps every protected count out of reach."""
    tree = ["all", "selected", "visit", ("found", "visit"), ("unfounded", "visit")]
    # people as cells of the attributes' product, each with its own stage counts
    cells = list(product(*[range(k + 1) for k in groups]))
    rows = []
    for cell in cells:
        total = data.draw(st.integers(0, 40))
        sel = data.draw(st.integers(0, total))
        visit = data.draw(st.integers(0, sel))
        found = data.draw(st.integers(0, visit))
        # often every visit ends in found or unfounded (the siblings split their parent)
        split = data.draw(st.booleans())
        unfounded = visit - found if split else data.draw(st.integers(0, visit - found))
        rows.append([*(f"g{v}" for v in cell), total, sel, visit, found, unfounded])
    attrs = [f"a{i}" for i in range(len(groups))]
    frame = pd.DataFrame(rows, columns=[*attrs, "all", "selected", "visit", "found", "unfounded"])
    if frame["all"].sum() == 0:
        return
    counts = funnel_counts_from_table(frame, tree, attributes=attrs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedRateWarning)
        out = marked_table(counts, options=StatsOptions(min_cell=min_cell))
    assert not_recoverable(published(out), counts, min_cell)
    # and the sums hold: every attribute's groups add up to the overall count
    t = counts.table
    overall = t[t["attribute"] == "(overall)"].set_index("stage")["count"]
    for a in attrs:
        pd.testing.assert_series_equal(
            t[t["attribute"] == a].groupby("stage")["count"].sum().reindex(overall.index),
            overall,
            check_names=False,
        )


# --------------------------------------------------------------------------- errors


def problems_of(excinfo) -> list[str]:
    return [p.message for p in excinfo.value.problems_list]


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ([], "expected a list of stage names in order"),
        ("population", "expected a list of stage names in order"),
        ([("population", "x"), "selected"], "the first stage is everyone in the group"),
        (["population", ("visit", "selected")], "the parent 'selected' of stage 'visit' must be"),
        (["population", "visit", "visit"], "stage 'visit' is listed twice"),
        (["population", " "], "stage names must not be blank"),
        (["population", 3], "expected a stage name or a (name, parent) pair; got 3"),
    ],
)
def test_stage_problems(stages, message):
    with pytest.raises(ConfigError) as info:
        funnel_counts(people(), "nationality", stages, stage_column="stage")
    assert any(message in p for p in problems_of(info)), problems_of(info)
    with pytest.raises(ConfigError):
        funnel_counts_from_table(wide_table(), stages, attributes="nationality")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give exactly one of stage_column"),
        ({"stage_column": "stage", "stage_columns": BY_FLAGS}, "give exactly one of"),
        ({"stage_columns": {**BY_FLAGS, "hearing": "h"}}, "'hearing' is not a stage"),
        (
            {"stage_columns": {s: c for s, c in BY_FLAGS.items() if s != "appeal"}},
            "no column for stage(s) 'appeal'",
        ),
        (
            {"stage_columns": {**BY_FLAGS, "appeal": "at selected"}},
            "a column is used for two stages",
        ),
        ({"stage_column": "stage", "missing": "skip"}, "missing: expected one of"),
        ({"stage_column": "nationality"}, "is also a protected attribute"),
    ],
)
def test_record_option_problems(kwargs, message):
    with pytest.raises(ConfigError) as info:
        funnel_counts(people(), "nationality", STAGES, **kwargs)
    assert any(message in p for p in problems_of(info)), problems_of(info)


def test_attributes_must_be_named():
    with pytest.raises(ConfigError, match="expected one or more column names"):
        funnel_counts(people(), [], STAGES, stage_column="stage")
    with pytest.raises(ConfigError, match="an attribute is listed twice"):
        funnel_counts(people(), ["nationality"] * 2, STAGES, stage_column="stage")


def test_missing_columns_are_listed():
    with pytest.raises(RecordsError) as info:
        funnel_counts(people(), ["nat", "sex"], STAGES, stage_column="furthest")
    found = problems_of(info)
    assert len(found) == 3
    assert found[0].startswith("column 'nat' (protected attribute): not found; available: ")
    assert found[2].startswith("column 'furthest' (stage): not found")


def test_stage_values_that_are_not_stages():
    records = people()
    records.loc[[5, 9], "stage"] = "home vist"
    records.loc[7, "stage"] = None
    with pytest.raises(RecordsError) as info:
        funnel_counts(records, "nationality", STAGES, stage_column="stage")
    found = problems_of(info)
    assert found[0].startswith(
        "column 'stage': 2 rows with value 'home vist' (first at row 6), not a stage; stages: "
    )
    assert found[1] == (
        "column 'stage': 1 row with no value (first at row 8); every row needs the furthest "
        "stage it reached ('population' for people who went no further)"
    )
    assert info.value.problems["reason"].tolist() == ["unknown_value", "missing_value"]


def test_yes_no_problems_and_skipped_stages():
    records = people()
    records["at selected"] = records["at selected"].astype(object)
    records.loc[3, "at selected"] = "maybe"
    records.loc[4, "at appeal"] = None
    visited = records.index[records["at home visit"] == "yes"][:2]
    records.loc[visited, "at selected"] = "no"  # visited without being selected
    with pytest.raises(RecordsError) as info:
        funnel_counts(records, "nationality", STAGES, stage_columns=BY_FLAGS)
    found = problems_of(info)
    assert (
        "column 'at selected': 1 row with value 'maybe' (first at row 4), not yes/no" in (found[0])
    )
    assert found[1].startswith("column 'at appeal': 1 row with no value (first at row 5)")
    assert found[2].startswith(
        "column 'at home visit': 2 rows are yes at stage 'home visit' but no at its parent "
        "stage 'selected' (e.g. row "
    )
    assert info.value.problems["reason"].tolist()[-1] == "skipped_stage"


def test_a_first_stage_column_must_say_yes():
    records = people()
    records["everyone"] = "yes"
    records.loc[0, "everyone"] = "no"
    with pytest.raises(RecordsError, match="1 row say no at the first stage 'population'"):
        funnel_counts(
            records, "nationality", STAGES, stage_columns={**BY_FLAGS, "population": "everyone"}
        )
    records.loc[0, "everyone"] = "1"
    got = funnel_counts(
        records, "nationality", STAGES, stage_columns={**BY_FLAGS, "population": "everyone"}
    )
    assert got.table["count"].iat[0] == 2900


def test_missing_policy_error_and_empty_data():
    records = people()
    records.loc[2, "nationality"] = None
    with pytest.raises(RecordsError, match=r"column 'nationality': 1 missing values \(first"):
        funnel_counts(records, "nationality", STAGES, stage_column="stage", missing="error")
    with pytest.raises(RecordsError, match="the data has no rows"):
        funnel_counts(records.head(0), "nationality", STAGES, stage_column="stage")
    nobody = records.head(3).assign(nationality=None)
    with pytest.raises(RecordsError, match="no rows left"):
        funnel_counts(nobody, "nationality", STAGES, stage_column="stage", missing="drop")


def table_problems(frame: pd.DataFrame, **kwargs) -> list[str]:
    kwargs.setdefault("attributes", "nationality")
    with pytest.raises(RecordsError) as info:
        funnel_counts_from_table(frame, STAGES, **kwargs)
    return problems_of(info)


def test_impossible_counts_in_a_table_are_collected():
    frame = wide_table().astype(dict.fromkeys(NAMES, object))
    frame.loc[0, "selected"] = -100  # negative (and then smaller than its child)
    frame.loc[1, "home visit"] = 54.5
    frame.loc[2, "appeal"] = 13  # more appeals (13) than irregularities found (12)
    frame.loc[2, "selected"] = None
    frame.loc[1, "population"] = "many"
    # a blank is a suppressed cell by default (as in a table of counts); not here
    found = table_problems(frame, suppressed=["x"])
    assert found == [
        "stage column(s) 'selected': 1 row with a count that is blank, e.g. None (row 3, "
        "stage 'selected'); a blank is not a suppression marker here: add '' to suppressed, "
        "or fill the cell in",
        "stage column(s) 'population': 1 row with a count that is not a number, e.g. 'many' "
        "(row 2, stage 'population'); counts must be numbers; if it marks a suppressed cell, "
        "add it to suppressed, or write '<k' for 'fewer than k'",
        "stage column(s) 'selected': 1 row with a count that is negative, e.g. -100 (row 1, "
        "stage 'selected'); counts of people are >= 0",
        "stage column(s) 'home visit': 1 row with a count that is not a whole number, e.g. "
        "54.5 (row 2, stage 'home visit'); counts of people are whole numbers (for counts "
        "rounded to a base, declare rounding; weighted counts are not supported)",
        "stage 'appeal': 1 group(s) with more people than at its parent stage 'irregularity "
        "found', e.g. nationality = 'Turkish': 13 > 12 (row 3); a stage counts people who also "
        "reached the stage above it",
    ]


def test_a_stage_larger_than_its_parent():
    frame = wide_table()
    frame.loc[0, "home visit"] = 101  # Dutch: 101 visits, 100 selected
    assert table_problems(frame) == [
        "stage 'home visit': 1 group(s) with more people than at its parent stage 'selected', "
        "e.g. nationality = 'Dutch': 101 > 100 (row 1); a stage counts people who also reached "
        "the stage above it"
    ]


def test_missing_and_unknown_stages_in_tables():
    found = table_problems(wide_table().drop(columns=["appeal", "selected"]))
    assert [p.split(";")[0] for p in found] == [
        "stage 'selected': no column of that name",
        "stage 'appeal': no column of that name",
    ]
    long = wide_table().melt(id_vars="nationality", var_name="stage", value_name="count")
    # melted stage by stage: row 9 is Dutch 'irregularity found', row 7 Moroccan 'home visit'
    long.loc[9, "stage"] = "apeal"  # a typo: an unknown stage, and a stage missing for Dutch
    long = long.drop(index=[7])  # Moroccan has no 'home visit' row
    found = table_problems(long, layout="long")
    assert found[0].startswith(
        # data row 9 of the table given: one row above it was dropped
        "column 'stage': 1 row with a stage not in the funnel, e.g. 'apeal' (row 9); "
    )
    assert found[1] == (
        "2 group(s) lack a row for some stage, e.g. nationality = 'Dutch' has no row for "
        "'irregularity found'; give a count (0 if nobody) for every group and stage"
    )
    found = table_problems(long[["nationality", "stage"]], layout="long")
    assert found[0].startswith("column 'count': not found; columns: 'nationality', 'stage'")


def test_repeated_rows_and_totals_that_differ():
    twice = pd.concat([wide_table(), wide_table().head(1)], ignore_index=True)
    assert table_problems(twice)[0].startswith(
        "7 rows repeat a group and stage given earlier, e.g. nationality = 'Dutch', stage "
        "'population' (row 4); give each once"
    )
    tidy = pd.concat(
        [
            wide_table().rename(columns={"nationality": "group"}).assign(attribute="nat"),
            pd.DataFrame(
                [["F", *COUNTS["Dutch"]], ["M", *COUNTS["Turkish"]]], columns=["group", *NAMES]
            ).assign(attribute="sex"),
        ],
        ignore_index=True,
    )
    found = table_problems(tidy, attributes=None, attribute_column="attribute")
    assert found == [
        "the groups of 'sex' sum to 2,400 at stage 'population' but those of 'nat' to 2,900; "
        "every attribute must cover the same people (add the missing people as a group, e.g. "
        "'(missing)')"
    ]
    tidy.loc[0, "attribute"] = None
    assert table_problems(tidy, attributes=None, attribute_column="attribute")[0] == (
        "column 'attribute': 7 rows without an attribute name (first at row 1); fill them in"
    )


def test_table_option_problems():
    with pytest.raises(ConfigError, match="give exactly one of attributes"):
        funnel_counts_from_table(wide_table(), STAGES)
    with pytest.raises(ConfigError, match="give exactly one of attributes"):
        funnel_counts_from_table(
            wide_table(), STAGES, attributes="nationality", attribute_column="a"
        )
    with pytest.raises(ConfigError, match="layout: expected one of 'wide', 'long'; got 'tall'"):
        funnel_counts_from_table(
            wide_table(),
            STAGES,
            attributes="nationality",
            layout="tall",  # type: ignore[arg-type]
        )


def test_a_table_from_another_dataframe_library(counts):
    got = funnel_counts_from_table(pl.from_pandas(wide_table()), STAGES, attributes="nationality")
    pd.testing.assert_frame_equal(got.table, counts.table)


def test_an_empty_table():
    with pytest.raises(RecordsError, match="the table has no rows of counts"):
        funnel_counts_from_table(wide_table().head(0), STAGES, attributes="nationality")


def test_reference_and_option_problems(counts):
    with pytest.raises(ConfigError) as info:
        funnel_table(counts, reference={"nat": "Dutch", "nationality": "most_favourable"})
    found = problems_of(info)
    assert found[0].startswith("reference.nat: not an attribute of these counts")
    assert "'most_favourable' has no meaning for a funnel" in found[1]
    with pytest.raises(ConfigError, match="expected a group name or 'largest'; got 3"):
        funnel_table(counts, reference={"nationality": 3})  # type: ignore[dict-item]
    with pytest.raises(RecordsError, match="reference group 'Frisian' for 'nationality' is not"):
        funnel_table(counts, reference={"nationality": "Frisian"})
    with pytest.raises(ConfigError, match=r"stats.min_cell: expected a whole number >= 0"):
        funnel_table(counts, options=StatsOptions(min_cell=-1))


def test_hand_built_counts_are_checked(counts):
    tree = counts.stages
    good = counts.table
    dutch = good["group"] == "Dutch"
    visit = dutch & (good["stage"] == "home visit")
    cases = {
        "no column 'count'": good.drop(columns="count"),
        "exactly one row per stage": good[~(dutch & (good["stage"] == "selected"))],
        "the first rows must be the '(overall)' counts": good.iloc[::-1],
        "counts must be whole numbers >= 0": good.assign(count=good["count"] - 0.5),
        "stage 'home visit': 1 group(s) with more people than at its parent stage 'selected', "
        "e.g. attribute = 'nationality', group = 'Dutch': 500 > 100; a stage": good.assign(
            count=np.where(visit, 500, good["count"])
        ),
    }
    for message, table in cases.items():
        with pytest.raises(RecordsError) as info:
            funnel_table(FunnelCounts(table, tree))
        assert any(message in p for p in problems_of(info)), (message, problems_of(info))
