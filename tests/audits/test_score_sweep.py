"""The threshold sweep and the what-if table of ``result.score_analysis``.

The oracle for a sweep row is the plain audit run with that threshold (the whole results
table, NaN-aware, every column); for the what-if table a brute-force scan over the raw
rows of every candidate threshold.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import biasaudit
from biasaudit.metrics._metrics import TABLE_COLUMNS
from score_records import scored_records

ROLES = {"score": "score", "outcome": "y"}


def plain_table(df: pd.DataFrame, roles: dict, threshold: dict) -> pd.DataFrame:
    import warnings

    with warnings.catch_warnings():  # extreme thresholds leave a group nobody flagged
        warnings.simplefilter("ignore", biasaudit.UndefinedRateWarning)
        result = biasaudit.audit(df, roles=roles, groups=["g", "s"], threshold=threshold)
    return rates(result.table)


def rates(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of rates: the sweep shows no harm counts (a count per threshold)."""
    rows = table[~table["metric"].isin(list(biasaudit.HARM_METRICS))]
    return rows[TABLE_COLUMNS].reset_index(drop=True)


def sweep_rows(sweep: pd.DataFrame, kind: str, point: float) -> pd.DataFrame:
    rows = sweep[(sweep["sweep"] == kind) & (sweep["point"] == point)]
    assert rows["threshold"].nunique() == 1
    return rows


# (records, sweep kind, points, threshold key of the plain audit at a point)
CASES = [
    pytest.param("discrete", "score", [3, 6, 9], "score_at_least", id="classes-score"),
    pytest.param("discrete", "top_k", [100, 450], "top_k", id="classes-top_k"),
    pytest.param("discrete", "top_fraction", [0.05, 0.3], "top_fraction", id="classes-fraction"),
    pytest.param("continuous", "score", [0.25, 0.5, 0.7], "score_at_least", id="cont-score"),
    pytest.param("selective", "top_fraction", [0.1, 0.4], "top_fraction", id="labels-fraction"),
    pytest.param("selective continuous", "score", [0.3, 0.6], "score_at_least", id="labels-cont"),
]


def records(kind: str) -> tuple[pd.DataFrame, dict]:
    """Records and roles: risk classes 1..10 or a continuous score; with ``selective``
    an investigated column and outcomes known only for the investigated."""
    selective = "selective" in kind
    df = scored_records(11, n=1500, discrete="continuous" not in kind, selective=selective)
    return df, {**ROLES, "investigated": "inv"} if selective else ROLES


