"""Harm sentences (issue 18): natural frequencies and counts, only where clear."""

from __future__ import annotations

import pandas as pd
import pytest

from biasaudit import audit
from biasaudit.report import frequency_sentence, harm_findings
from biasaudit.report._harm_findings import per_base


def test_natural_frequencies_as_the_issue_words_them():
    sentence = frequency_sentence(
        "of every {per} innocent {g}, {k} were flagged", "women", "men", 0.046, 0.026
    )
    assert sentence == (
        "Of every 1,000 innocent women, 46 were flagged; of every 1,000 innocent men, 26."
    )


@pytest.mark.parametrize(
    ("rates", "base"),
    [
        ((0.5, 0.3), 1_000),
        ((0.009, 0.02), 10_000),
        ((0.0004, 0.001), 100_000),
        ((0.0, 0.0), 1_000),
    ],
)
def test_the_base_grows_for_rare_rates(rates, base):
    # the smaller positive rate gives at least 10 people: 0.009 x 1,000 = 9 -> 10,000
    assert per_base(*rates) == base


def two_groups(f_flagged: int, m_flagged: int, *, reference: str = "M") -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "sex": ["F"] * 500 + ["M"] * 500,
            "flag": [1] * f_flagged
            + [0] * (500 - f_flagged)
            + [1] * m_flagged
            + [0] * (500 - m_flagged),
        }
    )
    return audit(df, roles={"flagged": "flag"}, groups=["sex"], reference={"sex": reference})


def test_a_clear_excess_is_told_with_its_interval():
    sentences = harm_findings(two_groups(150, 50).published_table())
    # 150 - 500 x 0.1 = 100 more; statsmodels' Newcombe interval x 500 = 76 to 124
    assert sentences == [
        "Of every 1,000 people with sex = F, 300 were flagged; of every 1,000 people with "
        "sex = M, 100. 100 more people with sex = F were flagged than if they had been "
        "flagged at the rate of people with sex = M (95% CI 76 to 124)."
    ]


def test_no_sentence_where_the_interval_includes_zero():
    # 55 vs 50 flagged of 500: an excess of 5, interval from below 0
    assert harm_findings(two_groups(55, 50).published_table()) == []


def test_a_group_fewer_flagged_is_not_told_as_harm():
    # against F (30%), M's excess is negative: no "more" sentence for M
    assert harm_findings(two_groups(150, 50, reference="F").published_table()) == []


def test_everyone_else_is_named_as_the_other_groups():
    result = two_groups(150, 50, reference="rest")
    (sentence,) = harm_findings(result.published_table())
    assert sentence.endswith(
        "than if they had been flagged at the rate of people in the other groups "
        "(95% CI 76 to 124)."
    )
    assert "of every 1,000 people in the other groups, 100." in sentence
