"""The equal-burden and found gaps are documented in the unit they are stored in
(issue 14): a difference of two shares as a fraction, not percentage points."""

from __future__ import annotations

import pandas as pd
import pytest

from biasaudit import audit
from biasaudit.spec import SAMPLE_METRICS

ROWS = [  # the README's example: group, flagged, how selected, fraud found, people
    ("A", 1, "random", "yes", 1), ("A", 1, "random", "no", 1),
    ("A", 1, "model", "yes", 7), ("A", 1, "model", "no", 11),
    ("A", 0, "random", "yes", 1), ("A", 0, "random", "no", 9), ("A", 0, "none", "", 70),
    ("B", 1, "model", "yes", 1), ("B", 1, "model", "no", 4),
    ("B", 0, "random", "yes", 3), ("B", 0, "random", "no", 6), ("B", 0, "none", "", 36),
]  # fmt: skip


def test_the_gap_is_stored_as_a_fraction_and_documented_so():
    cases = pd.DataFrame(
        [r[:4] for r in ROWS for _ in range(r[4])], columns=["group", "flag", "sample", "fraud"]
    )
    result = audit(
        cases,
        roles={"flagged": "flag", "outcome": "fraud", "sample": "sample"},
        groups=["group"],
        min_cell=0,
    )
    gap = result.metric("equal_burden_gap", "group").set_index("group")["value"]
    # by hand: A has 20 of the 25 flagged (0.8) and 2 of the 5 frauds in the random
    # sample (0.4): a gap of 0.8 - 0.4 = 0.4, i.e. 40 percentage points, stored as 0.4
    assert gap["A"] == pytest.approx(0.4)
    for name in ("equal_burden_gap", "found_gap"):
        words = SAMPLE_METRICS[name].plain
        assert "stored as a fraction: 0.05 is 5 percentage points" in words
