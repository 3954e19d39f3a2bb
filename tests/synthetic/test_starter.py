"""`biasaudit init` (issue 14): it suggests the sample role and its codes, asks for
--sheet when a workbook has several, and writes [data] path relative to the
configuration it writes."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest

from biasaudit.audits._config import load_config, run_config
from biasaudit.cli._main import main


@pytest.fixture
def sampled() -> pd.DataFrame:
    """Records with a random audit sample, coded the way an agency wrote it."""
    rng = np.random.default_rng(3)
    n = 400
    flag = rng.random(n) < 0.25
    random = ~flag & (rng.random(n) < 0.2)
    fraud = rng.random(n) < 0.3
    return pd.DataFrame(
        {
            "case_id": [f"C{i}" for i in range(n)],
            "gender": rng.choice(["F", "M"], n),
            "flag": np.where(flag, "yes", "no"),
            "selection_type": np.where(flag, "Model", np.where(random, "Random check", "")),
            "fraud_found": np.where(flag | random, np.where(fraud, "yes", "no"), ""),
        }
    )


def test_init_suggests_the_sample_role_and_its_codes(tmp_path, sampled, capsys):
    sampled.to_csv(tmp_path / "decisions.csv", index=False)
    assert main(["init", str(tmp_path / "decisions.csv")]) == 0
    text = capsys.readouterr().out
    config = tomllib.loads(text)
    assert config["roles"]["sample"] == "selection_type"
    assert config["codes"]["sample"] == {
        "random": ["Random check"],
        "model": ["Model"],
        "none": [""],
    }
    assert "sample = { random" in text and "guessed from the values: check" in text
    (tmp_path / "audit.toml").write_text(text, encoding="utf-8")
    result = run_config(load_config(tmp_path / "audit.toml"))  # the starter runs as written
    assert result.data_shape == "random audit sample"


def test_init_asks_for_the_sheet_of_a_workbook_with_several(tmp_path, sampled, capsys):
    book = tmp_path / "export.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"about": ["this export"]}).to_excel(writer, sheet_name="Notes", index=False)
        sampled.head(60).to_excel(writer, sheet_name="Cases", index=False)
    assert main(["init", str(book)]) == 2
    err = capsys.readouterr().err
    assert "'export.xlsx' has 2 sheets ('Notes', 'Cases')" in err and "--sheet" in err
    assert main(["init", str(book), "--sheet", "Cases"]) == 0
    config = tomllib.loads(capsys.readouterr().out)
    assert config["data"]["sheet"] == "Cases"
    assert config["roles"]["flagged"] == "flag"


def test_init_out_writes_the_data_path_relative_to_the_config(
    tmp_path, sampled, monkeypatch, capsys
):
    (tmp_path / "data").mkdir()
    (tmp_path / "configs").mkdir()
    sampled.to_csv(tmp_path / "data" / "decisions.csv", index=False)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "configs" / "audit.toml"
    assert main(["init", "data/decisions.csv", "--out", "configs/audit.toml"]) == 0
    assert "wrote configs/audit.toml" in capsys.readouterr().out
    config = tomllib.loads(out.read_text(encoding="utf-8"))
    assert config["data"]["path"] == "../data/decisions.csv"
    assert load_config(out).data_path == (tmp_path / "data" / "decisions.csv").resolve()
    # an existing file is never overwritten
    assert main(["init", "data/decisions.csv", "--out", "configs/audit.toml"]) == 2
    assert "File exists" in capsys.readouterr().err
