"""Every registry metric checked against an independent oracle.

The expected numbers never come from biasaudit: they are computed with fairlearn's
``MetricFrame`` (rates by group, also with two sensitive features), scikit-learn
(``precision_score``, ``accuracy_score``, ``confusion_matrix``) and, for the metrics
those libraries do not define, plain numpy masks over the rows (DESIGN.md §3).

The data are seeded random decision records with groups of very different sizes,
fully labelled (the oracles need a known outcome for everyone), unweighted or with
integer or float sample weights.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score

import biasaudit

SEEDS = [0, 1, 7, 42, 2024]
WEIGHTINGS = ["none", "int", "float"]
GROUPS_G = ["a", "b", "c", "d"]
GROUPS_H = ["x", "y"]
OVERALL = "(overall)"
ALL = "(all)"
SEP = " × "  # how biasaudit names an intersection cell, e.g. "a × x"
RTOL = 1e-12

# Metrics fairlearn / scikit-learn define, as MetricFrame callables.
FAIRLEARN_METRICS = {
    "selection_rate": selection_rate,
    "false_positive_rate": false_positive_rate,
    "false_negative_rate": false_negative_rate,
    "true_positive_rate": true_positive_rate,
    "true_negative_rate": true_negative_rate,
    "precision": precision_score,
    "accuracy": accuracy_score,
}
# Metrics checked with plain numpy masks (no fairlearn / scikit-learn equivalent).
NUMPY_METRICS = [
    "base_rate",
    "population_share",
    "share_of_flagged",
    "representation_ratio",
    "innocent_flag_rate",
    "false_discovery_rate",
    "false_omission_rate",
    "negative_predictive_value",
]


def make_records(seed: int, weighting: str, n: int = 3000) -> pd.DataFrame:
    """Seeded, fully labelled records; group sizes 50/30/15/5 % and 65/35 %.

    Base rates and flag rates differ by group so that the groups really differ.
    """
    rng = np.random.default_rng(seed)
    g = rng.choice(GROUPS_G, size=n, p=[0.5, 0.3, 0.15, 0.05])
    h = rng.choice(GROUPS_H, size=n, p=[0.65, 0.35])
    base = pd.Series({"a": 0.2, "b": 0.3, "c": 0.4, "d": 0.35})[g].to_numpy()
    y = (rng.random(n) < base).astype(int)
    lift = pd.Series({"a": 1.0, "b": 1.3, "c": 0.8, "d": 1.5})[g].to_numpy()
    p_flag = np.clip(np.where(y == 1, 0.5, 0.2) * lift * np.where(h == "y", 1.2, 1.0), 0, 1)
    f = (rng.random(n) < p_flag).astype(int)
    df = pd.DataFrame({"g": g, "h": h, "f": f, "y": y})
    if weighting == "int":
        df["w"] = rng.integers(1, 6, size=n)
    elif weighting == "float":
        df["w"] = rng.gamma(2.0, 1.5, size=n) + 0.01
    return df


def weights_of(df: pd.DataFrame) -> np.ndarray:
    return df["w"].to_numpy(dtype=float) if "w" in df else np.ones(len(df))


def run_audit(df: pd.DataFrame, **kwargs) -> biasaudit.AuditResult:
    roles = {"flagged": "f", "outcome": "y"}
    if "w" in df:
        roles["weight"] = "w"
    kwargs.setdefault("groups", ["g", "h"])
    kwargs.setdefault("intersections", [["g", "h"]])
    kwargs.setdefault("min_cell", 0)  # arithmetic under test here, not disclosure control
    return biasaudit.audit(df, roles=roles, **kwargs)


def values(result: biasaudit.AuditResult, name: str, column: str = "value") -> pd.Series:
    """One column of the result table for one metric, indexed by (attribute, group)."""
    rows = result.table[result.table["metric"] == name]
    return rows.set_index(["attribute", "group"])[column]


def metric_frame(df: pd.DataFrame, sensitive: list[str]) -> MetricFrame:
    """fairlearn's MetricFrame of every fairlearn / scikit-learn metric, weighted."""
    w = weights_of(df)
    sample_params = {name: {"sample_weight": w} for name in FAIRLEARN_METRICS}
    return MetricFrame(
        metrics=FAIRLEARN_METRICS,
        y_true=df["y"].to_numpy(),
        y_pred=df["f"].to_numpy(),
        sensitive_features=df[sensitive] if len(sensitive) > 1 else df[sensitive[0]],
        sample_params=sample_params,
    )


