"""Aggregated counts with several datasets (years) and rounded counts, audited through the
CLI (issue 13). Every comparison is within a dataset, and every finding names its
dataset; rounded counts give ratio ranges. Expected numbers are worked out by hand in
the comments."""

from __future__ import annotations

import html
import math
import re

import pandas as pd
import pytest

import biasaudit
from biasaudit.cli import main
from biasaudit.report._findings import key_findings

# Two years of one system. 2022: nationality 'Other' and 'Unknown' are each flagged
# '<10' (0 to 9); with the total row they add up to 200 - 135 - 55 = 10, so each is 1
# to 9. 2023 is exact. The reference groups are named, so the years cannot swap them.
YEARS = """year,gender,nationality,n,flagged
2022,F,,1000,120
2022,M,,1000,80
2022,,Dutch,1500,135
2022,,Moroccan,250,55
2022,,Other,200,<10
2022,,Unknown,50,<10
2022,Total,Total,2000,200
2023,F,,1100,99
2023,M,,900,90
2023,,Dutch,1400,98
2023,,Moroccan,400,80
2023,,Other,200,11
2023,Total,Total,2000,189
"""

YEARS_TOML = """
[data]
path = "counts.csv"
kind = "counts"
[groups]
attributes = ["gender", "nationality"]
reference = { gender = "M", nationality = "Dutch" }
[counts]
dataset = "year"
"""


def _katz(k: float, n: float, rk: float, rn: float) -> tuple[float, float]:
    """95% Katz log interval of (k/n) / (rk/rn), written out from its textbook formula."""
    se = math.sqrt(1 / k - 1 / n + 1 / rk - 1 / rn)
    centre = math.log((k / n) / (rk / rn))
    return math.exp(centre - 1.959964 * se), math.exp(centre + 1.959964 * se)


@pytest.fixture
def years(tmp_path):
    (tmp_path / "counts.csv").write_text(YEARS, encoding="utf-8")
    (tmp_path / "audit.toml").write_text(YEARS_TOML, encoding="utf-8")
    return tmp_path


