"""The count role (frequency weights, issue 14): a table of patterns, each row standing
for `count` people, audits exactly like the same people one row each (the oracle: the
expanded rows), and survey weights that look like counts are pointed out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import biasaudit
from biasaudit import RecordsError

PATTERNS = pd.DataFrame(
    {
        "g": ["A", "A", "A", "A", "B", "B", "B", "B"],
        "flag": [1, 1, 0, 0, 1, 1, 0, 0],
        "fraud": [1, 0, 1, 0, 1, 0, 1, 0],
        "k": [30, 50, 20, 400, 12, 18, 25, 300],
    }
)
ROLES = {"flagged": "flag", "outcome": "fraud"}
METRICS = ["false_positive_rate", "selection_rate", "precision"]
COLUMNS = ["group", "metric", "value", "ci_low", "ci_high", "ratio", "p_value", "numerator"]


def test_counted_patterns_audit_like_the_expanded_rows():
    counted = biasaudit.audit(
        PATTERNS, roles={**ROLES, "count": "k"}, groups=["g"], metrics=METRICS, min_cell=0
    )
    rows = PATTERNS.loc[PATTERNS.index.repeat(PATTERNS["k"])].drop(columns="k")
    expanded = biasaudit.audit(rows, roles=ROLES, groups=["g"], metrics=METRICS, min_cell=0)
    pd.testing.assert_frame_equal(counted.table[COLUMNS], expanded.table[COLUMNS])
    assert counted.ledger.rows_read == 855 == expanded.ledger.rows_read
    assert any("counted" in n for n in counted.ledger.notes)
    # B's false positive rate, by hand: 18 / (18 + 300)
    fpr = counted.metric("false_positive_rate", "g").set_index("group")
    assert fpr.loc["B", "value"] == pytest.approx(18 / 318)


def test_whole_number_survey_weights_are_pointed_out():
    """Before: the same 8 rows as survey weights gave B's FPR an interval of 0.09% to
    80% and p = 1.0, with no word; now the ledger says the weights look like counts."""
    weighted = biasaudit.audit(
        PATTERNS,
        roles={**ROLES, "weight": "k"},
        groups=["g"],
        metrics=["false_positive_rate"],
        min_cell=0,
    )
    assert any("name the column as roles.count" in n for n in weighted.ledger.notes)
    fractional = PATTERNS.assign(k=PATTERNS["k"] * 1.5 + 0.25)
    survey = biasaudit.audit(
        fractional, roles={**ROLES, "weight": "k"}, groups=["g"], metrics=["selection_rate"]
    )
    assert not any("roles.count" in n for n in survey.ledger.notes)


def test_count_with_survey_weights_multiplies_them():
    """A row of k people each with survey weight w: k * w in the counts, k * w^2 in
    the squared weights; the oracle is the expanded rows with their weights."""
    data = PATTERNS.assign(w=[1.5, 2.0, 1.0, 0.5, 2.5, 1.0, 1.0, 3.0])
    counted = biasaudit.audit(
        data,
        roles={**ROLES, "count": "k", "weight": "w"},
        groups=["g"],
        metrics=METRICS,
        min_cell=0,
    )
    rows = data.loc[data.index.repeat(data["k"])].drop(columns="k")
    expanded = biasaudit.audit(
        rows, roles={**ROLES, "weight": "w"}, groups=["g"], metrics=METRICS, min_cell=0
    )
    pd.testing.assert_frame_equal(counted.table[COLUMNS], expanded.table[COLUMNS])


@pytest.mark.parametrize(
    ("value", "reason"),
    [(-3, "negative_count"), (2.5, "fractional_count"), (np.inf, "fractional_count")],
)
def test_bad_counts_are_listed(value, reason):
    data = PATTERNS.assign(k=PATTERNS["k"].astype(float))
    data.loc[2, "k"] = value
    with pytest.raises(RecordsError) as err:
        biasaudit.audit(data, roles={**ROLES, "count": "k"}, groups=["g"], min_cell=0)
    assert reason in set(err.value.problems["reason"])


def test_count_with_a_score_audits_like_the_expanded_rows():
    """Before: ``roles.count with roles.score`` was a ConfigError. Now the score cube
    holds people: its bins, people and score sums equal the expanded rows' (oracle:
    numpy on the expanded rows)."""
    data = PATTERNS.assign(s=[0.9, 0.7, 0.4, 0.1, 0.9, 0.6, 0.4, 0.2])
    data = pd.concat([data, data.head(1).assign(k=0, s=5.0)], ignore_index=True)
    result = biasaudit.audit(
        data,
        roles={**ROLES, "count": "k", "score": "s"},
        groups=["g"],
        metrics=METRICS,
        min_cell=0,
    )
    hist = result.scores.table  # attribute, group, low, high, count
    rows = data.loc[data.index.repeat(data["k"])]
    for group, part in [
        ("(all)", rows),
        ("A", rows[rows["g"] == "A"]),
        ("B", rows[rows["g"] == "B"]),
    ]:
        mine = hist[hist["group"] == group].set_index("low")["count"]
        want = part["s"].value_counts().sort_index()
        assert mine.to_dict() == want.to_dict()  # the count-0 row's score 5.0 is nobody's
    dist = result.score_analysis.distribution.set_index("group")
    assert dist.loc["B", "people"] == 355
    assert dist.loc["B", "mean"] == pytest.approx(rows.loc[rows["g"] == "B", "s"].mean())
    assert dist.loc["(all)", "sd"] == pytest.approx(rows["s"].std(ddof=1))


def test_kth_highest_person_of_counted_rows():
    """The k-th highest person's score from the rows and their counts (no expansion),
    against numpy's sort of the expanded scores, for every k."""
    import narwhals as nw

    from biasaudit.counts._scores import kth_highest

    rng = np.random.default_rng(1)
    table = pd.DataFrame({"s": rng.integers(0, 20, 40) / 4, "k": rng.integers(0, 6, 40)})
    table.loc[3, "s"] = np.nan
    expanded = np.sort(table.loc[table.index.repeat(table["k"]), "s"].dropna().to_numpy())[::-1]
    frame = nw.from_native(table)
    for k in range(1, len(expanded) + 1):
        assert kth_highest(frame, "s", k, count="k") == expanded[k - 1], k
    # more than everyone: flags everyone, as top_k on fewer rows than k does
    assert kth_highest(frame, "s", len(expanded) + 5, count="k") == expanded[-1]
