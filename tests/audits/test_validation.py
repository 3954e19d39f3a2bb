"""Every problem in the data is collected into one RecordsError that names the
column, the row, the value and the fix."""

from __future__ import annotations

import re

import numpy as np
import pytest

from biasaudit import RecordsError, audit

ROLES = {"flagged": "flag", "investigated": "inv", "outcome": "fraud"}


def problems_of(df, **kwargs) -> RecordsError:
    kwargs.setdefault("roles", ROLES)
    kwargs.setdefault("groups", ["sex"])
    with pytest.raises(RecordsError) as info:
        audit(df, **kwargs)
    return info.value


def test_every_problem_is_collected_into_one_error(small_records):
    df = small_records.copy()
    df.loc[3, "flag"] = "maybe"  # unmapped decision code, row 4
    df.loc[6, "fraud"] = "no"  # outcome for someone never investigated
    df.loc[7, "inv"] = "X"  # unmapped investigation code, row 8
    err = problems_of(df)
    text = str(err)
    assert text.startswith("3 problems in decision records")
    assert "column 'fraud' (outcome): 1 row has an outcome but was never investigated" in text
    assert (
        "column 'flag' (flagged): 1 row with value 'maybe' not in the codes (first at row 4)"
        in text
    )
    assert (
        "column 'inv' (investigated): 1 row with value 'X' not in the codes (first at row 8)"
        in text
    )
    assert "add it to [codes] flagged" in text
    table = err.problems
    assert list(table.columns) == ["row", "column", "value", "reason"]
    assert sorted(table["reason"]) == [
        "outcome_without_investigation",
        "unmapped_code",
        "unmapped_code",
    ]
    assert sorted(table["row"].dropna().tolist()) == [4, 7, 8]  # row 7: the outcome


def test_outcome_without_investigation_is_an_error(small_records):
    df = small_records.copy()
    df.loc[6, "fraud"] = "no"
    err = problems_of(df)
    text = str(err)
    assert "column 'fraud' (outcome): 1 row has an outcome but was never investigated" in text
    # issue 14: the row and its values are named (row 7 is index 6, written above)
    assert "(first at row 7: inv = 'no', fraud = 'no')" in text
    assert err.problems_list[0].row == 7
    assert err.problems_list[0].value == {"inv": "no", "fraud": "no"}


def test_missing_columns_are_listed_with_what_is_available(small_records):
    err = problems_of(
        small_records, roles={"flagged": "flagged", "outcome": "fraud_found"}, groups=["gender"]
    )
    text = str(err)
    assert "3 problems" in text
    assert "role flagged 'flagged': column not found; available: 'case', 'sex', 'flag'" in text
    assert "role outcome 'fraud_found': column not found" in text
    assert "protected attribute 'gender': column not found" in text
    assert set(err.problems["reason"]) == {"column_not_found"}


def test_non_numeric_scores_name_an_example_and_its_row(small_records):
    df = small_records.assign(score=["0.1", "0.2", "n/a", "0.4", "0.5"] * 2)
    text = str(problems_of(df, roles={**ROLES, "score": "score"}))
    assert "column 'score' (score): 1 value is not a number, e.g. 'n/a' (row 3)" in text


def test_missing_and_negative_weights(small_records):
    df = small_records.assign(w=[1.0, np.nan, 2.0, -1.0, 1, 1, 1, 1, 1, 1])
    text = str(problems_of(df, roles={**ROLES, "weight": "w"}))
    assert "column 'w' (weight): 1 missing weights" in text
    assert "column 'w' (weight): 1 negative weights" in text
    # issue 14: row and value named (index 3 is row 4, index 1 row 2)
    assert "1 negative weights, e.g. -1.0 (first at row 4)" in text
    assert "1 missing weights (first at row 2)" in text


def test_infinite_weights_and_scores_name_row_and_value(small_records):
    df = small_records.assign(
        w=[1.0, 1, 1, 1, np.inf, 1, 1, 1, 1, 1], s=[0.1] * 8 + [-np.inf, 0.3]
    )
    err = problems_of(df, roles={**ROLES, "weight": "w", "score": "s"})
    text = str(err)
    assert "column 'w' (weight): 1 row with an infinite value, e.g. inf (row 5)" in text
    assert "column 's' (score): 1 row with an infinite value, e.g. -inf (row 9)" in text
    assert sorted(err.problems["reason"]) == ["infinite_score", "infinite_weight"]