def test_validate_and_audit_several_datasets_through_the_cli(years, capsys):
    assert main(["validate", str(years / "audit.toml")]) == 0
    assert main(["audit", str(years / "audit.toml"), "--out", str(years / "out")]) == 0
    printed = capsys.readouterr().out
    lines = [line.strip() for line in printed.splitlines()]

    # 2022 gender: F 120/1000 = 12.0% vs M 80/1000 = 8.0%, ratio 0.12 / 0.08 = 1.50;
    # Katz: se = sqrt(1/120 - 1/1000 + 1/80 - 1/1000) = 0.1372, 1.5 * exp(-/+ 1.96 se)
    # = 1.15 to 1.96
    lo, hi = _katz(120, 1000, 80, 1000)
    assert (round(lo, 2), round(hi, 2)) == (1.15, 1.96)
    assert any(
        line.startswith(
            "2022: selection_rate: gender = F 12.0% vs M 8.0% (ratio 1.50, 95% CI 1.15 to 1.96"
        )
        for line in lines
    ), printed
    # 2023 nationality: Moroccan 80/400 = 20.0% vs Dutch 98/1400 = 7.0% (2023's own
    # Dutch, not 2022's 135/1500 = 9.0%), ratio 0.2 / 0.07 = 2.857;
    # Katz: se = sqrt(1/80 - 1/400 + 1/98 - 1/1400) = 0.1396: 2.17 to 3.76
    lo, hi = _katz(80, 400, 98, 1400)
    assert (round(lo, 2), round(hi, 2)) == (2.17, 3.76)
    assert any(
        line.startswith(
            "2023: selection_rate: nationality = Moroccan 20.0% vs Dutch 7.0% "
            "(ratio 2.86, 95% CI 2.17 to 3.76"
        )
        for line in lines
    ), printed
    # 2023 gender: M 90/900 = 10.0%, F 99/1100 = 9.0%: ratio 0.09 / 0.10 = 0.90
    assert any(
        line.startswith("2023: selection_rate: gender = F 9.0% vs M 10.0% (ratio 0.90")
        for line in lines
    ), printed
    # every headline line names its dataset
    headlines = [line for line in lines if "selection_rate:" in line]
    assert headlines and all(line[:6] in ("2022: ", "2023: ") for line in headlines)

    out = years / "out"
    results = pd.read_csv(out / "results.csv", dtype={"dataset": str})
    # per dataset: (overall) 4 metrics + gender 2 groups x 5 + nationality k groups x 5
    # (4 rates and the excess flagged)
    assert results["dataset"].value_counts().to_dict() == {
        "2022": 4 + 2 * 5 + 4 * 5,
        "2023": 4 + 2 * 5 + 3 * 5,
    }
    sel = results[results["metric"] == "selection_rate"].set_index(
        ["dataset", "attribute", "group"]
    )
    assert sel.loc[("2022", "nationality", "Dutch"), "value"] == pytest.approx(135 / 1500)
    assert sel.loc[("2023", "nationality", "Dutch"), "value"] == pytest.approx(98 / 1400)
    assert sel.loc[("2023", "nationality", "Moroccan"), "ratio"] == pytest.approx(
        (80 / 400) / (98 / 1400)
    )
    assert sel.loc[("2023", "gender", "F"), "reference_value"] == pytest.approx(90 / 900)

    report = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    # each comparison within its dataset, the sentence naming it; 12.0% and 8.0% are
    # 120 and 80 of every 1,000, 20.0% and 7.0% are 200 and 70
    assert (
        "2022: People whose gender is F were flagged for investigation 1.5 times as often "
        "as people whose gender is M: 120 of every 1,000 people whose gender is F against "
        "80 of every 1,000 people whose gender is M (95% CI 1.1 to 2.0)."
    ) in report
    assert (
        "2023: People whose nationality is Moroccan were flagged for investigation 2.9 "
        "times as often as people whose nationality is Dutch: 200 of every 1,000 people "
        "whose nationality is Moroccan against 70 of every 1,000 people whose nationality "
        "is Dutch (95% CI 2.2 to 3.8)."
    ) in report
    # every disparity on the first screen names its dataset, and a change between the
    # datasets that is unlikely to be chance is told there too; each dataset's charts
    # are its own
    lead = report[report.index('<ol class="lead">') : report.index("</ol>")]
    items = lead.split("<li>")[1:]
    assert all(item.startswith(("2022: ", "2023: ", "For ")) for item in items)
    assert any(item.startswith(("2022: ", "2023: ")) for item in items)
    charts = re.findall(r'data-chart="([^"]+)"', report)
    per_dataset = [c for c in charts if not c.startswith("trend-")]  # trends span both
    assert per_dataset and all(c.endswith(("-2022", "-2023")) for c in per_dataset)
    assert sorted(c for c in charts if c.startswith("trend-")) == [
        "trend-gender-selection_rate",
        "trend-nationality-selection_rate",
    ]


def test_key_findings_of_several_datasets_no_longer_crash():
    """Regression: the reference row was looked up without its dataset, found in every
    dataset (a Series, not a number), and key_findings raised TypeError."""
    table = pd.DataFrame(
        {
            "version": ["before", "before", "after", "after"],
            "sex": ["F", "M", "F", "M"],
            "n": [200, 200, 200, 200],
            "flagged": [60, 20, 30, 24],
        }
    )
    r = biasaudit.audit_counts(table, groups="sex", dataset="version", reference={"sex": "M"})
    found = key_findings(r.published_table())
    selection = [f for f in found if f.metric == "selection_rate"]
    assert [f.dataset for f in selection] == ["before", "after"]
    # before: F 60/200 = 30.0% vs M 20/200 = 10.0%, 3.0 times
    # after: F 30/200 = 15.0% vs M 24/200 = 12.0%, 1.25 -> "1.2 times" (one decimal)
    before, after = selection
    assert before.sentence.startswith(
        "before: People with sex = F were flagged 3.0 times as often as people with sex = M "
        "(30.0% of 200 vs 10.0% of 200;"
    )
    assert after.sentence.startswith("after: ") and "(15.0% of 200 vs 12.0% of 200;" in (
        after.sentence
    )
    assert before.ratio == pytest.approx(0.30 / 0.10)
    assert after.ratio == pytest.approx(0.15 / 0.12)


