"""Profiles: exact scorecard contributions, one-at-a-time effects, plain sentences."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from biasaudit import RecordsError
from biasaudit.probe import Model, as_model, grid, score_profiles, scorecard_from_dict
from biasaudit.synthetic import PROBE_TRUTH, probe_model

BASE = {
    "gender": "M",
    "language_level": 4,
    "income": 1.5,
    "has_children": 0,
    "months_on_benefit": 12,
}


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_scorecard_profiles_have_exact_contributions_and_sentences():
    card = as_model(scorecard_from_dict({**PROBE_TRUTH, "link": "logistic"}))
    profiles = pd.DataFrame(
        [
            {"profile": "man", **BASE},
            {"profile": "single mother", **BASE, "gender": "F", "has_children": 1},
        ]
    )
    out = score_profiles(card, profiles)
    # man: -1.2 - 1.8 - 0.75 + 0.12 = -3.63; single mother: -3.63 + 0.6 + 0.4 = -2.63
    man, mother = _sigmoid(-3.63), _sigmoid(-2.63)
    t = out.table.set_index("profile")
    assert t.loc["single mother", "score"] == pytest.approx(mother)
    assert t.loc["single mother", "base_score"] == pytest.approx(man)
    assert out.sentences == [
        f"Profile 'single mother' (gender F, has_children 1) scores {mother:.2f} against "
        f"{man:.2f} for 'man' (gender M, has_children 0), otherwise identical."
    ]
    c = out.contributions
    mine = c[c["profile"] == "single mother"].set_index("variable")["contribution"]
    assert mine["gender"] == pytest.approx(0.6) and mine["has_children"] == pytest.approx(0.4)
    assert mine.sum() == pytest.approx(-2.63)


def test_other_models_get_one_at_a_time_effects():
    model = as_model(probe_model())
    table = grid(BASE, {"gender": ["F", "M"], "language_level": [1]})
    assert table["profile"].tolist() == ["base", "gender = F", "language_level = 1"]
    out = score_profiles(model, table)
    c = out.contributions.set_index(["profile", "variable"])["contribution"]
    eta = -1.2 - 1.8 - 0.75 + 0.12
    assert c[("gender = F", "gender")] == pytest.approx(_sigmoid(eta + 0.6) - _sigmoid(eta))
    assert c[("language_level = 1", "language_level")] == pytest.approx(
        _sigmoid(eta + 3 * 0.45) - _sigmoid(eta)
    )


def test_bad_profiles_are_clear_errors():
    model = Model.from_callable(lambda d: d["x"] * 1.0, features=["x"])
    with pytest.raises(RecordsError, match="names used twice: a"):
        score_profiles(model, pd.DataFrame({"profile": ["a", "a"], "x": [1, 2]}))
    with pytest.raises(RecordsError, match="base profile 'c' not found"):
        score_profiles(model, pd.DataFrame({"profile": ["a", "b"], "x": [1, 2]}), base="c")
    with pytest.raises(RecordsError, match="'x': column not found"):
        score_profiles(model, pd.DataFrame({"profile": ["a"], "y": [1]}))
