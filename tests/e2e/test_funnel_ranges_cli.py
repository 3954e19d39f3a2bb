"""A published funnel with "<10" cells through the command line (issue 14)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from biasaudit.cli import main

TABLE = """nationality,population,selected,home visit
Dutch,1000,50,20
Moroccan,400,<10,3
Turkish,<10,<10,<10
Other,300,30,12
"""
CONFIG = """[data]
path = "stages.csv"
kind = "funnel"
[groups]
attributes = ["nationality"]
reference = { nationality = "Dutch" }
[funnel]
layout = "wide"
stages = ["population", "selected", "home visit"]
[output]
dir = "out"
"""


def test_a_funnel_with_suppressed_cells_audits_and_writes_the_report(tmp_path, capsys):
    (tmp_path / "stages.csv").write_text(TABLE, encoding="utf-8")
    (tmp_path / "audit.toml").write_text(CONFIG, encoding="utf-8")
    assert main(["audit", str(tmp_path / "audit.toml")]) == 0
    printed = capsys.readouterr().out
    assert "4 of 12 published counts suppressed: 0 to 9 people each" in printed
    out = tmp_path / "out"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Some counts were published suppressed or rounded (4 cells suppressed)" in html
    results = pd.read_csv(out / "results.csv")
    r = results[(results["group"] == "Moroccan") & (results["stage"] == "selected")].iloc[0]
    # Moroccan: 3 to 9 selected (3 reached the home visit) of 400 people
    assert pd.isna(r["share"]) and pd.isna(r["share_ci_low"]) and pd.isna(r["p_value"])
    assert (r["share_lower_bound"], r["share_upper_bound"]) == pytest.approx((3 / 400, 9 / 400))
    # the exact 3 home visits are fewer than 10 people: withheld from the published table
    visit = results[(results["group"] == "Moroccan") & (results["stage"] == "home visit")]
    assert visit["suppressed"].iloc[0] and pd.isna(visit["count"].iloc[0])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data_shape"] == "funnel"


def test_an_impossible_published_funnel_exits_2_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "stages.csv").write_text(
        TABLE.replace("Turkish,<10,<10,<10", "Turkish,<10,<10,40"), encoding="utf-8"
    )
    (tmp_path / "audit.toml").write_text(CONFIG, encoding="utf-8")
    assert main(["audit", str(tmp_path / "audit.toml")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (
        "nationality = 'Turkish': stage 'home visit' is 40 but the stage above it, "
        "'selected', is '<10' (0 to 9)"
    ) in err
    assert not (tmp_path / "out").exists()


def test_a_solver_failure_exits_2_without_a_traceback(tmp_path, capsys, monkeypatch):
    from types import SimpleNamespace

    from biasaudit.counts import _funnel_ranges

    failed = SimpleNamespace(status=4, message="HiGHS Status 4: Solve error", x=None)
    monkeypatch.setattr(_funnel_ranges, "_linprog", lambda *a, **k: failed)
    (tmp_path / "stages.csv").write_text(TABLE, encoding="utf-8")
    (tmp_path / "audit.toml").write_text(CONFIG, encoding="utf-8")
    assert main(["audit", str(tmp_path / "audit.toml")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "linear program failed" in err
    assert not (tmp_path / "out").exists()
