"""``biasaudit audit`` with a ``[discover]`` section, as a user runs it: the files, the
report's section, the printed lines, and one clear error (exit 2, nothing written) for
bad input."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from biasaudit.cli import main
from biasaudit.discover import DISCOVERY_COLUMNS
from biasaudit.synthetic import planted_records

CONFIG = """\
[data]
path = "records.csv"

[roles]
id = "case_id"
flagged = "flagged"
outcome = "fraud_found"

[groups]
attributes = ["gender", "age_band", "household"]

[discover]
{discover}

[output]
dir = "out"
"""
GOOD = """\
attributes = ["gender", "age_band", "household", "nationality", "district"]
features = ["income", "months_on_benefit", "hours_worked", "household_size"]
depth = 3
min_size = 40
"""


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("planted")
    planted_records(8_000, seed=7).drop(columns="planted").to_csv(
        folder / "records.csv", index=False
    )
    return folder / "records.csv"


def cli(folder: Path, records: Path, discover: str, *extra: str) -> tuple[int, str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "records.csv").write_bytes(records.read_bytes())
    (folder / "audit.toml").write_text(CONFIG.format(discover=discover))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["audit", str(folder / "audit.toml"), "--quiet", *extra])
    return status, out.getvalue(), err.getvalue()


def test_audit_with_discover_writes_the_table_and_the_section(tmp_path, records):
    status, out, err = cli(tmp_path, records, GOOD)
    assert status == 0, err
    folder = tmp_path / "out"
    assert (folder / "discoveries.csv").is_file()
    table = pd.read_csv(folder / "discoveries.csv", keep_default_na=False, na_values=[""])
    assert list(table.columns) == DISCOVERY_COLUMNS
    rule = "gender = F and age_band = 18-29 and household = single parent"
    rows = table[(table["group"] == rule) & (table["metric"] == "selection_rate")]
    assert len(rows) == 1 and bool(rows["reported"].iloc[0])
    assert rows["ratio"].iloc[0] > 1.5
    assert set(table["method"]) >= {"combinations", "clustering"}
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert '<section id="discoveries"><h2>Subgroups nobody named</h2>' in page
    assert rule in page
    assert "discovered D" in out and "discoveries.csv" in out
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "discoveries.csv" in manifest["outputs"]
    assert manifest["config"]["discover"]["depth"] == 3


def test_restricted_output_names_the_restricted_table(tmp_path, records):
    status, _, err = cli(tmp_path, records, GOOD, "--restricted")
    assert status == 0, err
    assert (tmp_path / "out" / "discoveries-restricted.csv").is_file()
    assert not (tmp_path / "out" / "discoveries.csv").exists()


def test_the_results_table_is_the_same_with_or_without_discover(tmp_path, records):
    assert cli(tmp_path / "a", records, GOOD)[0] == 0
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "records.csv").write_bytes(records.read_bytes())
    (tmp_path / "b" / "audit.toml").write_text(
        CONFIG.format(discover="").replace("[discover]\n", "")
    )
    assert main(["audit", str(tmp_path / "b" / "audit.toml"), "--quiet"]) == 0
    for name in ("results.csv", "results.json"):
        assert (tmp_path / "a" / "out" / name).read_bytes() == (
            tmp_path / "b" / "out" / name
        ).read_bytes()


@pytest.mark.parametrize(
    ("discover", "message"),
    [
        ("depth = 0", "discover.depth: expected a whole number >= 1; got 0"),
        (
            'attributes = ["gender", "househld"]',
            "discover.attributes: column 'househld' not found (did you mean 'household'?)",
        ),
        (
            "min_size = 9000",
            "discover.min_size: 9,000 is more than the find half (4,000 of 8,000 records)",
        ),
        ("dept = 2", "discover.dept: unknown key (did you mean 'depth'?)"),
    ],
)
def test_bad_input_is_one_clear_error_and_nothing_is_written(tmp_path, records, discover, message):
    status, out, err = cli(tmp_path, records, discover)
    assert status == 2
    assert message in err, err
    assert "Traceback" not in err and out == ""
    assert not (tmp_path / "out").exists()


def test_a_table_of_counts_cannot_discover(tmp_path):
    (tmp_path / "counts.csv").write_text("gender,n,flagged\nF,100,30\nM,120,12\n")
    (tmp_path / "audit.toml").write_text(
        '[data]\npath = "counts.csv"\nkind = "counts"\n[groups]\nattributes = ["gender"]\n'
        "[discover]\ndepth = 2\n"
    )
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(["audit", str(tmp_path / "audit.toml"), "--quiet"])
    assert status == 2
    assert "[discover]: only used with [data] kind = 'records'" in err.getvalue()
