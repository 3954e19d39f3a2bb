"""Worst/best-case bounds under selective labels, narrowed by stated assumptions.
Expected bounds are computed by hand; the property test checks them against the
truth of simulated populations, never against the code itself."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import biasaudit
from biasaudit import RecordsError

ROLES = {"flagged": "flag", "outcome": "fraud"}


def selective() -> pd.DataFrame:
    """100 people: 10 flagged and investigated (4 fraud, 6 not), 90 unflagged with no
    known outcome."""
    return pd.DataFrame(
        {
            "g": ["A"] * 100,
            "flag": [1] * 10 + [0] * 90,
            "fraud": ["yes"] * 4 + ["no"] * 6 + [""] * 90,
        }
    )


def _bounds(result, metric):
    row = result.metric(metric, "g").iloc[0]
    return row["lower_bound"], row["upper_bound"], row


@pytest.mark.parametrize(
    ("assumptions", "fpr", "fnr"),
    [
        # x = guilty among the 90 unknown; FPR = 6 / (6 + 90 - x), FNR = x / (x + 4)
        (None, (6 / 96, 6 / 6), (0 / 4, 90 / 94)),  # x in [0, 90]
        ({"unlabelled_fraud_rate": [0, 0.2]}, (6 / 96, 6 / 78), (0, 18 / 22)),  # x <= 18
        ({"max_base_rate": 0.15}, (6 / 96, 6 / 85), (0, 11 / 15)),  # 4 + x <= 15
        ({"min_base_rate": 0.1}, (6 / 90, 6 / 6), (6 / 10, 90 / 94)),  # 4 + x >= 10
        # 0.05 * 90 = 4.5 but people are whole: x in [5, 18] and x <= 11
        (
            {"unlabelled_fraud_rate": [0.05, 0.2], "max_base_rate": 0.15},
            (6 / 91, 6 / 85),
            (5 / 9, 11 / 15),
        ),
    ],
)
def test_hand_computed_bounds(assumptions, fpr, fnr):
    r = biasaudit.audit(
        selective(), roles=ROLES, groups=["g"], min_cell=0, assumptions=assumptions
    )
    lo, hi, row = _bounds(r, "false_positive_rate")
    assert (lo, hi) == pytest.approx(fpr)
    assert np.isnan(row["value"]) and "not identifiable" in row["note"]
    if assumptions:
        assert "the bounds assume between" in row["note"] and "committed fraud" in row["note"]
    assert _bounds(r, "false_negative_rate")[:2] == pytest.approx(fnr)
    assert r.metric("precision", "g")["value"].iloc[0] == pytest.approx(0.4)  # known


def test_impossible_assumption_is_an_error():
    # 4 of 100 already committed fraud: a maximum base rate of 3% cannot hold
    with pytest.raises(RecordsError, match="no way to fill in the unknown outcomes of g = A"):
        biasaudit.audit(
            selective(), roles=ROLES, groups=["g"], assumptions={"max_base_rate": 0.03}
        )


def test_bad_assumption_values_are_listed():
    with pytest.raises(biasaudit.ConfigError) as err:
        biasaudit.audit(
            selective(),
            roles=ROLES,
            groups=["g"],
            assumptions={"unlabelled_fraud_rate": [0.5, 0.1], "max_base_rate": 2},
        )
    assert "0 <= low <= high <= 1" in str(err.value) and "max_base_rate" in str(err.value)


def _truth(df: pd.DataFrame, fraud: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    f = df["flag"].to_numpy()[mask] == 1
    y = fraud[mask]
    tp, fp = (f & y).sum(), (f & ~y).sum()
    fn, tn = (~f & y).sum(), (~f & ~y).sum()
    return {
        "false_positive_rate": fp / (fp + tn),
        "false_negative_rate": fn / (fn + tp),
        "base_rate": (tp + fn) / mask.sum(),
        "true_negative_rate": tn / (tn + fp),
        "accuracy": (tp + tn) / mask.sum(),
        "precision": tp / (tp + fp),
    }


@pytest.mark.parametrize("seed", range(30))
def test_bounds_contain_the_truth(seed):
    """Hide the outcomes of everyone unflagged and of some flagged; with assumptions
    that are true of the population, every bound contains the true rate."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(300, 3000))
    g = rng.choice(["a", "b", "c"], size=n)
    h = rng.choice(["x", "y"], size=n)
    fraud = rng.random(n) < rng.uniform(0.02, 0.3, size=3)[np.searchsorted(["a", "b", "c"], g)]
    flag = (rng.random(n) < np.where(fraud, 0.5, 0.1)).astype(int)
    known = (flag == 1) & (rng.random(n) < 0.9)
    df = pd.DataFrame(
        {"g": g, "h": h, "flag": flag, "fraud": np.where(known, np.where(fraud, "1", "0"), "")}
    )
    masks = {("(overall)", "(all)"): np.ones(n, bool)}
    for attr, values in (("g", g), ("h", h)):
        for level in np.unique(values):
            masks[(attr, level)] = values == level
    for a in np.unique(g):
        for b in np.unique(h):
            masks[("g × h", f"{a} × {b}")] = (g == a) & (h == b)
    truths = {key: _truth(df, fraud, m) for key, m in masks.items()}
    unknown_rates = [
        fraud[m & ~known & (flag == f)].mean()
        for m in masks.values()
        for f in (0, 1)
        if (m & ~known & (flag == f)).any()
    ]
    base_rates = [t["base_rate"] for t in truths.values()]
    slack = rng.uniform(0, 0.05)
    assumptions = {
        "unlabelled_fraud_rate": [
            max(0.0, min(unknown_rates) - slack),
            min(1.0, max(unknown_rates) + slack),
        ],
        "max_base_rate": min(1.0, max(base_rates) + slack),
        "min_base_rate": max(0.0, min(base_rates) - slack),
    }
    for given in (None, assumptions):
        r = biasaudit.audit(
            df,
            roles=ROLES,
            groups=["g", "h"],
            intersections=[["g", "h"]],
            min_cell=0,
            assumptions=given,
        )
        table = r.table.set_index(["attribute", "group", "metric"])
        for key, truth in truths.items():
            for metric, value in truth.items():
                lo, hi = table.loc[(*key, metric), ["lower_bound", "upper_bound"]]
                assert lo - 1e-9 <= value <= hi + 1e-9, (key, metric, lo, value, hi, given)


