"""``biasaudit audit`` on a table of counted patterns with a score (issue 14).

The oracle is the same people one row each (the pattern table expanded by its count
column) audited by the same command: results.csv and every published score table
(``tables/scores-*.csv``) must be the same bytes. Before: exit 2, "roles.count with
roles.score: ... not supported yet".
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pandas as pd

from biasaudit.cli import main
from score_records import scored_records

CONFIG = """
[data]
path = "{path}"

[roles]
score = "score"
investigated = "investigated"
outcome = "fraud"
{count}

[threshold]
top_fraction = 0.15

[groups]
attributes = ["g", "s"]
reference = {{ g = "a" }}

[stats]
bootstrap_samples = 200
"""


def audit(folder: Path, data: pd.DataFrame, count: str) -> tuple[int, str, Path]:
    name = "patterns" if count else "people"
    data.to_csv(folder / f"{name}.csv", index=False)
    config = folder / f"{name}.toml"
    config.write_text(CONFIG.format(path=f"{name}.csv", count=count), encoding="utf-8")
    out = folder / f"{name}-out"
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        status = main(["audit", str(config), "--out", str(out)])
    return status, stderr.getvalue(), out


def test_cli_audits_counted_patterns_with_a_score_like_the_people(tmp_path):
    people = scored_records(11, n=2000, selective=True).rename(
        columns={"inv": "investigated", "y": "fraud"}
    )
    keys = ["g", "s", "score", "investigated", "fraud"]
    patterns = people.groupby(keys, dropna=False).size().rename("people").reset_index()
    assert len(patterns) < 400
    expanded = patterns.loc[patterns.index.repeat(patterns["people"])].drop(columns="people")

    status, err, counted_out = audit(tmp_path, patterns, 'count = "people"')
    assert status == 0, err
    assert "Traceback" not in err
    status, err, people_out = audit(tmp_path, expanded, "")
    assert status == 0, err

    assert (counted_out / "report.html").is_file()
    tables = sorted(p.name for p in (counted_out / "tables").iterdir())
    assert len(tables) == 9 and tables == sorted(p.name for p in (people_out / "tables").iterdir())
    for name in ["results.csv", *(f"tables/{t}" for t in tables)]:
        assert (counted_out / name).read_bytes() == (people_out / name).read_bytes(), name
    charts = sorted(p.name for p in (counted_out / "charts").iterdir())
    assert any("score" in c for c in charts)

    ledger = json.loads((counted_out / "manifest.json").read_text(encoding="utf-8"))
    ledger = ledger["row_ledger"]
    assert ledger["rows_read"] == 2000 == ledger["rows_analysed"] + ledger["rows_excluded"]
    assert any(n.startswith("counted:") for n in ledger["notes"])
    html = (counted_out / "report.html").read_text(encoding="utf-8")
    assert "Score analyses count people, each row as its count" in html
