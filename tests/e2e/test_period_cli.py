"""``biasaudit audit`` by period, as a user runs it (issue 18, question 3): the bundled
before/after scenario end to end, and bad input (no period column, one period only,
labels with no order, [change] without a period) exits 2 with a named problem and
writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from biasaudit.cli import main

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "datasets" / "before-after"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("before-after")
    shutil.copytree(SCENARIO, folder, dirs_exist_ok=True)
    return folder


def test_the_bundled_scenario_end_to_end(scenario, capsys):
    out = scenario / "out"
    assert main(["audit", str(scenario / "audit.toml"), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert (
        "  change: For gender = F against M, the ratio of selection rates fell from 2.80 "
        "(2022) to 1.13 (2023) (ratio of ratios 0.40, 95% CI 0.34 to 0.49); the change is "
        "unlikely to be chance, adjusted p < 0.001." in printed
    )
    assert "note: periods ('year'): 2022, 2023" in printed
    assert "wrote" in printed and "tables/" in printed
    results = pd.read_csv(out / "results.csv")
    assert list(results.columns[:3]) == ["dataset", "attribute", "group"]
    assert list(dict.fromkeys(results["dataset"].astype(str))) == ["(all periods)", "2022", "2023"]
    changes = pd.read_csv(out / "tables" / "changes.csv")
    women = changes[(changes["group"] == "F") & (changes["metric"] == "selection_rate")].iloc[0]
    assert women["ratio_change"] == pytest.approx(0.405, abs=0.001)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert '<section id="change"><h2>Did it change?</h2>' in report
    # in the report the groups are named by the scenario's [report] labels
    assert "For women against men, the ratio of selection rates fell" in report
    assert (out / "charts" / "trend-gender-selection_rate.svg").is_file()
    assert (out / "charts" / "trend-migration-background-selection_rate.svg").is_file()


def write(folder: Path, data: pd.DataFrame, config: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data.to_csv(folder / "decisions.csv", index=False)
    (folder / "audit.toml").write_text(config)
    return folder / "audit.toml"


CONFIG = """
[data]
path = "decisions.csv"

[roles]
flagged = "flagged"
outcome = "outcome"
investigated = "investigated"
period = "{period}"

[groups]
attributes = ["gender"]
{extra}
"""


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    data = pd.read_csv(SCENARIO / "decisions.csv", dtype=str, keep_default_na=False)
    return data[["year", "gender", "flagged", "investigated", "outcome"]].iloc[::20]


@pytest.mark.parametrize(
    "change, period, extra, message",
    [
        (
            lambda d: d,
            "yr",
            "",
            "role period 'yr': column not found; available: 'year', 'gender', 'flagged'",
        ),
        (
            lambda d: d[d["year"] == "2023"],
            "year",
            "",
            "column 'year' (period): every analysed row is in one period ('2023'); a change "
            "needs two or more periods",
        ),
        (
            lambda d: d.assign(year=d["year"].map({"2022": "before", "2023": "after"})),
            "year",
            "",
            "column 'year' (period): the periods 'after', 'before' hold no number or date, so "
            "their order is not known; give it as [change] order",
        ),
        (
            lambda d: d,
            "year",
            '[change]\ncompare = "last"\n',
            "change.compare: expected one of 'previous', 'first'; got 'last'",
        ),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    records, tmp_path, capsys, change, period, extra, message
):
    config = write(tmp_path, change(records), CONFIG.format(period=period, extra=extra))
    out = tmp_path / "out"
    assert main(["audit", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_change_without_a_period_exits_2(records, tmp_path, capsys):
    config = CONFIG.format(period="year", extra='[change]\ncompare = "first"\n')
    config = config.replace('period = "year"\n', "")
    path = write(tmp_path, records, config)
    assert main(["audit", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert (
        '[change]: compares periods; name the period column, e.g. [roles] period = "year"' in err
    )


def test_validate_reads_the_periods(records, tmp_path, capsys):
    path = write(tmp_path, records, CONFIG.format(period="year", extra=""))
    assert main(["validate", str(path)]) == 0
    assert "periods ('year'): 2022, 2023" in capsys.readouterr().out