def attribute_masks(df: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """Boolean row mask of every (attribute, group) biasaudit reports, overall included."""
    masks = {(OVERALL, ALL): np.ones(len(df), dtype=bool)}
    for attr in ("g", "h"):
        for level in sorted(df[attr].unique()):
            masks[(attr, level)] = (df[attr] == level).to_numpy()
    for lg in sorted(df["g"].unique()):
        for lh in sorted(df["h"].unique()):
            masks[("g" + SEP + "h", lg + SEP + lh)] = (
                (df["g"] == lg) & (df["h"] == lh)
            ).to_numpy()
    return masks


def numpy_oracle(df: pd.DataFrame, mask: np.ndarray) -> dict[str, float]:
    """DESIGN.md §3 formulas by hand, with weighted boolean masks over the rows."""
    w = weights_of(df)
    f = df["f"].to_numpy() == 1
    y = df["y"].to_numpy() == 1
    n_all, flagged_all = w.sum(), w[f].sum()
    n_g = w[mask].sum()
    flagged_g = w[mask & f].sum()
    tp = w[mask & f & y].sum()
    fp = w[mask & f & ~y].sum()
    fn = w[mask & ~f & y].sum()
    tn = w[mask & ~f & ~y].sum()
    population_share = n_g / n_all
    share_of_flagged = flagged_g / flagged_all
    return {
        "base_rate": np.average(y[mask], weights=w[mask]),
        "population_share": population_share,
        "share_of_flagged": share_of_flagged,
        "representation_ratio": share_of_flagged / population_share,
        "innocent_flag_rate": fp / n_g,
        "false_discovery_rate": fp / (tp + fp),
        "false_omission_rate": fn / (fn + tn),
        "negative_predictive_value": tn / (fn + tn),
    }


def oracle_values(df: pd.DataFrame) -> dict[str, pd.Series]:
    """Every metric by (attribute, group), computed without biasaudit."""
    out: dict[str, dict[tuple[str, str], float]] = {m: {} for m in biasaudit.METRICS}
    frames = {"g": metric_frame(df, ["g"]), "h": metric_frame(df, ["h"])}
    frames["g" + SEP + "h"] = metric_frame(df, ["g", "h"])
    overall = frames["g"].overall
    for name in FAIRLEARN_METRICS:
        out[name][(OVERALL, ALL)] = overall[name]
    for attr, mf in frames.items():
        for key, row in mf.by_group.iterrows():
            label = SEP.join(key) if isinstance(key, tuple) else key
            for name in FAIRLEARN_METRICS:
                out[name][(attr, label)] = row[name]
    for key, mask in attribute_masks(df).items():
        for name, value in numpy_oracle(df, mask).items():
            out[name][key] = value
    return {name: pd.Series(v, dtype=float) for name, v in out.items()}


@pytest.fixture(
    scope="module",
    params=[(s, w) for s in SEEDS for w in WEIGHTINGS],
    ids=lambda p: f"seed{p[0]}-{p[1]}",
)
def case(request):
    """(records, audit result, oracle values) for one seed and weighting."""
    seed, weighting = request.param
    df = make_records(seed, weighting)
    reference = {"g": "b", "h": "largest", "g" + SEP + "h": "most_favourable"}
    result = run_audit(df, reference=reference)
    return df, result, oracle_values(df)


def test_registry_metrics_all_have_an_oracle():
    """Guard: a metric added to the registry must get an oracle here too."""
    assert set(FAIRLEARN_METRICS) | set(NUMPY_METRICS) == set(biasaudit.METRICS)


def test_every_group_and_intersection_cell_is_reported(case):
    """Each level of g, h and every g × h cell appears, plus the overall row."""
    df, result, _ = case
    expected = set(attribute_masks(df))
    for name in biasaudit.METRICS:
        assert set(values(result, name).index) == expected, name


@pytest.mark.parametrize("name", list(FAIRLEARN_METRICS))
def test_rates_match_fairlearn_metricframe(case, name):
    """Single attributes, intersections and overall equal MetricFrame (weighted)."""
    _, result, oracle = case
    got = values(result, name)
    expected = oracle[name].reindex(got.index)
    assert not expected.isna().any(), "oracle missing a group"
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=RTOL, atol=0)


