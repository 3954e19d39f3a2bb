"""The sample keys of a probe file ([probe] sample, sample_key) and of an audit's
[model]: a bad size or key, or records in a database or Spark without them, is one
clear error, exit 2, nothing written; a file with a key is probed on the hash sample."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biasaudit.cli import main
from biasaudit.synthetic import generate_probe_records

CARD = """intercept = -1.2
link = "logistic"
[levels.gender]
F = 0.6
M = 0.0
[numeric]
language_level = -0.45
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    generate_probe_records(3_000, seed=2).to_csv(root / "records.csv", index=False)
    (root / "card.toml").write_text(CARD, encoding="utf-8")
    return root


def _probe(folder: Path, data: str, probe: str) -> Path:
    path = folder / "probe.toml"
    path.write_text(
        f'[data]\n{data}\n[model]\npath = "card.toml"\n[probe]\n{probe}\n'
        '[[probe.flips]]\nattribute = "gender"\nmap = { F = "M", M = "F" }\n',
        encoding="utf-8",
    )
    return path


FILE = 'path = "records.csv"'
DATABASE = 'url = "postgresql://auditor@db.example:5432/benefits"\ntable = "people"'
SPARK = 'path = "records.csv"\nengine = "spark"'


@pytest.mark.parametrize(
    ("data", "probe", "needles"),
    [
        (FILE, "sample = 0", ["probe.sample: expected a whole number of records >= 1", "got 0"]),
        (FILE, 'sample = "5000"', ["probe.sample: expected a whole number", "got '5000'"]),
        (FILE, "sample = 2.5", ["probe.sample: expected a whole number", "got 2.5"]),
        (FILE, "sample = -10", ["got -10"]),
        (FILE, "sample = 10\nsample_key = 3", ["probe.sample_key: expected a column name"]),
        (
            DATABASE,
            "",
            ["probe.sample: missing; the records stay in the database or Spark", "sample_key"],
        ),
        (DATABASE, "sample = 100", ["probe.sample_key: missing", 'sample_key = "case_id"']),
        (SPARK, 'sample_key = "person_id"', ["probe.sample: missing", "sample = 50000"]),
        (DATABASE, 'sample = true\nsample_key = "person_id"', ["got True"]),
    ],
)
def test_a_bad_sample_is_a_configuration_error(folder, capsys, data, probe, needles):
    out = folder / "never"
    code = main(["probe", str(_probe(folder, data, probe)), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    for needle in needles:
        assert needle in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_a_sample_key_that_is_not_a_column_exits_2(folder, capsys):
    config = _probe(folder, FILE, 'sample = 100\nsample_key = "case_id"')
    out = folder / "never"
    assert main(["probe", str(config), "--out", str(out), "--quiet"]) == 2
    assert "sample_key 'case_id': column not found in 'records.csv'" in capsys.readouterr().err
    assert not out.exists()


def test_a_file_is_probed_on_the_hash_sample(folder, capsys):
    config = _probe(folder, FILE, 'sample = 400\nsample_key = "person_id"')
    config.write_text(config.read_text() + "[stats]\nseed = 11\n", encoding="utf-8")
    out = folder / "out"
    assert main(["probe", str(config), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    records = pd.read_csv(folder / "records.csv")
    # by hand: the 400 person ids with the lowest MD5 of "11:<id>"
    ranked = sorted(records["person_id"], key=lambda i: hashlib.md5(f"11:{i}".encode()).digest())
    sampled = records.set_index("person_id").loc[ranked[:400]]
    women = sampled[sampled["gender"] == "F"]
    # the scorecard's gender points are 0.6 on the logit: a woman's flipped score is
    # sigmoid(eta - 0.6), with eta = -1.2 + 0.6 - 0.45 * language_level
    eta = -1.2 + 0.6 - 0.45 * women["language_level"].to_numpy()
    change = 1 / (1 + np.exp(-(eta - 0.6))) - 1 / (1 + np.exp(-eta))
    flips = pd.read_csv(out / "tables" / "probe-flips.csv")
    row = flips[(flips["attribute"] == "gender") & (flips["group"] == "F")].iloc[0]
    assert row["n"] == len(women)
    assert row["mean_change"] == pytest.approx(change.mean(), abs=1e-12)
    sampling = json.loads((out / "probe.json").read_text(encoding="utf-8"))["sampling"]
    assert (sampling["population"], sampling["drawn"], sampling["seed"]) == (3_000, 400, 11)
    assert (sampling["engine"], sampling["key"]) == ("pandas", "person_id")
    assert "sample: A simple random sample without replacement of 400 of the 3,000" in printed
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "a sample of 400 of the 3,000 records of records.csv" in html


AUDIT = """[data]
{data}
[roles]
id = "person_id"
outcome = "fraud"
[groups]
attributes = ["gender", "nationality"]
[threshold]
{threshold}
[model]
path = "card.toml"
{model}
[stats]
seed = 3
bootstrap_samples = 100
min_cell = 0
"""


def _audit(folder: Path, data: str, model: str, threshold: str = "top_fraction = 0.1") -> Path:
    path = folder / "audit.toml"
    path.write_text(AUDIT.format(data=data, model=model, threshold=threshold), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("data", "model", "needle"),
    [
        (FILE, "sample = 0", "model.sample: expected a whole number of records >= 1"),
        (FILE, "sample = 1e3", "model.sample: expected a whole number"),
        (DATABASE, "", "model.sample: missing; the records stay in the database or Spark"),
        (SPARK, 'sample_key = ""', "model.sample_key: expected a column name"),
    ],
)
def test_a_bad_audit_model_sample_exits_2(folder, capsys, data, model, needle):
    out = folder / "never"
    code = main(["audit", str(_audit(folder, data, model)), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err, err
    assert not out.exists()


# the scorecard has 8 distinct scores: with ties at the cut-off every woman is flagged
@pytest.mark.filterwarnings("ignore::biasaudit.UndefinedRateWarning")
@pytest.mark.slow
def test_an_audit_scores_a_sample_keyed_by_the_id_role(folder):
    """``[model] sample`` with ``roles.id`` as the key: the audit of the sample equals
    the audit of exactly those rows, scored by hand, in pandas; ``top_k`` of the
    population is scaled to the sample."""
    from biasaudit import audit
    from biasaudit.audits._config import load_config, run_config

    config = _audit(folder, FILE, "sample = 600", threshold="top_k = 1500")
    result = run_config(load_config(config))
    records = pd.read_csv(folder / "records.csv")
    ranked = sorted(records["person_id"], key=lambda i: hashlib.md5(f"3:{i}".encode()).digest())
    rows = records.set_index("person_id").loc[ranked[:600]].reset_index()
    eta = -1.2 + 0.6 * (rows["gender"] == "F") - 0.45 * rows["language_level"]
    rows["model_score"] = 1 / (1 + np.exp(-eta))
    expected = audit(
        rows,
        roles={"id": "person_id", "score": "model_score", "outcome": "fraud"},
        groups=["gender", "nationality"],
        threshold={"top_k": 300},  # 1,500 of 3,000 records: 300 of the 600 sampled
        seed=3,
        bootstrap_samples=100,
        min_cell=0,
    )
    pd.testing.assert_frame_equal(result.counts.table, expected.counts.table)
    pd.testing.assert_frame_equal(result.table, expected.table)
    assert result.ledger.rows_read == 600
    notes = " ".join(result.ledger.notes)
    assert "sample: A simple random sample without replacement of 600 of the 3,000" in notes
    assert "person_id is lowest (seed 3)" in notes
    assert "top_k = 1,500 of the 3,000 records scaled to 300 of the 600 sampled" in notes
