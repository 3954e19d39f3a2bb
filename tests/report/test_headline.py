"""The first screen: which disparities lead, and how they are told (issue 19)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import biasaudit
from biasaudit.report._headline import Told, base_for, lead, support, tell
from biasaudit.report._labels import Labels


def _people(counts: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """``group -> (people, flagged)`` as one row per person."""
    rows = [{"area": g, "flag": int(i < k)} for g, (n, k) in counts.items() for i in range(n)]
    return pd.DataFrame(rows)


def _katz(a: int, n1: int, c: int, n0: int) -> tuple[float, float]:
    """Katz's log interval of (a / n1) / (c / n0), by hand (95%)."""
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
    log = math.log((a / n1) / (c / n0))
    return math.exp(log - 1.959964 * se), math.exp(log + 1.959964 * se)


def test_the_best_supported_disparity_leads_not_the_largest_estimate():
    # "big": 6,000 of 20,000 flagged (30%), ratio 3.0 to the reference's 10%;
    # "small": 5 of 10 flagged (50%), ratio 5.0, from ten people
    counts = {"ref": (20_000, 2_000), "big": (20_000, 6_000), "small": (10, 5)}
    result = biasaudit.audit(
        _people(counts),
        roles={"flagged": "flag"},
        groups=["area"],
        reference={"area": "ref"},
        min_cell=0,
    )
    big, small = _katz(6000, 20000, 2000, 20000), _katz(5, 10, 2000, 20000)
    assert big[0] > 1 and small[0] > 1  # both clear, ...
    assert support(*big) > support(*small)  # ... but the big group's interval keeps further from 1
    told = tell(result.published_table(), Labels(), confidence=0.95)
    [first] = lead(told)[:1]
    assert (first.group, first.metric) == ("big", "selection_rate")
    # the largest point estimate is the small group's
    table = result.published_table().set_index(["group", "metric"])
    assert (
        table.loc[("small", "selection_rate"), "ratio"]
        > table.loc[("big", "selection_rate"), "ratio"]
    )
    assert first.sentence == (
        "People whose area is big were flagged for investigation 3.0 times as often as "
        "people whose area is ref: 300 of every 1,000 people whose area is big against 100 "
        f"of every 1,000 people whose area is ref (95% CI {big[0]:.1f} to {big[1]:.1f})."
    )


def test_an_interval_that_includes_1_never_leads():
    counts = {"ref": (500, 50), "other": (500, 60)}  # 12% vs 10%: not clear
    result = biasaudit.audit(
        _people(counts), roles={"flagged": "flag"}, groups=["area"], reference={"area": "ref"}
    )
    told = tell(result.published_table(), Labels(), confidence=0.95)
    assert told and all(t.strength != "clear" for t in told)
    assert lead(told) == []


def test_labels_and_natural_frequencies_from_the_lower_rate_side():
    # the reference is flagged more: told from its side, "2.0 times", in words
    counts = {"M": (300, 30), "F": (200, 10)}
    df = _people(counts).rename(columns={"area": "sex"})
    result = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex"], reference={"sex": "F"})
    labels = Labels(groups={"sex": {"F": "women", "M": "men"}})
    [told] = tell(result.published_table(), labels)
    low, high = _katz(30, 300, 10, 200)
    assert told.sentence == (
        "Men were flagged for investigation 2.0 times as often as women: 100 of every "
        f"1,000 men against 50 of every 1,000 women (95% CI {low:.1f} to {high:.1f})."
    )


@pytest.mark.parametrize(
    ("rates", "base"), [((0.129, 0.069), 1000), ((0.004, 0.02), 10_000), ((0.00004,), 1_000_000)]
)
def test_natural_frequency_base_gives_the_smaller_rate_ten_people(rates, base):
    assert base_for(*rates) == base
    assert round(min(rates) * base) >= 4


def test_support_is_the_distance_of_the_interval_from_one():
    assert support(2.0, 4.0) == pytest.approx(np.log(2.0))
    assert support(0.25, 0.5) == pytest.approx(np.log(2.0))
    assert support(0.9, 1.1) == 0.0


def test_a_comparison_is_told_once_across_datasets():
    """Periods (or years of a table) repeat each comparison: the first screen tells it
    once, from the dataset where it is best supported, and leaves room for others."""
    told = [
        Told("nat", "SR", "NL", "selection_rate", "clear", s, s, f"{d}: SR", d)
        for d, s in [("(all periods)", 3.0), ("2022", 2.0), ("2023", 2.5)]
    ]
    told.append(Told("sex", "F", "M", "selection_rate", "clear", 1.0, 1.0, "2022: F", "2022"))
    chosen = lead(told)
    assert [(t.attribute, t.dataset) for t in chosen] == [
        ("nat", "(all periods)"),
        ("sex", "2022"),
    ]