@pytest.mark.parametrize("name", NUMPY_METRICS)
def test_other_metrics_match_numpy_masks(case, name):
    """base_rate, shares, representation ratio, FP / n, FDR, FOR, NPV by hand."""
    _, result, oracle = case
    got = values(result, name)
    expected = oracle[name].reindex(got.index)
    assert not expected.isna().any(), "oracle missing a group"
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=RTOL, atol=0)


def test_confusion_counts_match_sklearn_confusion_matrix(case):
    """tp, fp, fn, tn, n, flagged and rows per group equal confusion_matrix on the mask."""
    df, result, _ = case
    w = weights_of(df)
    counts = result.counts.table.set_index(["attribute", "group"])
    assert list(counts.index[:1]) == [(OVERALL, ALL)]
    for key, mask in attribute_masks(df).items():
        row = counts.loc[key]
        if mask.any():
            cm = confusion_matrix(
                df["y"].to_numpy()[mask],
                df["f"].to_numpy()[mask],
                labels=[0, 1],
                sample_weight=w[mask],
            )
            (tn, fp), (fn, tp) = cm
        else:
            tn = fp = fn = tp = 0.0
        expected = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": tn,
            "n": w[mask].sum(),
            "flagged": w[mask & (df["f"].to_numpy() == 1)].sum(),
            "investigated": w[mask & (df["f"].to_numpy() == 1)].sum(),  # default: the flagged
            "flagged_unlabelled": 0.0,
            "unflagged_unlabelled": 0.0,
        }
        for cell, value in expected.items():
            assert row[cell] == pytest.approx(value, rel=RTOL, abs=0), (key, cell)
        assert row["rows"] == mask.sum(), key


def test_numerator_and_denominator_columns_are_the_confusion_cells(case):
    """FPR's numerator is FP and its denominator FP + TN (not FP / flagged), etc."""
    df, result, _ = case
    w = weights_of(df)
    f = df["f"].to_numpy() == 1
    y = df["y"].to_numpy() == 1
    for key, mask in attribute_masks(df).items():
        tp, fp = w[mask & f & y].sum(), w[mask & f & ~y].sum()
        fn, tn = w[mask & ~f & y].sum(), w[mask & ~f & ~y].sum()
        expected = {
            "false_positive_rate": (fp, fp + tn),
            "false_discovery_rate": (fp, tp + fp),
            "innocent_flag_rate": (fp, w[mask].sum()),
            "selection_rate": (w[mask & f].sum(), w[mask].sum()),
            "false_negative_rate": (fn, fn + tp),
        }
        for name, (num, den) in expected.items():
            assert values(result, name, "numerator")[key] == pytest.approx(num, rel=RTOL)
            assert values(result, name, "denominator")[key] == pytest.approx(den, rel=RTOL)


