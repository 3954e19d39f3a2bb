"""Property tests of the audit table (hypothesis), DESIGN.md §6.

Small random decision records (a few dozen rows, three g groups and two h groups, so
empty cells and zero denominators are common) with some outcomes unknown. Expected
values are computed here with numpy from the rows, never with biasaudit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import biasaudit

OVERALL = "(overall)"
ALL = "(all)"
SEP = " × "
CELLS = [
    "rows",
    "n",
    "flagged",
    "investigated",
    "tp",
    "fp",
    "fn",
    "tn",
    "flagged_unlabelled",
    "unflagged_unlabelled",
]
# Every rate is a share of people; representation_ratio is a ratio of shares.
RATE_METRICS = [m for m in biasaudit.METRICS if m != "representation_ratio"]
OUTCOME_METRICS = [m for m, s in biasaudit.METRICS.items() if s.kind != "decision"]
EPS = 1e-12

SETTINGS = settings(max_examples=50, deadline=None)


@st.composite
def records(draw, *, weights="int", outcomes=(0.0, 1.0, None), max_rows=24):
    """Decision records with columns g, h, f, y (NaN = unknown outcome) and maybe w.

    weights: None (no weight column), "int" (1..4), "int0" (0..3, zero allowed) or
    "quarter" (multiples of 0.25, exact in binary so sums do not depend on order).
    The first row is flagged with a positive weight: an audit with nobody flagged is
    an error, not a table.
    """
    n = draw(st.integers(1, max_rows))
    col = lambda elements: draw(st.lists(elements, min_size=n, max_size=n))  # noqa: E731
    df = pd.DataFrame(
        {
            "g": col(st.sampled_from(["a", "b", "c"])),
            "h": col(st.sampled_from(["x", "y"])),
            "f": col(st.sampled_from([0, 1])),
            "y": pd.Series(col(st.sampled_from(list(outcomes))), dtype=float),
        }
    )
    df.loc[0, "f"] = 1
    if weights == "int":
        df["w"] = col(st.integers(1, 4))
    elif weights == "int0":
        df["w"] = col(st.integers(0, 3))
        df.loc[0, "w"] = draw(st.integers(1, 3))
    elif weights == "quarter":
        df["w"] = col(st.integers(1, 12).map(lambda k: k / 4))
    return df


def run_audit(df: pd.DataFrame, **kwargs) -> biasaudit.AuditResult:
    """Audit g, h and g × h; empty denominators are expected here, so their warning is muted."""
    roles = {"flagged": "f", "outcome": "y"}
    if "w" in df:
        roles["weight"] = "w"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", biasaudit.UndefinedRateWarning)
        kwargs.setdefault("min_cell", 0)  # estimates under test here, not disclosure control
        return biasaudit.audit(
            df, roles=roles, groups=["g", "h"], intersections=[["g", "h"]], **kwargs
        )


def group_masks(df: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """Row mask of every (attribute, group) with at least one row, overall included."""
    masks = {(OVERALL, ALL): np.ones(len(df), dtype=bool)}
    for attr in ("g", "h"):
        for level in df[attr].unique():
            masks[(attr, level)] = (df[attr] == level).to_numpy()
    for (lg, lh), _ in df.groupby(["g", "h"]):
        masks[("g" + SEP + "h", lg + SEP + lh)] = ((df["g"] == lg) & (df["h"] == lh)).to_numpy()
    return masks


def ratio(num: float, den: float) -> float:
    return num / den if den > 0 else np.nan


def true_metrics(w: np.ndarray, f: np.ndarray, y: np.ndarray, mask: np.ndarray) -> dict:
    """DESIGN.md §3 formulas on fully labelled rows (y is 0/1 for everyone)."""
    f, y = f == 1, y == 1
    tp, fp = w[mask & f & y].sum(), w[mask & f & ~y].sum()
    fn, tn = w[mask & ~f & y].sum(), w[mask & ~f & ~y].sum()
    n = w[mask].sum()
    return {
        "base_rate": ratio(tp + fn, tp + fp + fn + tn),
        "precision": ratio(tp, tp + fp),
        "false_discovery_rate": ratio(fp, tp + fp),
        "false_positive_rate": ratio(fp, fp + tn),
        "innocent_flag_rate": ratio(fp, n),
        "false_negative_rate": ratio(fn, fn + tp),
        "true_positive_rate": ratio(tp, tp + fn),
        "true_negative_rate": ratio(tn, tn + fp),
        "false_omission_rate": ratio(fn, fn + tn),
        "negative_predictive_value": ratio(tn, fn + tn),
        "accuracy": ratio(tp + tn, tp + fp + fn + tn),
    }


def indexed(result: biasaudit.AuditResult) -> pd.DataFrame:
    return result.table.set_index(["attribute", "group", "metric"]).sort_index()


def weights_of(df: pd.DataFrame) -> np.ndarray:
    return df["w"].to_numpy(dtype=float) if "w" in df else np.ones(len(df))


# --- invariance ------------------------------------------------------------------


@pytest.mark.slow
@SETTINGS
@given(data=st.data(), weights=st.sampled_from([None, "int", "quarter"]))
def test_row_order_does_not_change_any_table(data, weights):
    """Shuffled rows give identical result and count tables (weights exact in binary)."""
    df = data.draw(records(weights=weights))
    order = data.draw(st.permutations(range(len(df))))
    shuffled = df.iloc[order].reset_index(drop=True)
    a, b = run_audit(df), run_audit(shuffled)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.counts.table, b.counts.table)
    assert a.data_shape == b.data_shape


@pytest.mark.slow
@SETTINGS
@given(df=records(weights="int"))
def test_integer_weights_equal_repeated_rows(df):
    """A row with weight k gives the same estimates as k copies of the unweighted row.

    Intervals, tests and power differ on purpose: weights are survey weights, so their
    uncertainty uses Kish's effective sample size, not the sum of the weights.
    """
    repeated = df.loc[df.index.repeat(df["w"])].drop(columns="w").reset_index(drop=True)
    weighted, copies = run_audit(df), run_audit(repeated)
    estimates = [
        "attribute", "group", "metric", "value", "lower_bound", "upper_bound", "numerator",
        "denominator", "n", "reference_group", "reference_value", "ratio", "difference",
        "relative_difference",
    ]  # fmt: skip
    pd.testing.assert_frame_equal(
        weighted.table[estimates], copies.table[estimates], check_dtype=False
    )
    counts_w = weighted.counts.table.drop(columns="rows")
    counts_r = copies.counts.table.drop(columns="rows")
    pd.testing.assert_frame_equal(counts_w, counts_r, check_dtype=False)
    # rows stays a row count: the weighted table counts each distinct row once
    assert weighted.counts.table["rows"].iloc[0] == len(df)
    assert copies.counts.table["rows"].iloc[0] == df["w"].sum()


@pytest.mark.slow
@SETTINGS
@given(df=records(weights="int0"))
def test_zero_weight_rows_equal_dropped_rows(df):
    """Rows with weight 0 change no metric: same values as with those rows dropped.

    Zero-weight rows still count in ``rows``, and a group seen only in zero-weight rows
    is still reported (with n = 0), so values are compared on the groups both share.
    """
    dropped = df[df["w"] > 0].reset_index(drop=True)
    full_result = run_audit(df)
    full, kept = indexed(full_result), indexed(run_audit(dropped))
    assert set(kept.index) <= set(full.index)
    columns = [c for c in full.columns if c != "note"]
    pd.testing.assert_frame_equal(full.loc[kept.index, columns], kept[columns])
    extra = full.drop(index=kept.index)
    assert (extra["n"] == 0).all()
    assert full_result.counts.table["rows"].iloc[0] == len(df)


# --- invariants of one table -------------------------------------------------------


@SETTINGS
@given(df=records(weights="quarter"))
def test_table_invariants(df):
    """In one audit of records with unknown outcomes:

    * group counts (rows, n, flagged, tp, fp, fn, tn, unlabelled cells) of every
      attribute and intersection sum to the overall row;
    * the overall row equals the numpy totals of the rows;
    * every defined rate value and bound lies in [0, 1] (representation_ratio excluded);
    * lower_bound <= value <= upper_bound wherever value is defined, and the bounds
      are then defined too.
    """
    result = run_audit(df)
    counts = result.counts.table
    overall = counts.iloc[0]
    assert (overall["attribute"], overall["group"]) == (OVERALL, ALL)
    for attr, part in counts.iloc[1:].groupby("attribute"):
        for cell in CELLS:
            assert part[cell].sum() == overall[cell], (attr, cell)

    w, f, y = weights_of(df), df["f"].to_numpy(), df["y"].to_numpy()
    known = ~np.isnan(y)
    assert overall["rows"] == len(df)
    assert overall["n"] == w.sum()
    assert overall["tp"] == w[(f == 1) & (y == 1)].sum()
    assert overall["tn"] == w[(f == 0) & (y == 0)].sum()
    assert overall["flagged_unlabelled"] == w[(f == 1) & ~known].sum()
    assert overall["unflagged_unlabelled"] == w[(f == 0) & ~known].sum()

    t = result.table
    rates = t[t["metric"].isin(RATE_METRICS)]
    for col in ("value", "lower_bound", "upper_bound"):
        defined = rates[col].dropna()
        assert ((defined >= 0) & (defined <= 1)).all(), col

    has_value = t["value"].notna()
    assert t.loc[has_value, ["lower_bound", "upper_bound"]].notna().all().all()
    assert (t.loc[has_value, "lower_bound"] <= t.loc[has_value, "value"] + EPS).all()
    assert (t.loc[has_value, "value"] <= t.loc[has_value, "upper_bound"] + EPS).all()
    both = t["lower_bound"].notna() & t["upper_bound"].notna()
    assert (t.loc[both, "lower_bound"] <= t.loc[both, "upper_bound"] + EPS).all()


# --- selective labels: the bounds ---------------------------------------------------


@st.composite
def selective_records(draw):
    """Selective labels: outcome known for every flagged person (mostly), unknown for
    some unflagged people, plus a random completion of every unknown outcome."""
    df = draw(records(weights=draw(st.sampled_from([None, "int", "quarter"]))))
    unflagged = np.flatnonzero(df["f"].to_numpy() == 0)
    if len(unflagged) == 0:  # make sure someone unflagged exists and has no outcome
        extra = df.iloc[[0]].assign(f=0, y=np.nan)
        df = pd.concat([df, extra], ignore_index=True)
    else:
        df.loc[draw(st.sampled_from(list(unflagged))), "y"] = np.nan
    unknown = np.isnan(df["y"].to_numpy())
    guesses = draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=len(df), max_size=len(df)))
    completed = np.where(unknown, guesses, df["y"].to_numpy())
    return df, completed


@SETTINGS
@given(case=selective_records())
def test_bounds_contain_the_rate_of_any_completion_of_unknown_outcomes(case):
    """The key property of the bounds: whatever the unknown outcomes really are, the
    true metric of the completed data lies within [lower_bound, upper_bound].

    Checked for the false positive rate and every other outcome-based metric, on each
    group, intersection cell and overall, whenever the completed rate is defined.
    """
    df, completed = case
    table = indexed(run_audit(df, metrics=OUTCOME_METRICS))
    w, f = weights_of(df), df["f"].to_numpy()
    for (attr, group), mask in group_masks(df).items():
        truth = true_metrics(w, f, completed, mask)
        for name in OUTCOME_METRICS:
            if np.isnan(truth[name]):
                continue
            row = table.loc[(attr, group, name)]
            lo, hi = row["lower_bound"], row["upper_bound"]
            assert lo - EPS <= truth[name] <= hi + EPS, (attr, group, name, truth[name], lo, hi)


@SETTINGS
@given(case=selective_records())
def test_fpr_not_identifiable_under_selective_labels_and_bounds_are_tight(case):
    """FPR = FP / (FP + TN) under selective labels.

    In a group with unflagged people of unknown outcome (weight > 0) and flagged people
    who may be innocent (FP + flagged-unknown > 0) the FPR depends on the unknowns:
    the value is NaN and the note starts with "not identifiable". The bounds are
    attained: the lower one when every unknown flagged person committed fraud and every
    unknown unflagged person did not, the upper one the other way round.
    """
    df, _ = case
    table = indexed(run_audit(df, metrics=["false_positive_rate"]))
    w, f, y = weights_of(df), df["f"].to_numpy(), df["y"].to_numpy()
    unknown = np.isnan(y)
    best = np.where(unknown, np.where(f == 1, 1.0, 0.0), y)  # fewest, diluted false positives
    worst = np.where(unknown, np.where(f == 1, 0.0, 1.0), y)
    for (attr, group), mask in group_masks(df).items():
        row = table.loc[(attr, group, "false_positive_rate")]
        uu = w[mask & (f == 0) & unknown & (w > 0)].sum()
        maybe_fp = w[mask & (f == 1) & (y != 1)].sum()  # labelled innocent or unknown
        if uu > 0 and maybe_fp > 0:
            assert np.isnan(row["value"]), (attr, group)
            assert row["note"].startswith("not identifiable"), (attr, group, row["note"])
        lo = true_metrics(w, f, best, mask)["false_positive_rate"]
        hi = true_metrics(w, f, worst, mask)["false_positive_rate"]
        if not np.isnan(lo):
            assert row["lower_bound"] == pytest.approx(lo, abs=EPS), (attr, group)
        if not np.isnan(hi):
            assert row["upper_bound"] == pytest.approx(hi, abs=EPS), (attr, group)


def test_fpr_bounds_cover_a_group_whose_only_possible_innocents_are_unlabelled():
    """Minimal case found by the property above.

    Group b: one flagged person who committed fraud (TP = 1), two unflagged people
    with unknown outcome (FP = TN = 0 among the labelled). In every completion where
    the FPR is defined (at least one of the two is innocent) FP = 0 and TN >= 1, so
    FPR = 0 and TNR = 1: the bounds must be [0, 0] and [1, 1], not NaN with the note
    "FP + TN is 0 for this group" (it is 0 only among the labelled).
    """
    df = pd.DataFrame(
        {
            "g": ["a", "a", "a", "b", "b", "b"],
            "f": [1, 0, 0, 1, 0, 0],
            "y": [0, 0, 1, 1, None, None],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", biasaudit.UndefinedRateWarning)
        result = biasaudit.audit(
            df,
            roles={"flagged": "f", "outcome": "y"},
            groups=["g"],
            metrics=["false_positive_rate", "true_negative_rate"],
        )
    t = result.table.set_index(["group", "metric"])
    fpr, tnr = t.loc[("b", "false_positive_rate")], t.loc[("b", "true_negative_rate")]
    assert (fpr["lower_bound"], fpr["upper_bound"]) == (0.0, 0.0)
    assert (tnr["lower_bound"], tnr["upper_bound"]) == (1.0, 1.0)
