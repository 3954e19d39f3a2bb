"""Disclosure control: no published count below min_cell, and no suppressed count
recoverable from what is published (checked by solving for it)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from biasaudit import UndefinedRateWarning, audit
from biasaudit.report._outputs import write_outputs

MIN_CELL = 10


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    """Full labels; nationality C has 8 people and sex x nationality has small cells."""
    rng = np.random.default_rng(42)
    sizes = {"A": 300, "B": 120, "C": 8}
    parts = []
    for nat, k in sizes.items():
        sex = rng.choice(["F", "M"], k)
        y = rng.random(k) < 0.3
        flag = rng.random(k) < np.where(y, 0.6, 0.2)
        parts.append(
            pd.DataFrame({"nat": nat, "sex": sex, "flag": flag.astype(int), "y": y.astype(int)})
        )
    return pd.concat(parts, ignore_index=True)


def run(people, **kw):
    with pytest.warns(UndefinedRateWarning) if kw.pop("warns", False) else _nothing():
        return audit(
            people,
            roles={"flagged": "flag", "outcome": "y"},
            groups=["sex", "nat"],
            intersections=[["sex", "nat"]],
            **kw,
        )


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


# Who each metric counts, written from DESIGN.md §3 (independent of the registry):
# (numerator, denominator) as functions of (group mask, flag, y, everyone).
def _sets(g, f, y, every):
    innocent, guilty = y == 0, y == 1
    return {
        "selection_rate": (g & f, g),
        "population_share": (g, every),
        "share_of_flagged": (g & f, every & f),
        "representation_ratio": (g & f, g),
        "base_rate": (g & guilty, g),
        "precision": (g & f & guilty, g & f),
        "false_discovery_rate": (g & f & innocent, g & f),
        "false_positive_rate": (g & f & innocent, g & innocent),
        "innocent_flag_rate": (g & f & innocent, g),
        "false_negative_rate": (g & ~f & guilty, g & guilty),
        "true_positive_rate": (g & f & guilty, g & guilty),
        "true_negative_rate": (g & ~f & innocent, g & innocent),
        "false_omission_rate": (g & ~f & guilty, g & ~f),
        "negative_predictive_value": (g & ~f & innocent, g & ~f),
        "accuracy": (g & (f == guilty), g),
        # harm counts (docs/metrics.md) publish their rate's numerator and denominator
        "excess_flagged": (g & f, g),
        "excess_unfounded_investigations": (g & f & innocent, g),
        "excess_false_accusations": (g & f & innocent, g & innocent),
    }


def group_mask(people, attribute, group):
    if attribute == "(overall)":
        return np.ones(len(people), dtype=bool)
    mask = np.ones(len(people), dtype=bool)
    for a, v in zip(attribute.split(" × "), group.split(" × "), strict=True):
        mask &= (people[a] == v).to_numpy()
    return mask


def test_no_published_count_below_min_cell(people):
    r = run(people, warns=True)
    pub = r.published_table()
    for col in ("numerator", "denominator", "n"):
        v = pub[col].dropna()
        assert not ((v > 0) & (v < MIN_CELL)).any(), col
    # suppressed rows show no numbers at all
    hidden = pub[r.table["suppressed"]]
    assert (
        hidden[["value", "ci_low", "ci_high", "numerator", "denominator", "n", "ratio"]]
        .isna()
        .all()
        .all()
    )
    assert hidden["note"].str.startswith("suppressed").all()
    # C has 8 people: every row of C is suppressed
    assert r.table.loc[r.table["group"] == "C", "suppressed"].all()


def test_complementary_suppression_hides_another_group(people):
    r = run(people, warns=True)
    nat = r.table[(r.table["attribute"] == "nat") & (r.table["metric"] == "selection_rate")]
    # without a second hidden group, C's counts = overall - A - B
    assert nat["suppressed"].sum() >= 2


def test_no_suppressed_count_can_be_solved_for(people):
    r = run(people, warns=True)
    pub, full = r.published_table(), r.table
    f, y = people["flag"].to_numpy(bool), people["y"].to_numpy().astype(int)
    every = np.ones(len(people), dtype=bool)
    published, hidden = [], []
    for i, row in full.iterrows():
        g = group_mask(people, row["attribute"], row["group"])
        num, den = _sets(g, f, y, every)[row["metric"]]
        vectors = [g.astype(float), num.astype(float), den.astype(float)]
        if pub.loc[i, "suppressed"]:
            hidden += [v for v in vectors if 0 < v.sum() < MIN_CELL]
        elif not np.isnan(pub.loc[i, "value"]):
            published += vectors
        else:
            published.append(vectors[0])
    P = np.array(published)
    assert hidden, "the fixture should have small counts to protect"
    for h in hidden:
        # solve P^T x = h: an exact solution would recover the hidden count
        x, *_ = np.linalg.lstsq(P.T, h, rcond=None)
        assert np.linalg.norm(P.T @ x - h) > 1e-6, "a suppressed count can be computed"


def test_restricted_output_shows_everything_clearly_labelled(people, tmp_path):
    r = run(people, warns=True)
    out = write_outputs(r, tmp_path / "restricted", restricted=True)
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "charts",
        "manifest.json",
        "report.html",
        "results-restricted.csv",
        "results-restricted.json",
    ]
    data = json.loads((out / "results-restricted.json").read_text())
    assert data["disclosure"]["mode"] == "restricted"
    assert data["disclosure"]["warning"].startswith("RESTRICTED")
    c = [
        row for row in data["results"] if row["group"] == "C" and row["metric"] == "selection_rate"
    ]
    assert c[0]["value"] is not None and c[0]["suppressed"] is True
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["disclosure"]["mode"] == "restricted"
    public = write_outputs(r, tmp_path / "public")
    data = json.loads((public / "results.json").read_text())
    c = [
        row for row in data["results"] if row["group"] == "C" and row["metric"] == "selection_rate"
    ]
    assert c[0]["value"] is None


def test_min_cell_zero_turns_it_off(people):
    r = run(people, min_cell=0, warns=True)
    assert not r.table["suppressed"].any()


def test_selective_labels_publish_no_small_counts(small_records):
    r = audit(
        pd.concat([small_records] * 3, ignore_index=True),
        roles={"flagged": "flag", "investigated": "inv", "outcome": "fraud"},
        groups="sex",
    )
    pub = r.published_table()
    for col in ("numerator", "denominator", "n"):
        v = pub[col].dropna()
        assert not ((v > 0) & (v < MIN_CELL)).any(), col


def test_weighted_counts_without_people_are_refused_not_published_unchecked(people):
    import dataclasses

    from biasaudit import METRICS
    from biasaudit.disclosure import suppression

    r = run(people, warns=True)
    bare = dataclasses.replace(r.counts, base=None)  # group counts of people suffice
    assert (
        suppression(r.table, bare, list(METRICS.values()), MIN_CELL)
        .eq(suppression(r.table, r.counts, list(METRICS.values()), MIN_CELL))
        .all()
    )
    weighted = dataclasses.replace(r.counts, base=None, weighted=True)
    with pytest.raises(ValueError, match="disclosure control counts people"):
        suppression(r.table, weighted, list(METRICS.values()), MIN_CELL)
    assert not suppression(r.table, weighted, list(METRICS.values()), 0).any()


def _published_vectors(people: pd.DataFrame, pub: pd.DataFrame) -> np.ndarray:
    """Every count a published row shows, as a 0/1 vector over people (independent of
    the implementation: the sets come from DESIGN.md §3 via ``_sets``)."""
    f, y = people["flag"].to_numpy(bool), people["y"].to_numpy().astype(int)
    every = np.ones(len(people), dtype=bool)
    out = []
    for _, row in pub[~pub["suppressed"]].iterrows():
        g = group_mask(people, row["attribute"], row["group"])
        out.append(g)
        if not np.isnan(row["value"]):
            num, den = _sets(g, f, y, every)[row["metric"]]
            out += [num, den]
            if row["metric"] == "representation_ratio":  # n_g * flagged_all / n_all
                out += [every & f, every]
    return np.array(out, dtype=float)


def _small_group_sums(people: pd.DataFrame, table: pd.DataFrame) -> list[np.ndarray]:
    """Every sum of a group's cells (TP, FP, FN, TN) counting 1 to 9 people."""
    f, y = people["flag"].to_numpy(bool), people["y"].to_numpy().astype(int)
    cells = [f & (y == 1), f & (y == 0), ~f & (y == 1), ~f & (y == 0)]
    out = []
    for attribute, group in (
        table[["attribute", "group"]].drop_duplicates().itertuples(index=False)
    ):
        g = group_mask(people, attribute, group)
        for mask in range(1, 16):
            v = np.zeros(len(people), dtype=bool)
            for j in range(4):
                if mask >> j & 1:
                    v |= g & cells[j]
            if 0 < v.sum() < MIN_CELL:
                out.append(v.astype(float))
    return out


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(30, 160),
    seed=st.integers(0, 10_000),
    levels=st.tuples(st.integers(2, 4), st.integers(2, 3)),
)
def test_random_populations_never_reveal_a_small_count(n, seed, levels):
    rng = np.random.default_rng(seed)
    people = pd.DataFrame(
        {
            "sex": rng.choice([f"s{i}" for i in range(levels[0])], n, p=None),
            "nat": rng.choice([f"n{i}" for i in range(levels[1])], n),
            "flag": (rng.random(n) < 0.35).astype(int),
            "y": (rng.random(n) < 0.3).astype(int),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedRateWarning)
        r = audit(
            people,
            roles={"flagged": "flag", "outcome": "y"},
            groups=["sex", "nat"],
            intersections=[["sex", "nat"]],
            bootstrap_samples=100,
        )
    pub = r.published_table()
    # counts of people (representation_ratio's denominator is an expected count instead)
    people_counts = pub[pub["metric"] != "representation_ratio"]
    for col in ("numerator", "denominator", "n"):
        v = people_counts[col].dropna()
        assert not ((v > 0) & (v < MIN_CELL)).any(), col
    P = _published_vectors(people, pub)
    for h in _small_group_sums(people, r.table):
        if not len(P):
            break
        x, *_ = np.linalg.lstsq(P.T, h, rcond=None)
        assert np.linalg.norm(P.T @ x - h) > 1e-6, "a count of 1 to 9 people can be computed"


def _holm_leak_people() -> pd.DataFrame:
    """Race C (9 people, none flagged) is withheld and so is race B (complementary);
    its test has the smallest p-value, so Holm over every test gives sex = M an
    adjusted p-value of 3 x race C's p-value."""
    rows = []
    for sex, race, n, flagged in [
        ("F", "A", 30, 12),
        ("F", "B", 25, 8),
        ("F", "C", 5, 0),
        ("M", "A", 30, 6),
        ("M", "B", 25, 6),
        ("M", "C", 4, 0),
    ]:
        rows += [{"sex": sex, "race": race, "flag": int(i < flagged)} for i in range(n)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("correction", ["holm", "fdr_bh"])
def test_adjusted_p_values_are_adjusted_over_the_published_tests_only(correction):
    """issue 14: a published adjusted p-value must not derive from a withheld test."""
    from statsmodels.stats.multitest import multipletests

    result = audit(
        _holm_leak_people(),
        roles={"flagged": "flag"},
        groups=["sex", "race"],
        metrics=["selection_rate"],
        correction=correction,
        min_cell=MIN_CELL,
    )
    full = result.table
    assert full.loc[full["group"] == "C", "suppressed"].all()
    withheld_p = full.loc[full["suppressed"], "p_value"].dropna().to_numpy()
    shown = result.published_table()
    tested = shown[shown["p_value"].notna()]
    assert list(tested["group"]) == ["M"]
    # oracle: statsmodels over the published family (one test: adjusted = raw)
    expected = multipletests(tested["p_value"].to_numpy(), method=correction)[1]
    np.testing.assert_allclose(tested["p_adjusted"].to_numpy(), expected, rtol=1e-12)
    m = len(full["p_value"].dropna())
    for p_adj in shown["p_adjusted"].dropna():
        for p in withheld_p:  # before: 0.2971 = 3 x race C's 0.0990 (Holm)
            assert not any(np.isclose(p_adj, k * p) for k in range(1, m + 1))
    # the auditor's copy keeps the adjustment over every test, and says so
    every = full[full["p_value"].notna()]
    expected_all = multipletests(every["p_value"].to_numpy(), method=correction)[1]
    np.testing.assert_allclose(every["p_adjusted"].to_numpy(), expected_all, rtol=1e-12)
    assert "every test" in result.to_dict(restricted=True)["disclosure"]["p_adjusted_family"]
    assert "published" in result.to_dict()["disclosure"]["p_adjusted_family"]


def test_published_adjusted_p_values_count_a_rate_and_its_complement_once(people):
    """With outcomes, FPR and TNR are one test; the published family counts it once
    (oracle: statsmodels over the distinct published tests)."""
    from statsmodels.stats.multitest import multipletests

    # complements are one test (DESIGN.md section 3): same cells, numerator swapped
    same = {
        "true_negative_rate": "false_positive_rate",
        "false_discovery_rate": "precision",
        "true_positive_rate": "false_negative_rate",
        "negative_predictive_value": "false_omission_rate",
    }
    result = run(people, warns=True)
    shown = result.published_table()
    tested = shown[shown["p_value"].notna()]
    assert result.table["suppressed"].any() and len(tested)
    keys = [
        (a, g, r, same.get(m, m))
        for a, g, r, m in tested[["attribute", "group", "reference_group", "metric"]].itertuples(
            index=False
        )
    ]
    first = pd.Series(keys).drop_duplicates()
    adjusted = multipletests(tested["p_value"].to_numpy()[first.index], method="holm")[1]
    lookup = dict(zip(first, adjusted, strict=True))
    np.testing.assert_allclose(
        tested["p_adjusted"].to_numpy(), [lookup[k] for k in keys], rtol=1e-12
    )


@pytest.mark.parametrize("kind", ["funnel", "scores"])
def test_funnel_and_score_tables_readjust_over_the_published_tests(kind):
    """issue 14, the other table kinds: a hand-built table whose most significant test
    is withheld; what is published is adjusted over the shown tests only (oracle:
    statsmodels)."""
    from statsmodels.stats.multitest import multipletests

    from biasaudit.disclosure import publish

    raw = np.array([0.01, 0.012, 0.03, 0.4])
    column = "p" if kind == "funnel" else "ks_p"
    table = pd.DataFrame(
        {
            "attribute": "g",
            "group": ["a", "b", "c", "d"],
            "stage": "selected",
            "reference_group": "d",
            f"{column}_value": raw,
            f"{column}_adjusted": multipletests(raw, method="holm")[1],
            "suppressed": [True, False, False, False],
            "note": "",
        }
    )
    shown = publish(table, kind)
    assert np.isnan(shown.loc[0, f"{column}_adjusted"])
    expected = multipletests(raw[1:], method="holm")[1]  # b: 0.036; before 0.04 = 4 x 0.01
    np.testing.assert_allclose(shown[f"{column}_adjusted"].to_numpy()[1:], expected)
