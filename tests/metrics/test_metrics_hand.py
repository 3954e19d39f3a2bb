"""Hand-computed tables, the arithmetic in comments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from biasaudit import METRICS, UndefinedRateWarning, audit, metric
from conftest import people_from_cells


def records(cells: dict[str, tuple[int, int, int, int]]) -> pd.DataFrame:
    """Rows from per-group (TP, FP, FN, TN) counts."""
    return people_from_cells(cells, outcome="fraud")


FULL = records({"A": (3, 1, 1, 5), "B": (1, 2, 2, 15)})


def values(result, name, attribute="g"):
    return result.metric(name, attribute).set_index("group")


def test_full_labels_by_hand():
    r = audit(FULL, roles={"flagged": "flag", "outcome": "fraud"}, groups="g")
    expected = {
        # A: TP 3, FP 1, FN 1, TN 5 (n 10); B: TP 1, FP 2, FN 2, TN 15 (n 20)
        "selection_rate": (4 / 10, 3 / 20),
        "population_share": (10 / 30, 20 / 30),
        "share_of_flagged": (4 / 7, 3 / 7),
        "representation_ratio": ((4 / 7) / (10 / 30), (3 / 7) / (20 / 30)),
        "base_rate": (4 / 10, 3 / 20),
        "precision": (3 / 4, 1 / 3),
        "false_discovery_rate": (1 / 4, 2 / 3),
        "false_positive_rate": (1 / 6, 2 / 17),
        "innocent_flag_rate": (1 / 10, 2 / 20),
        "false_negative_rate": (1 / 4, 2 / 3),
        "true_positive_rate": (3 / 4, 1 / 3),
        "true_negative_rate": (5 / 6, 15 / 17),
        "false_omission_rate": (1 / 6, 2 / 17),
        "negative_predictive_value": (5 / 6, 15 / 17),
        "accuracy": (8 / 10, 16 / 20),
    }
    assert set(expected) == set(METRICS)
    for name, (a, b) in expected.items():
        v = values(r, name)["value"]
        assert v["A"] == pytest.approx(a), name
        assert v["B"] == pytest.approx(b), name
    fpr = values(r, "false_positive_rate")
    # reference "largest" is B (20 people): ratio (1/6) / (2/17) = 17/12
    assert fpr.loc["A", "reference_group"] == "B"
    assert fpr.loc["A", "ratio"] == pytest.approx(17 / 12)
    assert fpr.loc["A", "difference"] == pytest.approx(1 / 6 - 2 / 17)
    assert fpr.loc["A", "relative_difference"] == pytest.approx(17 / 12 - 1)
    assert (fpr.loc["A", "numerator"], fpr.loc["A", "denominator"]) == (1, 6)
    overall = r.metric("false_positive_rate", "(overall)")
    assert overall["value"].iloc[0] == pytest.approx(3 / 23)  # (1 + 2) / (6 + 17)


def test_most_favourable_reference_follows_each_metrics_direction():
    r = audit(
        FULL,
        roles={"flagged": "flag", "outcome": "fraud"},
        groups="g",
        reference={"g": "most_favourable"},
    )
    # lower false positive rate is better for the group: B (2/17 < 1/6)
    assert values(r, "false_positive_rate").loc["A", "reference_group"] == "B"
    # higher precision is better: A (3/4 > 1/3)
    assert values(r, "precision").loc["B", "reference_group"] == "A"
    # neutral metric (base rate) falls back to the largest group
    assert values(r, "base_rate").loc["A", "reference_group"] == "B"


def test_selective_labels_bounds_by_hand(small_records):
    r = audit(
        small_records,
        roles={"flagged": "flag", "investigated": "inv", "outcome": "fraud"},
        groups="sex",
        reference={"sex": "M"},
    )
    assert r.data_shape == "selective labels"
    # F: FP 1, TP 1, one flagged without outcome (c2), two unflagged without (c3, c4)
    prec = values(r, "precision", "sex")
    assert prec.loc["F", "value"] == pytest.approx(1 / 2)  # among the 2 with an outcome
    assert prec.loc["F", "lower_bound"] == pytest.approx(1 / 3)  # c2 innocent
    assert prec.loc["F", "upper_bound"] == pytest.approx(2 / 3)  # c2 guilty
    assert "1 flagged have none" in prec.loc["F", "note"]
    fpr = values(r, "false_positive_rate", "sex")
    assert np.isnan(fpr.loc["F", "value"])
    assert np.isnan(fpr.loc["F", "numerator"])
    # completions: FP in {1, 2}, TN in {0, 1, 2}; min 1/3 (FP 1, TN 2), max 1 (TN 0)
    assert fpr.loc["F", "lower_bound"] == pytest.approx(1 / 3)
    assert fpr.loc["F", "upper_bound"] == pytest.approx(1.0)
    assert fpr.loc["F", "note"].startswith("not identifiable")
    ifr = values(r, "innocent_flag_rate", "sex")
    # F: FP in {1, 2} of 5 people -> not identifiable, bounds [0.2, 0.4]
    assert np.isnan(ifr.loc["F", "value"])
    assert (ifr.loc["F", "lower_bound"], ifr.loc["F", "upper_bound"]) == pytest.approx((0.2, 0.4))
    # M: every flagged person has an outcome: 0 unfounded of 5 people, identified
    assert ifr.loc["M", "value"] == 0.0
    sel = values(r, "selection_rate", "sex")
    assert sel.loc["F", "ratio"] == pytest.approx((3 / 5) / (1 / 5))


def test_undefined_rate_is_nan_with_a_warning_naming_the_group():
    df = pd.concat([FULL, pd.DataFrame({"g": ["C"] * 3, "flag": [0] * 3, "fraud": [0] * 3})])
    with pytest.warns(UndefinedRateWarning, match=r"precision[\w, ]*\(g = C\)"):
        r = audit(df, roles={"flagged": "flag", "outcome": "fraud"}, groups="g")
    prec = values(r, "precision")
    assert np.isnan(prec.loc["C", "value"])
    assert prec.loc["C", "note"].startswith("undefined: TP + FP is 0 for this group")
    assert prec.loc["C", "denominator"] == 0


def test_zero_reference_value_gives_no_infinite_ratio():
    df = records({"A": (1, 1, 0, 2), "B": (1, 0, 0, 3)})
    r = audit(df, roles={"flagged": "flag", "outcome": "fraud"}, groups="g", reference={"g": "B"})
    fpr = values(r, "false_positive_rate")
    assert fpr.loc["B", "value"] == 0.0
    assert np.isnan(fpr.loc["A", "ratio"])
    assert fpr.loc["A", "difference"] == pytest.approx(1 / 3)
    assert "reference value is 0: ratio undefined" in fpr.loc["A", "note"]


def test_weights_scale_counts_not_rates():
    df = FULL.assign(w=2.5)
    r = audit(df, roles={"flagged": "flag", "outcome": "fraud", "weight": "w"}, groups="g")
    counts = r.counts.table.set_index(["attribute", "group"])
    assert counts.loc[("g", "A"), "fp"] == 2.5  # 1 person x 2.5
    assert counts.loc[("g", "A"), "rows"] == 10
    assert values(r, "false_positive_rate").loc["A", "value"] == pytest.approx(1 / 6)


def test_intersections_keep_empty_cells():
    df = pd.DataFrame(
        {
            "sex": ["F", "F", "M", "M"],
            "nat": ["NL", "TR", "NL", "NL"],
            "flag": [1, 0, 1, 0],
        }
    )
    with pytest.warns(UndefinedRateWarning, match="sex × nat = M × TR"):
        r = audit(
            df, roles={"flagged": "flag"}, groups=["sex", "nat"], intersections=[["sex", "nat"]]
        )
    sel = values(r, "selection_rate", "sex × nat")
    assert list(sel.index) == ["F × NL", "F × TR", "M × NL", "M × TR"]
    assert sel.loc["M × TR", "n"] == 0
    assert np.isnan(sel.loc["M × TR", "value"])
    # decision-only data: no outcome metrics are reported (rates, and the excess flagged)
    decision = {m for m, s in METRICS.items() if s.kind == "decision"}
    assert set(r.table["metric"]) == decision | {"excess_flagged"}


def test_missing_groups_as_group_or_dropped_with_a_ledger_entry():
    df = pd.DataFrame({"sex": ["F", None, "M", "M"], "flag": [1, 1, 0, 1]})
    r = audit(df, roles={"flagged": "flag"}, groups="sex")
    assert values(r, "selection_rate", "sex").loc["(missing)", "n"] == 1
    assert r.ledger.rows_analysed == 4
    r = audit(df, roles={"flagged": "flag"}, groups="sex", missing="drop")
    assert "(missing)" not in set(r.table["group"])
    assert r.ledger.rows_read == 4
    assert r.ledger.rows_analysed == 3
    assert r.ledger.excluded == (("missing value in 'sex' (missing = 'drop')", 1),)


@pytest.mark.parametrize(
    ("threshold", "flagged"),
    [
        ({"score_at_least": 0.5}, [0, 0, 1, 1, 1]),
        ({"top_k": 2}, [0, 0, 0, 1, 1]),
        ({"top_fraction": 0.4}, [0, 0, 0, 1, 1]),  # floor(0.4 * 5) = 2
    ],
)
def test_flag_derived_from_score(threshold, flagged):
    df = pd.DataFrame({"g": ["a", "a", "b", "b", "b"], "s": [0.1, 0.3, 0.5, 0.7, 0.9]})
    r = audit(df, roles={"score": "s"}, groups="g", threshold=threshold)
    counts = r.counts.table.set_index(["attribute", "group"])
    assert counts.loc[("g", "b"), "flagged"] == sum(flagged[2:])
    assert counts.loc[("g", "a"), "flagged"] == sum(flagged[:2])
    assert "flagged = " in r.flag_rule


def test_top_k_ties_at_the_cutoff_are_all_flagged():
    df = pd.DataFrame({"g": ["a"] * 4, "s": [0.9, 0.5, 0.5, 0.1]})
    r = audit(df, roles={"score": "s"}, groups="g", threshold={"top_k": 2})
    assert r.counts.table["flagged"].iloc[0] == 3
    assert r.flag_rule.endswith("cut-off score 0.5")


def test_unknown_metric_name_lists_the_allowed_ones():
    with pytest.raises(ValueError, match=r"Unknown metric 'fpr'\. Allowed: accuracy, base_rate"):
        metric("fpr")
    assert metric("false_accusation_rate").name == "false_positive_rate"


def test_most_favourable_prefers_groups_of_at_least_30():
    # T: 20 people, none flagged (FPR 0 of 20); A: FPR 10/100; B: FPR 20/100
    df = pd.concat(
        [
            records({"T": (0, 0, 0, 20)}),
            records({"A": (10, 10, 5, 90), "B": (10, 20, 5, 80)}),
        ]
    )
    with pytest.warns(UndefinedRateWarning, match=r"precision[\w, ]*\(g = T\)"):  # T: nobody flagged
        r = audit(
            df,
            roles={"flagged": "flag", "outcome": "fraud"},
            groups="g",
            reference={"g": "most_favourable"},
            min_cell=0,
        )
    fpr = values(r, "false_positive_rate")
    assert fpr.loc["B", "reference_group"] == "A"  # not T, whose 20 innocents give 0%


def test_shares_are_not_compared_group_to_group():
    r = audit(FULL, roles={"flagged": "flag", "outcome": "fraud"}, groups="g", min_cell=0)
    for name in ("population_share", "share_of_flagged", "representation_ratio"):
        part = values(r, name)
        assert part["reference_group"].isna().all()
        assert part[["ratio", "difference", "p_value"]].isna().all().all()
    overall = r.metric("population_share", "(overall)").iloc[0]
    assert (overall["value"], overall["ci_low"], overall["ci_high"]) == (1.0, 1.0, 1.0)