def test_summaries_are_per_dataset():
    table = pd.DataFrame(
        {
            "version": ["before", "before", "after", "after"],
            "sex": ["F", "M", "F", "M"],
            "n": [200, 200, 200, 200],
            "flagged": [60, 20, 30, 24],
        }
    )
    r = biasaudit.audit_counts(
        table, groups="sex", dataset="version", reference={"sex": "M"}, metrics=["selection_rate"]
    )
    s = r.summaries.set_index(["dataset", "statistic"])
    # before: 0.30 / 0.10 = 3.0 and 0.30 - 0.10 = 0.20; after: 0.15 / 0.12 = 1.25, 0.03
    assert s.loc[("before", "largest_ratio"), "value"] == pytest.approx(3.0)
    assert s.loc[("before", "largest_difference"), "value"] == pytest.approx(0.20)
    assert s.loc[("after", "largest_ratio"), "value"] == pytest.approx(1.25)
    assert s.loc[("after", "largest_difference"), "value"] == pytest.approx(0.03)
    assert (s["reference_group"] == "M").all()


# Counts rounded to a multiple of 10 (each v is v - 5 to v + 5), two datasets.
ROUNDED = """version,gender,n,flagged
A,F,1000,120
A,M,1000,60
A,Total,2000,180
B,F,1000,100
B,M,1000,100
B,Total,2000,200
"""

ROUNDED_TOML = """
[data]
path = "rounded.csv"
kind = "counts"
[groups]
attributes = ["gender"]
reference = { gender = "M" }
[counts]
dataset = "version"
rounding = 10
"""


def test_rounded_counts_give_ratio_ranges_in_the_findings(tmp_path, capsys):
    (tmp_path / "rounded.csv").write_text(ROUNDED, encoding="utf-8")
    (tmp_path / "audit.toml").write_text(ROUNDED_TOML, encoding="utf-8")
    assert main(["audit", str(tmp_path / "audit.toml"), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out

    # A: F flagged 115 to 125 of n 995 to 1,005: rate 115/1005 = 0.11443 to 125/995 =
    # 0.12563; M: 55/1005 = 0.05473 to 65/995 = 0.06533. Ratio range
    # [lo_F / hi_M, hi_F / lo_M] = [(115/1005) / (65/995), (125/995) / (55/1005)]
    # = [1.7516, 2.2956]
    a_low, a_high = (115 / 1005) / (65 / 995), (125 / 995) / (55 / 1005)
    assert (round(a_low, 4), round(a_high, 4)) == (1.7516, 2.2956)
    # B: both 95/1005 = 0.09453 to 105/995 = 0.10553: [0.8958, 1.1164], includes 1
    b_low, b_high = (95 / 1005) / (105 / 995), (105 / 995) / (95 / 1005)
    assert (round(b_low, 4), round(b_high, 4)) == (0.8958, 1.1164)

    assert (
        "A: selection_rate: gender = F 11.4% to 12.6% vs M 5.5% to 6.5% "
        "(ratio 1.75 to 2.30: a range from rounded counts, not a confidence interval)"
    ) in printed
    b_line = "B: selection_rate: gender = F 9.5% to 10.6% vs M 9.5% to 10.6% (ratio 0.90 to 1.12"
    assert b_line in printed

    report = html.unescape((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    lead = report[report.index('<ol class="lead">') : report.index("</ol>")]
    # A's range excludes 1: it leads, its rates as ranges of natural frequencies
    # (F 0.11443 to 0.12563: 114 to 126 of every 1,000; M 55 to 65)
    assert (
        "A: People whose gender is F were flagged for investigation between 1.8 and 2.3 "
        "times as often as people whose gender is M: 114 to 126 of every 1,000 people "
        "whose gender is F against 55 to 65 of every 1,000 people whose gender is M (a "
        "range from rounded counts over every table consistent with the published cells, "
        "not a confidence interval)."
    ) in lead
    # B's range includes 1: not a finding, but its range is in the table
    assert "B:" not in lead
    assert '<td class="num">0.90 to 1.12</td>' in report

    result = biasaudit.audit_counts(
        tmp_path / "rounded.csv",
        groups=["gender"],
        dataset="version",
        rounding=10,
        reference={"gender": "M"},
    )
    found = {f.dataset: f for f in key_findings(result.published_table())}
    assert found["A"].strength == "clear" and found["B"].strength == "uncertain"
    assert found["A"].ratio_range == pytest.approx((a_low, a_high))
    assert found["B"].ratio_range == pytest.approx((b_low, b_high))
    assert math.isnan(found["A"].ratio)  # no point ratio: both rates are ranges
