"""Small rates keep their significant digits in sentences and the CLI summary
(issue 14): 3 of 652 is 0.46%, not 0.5% (which overstates it by a tenth)."""

from __future__ import annotations

import pandas as pd
import pytest

from biasaudit import audit
from biasaudit.cli._main import _summary
from biasaudit.report import key_findings, percent


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3 / 652, "0.46%"),  # 0.4601...%
        (1 / 2000, "0.050%"),
        (7 / 100_000, "0.0070%"),
        (0.0996, "10.0%"),  # 9.96% rounds to one decimal as before
        (0.123, "12.3%"),
        (0.0, "0.0%"),
        (0.00996, "1.0%"),
    ],
)
def test_percent_keeps_two_significant_digits_below_one_percent(value, text):
    assert percent(value) == text


@pytest.fixture(scope="module")
def small_rate():
    frame = pd.DataFrame(
        {
            "g": ["A"] * 652 + ["B"] * 400,
            "flag": [1] * 3 + [0] * 649 + [1] * 40 + [0] * 360,
        }
    )
    return audit(frame, roles={"flagged": "flag"}, groups=["g"], reference={"g": "A"}, min_cell=0)


def test_the_cli_summary_and_the_findings_show_0_46_percent(small_rate):
    summary = _summary(small_rate, None)
    # by hand: B 40 / 400 = 10.0%, A 3 / 652 = 0.4601%
    assert "selection_rate: g = B 10.0% vs A 0.46%" in summary
    sentences = " ".join(f.sentence for f in key_findings(small_rate.published_table()))
    assert "10.0% of 400 vs 0.46% of 652" in sentences
