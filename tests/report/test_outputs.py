"""Output files: tidy, safe to open in a spreadsheet, reproducible, written whole."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from biasaudit import TABLE_COLUMNS, audit
from biasaudit.report._outputs import write_outputs


@pytest.fixture
def hostile():
    """Group names that would run as formulas in a spreadsheet, or as HTML."""
    return pd.DataFrame(
        {
            "g": [
                '=HYPERLINK("http://x")',
                '=HYPERLINK("http://x")',
                "<script>alert(1)</script>",
                "-2+3",
                "ok",
            ]
            * 2,
            "flag": [1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
            "y": [1, 0, 0, 1, 0, 0, 1, 1, 0, 1],
            "person": [f"name {i}" for i in range(10)],
        }
    )


def test_csv_neutralises_formula_injection_but_not_numbers(hostile):
    result = audit(
        hostile, roles={"flagged": "flag", "outcome": "y", "id": "person"}, groups="g", min_cell=0
    )
    text = result.to_csv()
    table = pd.read_csv(pd.io.common.StringIO(text))
    assert list(table.columns) == TABLE_COLUMNS
    groups = set(table["group"])
    assert '\'=HYPERLINK("http://x")' in groups
    assert "'-2+3" in groups
    assert not any(g.startswith(("=", "+", "-", "@")) for g in groups)
    assert (table["difference"] < 0).any()  # negative numbers stay numbers
    assert "name 1" not in text  # the id column is never published


def test_html_repr_escapes_group_names(hostile):
    result = audit(hostile, roles={"flagged": "flag", "outcome": "y"}, groups="g")
    html = result._repr_html_()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<table" in html


def test_json_has_stable_columns_and_nulls_for_nan(tmp_path, small_records):
    result = audit(
        small_records,
        roles={"flagged": "flag", "investigated": "inv", "outcome": "fraud"},
        groups="sex",
    )
    data = json.loads(result.to_json())
    assert data["columns"] == TABLE_COLUMNS
    assert all(list(row) == TABLE_COLUMNS for row in data["results"])
    fpr = [r for r in data["results"] if r["metric"] == "false_positive_rate"]
    assert all(r["value"] is None for r in fpr)  # not identifiable: null, not 0
    assert data["row_ledger"]["rows_read"] == 10
    assert data["data_shape"] == "selective labels"


def test_manifest_records_provenance_and_source_date_epoch(tmp_path, small_records, monkeypatch):
    path = tmp_path / "d.csv"
    small_records.to_csv(path, index=False)
    result = audit(path, roles={"flagged": "flag"}, groups="sex")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = write_outputs(result, tmp_path / "out", config={"data": {"path": "d.csv"}})
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["input"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest["created"] == "2023-11-14T22:13:20Z"
    assert manifest["config"] == {"data": {"path": "d.csv"}}
    assert manifest["spec"]["roles"]["flagged"] == "flag"
    assert {"python", "biasaudit", "pandas", "narwhals"} <= set(manifest["versions"])
    for name, digest in manifest["outputs"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest


def test_a_failure_while_writing_leaves_the_old_folder(tmp_path, small_records, monkeypatch):
    result = audit(small_records, roles={"flagged": "flag"}, groups="sex")
    out = write_outputs(result, tmp_path / "out")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(type(result), "to_json", broken)
    with pytest.raises(OSError, match="disk full"):
        write_outputs(result, tmp_path / "out")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left
