"""Harm counts through the command line (issue 18): results.csv, the summary and the
report carry the counts a hand computation gives."""

from __future__ import annotations

import contextlib
import html
import io
import re

import numpy as np
import pandas as pd
import pytest

from biasaudit.cli import main

CONFIG = """
[data]
path = "decisions.csv"

[roles]
flagged = "flagged"
outcome = "fraud"
amount = "reclaimed"

[groups]
attributes = ["gender", "age"]
reference = { gender = "M", age = "rest" }

[harm]
amount_label = "euros reclaimed"
"""


def decisions() -> pd.DataFrame:
    """F: 200 people, flagged 60 (TP 20, FP 40), unflagged 140 (FN 10, TN 130).
    M: 300 people, flagged 30 (TP 15, FP 15), unflagged 270 (FN 15, TN 255).
    Reclaimed: 1,000 euros from each flagged fraud, 500 from each flagged innocent.
    Age: every fifth person young (in each cell of F and M alike)."""
    rows = []
    for gender, cells in (
        ("F", [(1, 1, 20), (1, 0, 40), (0, 1, 10), (0, 0, 130)]),
        ("M", [(1, 1, 15), (1, 0, 15), (0, 1, 15), (0, 0, 255)]),
    ):
        for flag, fraud, k in cells:
            amount = (1000 if fraud else 500) if flag else 0
            rows += [(gender, flag, fraud, amount)] * k
    df = pd.DataFrame(rows, columns=["gender", "flagged", "fraud", "reclaimed"])
    df["age"] = np.where(np.arange(len(df)) % 5 == 0, "young", "old")
    return df


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("harm")
    decisions().to_csv(folder / "decisions.csv", index=False)
    (folder / "audit.toml").write_text(CONFIG, encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["audit", str(folder / "audit.toml"), "--out", str(folder / "out")]) == 0
    return folder / "out", out.getvalue()


def value(results: pd.DataFrame, attribute: str, group: str, metric: str) -> pd.Series:
    rows = results[
        (results["attribute"] == attribute)
        & (results["group"] == group)
        & (results["metric"] == metric)
    ]
    assert len(rows) == 1, (attribute, group, metric)
    return rows.iloc[0]


def test_results_csv_holds_the_harm_counts(run):
    out, _ = run
    results = pd.read_csv(out / "results.csv")
    # 60 flagged of 200 against M's 30 of 300: 60 - 200 x 0.1 = 40
    assert value(results, "gender", "F", "excess_flagged")["value"] == pytest.approx(40)
    # FP 40 against M's 15 per 300 people: 40 - 200 x 0.05 = 30
    assert value(results, "gender", "F", "excess_unfounded_investigations")[
        "value"
    ] == pytest.approx(30)
    # FP 40 of 170 innocent against M's 15 of 270: 40 - 170 x 15/270 = 30.556
    assert value(results, "gender", "F", "excess_false_accusations")["value"] == pytest.approx(
        40 - 170 * 15 / 270
    )
    # reclaimed from the flagged: F 20 x 1,000 + 40 x 500 = 40,000; M 22,500 over 300
    # people = 75 each: 40,000 - 200 x 75 = 25,000 euros
    row = value(results, "gender", "F", "excess_flagged_amount")
    assert row["value"] == pytest.approx(25_000)
    assert (row["numerator"], row["denominator"], row["reference_value"]) == (40_000, 200, 75)
    # from the innocent flagged: F 20,000; M 7,500 / 300 = 25 each: 20,000 - 5,000
    assert value(results, "gender", "F", "excess_unfounded_amount")["value"] == pytest.approx(
        15_000
    )
    # the young (every fifth person: 100 of 500, 18 flagged) against everyone else
    # (400 people, 72 flagged): 18 - 100 x 72 / 400 = 0
    young = value(results, "age", "young", "excess_flagged")
    assert young["reference_group"] == "(everyone else)"
    df = decisions()
    k = int(df.loc[df["age"] == "young", "flagged"].sum())
    n = int((df["age"] == "young").sum())
    rest = df.loc[df["age"] != "young", "flagged"].mean()
    assert young["value"] == pytest.approx(k - n * rest)


def test_summary_and_report_tell_the_harm(run):
    out, printed = run
    assert "excess_flagged: gender = F +40 people vs the rate of M" in printed
    report = html.unescape(re.sub(r"<[^>]+>", " ", (out / "report.html").read_text()))
    report = re.sub(r"\s+", " ", report)
    # the first screen tells the clearest harm count in people, naming groups in words
    assert (
        "Of every 1,000 people whose gender is F, 300 were flagged; of every 1,000 people "
        "whose gender is M, 100. 40 more people whose gender is F were flagged than if they "
        "had been flagged at the rate of people whose gender is M (95% CI"
    ) in report
    # the amount counts are in the results (and the glossary), not on the first screen
    assert "excess_flagged_amount" in report
    # the glossary names the counts, with their formulas
    assert "excess_false_accusations" in report and "FP - (FP + TN) x" in report
