"""Real data no one on the team wrote: ProPublica's COMPAS truth tables.

Published figures (ProPublica, "Machine Bias", 2016; notebook "Compas Analysis.ipynb",
truth tables on all 7,214 rows, see ../shared/datasets/compas/README.md):

| group            | TN   | FP  | FN  | TP   | FPR    | FNR    |
| African-American | 990  | 805 | 532 | 1369 | 44.85% | 27.99% |
| Caucasian        | 1139 | 349 | 461 | 505  | 23.45% | 47.72% |
"""

from __future__ import annotations

import hashlib
import json

import pytest

from biasaudit import audit
from biasaudit.audits._config import load_config, run_config
from biasaudit.cli import main
from conftest import COMPAS_SHA256

CONFIG = """
[data]
path = "{path}"

[roles]
id = "id"
score = "decile_score"
flagged = "score_text"
outcome = "two_year_recid"

[codes]
flagged = {{ yes = ["Medium", "High"], no = ["Low"] }}

[groups]
attributes = ["race", "sex"]
reference = {{ race = "Caucasian" }}
"""

PUBLISHED = {
    "African-American": {"tn": 990, "fp": 805, "fn": 532, "tp": 1369},
    "Caucasian": {"tn": 1139, "fp": 349, "fn": 461, "tp": 505},
}


@pytest.fixture
def compas_config(tmp_path, compas_path):
    path = tmp_path / "compas.toml"
    path.write_text(CONFIG.format(path=compas_path.as_posix()), encoding="utf-8")
    return path


def test_shared_file_is_the_published_one(compas_path):
    assert hashlib.sha256(compas_path.read_bytes()).hexdigest() == COMPAS_SHA256


def test_config_reproduces_propublica_truth_tables(compas_config):
    result = run_config(load_config(compas_config))
    counts = result.counts.table.set_index(["attribute", "group"])
    for group, cells in PUBLISHED.items():
        for cell, expected in cells.items():
            assert counts.loc[("race", group), cell] == expected, (group, cell)
    assert result.ledger.rows_read == 7214
    assert result.ledger.rows_analysed == 7214
    assert result.data_shape == "full labels"


def test_config_reproduces_published_error_rates(compas_config):
    result = run_config(load_config(compas_config))
    fpr = result.metric("false_positive_rate", "race").set_index("group")
    fnr = result.metric("false_negative_rate", "race").set_index("group")
    # 805 / (805 + 990) and 349 / (349 + 1139)
    assert round(fpr.loc["African-American", "value"] * 100, 2) == 44.85
    assert round(fpr.loc["Caucasian", "value"] * 100, 2) == 23.45
    # 532 / (532 + 1369) and 461 / (461 + 505)
    assert round(fnr.loc["African-American", "value"] * 100, 2) == 27.99
    assert round(fnr.loc["Caucasian", "value"] * 100, 2) == 47.72
    # the published FPR ratio 1.91 (44.85 / 23.45)
    assert round(fpr.loc["African-American", "ratio"], 2) == 1.91
    assert fpr.loc["African-American", "reference_group"] == "Caucasian"
    assert fpr.loc["African-American", "numerator"] == 805
    assert fpr.loc["African-American", "denominator"] == 805 + 990


def test_cli_audit_on_compas_writes_no_personal_columns(compas_config, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["audit", str(compas_config), "--out", str(out)]) == 0
    text = (out / "results.csv").read_text(encoding="utf-8")
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    # names, dates of birth and case ids from the input never reach the outputs
    for needle in ("miguel hernandez", "1947-04-18", "13011352CF10A"):
        assert needle not in text
        assert needle not in json.dumps(results)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["input"]["sha256"] == COMPAS_SHA256
    assert manifest["row_ledger"]["rows_read"] == 7214


def test_python_api_matches_config_on_compas(compas_path):
    result = audit(
        compas_path,
        roles={"flagged": "score_text", "outcome": "two_year_recid"},
        codes={"flagged": {"yes": ["Medium", "High"], "no": ["Low"]}},
        groups="race",
        reference={"race": "Caucasian"},
    )
    fpr = result.metric("false_positive_rate", "race").set_index("group")["value"]
    assert fpr["African-American"] == pytest.approx(805 / 1795)
    assert fpr["Caucasian"] == pytest.approx(349 / 1488)