def test_full_labels_give_point_values_without_notes(case):
    """With every outcome known, bounds collapse onto the value and no note is written."""
    _, result, _ = case
    t = result.table
    np.testing.assert_array_equal(t["lower_bound"], t["value"])
    np.testing.assert_array_equal(t["upper_bound"], t["value"])
    assert (t["note"] == "").all()


def test_full_labels_with_float_weights_are_classified_as_full_labels():
    """Every outcome known -> data_shape "full labels", whatever the weights.

    0.1 + 0.2 + 0.7 sums to 0.9999999999999999 in one order and 1.0 in another, so the
    labelled total and n must be compared with a tolerance, not with ==.
    """
    df = pd.DataFrame({"g": ["a", "a", "a"], "f": [1, 0, 1], "y": [1, 0, 0], "w": [0.1, 0.2, 0.7]})
    result = run_audit(df, groups=["g"], intersections=[])
    assert result.data_shape == "full labels"


def expected_reference(
    df: pd.DataFrame,
    attr: str,
    rule: str,
    name: str,
    oracle: pd.Series,
    denominators: pd.Series | None = None,
) -> str:
    """The reference group by the rule, from oracle values and weighted group sizes.

    most_favourable only considers groups with a denominator of at least 30 when any
    has one (denominators checked against confusion cells in another test).
    """
    masks = {grp: m for (a, grp), m in attribute_masks(df).items() if a == attr}
    if rule == "most_favourable" and biasaudit.METRICS[name].higher_is != "neutral":
        vals = {grp: oracle[(attr, grp)] for grp in masks}
        if denominators is not None and (denominators >= 30).any():
            vals = {grp: v for grp, v in vals.items() if denominators[grp] >= 30}
        pick = min if biasaudit.METRICS[name].higher_is == "burden" else max
        return pick(vals, key=lambda grp: vals[grp])
    if rule in ("largest", "most_favourable"):
        w = weights_of(df)
        sizes = {grp: w[m].sum() for grp, m in masks.items()}
        return max(sizes, key=lambda grp: sizes[grp])
    return rule