def test_a_non_numeric_score_hides_no_other_problem(small_records):
    # issue 14: before, the score problem was raised alone
    df = small_records.assign(score=["0.1", "0.2", "n/a", "0.4", "0.5"] * 2)
    df.loc[3, "flag"] = "maybe"
    df.loc[6, "fraud"] = "no"
    err = problems_of(df, roles={**ROLES, "score": "score"})
    assert sorted(err.problems["reason"]) == [
        "not_numeric",
        "outcome_without_investigation",
        "unmapped_code",
    ]
    assert sorted(err.problems["row"].tolist()) == [3, 4, 7]


def test_a_score_threshold_on_non_numeric_scores_still_checks_the_rest(small_records):
    df = small_records.assign(score=["0.1", "0.2", "n/a", "0.4", "0.5"] * 2)
    df.loc[7, "inv"] = "X"
    roles = {"score": "score", "investigated": "inv", "outcome": "fraud"}
    err = problems_of(df, roles=roles, threshold={"score_at_least": 0.3})
    assert sorted(err.problems["reason"]) == ["not_numeric", "unmapped_code"]


def test_missing_decision_values_are_an_error(small_records):
    df = small_records.copy()
    df.loc[2, "flag"] = None
    text = str(problems_of(df))
    assert "column 'flag' (flagged): 1 row with value missing (blank)" in text
    assert "every row needs a flagged value" in text


def test_many_unmapped_values_are_summarised(small_records):
    df = small_records.assign(flag=[f"v{i}" for i in range(10)])
    err = problems_of(df)
    assert "5 more unmapped values not shown" in str(err)


def test_duplicate_ids(small_records):
    df = small_records.copy()
    df.loc[4, "case"] = "c1"
    text = str(problems_of(df, roles={**ROLES, "id": "case"}))
    assert "column 'case' (id): 1 id appears more than once (2 rows), e.g. 'c1' (row 2)" in text


def test_empty_file_is_an_error(small_records):
    text = str(problems_of(small_records.iloc[:0]))
    assert "the data has no rows" in text


def test_nobody_flagged_is_an_error(small_records):
    df = small_records.assign(flag="no", inv="no", fraud=None)
    assert "nobody is flagged" in str(problems_of(df))


def test_threshold_selecting_nobody_is_an_error(small_records):
    df = small_records.assign(score=np.linspace(0, 0.9, 10))
    err = problems_of(
        df,
        roles={"score": "score", "outcome": "fraud", "investigated": "inv"},
        threshold={"score_at_least": 2.0},
    )
    assert "the threshold selects nobody (flagged = score >= 2)" in str(err)


def test_missing_scores_cannot_derive_a_flag(small_records):
    df = small_records.assign(score=[0.1, None, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    err = problems_of(df, roles={"score": "score", "investigated": "inv"}, threshold={"top_k": 2})
    assert "column 'score' (score): 1 missing scores" in str(err)
    assert err.problems["row"].tolist() == [2]


def test_missing_group_values_policy_error(small_records):
    df = small_records.copy()
    df.loc[5, "sex"] = None
    err = problems_of(df, missing="error")
    assert "column 'sex': 1 missing values (first at row 6)" in str(err)
    assert "missing = 'as_group'" in str(err)


def test_too_many_groups(small_records):
    err = problems_of(small_records, groups=["case"], roles=ROLES, max_groups=5)
    assert "column 'case': 10 distinct values, more than max_groups = 5" in str(err)


def test_named_reference_group_must_exist(small_records):
    err = problems_of(small_records, reference={"sex": "X"})
    assert "reference group 'X' for 'sex' is not in the data; groups: 'F', 'M'" in str(err)


def test_messages_are_one_line_each_with_a_bullet(small_records):
    df = small_records.assign(flag="?", inv="?")
    lines = str(problems_of(df)).splitlines()
    assert re.match(
        r"^\d+ problems? in decision records \(in-memory pandas.DataFrame, 10 rows\):$", lines[0]
    )
    assert all(line.startswith("* ") for line in lines[1:])


def test_unlisted_outcome_and_sample_codes_are_errors_not_unknown():
    """Regression: an unlisted text code used to fall back to the blank's meaning."""
    import pandas as pd

    import biasaudit

    df = pd.DataFrame(
        {
            "g": ["a", "b", "a", "b"],
            "flag": [1, 1, 0, 0],
            "fraud": ["yes", "perhaps", "", ""],
            "sample": ["model", "model", "modell", "none"],
        }
    )
    with pytest.raises(biasaudit.RecordsError) as err:
        biasaudit.audit(
            df, roles={"flagged": "flag", "outcome": "fraud", "sample": "sample"}, groups="g"
        )
    text = str(err.value)
    assert "value 'perhaps' not in the codes" in text
    assert "value 'modell' not in the codes" in text
