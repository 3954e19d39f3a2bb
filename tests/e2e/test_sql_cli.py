"""``biasaudit audit`` on records in a real PostgreSQL server, as a user runs it.

The configuration names the server and a table (``[data] url`` and ``table``); the
password comes from the environment. The report folder equals the one written from a
CSV file of the same rows, but for where the data came from.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import pg_server

pytestmark = [pytest.mark.services, pytest.mark.slow]

BIASAUDIT = Path(sys.executable).parent / "biasaudit"

CONFIG = """
[data]
{source}

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

[output]
dir = "{out}"
"""


@pytest.fixture(scope="module")
def server(compas_path) -> pg_server.Server:
    server = pg_server.server()
    df = pd.read_csv(compas_path)
    server.load("compas_cli", df[[c for c in df.columns if "." not in c]])
    return server


def run(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIASAUDIT), "audit", str(config), "--quiet"],
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000", **env},
    )


def test_audit_of_a_postgres_table_writes_the_report_folder(server, compas_path, tmp_path):
    db_config = tmp_path / "db.toml"
    db_config.write_text(
        CONFIG.format(source=f'url = "{server.url}"\ntable = "compas_cli"', out="db"),
        encoding="utf-8",
    )
    proc = run(db_config, server.env())
    assert proc.returncode == 0, proc.stderr
    assert "compas_cli (postgresql://127.0.0.1" in proc.stdout
    out = tmp_path / "db"
    assert {"report.html", "results.csv", "results.json", "manifest.json", "charts"} <= {
        p.name for p in out.iterdir()
    }
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    source = manifest["input"]
    assert source["kind"] == "table"
    assert source["table"] == "compas_cli"
    assert source["sha256"] is None
    assert source["server_version"].startswith("postgres 1")
    assert source["url"] == f"postgresql://{server.host}:{server.port}/{pg_server.DATABASE}"
    assert manifest["row_ledger"]["rows_read"] == 7214
    assert manifest["config"]["data"]["url"] == source["url"]  # without the user
    assert pg_server.USER not in json.dumps(manifest["input"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Table: compas_cli" in html
    for path in out.rglob("*"):
        if path.is_file():
            assert pg_server.PASSWORD.encode() not in path.read_bytes(), path

    # the same audit of the CSV file: the same results, byte for byte
    file_config = tmp_path / "file.toml"
    file_config.write_text(
        CONFIG.format(source=f'path = "{compas_path.as_posix()}"', out="file"), encoding="utf-8"
    )
    assert run(file_config, {}).returncode == 0
    written = sorted(p.relative_to(out) for p in out.rglob("*.csv")) + [Path("results.json")]
    assert len(written) > 5  # results and the score tables
    for rel in written:
        assert (out / rel).read_bytes() == (tmp_path / "file" / rel).read_bytes(), rel


def test_a_missing_table_exits_2_and_writes_nothing(server, tmp_path):
    config = tmp_path / "db.toml"
    config.write_text(
        CONFIG.format(source=f'url = "{server.url}"\ntable = "decisions_2023"', out="out"),
        encoding="utf-8",
    )
    proc = run(config, server.env())
    assert proc.returncode == 2
    assert "could not read table 'decisions_2023'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_password_in_the_config_is_refused(server, tmp_path):
    url = server.url.replace("@", f":{pg_server.PASSWORD}@")
    config = tmp_path / "db.toml"
    config.write_text(
        CONFIG.format(source=f'url = "{url}"\ntable = "compas_cli"', out="out"),
        encoding="utf-8",
    )
    proc = run(config, {})
    assert proc.returncode == 2
    assert "data.url: holds a password" in proc.stderr
    assert "PGPASSWORD" in proc.stderr
    assert pg_server.PASSWORD not in proc.stderr + proc.stdout
    assert not (tmp_path / "out").exists()