def _two_groups() -> pd.DataFrame:
    """Selective labels. A: 40 people, 8 flagged and investigated (2 fraud, 6 not),
    32 unflagged, outcome unknown. B: 40 people, 4 flagged (1 fraud, 3 not), 36
    unflagged, unknown. Tiny: 3 people, 2 flagged with no known outcome, 1 unflagged
    with fraud found."""
    rows = (
        [("A", 1, "yes")] * 2
        + [("A", 1, "no")] * 6
        + [("A", 0, "")] * 32
        + [("B", 1, "yes")] * 1
        + [("B", 1, "no")] * 3
        + [("B", 0, "")] * 36
    )
    return pd.DataFrame(rows, columns=["g", "flag", "fraud"])


def test_an_assumption_that_pins_a_rate_gives_its_value_interval_ratio_and_test():
    """issue 14. With no fraud among the unknown, every unflagged person is innocent:
    FPR(A) = 6 / (6 + 32) = 0.1579 and FPR(B) = 3 / (3 + 36) = 0.0769, not the
    known-only 6 / 6 = 1 and 3 / 3 = 1 (ratio 1.0). Oracle: the completed table by
    hand, scipy's Fisher test and a Wilson interval from its textbook formula."""
    from scipy import stats

    r = biasaudit.audit(
        _two_groups(),
        roles=ROLES,
        groups=["g"],
        reference={"g": "B"},
        min_cell=0,
        assumptions={"unlabelled_fraud_rate": [0, 0]},
        metrics=["false_positive_rate", "base_rate"],
    )
    row = r.metric("false_positive_rate", "g").set_index("group")
    a = row.loc["A"]
    assert a["value"] == pytest.approx(6 / 38)  # before: 1.0, bounds 0.1579 to 0.1579
    assert a["lower_bound"] <= a["value"] <= a["upper_bound"]
    assert (a["numerator"], a["denominator"]) == (6, 38)
    z = stats.norm.ppf(0.975)
    p, n = 6 / 38, 38
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert (a["ci_low"], a["ci_high"]) == pytest.approx((centre - half, centre + half))
    assert a["ratio"] == pytest.approx((6 / 38) / (3 / 39))  # 2.05; before: 1.0
    assert a["p_value"] == pytest.approx(stats.fisher_exact([[6, 32], [3, 36]]).pvalue)
    assert "assum" in a["note"]
    base = r.metric("base_rate", "g").set_index("group")
    assert base.loc["A", "value"] == pytest.approx(2 / 40)  # fraud known for 2 of 40


def test_an_assumption_that_makes_a_rate_defined_is_not_called_undefined():
    """Tiny: 2 flagged with no known outcome, 1 unflagged found guilty. Nobody known
    innocent (FP + TN = 0), but with no fraud among the unknown both flagged are
    innocent: FPR = 2 / 2 = 1."""
    tiny = pd.DataFrame(
        [("T", 1, "")] * 2 + [("T", 0, "yes")] + [("U", 1, "no")] * 5 + [("U", 0, "no")] * 5,
        columns=["g", "flag", "fraud"],
    )
    tiny["seen"] = [0, 0, 1] + [1] * 10
    with warnings.catch_warnings():
        warnings.simplefilter("error", biasaudit.UndefinedRateWarning)
        r = biasaudit.audit(
            tiny,
            roles={**ROLES, "investigated": "seen"},
            groups=["g"],
            min_cell=0,
            assumptions={"unlabelled_fraud_rate": [0, 0]},
            metrics=["false_positive_rate"],
        )
    t = r.metric("false_positive_rate", "g").set_index("group").loc["T"]
    assert t["value"] == 1.0  # before: NaN, "undefined: FP + TN is 0"
    assert "undefined" not in t["note"]