@pytest.mark.parametrize("name", list(biasaudit.METRICS))
def test_reference_comparisons_match_oracle(case, name):
    """ratio = m_g / m_ref, difference = m_g - m_ref, relative_difference = (m_g - m_ref) / m_ref.

    g uses the named group "b", h the largest group (by weighted n), g × h the most
    favourable group for the metric's direction (the largest for neutral metrics).
    """
    df, result, oracle = case
    rules = {"g": "b", "h": "largest", "g" + SEP + "h": "most_favourable"}
    table = result.table[result.table["metric"] == name].set_index(["attribute", "group"])
    if name in ("population_share", "share_of_flagged", "representation_ratio"):
        # shares of one whole: no group-to-group comparison is reported
        assert table["reference_group"].isna().all()
        assert table[["reference_value", "ratio", "difference"]].isna().all().all()
        return
    for attr, rule in rules.items():
        part = table.loc[attr]
        ref = expected_reference(df, attr, rule, name, oracle[name], part["denominator"])
        assert (part["reference_group"] == ref).all(), (attr, rule)
        m_ref = oracle[name][(attr, ref)]
        m_g = oracle[name].loc[attr].reindex(part.index)
        np.testing.assert_allclose(part["reference_value"], m_ref, rtol=RTOL)
        np.testing.assert_allclose(part["ratio"], m_g / m_ref, rtol=1e-10)
        np.testing.assert_allclose(part["difference"], m_g - m_ref, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(
            part["relative_difference"], (m_g - m_ref) / m_ref, rtol=1e-10, atol=1e-14
        )
    overall = table.loc[OVERALL]
    assert overall["reference_group"].isna().all()
    assert overall[["reference_value", "ratio", "difference"]].isna().all().all()


def test_empty_intersection_cell_is_a_nan_row_and_the_rest_match_metricframe():
    """A g × h combination that never occurs is reported (n = 0, rates NaN, warned),
    as MetricFrame reports it (all NaN); every non-empty cell still equals MetricFrame."""
    df = make_records(3, "int")
    df = df[~((df["g"] == "d") & (df["h"] == "y"))].reset_index(drop=True)
    with pytest.warns(biasaudit.UndefinedRateWarning, match="d × y"):
        result = run_audit(df, groups=["g", "h"], intersections=[["g", "h"]])
    counts = result.counts.table.set_index(["attribute", "group"])
    empty = counts.loc[("g × h", "d × y")]
    assert empty["rows"] == 0 and empty["n"] == 0
    for name in ("selection_rate", "false_positive_rate", "precision", "base_rate"):
        assert np.isnan(values(result, name)[("g × h", "d × y")]), name
    mf = metric_frame(df, ["g", "h"])
    assert mf.by_group.loc[("d", "y")].isna().all()
    for (lg, lh), row in mf.by_group.drop(index=("d", "y")).iterrows():
        for name in FAIRLEARN_METRICS:
            got = values(result, name)[("g × h", lg + SEP + lh)]
            assert got == pytest.approx(row[name], rel=RTOL), (lg, lh, name)


def test_group_without_innocent_members_has_nan_fpr_where_fairlearn_reports_zero():
    """Undefined is not zero: FP + TN = 0 gives NaN and a warning naming the group.

    (fairlearn returns 0 for an empty denominator; biasaudit deliberately differs,
    DESIGN.md §3, so only the defined groups are compared with MetricFrame.)
    """
    df = pd.DataFrame(
        {
            "g": ["a"] * 6 + ["b"] * 3,
            "f": [1, 1, 0, 0, 1, 0, 1, 0, 1],
            "y": [1, 0, 0, 1, 0, 0, 1, 1, 1],  # everyone in b committed fraud
        }
    )
    with pytest.warns(biasaudit.UndefinedRateWarning, match="g = b"):
        result = biasaudit.audit(
            df,
            roles={"flagged": "f", "outcome": "y"},
            groups=["g"],
            metrics=["false_positive_rate"],
        )
    fpr = values(result, "false_positive_rate")
    assert np.isnan(fpr[("g", "b")])
    assert values(result, "false_positive_rate", "note")[("g", "b")].startswith("undefined")
    # a: FP = 2 (rows 2 and 5), TN = 2 (rows 3 and 6) -> 2 / 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns about b's empty denominator
        mf = MetricFrame(
            metrics=false_positive_rate,
            y_true=df["y"],
            y_pred=df["f"],
            sensitive_features=df["g"],
        )
    assert fpr[("g", "a")] == pytest.approx(mf.by_group["a"]) == pytest.approx(0.5)
    assert fpr[(OVERALL, ALL)] == pytest.approx(mf.overall)


def test_metric_functions_drop_into_metricframe_and_match_the_audit():
    """sklearn-style functions from the registry, run by fairlearn, equal the audit."""
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], 500),
            "f": rng.integers(0, 2, 500),
            "y": rng.integers(0, 2, 500),
        }
    )
    result = biasaudit.audit(df, roles={"flagged": "f", "outcome": "y"}, groups="g", min_cell=0)
    names = [n for n, s in biasaudit.METRICS.items() if s.comparable]
    frame = MetricFrame(
        metrics={n: biasaudit.metric_function(n) for n in names},
        y_true=df["y"],
        y_pred=df["f"],
        sensitive_features=df["g"],
    )
    for n in names:
        ours = result.metric(n, "g").set_index("group")["value"]
        for g in ("a", "b", "c"):
            assert frame.by_group.loc[g, n] == pytest.approx(ours[g]), (n, g)
    with pytest.raises(ValueError, match="'population_share' compares a group with the whole"):
        biasaudit.metric_function("population_share")
    with pytest.warns(biasaudit.UndefinedRateWarning, match="precision is undefined"):
        assert np.isnan(biasaudit.metric_function("precision")([1, 0], [0, 0]))
