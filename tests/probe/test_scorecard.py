"""Scorecards and their rules: hand-computed scores, exact contributions, clear errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from biasaudit import ConfigError
from biasaudit.probe import RuleSyntaxError, load_model, parse_rule, read_scorecard
from biasaudit.synthetic import probe_scorecard_text

PROFILES = pd.DataFrame(
    {
        "gender": ["F", "M", "F"],
        "language_level": [4, 4, 1],
        "income": [1.0, 1.0, 0.5],
        "has_children": [1, 0, 1],
        "months_on_benefit": [10, 10, 100],
    }
)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_scorecard_reproduces_hand_computed_scores(tmp_path):
    path = tmp_path / "card.toml"
    path.write_text(probe_scorecard_text(), encoding="utf-8")
    model = load_model(path)
    assert model.kind == "scorecard"
    assert len(model.sha256) == 64
    # by hand from the printed coefficients:
    # F, level 4, income 1.0, children, 10 months: -1.2 + 0.6 - 1.8 - 0.5 + 0.4 + 0.1 = -2.4
    # M, level 4, income 1.0, no children, 10 months: -1.2 - 1.8 - 0.5 + 0.1 = -3.4
    # F, level 1, income 0.5, children, 100 months: -1.2 + 0.6 - 0.45 - 0.25 + 0.4 + 1.0 = 0.1
    expected = [_sigmoid(-2.4), _sigmoid(-3.4), _sigmoid(0.1)]
    assert model.score(PROFILES) == pytest.approx(expected, abs=1e-12)
    assert [round(x, 4) for x in expected] == [0.0832, 0.0323, 0.525]
    contributions = model.scorecard.contributions(PROFILES)
    assert contributions.loc[0].to_dict() == pytest.approx(
        {
            "intercept": -1.2,
            "language_level": -1.8,
            "income": -0.5,
            "has_children": 0.4,
            "months_on_benefit": 0.1,
            "gender": 0.6,
        }
    )
    assert contributions.sum(axis=1).tolist() == pytest.approx([-2.4, -3.4, 0.1])


def test_rules_add_points_or_set_the_score(tmp_path):
    # DUO-style: a rule list, no coefficients but the rules
    path = tmp_path / "duo.toml"
    path.write_text(
        """
[[rules]]
when = "education = 'MBO' and distance_to_parents < 5"
score = 1.0
label = "high risk"

[[rules]]
when = "age < 21 or education in ('VO', 'MBO')"
add = 0.25
""",
        encoding="utf-8",
    )
    model = load_model(path)
    df = pd.DataFrame(
        {
            "education": ["MBO", "MBO", "HBO", "VO", None],
            "distance_to_parents": [2.0, 8.0, 1.0, 30.0, 1.0],
            "age": [30, 30, 19, 30, 30],
        }
    )
    # row 1: high risk (score 1); row 2: MBO far away: 0.25; row 3: age 19: 0.25;
    # row 4: VO: 0.25; row 5: nothing recorded matches: 0
    assert model.score(df).tolist() == [1.0, 0.25, 0.25, 0.25, 0.0]
    assert set(model.features) == {"education", "distance_to_parents", "age"}


def test_rule_parser():
    frame = pd.DataFrame({"a": [1, 2, 3, None], "b": ["x", "y", "x", "x"]})
    cases = {
        "a >= 2": [False, True, True, False],
        "a = 2 or b == 'x'": [True, True, True, True],
        "not (b = 'x')": [False, True, False, False],
        "b not in ('y') and a != 3": [True, False, False, False],
        'a <= 1 or (a > 2 and b = "x")': [True, False, True, False],
    }
    for text, want in cases.items():
        assert parse_rule(text).evaluate(frame).tolist() == want, text
    for text in ["a >", "a = 'x' and", "(a = 1", "a ~ 2", "import os", "a = b"]:
        with pytest.raises(RuleSyntaxError):
            parse_rule(text)


def test_csv_scorecard(tmp_path):
    path = tmp_path / "card.csv"
    path.write_text(
        "variable,level,coefficient\nintercept,,-1\nlink,logistic,\nx,,2\ng,F,0.5\ng,M,0\n",
        encoding="utf-8",
    )
    card = read_scorecard(path)
    df = pd.DataFrame({"x": [1.0], "g": ["F"]})
    assert card.score(df) == pytest.approx([_sigmoid(-1 + 2 + 0.5)])


def test_bad_scorecards_list_every_problem(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        'intercept = "high"\nlink = "probit"\ncolour = 1\n[numeric]\nx = "a lot"\n'
        '[[rules]]\nwhen = "x >"\nadd = 1\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        read_scorecard(path)
    text = str(err.value)
    assert err.value.problems.shape[0] == 6  # and: no usable variable left
    for needle in ("intercept", "probit", "colour", "numeric.x", "rules[1].when"):
        assert needle in text


def test_scorecard_checks_levels_against_the_data(tmp_path):
    path = tmp_path / "card.toml"
    path.write_text(
        "intercept = 0\n[levels.gender]\nFemale = 1.0\nM = 0.0\n[numeric]\nincome = 1\n",
        encoding="utf-8",
    )
    model = load_model(path)
    df = pd.DataFrame({"gender": ["F", "M"], "income": ["1.5", "lots"]})
    problems = model.check(df)
    reasons = sorted(p.reason for p in problems)
    assert reasons == ["level_not_in_data", "not_numeric", "unknown_level"]
    assert any("'Female'" in p.message for p in problems)
    assert np.isnan(model.scorecard.contributions(df)["gender"].iloc[0])
