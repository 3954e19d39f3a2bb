"""``[data] url`` with ``table`` or ``query``: every problem of those keys, collected
with the configuration's other problems; no server needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from biasaudit import ConfigError
from biasaudit.audits._config import parse_config
from biasaudit.io import Database
from biasaudit.io._sql import public_url

BASE = Path("/nonexistent/audit.toml")
ROLES = {"roles": {"flagged": "flag"}, "groups": {"attributes": ["sex"]}}


def problems(data: dict, **sections) -> list:
    with pytest.raises(ConfigError) as info:
        parse_config({"data": data, **ROLES, **sections}, base=BASE)
    return list(info.value.problems_list)


def test_url_and_table_make_a_database_source(monkeypatch):
    config = parse_config(
        {"data": {"url": "postgresql://ann@db:5432/register", "table": "decisions"}, **ROLES},
        base=BASE,
    )
    assert config.database == Database("postgresql://ann@db:5432/register", "decisions")


def test_the_url_may_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("BIASAUDIT_DATABASE_URL", "postgresql://ann:pw@db/register")
    config = parse_config({"data": {"query": "SELECT * FROM t"}, **ROLES}, base=BASE)
    assert config.database == Database(None, None, "SELECT * FROM t")


def test_a_password_in_the_url_is_refused_with_the_other_problems(monkeypatch):
    found = problems(
        {"url": "postgresql://ann:hunter2@db:5432/register", "table": "decisions"},
        groups={"attributes": ["sex"], "missing": "sometimes"},
    )
    reasons = [p.reason for p in found]
    assert "password_in_config" in reasons
    assert len(found) == 2  # the bad missing policy is listed too
    text = "\n".join(p.message for p in found)
    assert "hunter2" not in text
    assert "PGPASSWORD" in text and "BIASAUDIT_DATABASE_URL" in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "postgresql://db/x"}, "data.table: missing"),
        ({"url": "postgresql://db/x", "table": "t", "query": "SELECT 1"}, "not both"),
        ({"url": "postgresql://db/x", "table": "t", "path": "a.csv"}, "data.path: give either"),
        ({"url": "postgresql://db/x", "table": "t", "engine": "duckdb"}, "data.engine: only for"),
        ({"url": "postgresql://db/x", "table": "t", "delimiter": ";"}, "data.delimiter: only"),
        ({"url": "db.example", "table": "t"}, "expected a database URL"),
        ({"url": "postgresql://db/x", "table": 3}, "data.table: expected text"),
        ({"table": "t"}, "data.url: missing"),
    ],
)
def test_database_key_problems(monkeypatch, data, message):
    monkeypatch.delenv("BIASAUDIT_DATABASE_URL", raising=False)
    found = problems(data)
    assert any(message in p.message for p in found), [p.message for p in found]


def test_kind_counts_and_link_are_refused_with_a_database():
    found = problems(
        {"url": "postgresql://db/x", "table": "t", "kind": "counts"},
    )
    assert any("kind = 'records'" in p.message for p in found)
    found = problems(
        {"url": "postgresql://db/x", "table": "t"},
        link={"path": "attrs.csv", "on": "id"},
    )
    assert any("[link]: not available with a database" in p.message for p in found)


def test_public_url_keeps_no_credentials():
    assert public_url("postgresql://ann:pw@db:5432/register?sslmode=require") == (
        "postgresql://db:5432/register"
    )
    assert public_url("postgresql://[::1]:5433/x") == "postgresql://[::1]:5433/x"
