"""Audits by period (issue 18, question 3): the period role, side-by-side results per
period, the change table, the engines, the bundled before/after scenario, aggregated
tables with several datasets, and every bad input named.

Oracles: each period's rows are the audit of that period's rows alone (run separately,
with the same reference group), the pooled rows are the audit without a period, and
the bundled scenario's ground truth (truth.csv).
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import biasaudit
from biasaudit import ConfigError, RecordsError, UndefinedRateWarning
from biasaudit.metrics import CHANGE_COLUMNS

REPO = Path(__file__).resolve().parents[2]
ROLES = {"flagged": "flag", "investigated": "inv", "outcome": "fraud", "period": "year"}
COMPARED = [
    "value",
    "ci_low",
    "ci_high",
    "lower_bound",
    "upper_bound",
    "numerator",
    "denominator",
    "n",
    "reference_group",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "difference",
    "p_value",
    "p_adjusted",
    "detectable_ratio",
]


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    """Three years; women flagged twice as often as men in 2021, as often in 2023."""
    rng = np.random.default_rng(18)
    parts = []
    for year, bias in (("2021", 2.0), ("2022", 1.5), ("2023", 1.0)):
        n = 900
        sex = rng.choice(["F", "M"], n, p=[0.45, 0.55])
        nat = rng.choice(["NL", "MA", "TR"], n, p=[0.6, 0.25, 0.15])
        flag = rng.random(n) < np.where(sex == "F", 0.1 * bias, 0.1)
        inv = flag & (rng.random(n) < 0.9)
        fraud = rng.random(n) < 0.3
        parts.append(
            pd.DataFrame(
                {
                    "year": year,
                    "sex": sex,
                    "nat": nat,
                    "flag": np.where(flag, "yes", "no"),
                    "inv": np.where(inv, "yes", "no"),
                    "fraud": np.where(inv, np.where(fraud, "yes", "no"), ""),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def run(data, **kw):
    kw.setdefault("min_cell", 0)
    return biasaudit.audit(
        data,
        roles=kw.pop("roles", ROLES),
        groups=["sex", "nat"],
        intersections=[["sex", "nat"]],
        bootstrap_samples=100,
        **kw,
    )


@pytest.fixture(scope="module")
def result(records):
    return run(records)


def test_layout(result):
    t = result.table
    assert list(t.columns) == ["dataset", *biasaudit.TABLE_COLUMNS]
    assert list(dict.fromkeys(t["dataset"])) == ["(all periods)", "2021", "2022", "2023"]
    assert result.change is not None
    assert result.change.periods == ("2021", "2022", "2023")
    assert result.change.column == "year" and result.change.compare == "previous"
    assert list(result.change.table.columns) == CHANGE_COLUMNS
    pairs = result.change.table[["period_from", "period_to"]].drop_duplicates()
    assert pairs.values.tolist() == [["2021", "2022"], ["2022", "2023"]]
    assert "periods ('year'): 2021, 2022, 2023" in " ".join(result.ledger.notes)


@pytest.mark.parametrize("year", ["2021", "2022", "2023"])
def test_each_period_is_the_audit_of_its_rows(records, result, year):
    alone = run(
        records[records["year"] == year].drop(columns="year"),
        roles={k: v for k, v in ROLES.items() if k != "period"},
        reference={"sex": "M", "nat": "NL", "sex × nat": "M × NL"},
    )
    mine = result.table[result.table["dataset"] == year].drop(columns="dataset")
    pd.testing.assert_frame_equal(
        mine[["attribute", "group", "metric", *COMPARED]].reset_index(drop=True),
        alone.table[["attribute", "group", "metric", *COMPARED]].reset_index(drop=True),
        check_dtype=False,  # text columns: object or str, whatever pandas made of them
    )


def test_the_pooled_rows_are_the_audit_without_a_period(records, result):
    alone = run(records, roles={k: v for k, v in ROLES.items() if k != "period"})
    assert "dataset" not in alone.table.columns and alone.change is None
    assert "changes" not in alone.to_dict() and "periods" not in alone.to_dict()
    pooled = result.table[result.table["dataset"] == "(all periods)"].drop(columns="dataset")
    pd.testing.assert_frame_equal(pooled.reset_index(drop=True), alone.table, check_dtype=False)
    pd.testing.assert_frame_equal(result.counts.table, alone.counts.table)


def test_the_change_table_compares_the_periods_rows(result):
    t, changes = result.table, result.change.table
    row = changes[
        (changes["attribute"] == "sex")
        & (changes["group"] == "F")
        & (changes["metric"] == "selection_rate")
        & (changes["period_from"] == "2021")
    ].iloc[0]

    def cell(year, group, column):
        part = t[
            (t["dataset"] == year)
            & (t["attribute"] == "sex")
            & (t["group"] == group)
            & (t["metric"] == "selection_rate")
        ]
        return float(part[column].iloc[0])

    assert row["value_from"] == cell("2021", "F", "value")
    assert row["value_change"] == pytest.approx(
        cell("2022", "F", "value") - cell("2021", "F", "value")
    )
    assert row["ratio_change"] == pytest.approx(
        cell("2022", "F", "ratio") / cell("2021", "F", "ratio")
    )
    tested = changes[changes["p_value"].notna()]
    assert set(tested["metric"]) == {"selection_rate", "false_discovery_rate"}  # headline
    assert (tested["group"] != tested["reference_group"]).all()


def test_published_changes_and_json(result):
    published = result.published_changes()
    assert list(published.columns) == CHANGE_COLUMNS
    data = result.to_dict()
    assert data["periods"] == {
        "column": "year",
        "periods": ["2021", "2022", "2023"],
        "compare": "previous",
    }
    assert len(data["changes"]) == len(published)


ENGINES = [
    pytest.param(lambda df: pl.from_pandas(df), id="polars"),
    pytest.param(lambda df: pl.from_pandas(df).lazy(), id="polars-lazy"),
    pytest.param(lambda df: pa.Table.from_pandas(df, preserve_index=False), id="pyarrow"),
    pytest.param(lambda df: duckdb.from_df(df), id="duckdb"),
]


@pytest.mark.parametrize("convert", ENGINES)
def test_engines_give_the_same_tables(records, result, convert):
    # the year as a number on the other engines: read as text, the same periods
    numeric = records.assign(year=records["year"].astype(int))
    got = run(convert(numeric))
    pd.testing.assert_frame_equal(got.table, result.table)
    pd.testing.assert_frame_equal(got.change.table, result.change.table)


def test_disclosure_marks_the_periods_together(records):
    # a few men of nationality TR in 2023 only: small per-period counts
    df = records[
        ~((records["year"] == "2023") & (records["nat"] == "TR") & (records["sex"] == "M"))
    ]
    extra = records[
        (records["year"] == "2023") & (records["nat"] == "TR") & (records["sex"] == "M")
    ]
    df = pd.concat([df, extra.head(4)], ignore_index=True)
    with pytest.warns(UndefinedRateWarning, match=r"M × TR \(2023\)"):
        r = run(df, min_cell=10)
    t = r.table
    small = t[
        (t["dataset"] == "2023") & (t["attribute"] == "sex × nat") & (t["group"] == "M × TR")
    ]
    assert small["suppressed"].all()
    assert small["note"].str.contains("primary").all()
    # its change rows are withheld when published
    changes = r.change.table
    mine = changes[(changes["attribute"] == "sex × nat") & (changes["group"] == "M × TR")]
    assert mine.loc[mine["period_to"] == "2023", "suppressed"].all()
    published = r.published_changes()
    hidden = published[(published["attribute"] == "sex × nat") & (published["group"] == "M × TR")]
    assert hidden.loc[hidden["period_to"] == "2023", "value_to"].isna().all()


def test_weighted_periods_use_each_periods_weights(records):
    df = records.assign(w=np.where(records.index % 3 == 0, 2.0, 1.0))
    r = run(df, roles={**ROLES, "weight": "w"})
    mine = r.table[r.table["dataset"] == "2022"].drop(columns="dataset").reset_index(drop=True)
    alone = run(
        df[df["year"] == "2022"].drop(columns="year"),
        roles={**{k: v for k, v in ROLES.items() if k != "period"}, "weight": "w"},
        reference={"sex": "M", "nat": "NL", "sex × nat": "M × NL"},
    )
    pd.testing.assert_frame_equal(mine[COMPARED], alone.table[COMPARED], check_dtype=False)


# ----------------------------------------------------------------- bad input


def test_period_column_missing(records):
    with pytest.raises(RecordsError, match=r"role period 'yr': column not found; available"):
        run(records, roles={**ROLES, "period": "yr"})


def test_one_period_only(records):
    one = records[records["year"] == "2022"]
    with pytest.raises(RecordsError) as exc:
        run(one)
    assert exc.value.problems_list[0].reason == "one_period"
    assert "every analysed row is in one period ('2022')" in str(exc.value)


def test_missing_period_values_name_the_row(records):
    df = records.copy()
    df.loc[[5, 9], "year"] = None
    with pytest.raises(RecordsError, match=r"2 rows have no period \(first at row 6\)"):
        run(df)


def test_labels_without_an_order(records):
    df = records.assign(
        year=records["year"].map({"2021": "before", "2022": "after", "2023": "after"})
    )
    with pytest.raises(RecordsError, match=r"hold no number or date.*\[change\] order"):
        run(df)
    r = run(df, change={"order": ["before", "after"]})
    assert r.change.periods == ("before", "after")
    assert list(dict.fromkeys(r.table["dataset"])) == ["(all periods)", "before", "after"]
    with pytest.raises(RecordsError, match=r"'after' are not in \[change\] order"):
        run(df, change={"order": ["before", "later"]})


def test_version_is_the_period_role(records):
    roles = {k: v for k, v in ROLES.items() if k != "period"}
    r = run(records, roles={**roles, "version": "year"})
    assert r.spec.roles.period == "year" and r.change is not None
    with pytest.raises(ConfigError, match="roles.version: the same role as roles.period"):
        run(records, roles={**ROLES, "version": "year"})


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"change": {"compare": "last"}}, "change.compare: expected one of 'previous', 'first'"),
        ({"change": {"metrics": ["share_of_flagged"]}}, "is a share of everyone"),
        ({"change": {"order": ["2021"]}}, "change.order: expected two or more periods"),
        ({"change": {"when": 1}}, "change.when: unknown key"),
        ({"threshold": {"top_fraction": 0.1}}, "top_k and top_fraction would take"),
        ({"roles": {**ROLES, "sample": "s", "score": "s2"}}, "not available with a random audit"),
        ({"roles": {**ROLES, "period": "sex"}}, "'sex' is already the period column"),
    ],
)
def test_config_problems(records, kw, message):
    with pytest.raises(ConfigError, match=message):
        run(records, **kw)


def test_change_without_a_period(records):
    roles = {k: v for k, v in ROLES.items() if k != "period"}
    with pytest.raises(ConfigError, match="change: compares periods; name the period column"):
        run(records, roles=roles, change={"compare": "first"})


# ----------------------------------------------------- the bundled scenario


@pytest.fixture(scope="module")
def before_after():
    folder = REPO / "datasets" / "before-after"
    records = pd.read_csv(folder / "decisions.csv", dtype=str, keep_default_na=False)
    result = biasaudit.audit(
        records,
        roles={"flagged": "flagged", "investigated": "investigated", "outcome": "outcome",
               "period": "year"},
        groups=["gender", "migration_background"],
        reference={"gender": "M", "migration_background": "none"},
        metrics=["selection_rate"],
        bootstrap_samples=100,
    )  # fmt: skip
    return result, pd.read_csv(folder / "truth.csv", dtype={"year": str})


def test_the_planted_change_is_found(before_after):
    result, truth = before_after
    changes = result.published_changes().set_index(["attribute", "group"])
    women = changes.loc[("gender", "F")]
    assert women["p_adjusted"] < 0.001 and women["ratio_change"] < 1
    # the true ratio of ratios (truth.csv: every person's flag) lies in the interval
    rates = truth[truth["metric"] == "selection_rate"].set_index(["year", "attribute", "group"])
    true = {y: rates.loc[(y, "gender", "F"), "value"] / rates.loc[(y, "gender", "M"), "value"]
            for y in ("2022", "2023")}  # fmt: skip
    assert (
        women["ratio_change_ci_low"] < true["2023"] / true["2022"] < women["ratio_change_ci_high"]
    )
    assert women["ratio_from"] == pytest.approx(
        true["2022"], rel=1e-4
    )  # the records are the population
    # the migration bias was left as it was: no change found
    for group in ("non-western", "western"):
        assert changes.loc[("migration_background", group), "p_adjusted"] > 0.05


def test_nothing_is_suppressed_in_the_bundled_scenario(before_after):
    result, _ = before_after
    assert not result.table["suppressed"].any()
    assert not result.change.table["suppressed"].any()


# --------------------------------------------------- aggregated tables


def test_aggregated_datasets_get_the_change_table():
    table = pd.DataFrame(
        {
            "year": ["2022"] * 3 + ["2023"] * 3,
            "gender": ["F", "M", "Total"] * 2,
            "n": [400, 600, 1000, 420, 580, 1000],
            "flagged": ["60", "<10", "65", "40", "42", "82"],
        }
    )
    r = biasaudit.audit_counts(
        table, groups=["gender"], dataset="year", reference={"gender": "M"}, min_cell=0
    )
    assert r.change is not None and r.change.periods == ("2022", "2023")
    changes = r.change.table.set_index(["group", "metric"])
    # 2022: M's 5 flagged pinned by the total (65 - 60): exact, so compared
    women = changes.loc[("F", "selection_rate")]
    assert women["ratio_from"] == pytest.approx((60 / 400) / (5 / 600))
    assert women["ratio_change"] == pytest.approx(
        ((40 / 420) / (42 / 580)) / ((60 / 400) / (5 / 600))
    )
    assert women["value_change"] == pytest.approx(40 / 420 - 60 / 400)
    # an order naming the datasets the other way round
    back = biasaudit.audit_counts(
        table, groups=["gender"], dataset="year", min_cell=0,
        change={"order": ["2023", "2022"], "compare": "first"},
    )  # fmt: skip
    assert back.change.periods == ("2023", "2022")


def test_aggregated_ranges_are_not_compared():
    table = pd.DataFrame(
        {
            "year": ["2022"] * 4 + ["2023"] * 4,
            "gender": ["F", "M", "X", "Total"] * 2,
            "n": [400, 580, 20, 1000, 420, 560, 20, 1000],
            "flagged": ["60", "<10", "<10", "70", "40", "42", "3", "85"],
        }
    )
    r = biasaudit.audit_counts(
        table, groups=["gender"], dataset="year", reference={"gender": "F"}, min_cell=0
    )
    changes = r.change.table.set_index(["group", "metric"])
    m = changes.loc[("M", "selection_rate")]
    assert math.isnan(m["value_change"]) and m["note"] == "only a range in 2022"


# ----------------------------------------------------- through the whole audit


def _audit_counts(rng: np.random.Generator, planted: bool) -> pd.DataFrame:
    """Records as counts per year, group and flag: a reference R and groups A, B, C with
    the same disparity in both years (everyone flagged 25% more often in 2022), or B's
    ratio cut from 2.0 to 1.0 when ``planted``."""
    groups = {"R": (3000, 0.08), "A": (1500, 0.12), "B": (600, 0.16), "C": (200, 0.10)}
    rows = []
    for year, shift in (("2021", 1.0), ("2022", 1.25)):
        for group, (n, rate) in groups.items():
            p = rate * shift if not (planted and group == "B" and year == "2022") else 0.1
            k = int(rng.binomial(n, p))
            rows += [(year, group, "yes", k), (year, group, "no", n - k)]
    return pd.DataFrame(rows, columns=["year", "group", "flag", "people"])


@pytest.mark.slow
@pytest.mark.parametrize("planted", [False, True])
def test_the_whole_audit_holds_its_level_and_finds_a_change(planted):
    """A small simulation through ``audit`` (the real-sized one is
    benchmarks/change_type1.py): no change, and the unadjusted tests reject about 5% of
    the time and the Holm-adjusted family rarely; B's ratio halved, and it is found."""
    rng = np.random.default_rng(180 + planted)
    raw, family, found = [], [], []
    for _ in range(100):
        r = biasaudit.audit(
            _audit_counts(rng, planted),
            roles={"flagged": "flag", "count": "people", "period": "year"},
            groups="group",
            reference={"group": "R"},
            metrics=["selection_rate"],
            min_cell=0,
            bootstrap_samples=100,
        )
        t = r.change.table.dropna(subset=["p_value"]).set_index("group")
        raw += list(t["p_value"])
        family.append(bool((t["p_adjusted"] < 0.05).any()))
        found.append(bool(t.loc["B", "p_adjusted"] < 0.05))
    raw_rate, family_rate = np.mean(np.array(raw) < 0.05), np.mean(family)
    print(
        f"planted={planted}: per test {raw_rate:.3f} ({len(raw)} tests), family {family_rate:.3f}, B found {np.mean(found):.3f}"
    )
    if planted:
        assert np.mean(found) > 0.9
    else:
        se = math.sqrt(0.05 * 0.95 / len(raw))
        assert abs(raw_rate - 0.05) < 4 * se
        assert family_rate < 0.05 + 4 * math.sqrt(0.05 * 0.95 / len(family))
