"""Bounds under assumptions over whole people (issue 14).

Oracle: brute-force enumeration of every way of filling in the unknown outcomes of
small populations, person count by person count, keeping the fillings-in under which
every group (and everyone) satisfies the assumptions as stated; the rates are
computed from their textbook formulas here, never by biasaudit.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import biasaudit
from biasaudit import RecordsError

ROLES = {"flagged": "flag", "outcome": "fraud", "investigated": "seen"}

#: rate = numerator / denominator over the completed cells
RATES = {
    "base_rate": (("tp", "fn"), ("tp", "fp", "fn", "tn")),
    "precision": (("tp",), ("tp", "fp")),
    "false_discovery_rate": (("fp",), ("tp", "fp")),
    "false_positive_rate": (("fp",), ("fp", "tn")),
    "innocent_flag_rate": (("fp",), ("tp", "fp", "fn", "tn")),
    "false_negative_rate": (("fn",), ("fn", "tp")),
    "true_positive_rate": (("tp",), ("tp", "fn")),
    "true_negative_rate": (("tn",), ("tn", "fp")),
    "false_omission_rate": (("fn",), ("fn", "tn")),
    "negative_predictive_value": (("tn",), ("fn", "tn")),
    "accuracy": (("tp", "tn"), ("tp", "fp", "fn", "tn")),
}


def _records(cells: dict[tuple[str, ...], dict[str, int]], attributes: list[str]) -> pd.DataFrame:
    """One row per person: known tp/fp/fn/tn, and fu (flagged) / uu (unflagged) people
    nobody investigated."""
    rows = []
    kinds = {
        "tp": (1, 1, "yes"),
        "fp": (1, 1, "no"),
        "fn": (0, 1, "yes"),
        "tn": (0, 1, "no"),
        "fu": (1, 0, ""),
        "uu": (0, 0, ""),
    }
    for key, counts in cells.items():
        for kind, k in counts.items():
            flag, seen, fraud = kinds[kind]
            rows += [(*key, flag, seen, fraud)] * k
    return pd.DataFrame(rows, columns=[*attributes, "flag", "seen", "fraud"])


def _oracle(cells, attributes, unknown_rate, max_base=None):
    """Smallest and largest value of each rate of each group over every admissible
    whole-number filling-in (None when no filling-in is admissible)."""
    keys = list(cells)
    ranges = [
        [(xf, xu) for xf in range(cells[k]["fu"] + 1) for xu in range(cells[k]["uu"] + 1)]
        for k in keys
    ]
    groups = {("(overall)", "(all)"): keys}
    for i, attr in enumerate(attributes):
        for value in sorted({k[i] for k in keys}):
            groups[(attr, value)] = [k for k in keys if k[i] == value]
    a, b = unknown_rate
    found: dict = {}
    for choice in itertools.product(*ranges):
        filled = dict(zip(keys, choice, strict=True))
        totals = {}
        for group, members in groups.items():
            c = {
                x: sum(cells[k][x] for k in members) for x in ("tp", "fp", "fn", "tn", "fu", "uu")
            }
            xf = sum(filled[k][0] for k in members)
            xu = sum(filled[k][1] for k in members)
            n = sum(c.values())
            ok = (
                a * c["fu"] <= xf + 1e-12
                and xf <= b * c["fu"] + 1e-12
                and a * c["uu"] <= xu + 1e-12
                and xu <= b * c["uu"] + 1e-12
                and (max_base is None or c["tp"] + c["fn"] + xf + xu <= max_base * n + 1e-12)
            )
            if not ok:
                break
            totals[group] = {
                "tp": c["tp"] + xf,
                "fp": c["fp"] + c["fu"] - xf,
                "fn": c["fn"] + xu,
                "tn": c["tn"] + c["uu"] - xu,
            }
        else:
            for group, t in totals.items():
                for name, (num, den) in RATES.items():
                    d = sum(t[x] for x in den)
                    if d:
                        v = sum(t[x] for x in num) / d
                        lo, hi = found.get((*group, name), (np.inf, -np.inf))
                        found[(*group, name)] = (min(lo, v), max(hi, v))
    return found


def _audit(cells, attributes, assumptions):
    return biasaudit.audit(
        _records(cells, attributes),
        roles=ROLES,
        groups=attributes,
        min_cell=0,
        assumptions=assumptions,
        metrics=list(RATES),
    ).table.set_index(["attribute", "group", "metric"])


#: Group A: 13 people, B: 16. Under the assumptions below A may have exactly 1 fraud
#: among its 3 flagged unknowns (0.3 to 1.05) and B 1 among its 4 (0.4 to 1.4).
ONE_ATTRIBUTE = {
    ("A",): {"tp": 1, "fp": 2, "fn": 0, "tn": 0, "fu": 3, "uu": 7},
    ("B",): {"tp": 2, "fp": 1, "fn": 0, "tn": 0, "fu": 4, "uu": 9},
}


def test_bounds_are_attained_by_whole_people():
    """Before: the continuous relaxation, e.g. A's false negative rate from 0.255 to
    0.653 (0.3 and 2.45 people), where every filling-in of whole people gives 1 / 3:
    1 of its 3 flagged unknowns and so (at most 30% of 13 people guilty) 1 of its 7
    unflagged."""
    rates = (0.1, 0.35)
    got = _audit(
        ONE_ATTRIBUTE, ["g"], {"unlabelled_fraud_rate": list(rates), "max_base_rate": 0.3}
    )
    truth = _oracle(ONE_ATTRIBUTE, ["g"], rates, max_base=0.3)
    assert truth, "the example admits fillings-in"
    checked = 0
    for key, (lo, hi) in truth.items():
        row = got.loc[key]
        assert (row["lower_bound"], row["upper_bound"]) == pytest.approx((lo, hi)), key
        assert "outer bounds" not in row["note"]
        checked += 1
    assert checked == 3 * len(RATES)
    fnr = got.loc[("g", "A", "false_negative_rate")]
    assert (fnr["lower_bound"], fnr["upper_bound"], fnr["value"]) == pytest.approx((1 / 3,) * 3)


def test_everyone_respects_each_groups_assumption():
    """A and B each have 2 flagged people with no known outcome; at most 35% of them
    committed fraud: 0.7 of a person, so nobody in either group. Everyone's 4 would
    allow 1.4, so 1 person, if the groups were ignored (before: precision of everyone
    up to (3 + 1.4) / 10)."""
    cells = {
        ("A",): {"tp": 1, "fp": 2, "fn": 0, "tn": 1, "fu": 2, "uu": 0},
        ("B",): {"tp": 2, "fp": 1, "fn": 0, "tn": 1, "fu": 2, "uu": 0},
    }
    got = _audit(cells, ["g"], {"unlabelled_fraud_rate": [0, 0.35]})
    everyone = got.loc[("(overall)", "(all)", "precision")]
    assert everyone["upper_bound"] == pytest.approx(3 / 10)
    truth = _oracle(cells, ["g"], (0, 0.35))
    assert truth[("(overall)", "(all)", "precision")] == pytest.approx((3 / 10, 3 / 10))


def test_no_whole_number_filling_in_is_an_error():
    """2 flagged people with no known outcome, between 30% and 40% of them guilty:
    0.6 to 0.8 of a person, no whole number (before: bounds were published)."""
    cells = {("A",): {"tp": 1, "fp": 2, "fn": 0, "tn": 3, "fu": 2, "uu": 0}}
    assert _oracle(cells, ["g"], (0.3, 0.4)) == {}
    with pytest.raises(RecordsError, match="no way to fill in the unknown outcomes of"):
        _audit(cells, ["g"], {"unlabelled_fraud_rate": [0.3, 0.4]})


TWO_ATTRIBUTES = {
    ("A", "x"): {"tp": 1, "fp": 1, "fn": 0, "tn": 0, "fu": 2, "uu": 3},
    ("A", "y"): {"tp": 0, "fp": 2, "fn": 0, "tn": 0, "fu": 1, "uu": 3},
    ("B", "x"): {"tp": 1, "fp": 0, "fn": 0, "tn": 0, "fu": 2, "uu": 2},
    ("B", "y"): {"tp": 1, "fp": 1, "fn": 0, "tn": 0, "fu": 3, "uu": 2},
}


def test_several_attributes_give_outer_bounds_that_say_so():
    """With two attributes a group's bound may need a filling-in that a group of the
    other attribute rules out: the bounds contain the enumerated range and the note
    calls them outer bounds."""
    rates = (0.2, 0.6)
    got = _audit(TWO_ATTRIBUTES, ["g", "h"], {"unlabelled_fraud_rate": list(rates)})
    truth = _oracle(TWO_ATTRIBUTES, ["g", "h"], rates)
    assert truth
    for key, (lo, hi) in truth.items():
        row = got.loc[key]
        assert row["lower_bound"] <= lo + 1e-12 and hi - 1e-12 <= row["upper_bound"], key
        if row["lower_bound"] != row["upper_bound"]:
            assert "outer bounds" in row["note"], key
    # without assumptions every group's extremes are attained: exact, no such note
    plain = _audit(TWO_ATTRIBUTES, ["g", "h"], None)
    assert not plain["note"].str.contains("outer bounds").any()


def test_the_hit_rate_note_says_what_its_bounds_cover():
    """Precision is among the investigated (1 of 3 in A); with at least 80% of the 5
    flagged unknowns guilty the bounds for all 8 flagged start at (1 + 4) / 8, above
    the value: the note says the bounds are for all flagged."""
    cells = {("A",): {"tp": 1, "fp": 2, "fn": 0, "tn": 1, "fu": 5, "uu": 2}}
    got = _audit(cells, ["g"], {"unlabelled_fraud_rate": [0.8, 1]})
    row = got.loc[("g", "A", "precision")]
    assert row["value"] == pytest.approx(1 / 3)
    assert row["lower_bound"] == pytest.approx(5 / 8)
    assert "the bounds are for all 8 flagged" in row["note"]
