"""Score analyses of a table of counted patterns (``roles.count`` with ``roles.score``,
issue 14).

A table of patterns (each row standing for ``count`` people) must give every score
table exactly what the same people one row each give. The oracle is that expansion,
``df.loc[df.index.repeat(df[count])]`` without the count column, run through the plain
records audit, and scikit-learn's ``roc_auc_score(..., sample_weight=count)`` for the
AUC. Before: ``roles.count with roles.score`` was a configuration error.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

import biasaudit
from biasaudit._exceptions import UndefinedRateWarning
from score_records import scored_records

ROLES = {"score": "score", "outcome": "y", "investigated": "inv"}
REFERENCE = {"g": "a", "s": "f"}
KEYS = ["g", "s", "score", "inv", "y"]


def patterns(people: pd.DataFrame) -> pd.DataFrame:
    """The people collapsed into one row per pattern, ``k`` people each, plus rows of
    count 0 (one with a score nobody has, outside the range of everyone's scores)."""
    table = people.groupby(KEYS, dropna=False).size().rename("k").reset_index()
    nobody = table.head(3).assign(k=0, score=[0.333, -3.0, 99.0])
    return pd.concat([table, nobody], ignore_index=True).sample(frac=1, random_state=0)


def expand(table: pd.DataFrame) -> pd.DataFrame:
    return table.loc[table.index.repeat(table["k"])].drop(columns="k").reset_index(drop=True)


def people(discrete: bool) -> pd.DataFrame:
    """2,000 scored people, outcomes known for the investigated only. The continuous
    score is rounded to 1/400, so patterns repeat and the score still has more than 200
    distinct values (binned)."""
    df = scored_records(7, n=2000, discrete=discrete, selective=True)
    if not discrete:
        df["score"] = (df["score"] * 400).round() / 400
    return df


CASES = {
    "classes, score_at_least": (True, {"score_at_least": 7}, {}),
    "classes, top_k": (True, {"top_k": 300}, {}),
    "binned, top_fraction": (False, {"top_fraction": 0.15}, {}),
    "binned, swept values": (
        False,
        {"score_at_least": 0.5},
        {"sweep": "score", "points": [0.2, 0.35, 0.8]},
    ),
}


@pytest.fixture(scope="module", params=list(CASES))
def runs(request):
    discrete, threshold, scores = CASES[request.param]
    rows = people(discrete)
    table = patterns(rows)
    options = {
        "groups": ["g", "s"],
        "intersections": [["g", "s"]],
        "reference": REFERENCE,
        "threshold": threshold,
        "scores": scores,
        "bootstrap_samples": 200,
    }
    counted = biasaudit.audit(table, roles={**ROLES, "count": "k"}, **options)
    expanded = biasaudit.audit(expand(table), roles=ROLES, **options)
    return table, counted, expanded


def test_the_cases_are_what_they_claim(runs):
    table, counted, _ = runs
    assert len(table) < 2000 and (table["k"] > 1).any() and (table["k"] == 0).any()
    distinct = table.loc[table["k"] > 0, "score"].nunique()
    assert distinct == 10 or distinct > 200
    assert counted.score_analysis is not None


def test_every_published_score_table_equals_the_expanded_rows(runs):
    """AUC, calibration, deciles, distributions, the sweep...: equal, disclosure control
    included (it sees the same people). Counts, flags and every number of a risk-class
    score are identical to the last bit; a continuous score's sums (means) add ``k * s``
    where the rows add ``s`` k times, so they agree to rounding (1e-12)."""
    table, counted, expanded = runs
    exact = table.loc[table["k"] > 0, "score"].nunique() == 10
    tolerance = {"check_exact": True} if exact else {"check_exact": False, "rtol": 1e-12}
    a, b = counted.score_analysis, expanded.score_analysis
    assert a.cutoff == b.cutoff and a.top_decile == b.top_decile
    assert set(a.tables) == set(b.tables)
    for name in a.tables:
        published, restricted = a.published(name), a.tables[name]
        pd.testing.assert_frame_equal(published, b.published(name), obj=name, **tolerance)
        pd.testing.assert_frame_equal(restricted, b.tables[name], obj=name, **tolerance)
        pd.testing.assert_frame_equal(
            published.isna(), b.published(name).isna(), obj=f"{name} (blanked cells)"
        )
    pd.testing.assert_frame_equal(counted.table, expanded.table, check_exact=True)
    # the sweep publishes something, and something is withheld (min_cell = 10 acts)
    assert a.published("sweep")["value"].notna().any()
    assert a.tables["calibration"]["suppressed"].any() or a.tables["deciles"]["suppressed"].any()


def test_the_ledger_counts_people(runs):
    table, counted, expanded = runs
    led = counted.ledger
    assert led.rows_read == int(table["k"].sum()) == expanded.ledger.rows_read == 2000
    assert led.rows_read == led.rows_analysed + led.rows_excluded
    assert any(note.startswith("counted:") for note in led.notes)


def test_auc_equals_scikit_learn_with_the_counts_as_sample_weights():
    """AUC per group of a risk-class score (exact) against roc_auc_score on the
    pattern rows, each weighted by its count; positives / negatives are people."""
    table = patterns(people(True))
    result = biasaudit.audit(
        table,
        roles={**ROLES, "count": "k"},
        groups=["g"],
        reference={"g": "a"},
        threshold={"top_fraction": 0.2},
        min_cell=0,
        bootstrap_samples=200,
    )
    auc = result.score_analysis.auc.set_index(["attribute", "group"])
    known = table[table["y"].notna()]
    checked = 0
    for group in ["a", "b", "c", None]:
        part = known if group is None else known[known["g"] == group]
        row = auc.loc[("(overall)", "(all)") if group is None else ("g", group)]
        want = roc_auc_score(part["y"], part["score"], sample_weight=part["k"])
        assert row["auc"] == pytest.approx(want, abs=1e-12)
        assert row["positives"] == part.loc[part["y"] == 1, "k"].sum()
        assert row["negatives"] == part.loc[part["y"] == 0, "k"].sum()
        checked += 1
    assert checked == 4


def test_top_k_on_counts_flags_the_kth_highest_person():
    """By hand: scores 0.9 (2 people), 0.5 (3), 0.2 (5); the 3rd-highest person scores
    0.5, so top_k = 3 flags the 5 people at 0.5 or above (the rows would say 0.2)."""
    table = pd.DataFrame(
        {
            "g": ["a", "b", "a", "b", "a"],
            "score": [0.9, 0.5, 0.2, 0.1, 0.7],
            "y": [1, 0, 0, 1, 1],
            "k": [2, 3, 5, 7, 0],
        }
    )
    result = biasaudit.audit(
        table,
        roles={"score": "score", "outcome": "y", "count": "k"},
        groups=["g"],
        threshold={"top_k": 3},
        metrics=["selection_rate"],
        min_cell=0,
        bootstrap_samples=100,
    )
    assert result.score_analysis.cutoff == 0.5
    assert result.counts.overall["flagged"] == 5 and result.counts.overall["n"] == 17


def test_one_pattern_row_of_many_people_is_not_a_small_cell():
    """Every (group, score) pattern is a single row of 12 to 30 people: nothing in the
    deciles, calibration or excess tables is withheld (each count is >= 10 people)."""
    rng = np.random.default_rng(3)
    grid = pd.MultiIndex.from_product(
        [["a", "b"], range(1, 11), [0, 1]], names=["g", "score", "y"]
    ).to_frame(index=False)
    grid["k"] = rng.integers(12, 31, size=len(grid))
    result = biasaudit.audit(
        grid,
        roles={"score": "score", "outcome": "y", "count": "k"},
        groups=["g"],
        threshold={"score_at_least": 7},
        scores={"calibration_bins": 5},
        bootstrap_samples=100,
    )
    sa = result.score_analysis
    for name in ("deciles", "calibration", "excess", "auc", "distribution"):
        published = sa.published(name)
        assert not published["suppressed"].any(), name
        people = "people" if "people" in published else "positives"
        assert (published[people] >= 10).all(), name


@pytest.mark.parametrize("engine", ["polars", "duckdb", "pyarrow"])
def test_every_engine_counts_the_patterns_alike(engine, tmp_path):
    """The k-th highest person and the weighted bins on each engine (DuckDB lazily):
    the same score tables as the expanded rows on pandas."""
    table = patterns(people(False))
    table.to_parquet(tmp_path / "patterns.parquet", index=False)
    options = {
        "groups": ["g"],
        "reference": {"g": "a"},
        "threshold": {"top_fraction": 0.15},
        "bootstrap_samples": 100,
    }
    counted = biasaudit.audit(
        tmp_path / "patterns.parquet", engine=engine, roles={**ROLES, "count": "k"}, **options
    )
    expanded = biasaudit.audit(expand(table), roles=ROLES, **options)
    a, b = counted.score_analysis, expanded.score_analysis
    assert a.cutoff == b.cutoff == 0.5425 and a.top_decile == b.top_decile
    for name in a.tables:
        pd.testing.assert_frame_equal(
            a.published(name), b.published(name), obj=name, check_exact=False, rtol=1e-12
        )


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    counts=st.lists(st.integers(0, 6), min_size=24, max_size=24),
    scores=st.lists(st.sampled_from([0.125, 0.25, 0.375, 0.75, 0.875]), min_size=24, max_size=24),
    top_k=st.integers(1, 30),
)
def test_any_small_pattern_table_scores_like_its_expanded_rows(counts, scores, top_k):
    """Property: any table of patterns (counts 0..6, tied scores, a top-k threshold)
    gives the expanded rows' score tables, published and restricted, bit for bit (the
    scores are eighths, so k * s and s added k times are the same float)."""
    table = pd.DataFrame(
        {
            "g": ["a", "b", "c"] * 8,
            "score": scores,
            "y": [1, 0, 0, 1] * 6,
            "k": counts,
        }
    )
    # every group has somebody (two people at least), as in the expansion
    for g in ["a", "b", "c"]:
        table.loc[table[table["g"] == g].index[0], "k"] += 2
    options = {
        "groups": ["g"],
        "reference": {"g": "a"},
        "threshold": {"top_k": top_k},
        "metrics": ["selection_rate"],
        "bootstrap_samples": 100,
        "min_cell": 3,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedRateWarning)  # tiny groups: NaN rates
        counted = biasaudit.audit(
            table, roles={"score": "score", "outcome": "y", "count": "k"}, **options
        )
        expanded = biasaudit.audit(
            expand(table), roles={"score": "score", "outcome": "y"}, **options
        )
    a, b = counted.score_analysis, expanded.score_analysis
    assert a.cutoff == b.cutoff
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], obj=name, check_exact=True)
        pd.testing.assert_frame_equal(
            a.published(name), b.published(name), obj=name, check_exact=True
        )
