"""Linked sources: decisions in one file, protected attributes in another, joined on
an id (issue 14). The oracle is a plain pandas merge done by hand in each test."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pandas as pd
import pytest

from biasaudit import ConfigError, RecordsError, audit
from biasaudit.audits._config import load_config, run_config
from biasaudit.cli._main import main

ROLES = {"flagged": "flag", "outcome": "fraud"}


@pytest.fixture(scope="module")
def sources() -> tuple[pd.DataFrame, pd.DataFrame]:
    """300 decisions and an attribute table that misses some of them, holds people
    with no decision, and has one row without an id."""
    rng = np.random.default_rng(14)
    n = 300
    decisions = pd.DataFrame(
        {
            "case_id": [f"P{i:04d}" for i in range(n)],
            "flag": rng.choice(["1", "0"], n, p=[0.3, 0.7]),
            "fraud": rng.choice(["1", "0"], n, p=[0.2, 0.8]),
        }
    )
    decisions.loc[7, "case_id"] = None  # a decision without an id cannot be linked
    people = [f"P{i:04d}" for i in range(n) if i % 9 != 4]  # every 9th decision unlinked
    people += [f"Q{i:03d}" for i in range(25)]  # people without a decision
    attributes = pd.DataFrame(
        {
            "person_id": people,
            "sex": rng.choice(["F", "M"], len(people)),
            "origin": rng.choice(["NL", "MA", "TR"], len(people)),
        }
    )
    attributes.loc[len(attributes)] = [None, "F", "NL"]  # an attribute row without an id
    return decisions, attributes


def merged_by_hand(decisions: pd.DataFrame, attributes: pd.DataFrame) -> pd.DataFrame:
    """The oracle: an inner merge on the id, done with pandas."""
    left = decisions.dropna(subset=["case_id"])
    right = attributes.dropna(subset=["person_id"])
    return left.merge(right, left_on="case_id", right_on="person_id", how="inner")


def run_linked(decisions, attributes, **kw):
    return audit(
        decisions,
        roles=ROLES,
        groups=["sex", "origin"],
        link={"data": attributes, "on": ("case_id", "person_id")},
        min_cell=0,
        **kw,
    )


def test_counts_and_ledger_match_a_pandas_merge(sources):
    decisions, attributes = sources
    merged = merged_by_hand(decisions, attributes)
    result = run_linked(decisions, attributes)
    led = result.ledger
    assert led.rows_read == len(decisions) == 300
    assert led.rows_analysed == len(merged)
    # 33 ids i % 9 == 4 plus the blank id (row 8) find no attributes
    assert led.rows_excluded == 300 - len(merged) == 34
    assert led.excluded == (("no match for its 'case_id' in the attribute table", 34),)
    notes = " | ".join(led.notes)
    known = attributes["person_id"].dropna()
    lonely = int((~known.isin(decisions["case_id"].dropna())).sum())
    assert lonely == 26  # the 25 Q ids and P0007, whose decision has no id
    assert f"{lonely} rows of the attribute table match no decision" in notes
    assert "1 row of the attribute table without an id" in notes
    for attr in ("sex", "origin"):
        sel = result.metric("selection_rate", attr).set_index("group")
        for group, part in merged.groupby(attr):
            assert sel.loc[group, "numerator"] == (part["flag"] == "1").sum()
            assert sel.loc[group, "denominator"] == len(part)
        fpr = result.metric("false_positive_rate", attr).set_index("group")
        for group, part in merged.groupby(attr):
            innocent = part[part["fraud"] == "0"]
            assert fpr.loc[group, "value"] == pytest.approx((innocent["flag"] == "1").mean())


@pytest.mark.parametrize("engine", ["pandas", "polars", "pyarrow", "duckdb"])
def test_every_engine_links_the_same_files(tmp_path, sources, engine):
    decisions, attributes = sources
    decisions.to_csv(tmp_path / "decisions.csv", index=False)
    attributes.to_csv(tmp_path / "attributes.csv", index=False)
    merged = merged_by_hand(decisions, attributes)
    result = audit(
        tmp_path / "decisions.csv",
        roles=ROLES,
        groups=["sex"],
        link={"data": tmp_path / "attributes.csv", "on": ("case_id", "person_id")},
        engine=engine,
        min_cell=0,
    )
    assert result.ledger.rows_analysed == len(merged)
    assert result.ledger.excluded == (("no match for its 'case_id' in attributes.csv", 34),)
    sel = result.metric("selection_rate", "sex").set_index("group")
    expected = merged.groupby("sex")["flag"].apply(lambda f: (f == "1").sum())
    assert sel["numerator"].to_dict() == pytest.approx(expected.to_dict())
    link = result.source.to_dict()["link"]
    assert link["name"] == "attributes.csv" and len(link["sha256"]) == 64


def test_duplicate_ids_in_the_attribute_table_are_named(sources):
    decisions, attributes = sources
    twice = pd.concat([attributes, attributes.iloc[[3, 3, 10]]], ignore_index=True)
    with pytest.raises(RecordsError) as info:
        run_linked(decisions, twice)
    (problem,) = info.value.problems_list
    assert problem.reason == "duplicate_link_id"
    assert problem.value == attributes.loc[3, "person_id"] == "P0003"
    assert problem.row == 4  # data rows count from 1
    assert "2 ids appear more than once (5 rows)" in problem.message


def test_a_column_in_both_sources_and_missing_keys_are_listed_together(sources):
    decisions, attributes = sources
    both = decisions.assign(sex="F")
    with pytest.raises(RecordsError) as info:
        audit(
            both,
            roles=ROLES,
            groups=["sex"],
            link={"data": attributes.drop(columns="person_id"), "on": ("case", "person_id")},
        )
    reasons = sorted(p.reason for p in info.value.problems_list)
    assert reasons == ["ambiguous_column", "column_not_found", "column_not_found"]


def test_row_numbers_stay_those_of_the_decision_file(sources):
    decisions, attributes = sources
    bad = decisions.copy()
    bad.loc[41, "flag"] = "perhaps"
    with pytest.raises(RecordsError) as info:
        run_linked(bad, attributes)
    (problem,) = info.value.problems_list
    assert problem.row == 42 and problem.value == "perhaps"


def test_missing_error_ignores_unlinked_rows_but_not_blank_attributes(sources):
    decisions, attributes = sources
    result = run_linked(decisions, attributes, missing="error")  # unlinked rows: no error
    assert result.ledger.rows_excluded == 34
    blank = attributes.copy()
    blank.loc[0, "sex"] = None
    with pytest.raises(RecordsError, match="1 missing values"):
        run_linked(decisions, blank, missing="error")


def test_config_link_section_and_cli(tmp_path, sources):
    decisions, attributes = sources
    (tmp_path / "data").mkdir()
    decisions.to_csv(tmp_path / "data" / "decisions.csv", index=False)
    attributes.to_csv(tmp_path / "data" / "attributes.csv", index=False, sep=";")
    config = tmp_path / "audit.toml"
    config.write_text(
        textwrap.dedent(
            """
            [data]
            path = "data/decisions.csv"
            [link]
            path = "data/attributes.csv"
            on = ["case_id", "person_id"]
            delimiter = ";"
            [roles]
            flagged = "flag"
            outcome = "fraud"
            [groups]
            attributes = ["origin"]
            [output]
            dir = "out"
            """
        ),
        encoding="utf-8",
    )
    result = run_config(load_config(config))
    merged = merged_by_hand(decisions, attributes)
    assert result.ledger.rows_analysed == len(merged)
    assert main(["audit", str(config)]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["input"]["link"]["name"] == "attributes.csv"


def test_config_link_problems_are_collected(tmp_path):
    (tmp_path / "decisions.csv").write_text("flag,sex\n1,F\n", encoding="utf-8")
    config = tmp_path / "audit.toml"
    config.write_text(
        '[data]\npath = "decisions.csv"\n[link]\npath = "nope.csv"\non = 5\nfrom = 1\n'
        '[roles]\nflagged = "flag"\n[groups]\nattributes = ["sex"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(config)
    reasons = sorted(p.reason for p in info.value.problems_list)
    assert reasons == ["file_not_found", "invalid", "unknown_key"]


def test_duckdb_relations_link_on_the_default_connection_and_others_are_named(sources):
    import duckdb

    decisions, attributes = sources
    merged = merged_by_hand(decisions, attributes)
    on_default = duckdb.sql("select * from decisions")
    result = run_linked(on_default, attributes)
    assert result.ledger.rows_analysed == len(merged)
    con = duckdb.connect()
    con.register("decisions_view", decisions)
    with pytest.raises(RecordsError) as info:
        run_linked(con.sql("select * from decisions_view"), attributes)
    assert "DuckDB's default connection" in str(info.value)
    con.close()
