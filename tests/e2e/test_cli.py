"""The command line as a user runs it: exit codes, messages, files written or not."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from biasaudit.cli import main
from biasaudit.synthetic._generate import generate_welfare

REPO = Path(__file__).resolve().parents[2]
BIASAUDIT = Path(sys.executable).parent / "biasaudit"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The installed console script, in a child process."""
    return subprocess.run(
        [str(BIASAUDIT), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_demo_writes_the_report_folder(tmp_path):
    proc = run("demo", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "reports" / "demo"
    assert sorted(p.name for p in out.iterdir()) == [
        "charts",
        "manifest.json",
        "report.html",
        "results.csv",
        "results.json",
        "tables",  # the demo data has a risk score: the score analyses
    ]
    assert len(list((out / "tables").glob("scores-*.csv"))) == 9
    table = pd.read_csv(out / "results.csv")
    assert {"attribute", "group", "metric", "value", "ratio", "note"} <= set(table.columns)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["row_ledger"]["rows_read"] == 40_000
    assert manifest["data_shape"] == "selective labels"
    sel = table[(table["attribute"] == "gender") & (table["metric"] == "selection_rate")]
    assert sel.set_index("group").loc["F", "ratio"] > 1.5  # the built-in disparity shows
    assert "selection_rate" in proc.stdout
    # the user guide shows what the demo prints
    guide = (REPO / "docs" / "guide" / "command-line.md").read_text(encoding="utf-8")
    shown = guide.split("```text\n", 1)[1].split("```", 1)[0]
    assert proc.stdout == shown


def test_demo_is_reproducible_byte_for_byte(tmp_path):
    assert main(["demo", "--out", str(tmp_path / "a")]) == 0
    assert main(["demo", "--out", str(tmp_path / "b")]) == 0
    for name in ("results.csv", "results.json", "manifest.json", "report.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_bad_data_exits_2_without_traceback_and_writes_nothing(tmp_path):
    df = generate_welfare(200, seed=3)
    df.loc[5, "selected"] = "perhaps"
    df.to_csv(tmp_path / "decisions.csv", index=False)
    config = (REPO / "datasets/welfare-synthetic/audit.toml").read_text(encoding="utf-8")
    (tmp_path / "audit.toml").write_text(config.replace("../../reports", "reports"))
    proc = run("audit", "audit.toml", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "column 'selected' (flagged): 1 row with value 'perhaps'" in proc.stderr
    assert "(first at row 6)" in proc.stderr
    assert not (tmp_path / "reports").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_bad_config_exits_2(tmp_path, capsys):
    (tmp_path / "a.toml").write_text('[data]\npath = "x.csv"\n[roles]\nflaged = "f"\n')
    assert main(["audit", str(tmp_path / "a.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "roles.flaged: unknown key (did you mean 'flagged'?)" in err


def test_failed_run_keeps_the_previous_output_folder(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["demo", "--out", str(out)]) == 0
    before = (out / "results.csv").read_bytes()
    (tmp_path / "a.toml").write_text(
        '[data]\npath = "missing.csv"\n[roles]\nflagged = "f"\n[groups]\nattributes = ["g"]\n'
    )
    assert main(["audit", str(tmp_path / "a.toml"), "--out", str(out)]) == 2
    assert (out / "results.csv").read_bytes() == before
    assert "file not found" in capsys.readouterr().err


def test_validate_lists_problems_or_says_ok(tmp_path, capsys):
    shutil.copytree(REPO / "datasets/welfare-synthetic", tmp_path / "ws")
    assert main(["validate", str(tmp_path / "ws/audit.toml")]) == 0
    assert "OK: " in capsys.readouterr().out
    df = pd.read_csv(tmp_path / "ws/decisions.csv", keep_default_na=False)
    df.loc[10, "fraud_found"] = "Errors Found"  # never investigated
    df.loc[11, "case_id"] = df.loc[12, "case_id"]
    df.to_csv(tmp_path / "ws/decisions.csv", index=False)
    assert main(["validate", str(tmp_path / "ws/audit.toml")]) == 2
    err = capsys.readouterr().err
    assert "2 problems in decision records" in err
    assert "never investigated" in err
    assert "id appears more than once" in err
    assert not (tmp_path / "ws" / "reports").exists()


def test_init_guesses_roles_and_codes_that_then_run(tmp_path, capsys):
    generate_welfare(500, seed=5).to_csv(tmp_path / "decisions.csv", index=False)
    assert main(["init", str(tmp_path / "decisions.csv")]) == 0
    text = capsys.readouterr().out
    config = tomllib.loads(text)
    assert config["roles"] == {
        "id": "case_id",
        "score": "risk_score",
        "flagged": "selected",
        "investigated": "investigated",
        "outcome": "fraud_found",
    }
    assert config["groups"]["attributes"] == ["gender", "age_band", "nationality", "household"]
    assert config["codes"]["outcome"] == {
        "yes": ["Errors Found"],
        "no": ["No Errors Found"],
        "unknown": [""],
    }
    assert "# guessed from the values: check" in text
    # the starter runs as written
    (tmp_path / "audit.toml").write_text(text, encoding="utf-8")
    assert main(["audit", str(tmp_path / "audit.toml")]) == 0
    assert (tmp_path / "reports" / "decisions" / "results.csv").is_file()


def test_generate_writes_the_bundled_file_again(tmp_path, capsys):
    out = tmp_path / "d.csv"
    assert main(["generate", "--out", str(out)]) == 0
    bundled = REPO / "datasets" / "welfare-synthetic" / "decisions.csv"
    assert out.read_bytes() == bundled.read_bytes()


def test_version_and_help():
    proc = subprocess.run(
        [str(BIASAUDIT), "--help"], capture_output=True, text=True, env={**os.environ}
    )
    assert proc.returncode == 0
    for command in ("demo", "audit", "validate", "init", "generate"):
        assert command in proc.stdout
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0


@pytest.mark.parametrize("kind", ["file", "foreign_folder", "cwd"])
def test_output_folder_that_is_not_ours_is_refused(tmp_path, monkeypatch, capsys, kind):
    monkeypatch.chdir(tmp_path)
    if kind == "file":
        (tmp_path / "audit.toml").write_text("x")
        out, expected = "audit.toml", "is an existing file"
    elif kind == "foreign_folder":
        (tmp_path / "mydir").mkdir()
        (tmp_path / "mydir" / "thesis.docx").write_text("years of work")
        out, expected = "mydir", "holds files biasaudit did not write ('thesis.docx')"
    else:
        out, expected = ".", "is the current folder or one of its parents"
    assert main(["demo", "--out", out]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    if kind == "foreign_folder":
        assert (tmp_path / "mydir" / "thesis.docx").read_text() == "years of work"
    if kind == "file":
        assert (tmp_path / "audit.toml").read_text() == "x"


def test_unwritable_output_and_bad_generate_arguments_exit_2(tmp_path, capsys):
    assert main(["demo", "--out", "/proc/biasaudit-cannot-write-here"]) == 2
    assert "could not write the output" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["generate", "--out", str(tmp_path / "x.csv"), "--rows", "-5"])
    assert info.value.code == 2
    assert "expected a whole number >= 1; got '-5'" in capsys.readouterr().err


def test_output_folder_is_readable_by_others(tmp_path):
    import os

    umask = os.umask(0)
    os.umask(umask)
    assert main(["demo", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o777 & ~umask