@pytest.mark.filterwarnings("ignore::biasaudit._exceptions.UndefinedRateWarning")
def same_as_plain(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Every number as the plain audit at that threshold; withheld wherever the plain
    audit withholds, and possibly more: the sweep is checked with the other score
    tables at once (two thresholds' counts differ by a score range's people)."""
    numbers = [c for c in TABLE_COLUMNS if c not in ("suppressed", "note")]
    pd.testing.assert_frame_equal(got[numbers], want[numbers], check_exact=False, rtol=1e-12)
    plain, joint = want["suppressed"].to_numpy(bool), got["suppressed"].to_numpy(bool)
    assert (joint | ~plain).all(), "a row the plain audit withholds is published"


@pytest.mark.slow
@pytest.mark.parametrize(("data", "kind", "points", "key"), CASES)
def test_sweep_rows_equal_the_plain_audit_at_each_threshold(data, kind, points, key):
    df, roles = records(data)
    result = biasaudit.audit(
        df,
        roles=roles,
        groups=["g", "s"],
        threshold={"score_at_least": 0.45 if "continuous" in data else 5},
        scores={"sweep": kind, "points": points},
    )
    sweep = result.score_analysis.sweep
    # the audit's own cut-off is added when no point gives it
    assert set(sweep["sweep"]) - {"audit"} == {kind}
    assert ("audit" in set(sweep["sweep"])) == (
        result.score_analysis.cutoff not in set(sweep.loc[sweep["sweep"] == kind, "threshold"])
    )
    for point in points:
        rows = sweep_rows(sweep, kind, point)
        want = plain_table(df, roles, {key: point})
        got = rows[TABLE_COLUMNS].reset_index(drop=True)
        same_as_plain(got, want)
        # the row's threshold and flagged count are what the plain audit flags
        flagged = (df["score"] >= rows["threshold"].iloc[0]).sum()
        assert (rows["flagged_people"] == flagged).all()
        assert rows["flagged_share"].iloc[0] == pytest.approx(flagged / len(df))
        if key == "score_at_least" and "continuous" in data:
            assert rows["threshold"].iloc[0] == point  # a named cut-off: exact
        elif key == "score_at_least":
            # the lowest score at or above the point flags the same people
            assert rows["threshold"].iloc[0] == df.loc[df["score"] >= point, "score"].min()
    # and at the audit's own cut-off the sweep is the audit's table
    at_cutoff = sweep[sweep["threshold"] == result.score_analysis.cutoff]
    at_cutoff = at_cutoff.drop_duplicates(["attribute", "group", "metric"])
    same_as_plain(at_cutoff[TABLE_COLUMNS].reset_index(drop=True), rates(result.table))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::biasaudit._exceptions.UndefinedRateWarning")
def test_top_k_on_a_continuous_score_flags_at_least_k_within_one_bin():
    df, roles = records("continuous")
    points = [40, 400]
    result = biasaudit.audit(
        df,
        roles=roles,
        groups=["g", "s"],
        threshold={"top_k": 200},
        scores={"sweep": "top_k", "points": points},
    )
    sweep = result.score_analysis.sweep
    # the people in each of the 200 equal-width bins: the most a bin edge can overshoot
    most = np.histogram(df["score"], bins=200)[0].max()
    for k in points:
        rows = sweep_rows(sweep, "top_k", k)
        threshold = rows["threshold"].iloc[0]
        flagged = int((df["score"] >= threshold).sum())
        assert k <= flagged <= k + most
        assert (rows["flagged_people"] == flagged).all()
        # resolved to a bin edge: the plain audit with that score cut-off is the row
        want = plain_table(df, roles, {"score_at_least": threshold})
        same_as_plain(rows[TABLE_COLUMNS].reset_index(drop=True), want)
    # the audit's own top_k cut-off is exact (named before the pass)
    cutoff = np.sort(df["score"].to_numpy())[-200]
    assert result.score_analysis.cutoff == cutoff
    assert sweep.loc[sweep["sweep"] == "audit", "flagged_people"].unique().tolist() == [200]


# --- what-if --------------------------------------------------------------------------


def brute_force_what_if(
    df: pd.DataFrame, attribute: str, common: float, metric: str
) -> dict[str, tuple[float, float, float, float]]:
    """Per group: (target, rate at common, threshold needed, its rate) by trying every
    distinct score (and "nobody flagged") on the raw rows."""
    candidates = np.append(np.unique(df["score"]), math.inf)

    def rate(part: pd.DataFrame, t: float) -> float:
        if metric == "false_positive_rate":
            part = part[part["y"] == 0]
        return float((part["score"] >= t).mean()) if len(part) else math.nan

    target = rate(df, common)
    out = {}
    for group, part in df.groupby(attribute):
        rates = np.array([rate(part, t) for t in candidates])
        gap = np.abs(rates - target)
        best = np.flatnonzero(gap <= np.nanmin(gap) + 1e-12).max()  # ties: the highest
        out[str(group)] = (target, rate(part, common), candidates[best], rates[best])
    return out


@pytest.mark.filterwarnings("ignore::biasaudit._exceptions.UndefinedRateWarning")
@pytest.mark.parametrize("metric", ["selection_rate", "false_positive_rate"])
@pytest.mark.parametrize("cutoff", [7, None])
def test_what_if_equals_a_brute_force_scan_of_the_rows(metric, cutoff):
    df, roles = records("discrete")
    if cutoff is None:  # a flag column: everyone's threshold flags at least as many
        flag = np.random.default_rng(3).random(len(df)) < 0.25
        df = df.assign(flag=flag.astype(int))
        roles = {**roles, "flagged": "flag"}
        common = max(t for t in np.unique(df["score"]) if (df["score"] >= t).sum() >= flag.sum())
        threshold = None
    else:
        common, threshold = cutoff, {"score_at_least": cutoff}
    result = biasaudit.audit(
        df,
        roles=roles,
        groups=["g", "s"],
        threshold=threshold,
        scores={"equalise": metric},
        min_cell=0,  # the computation, not disclosure control (tested elsewhere)
    )
    table = result.score_analysis.what_if
    assert len(table) == 3 + 2
    for attribute, part in table.groupby("attribute"):
        want = brute_force_what_if(df, attribute, common, metric)
        for _, row in part.iterrows():
            target, at_common, needed, at_needed = want[row["group"]]
            members = df[df[attribute] == row["group"]]
            assert row["metric"] == metric and row["note"] == ""
            assert row["common_threshold"] == common
            assert row["target"] == pytest.approx(target, abs=1e-12)
            assert row["rate_at_common"] == pytest.approx(at_common, abs=1e-12)
            assert row["threshold_needed"] == needed
            assert row["rate_at_needed"] == pytest.approx(at_needed, abs=1e-12)
            assert row["people"] == len(members)
            assert row["flagged_at_common"] == (members["score"] >= common).sum()
            assert row["flagged_at_needed"] == (members["score"] >= needed).sum()


@pytest.mark.filterwarnings("ignore::biasaudit._exceptions.UndefinedRateWarning")
@pytest.mark.parametrize("metric", ["false_positive_rate", "precision"])
def test_label_based_what_if_under_selective_labels_is_nan_with_a_note(metric):
    df, roles = records("selective")
    result = biasaudit.audit(
        df,
        roles=roles,
        groups=["g"],
        threshold={"score_at_least": 6},
        scores={"equalise": metric},
        min_cell=0,  # the computation, not disclosure control (tested elsewhere)
    )
    table = result.score_analysis.what_if
    assert (table["note"] == f"{metric} needs every outcome known; some are not").all()
    # not a rate among the labelled only (the plain audit: not identifiable), and not 0
    for column in ("target", "rate_at_common", "threshold_needed", "rate_at_needed"):
        assert table[column].isna().all(), column
    assert table["flagged_at_needed"].isna().all()
    # what needs no label is still counted
    members = df[df["g"] == "a"]
    row = table.set_index("group").loc["a"]
    assert row["flagged_at_common"] == (members["score"] >= 6).sum()
    # selection rates need no outcome: the same records give numbers
    selection = biasaudit.audit(
        df, roles=roles, groups=["g"], threshold={"score_at_least": 6}, min_cell=0
    ).score_analysis.what_if
    assert selection["threshold_needed"].notna().all() and (selection["note"] == "").all()
