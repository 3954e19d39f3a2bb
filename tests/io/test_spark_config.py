"""Spark in configuration files and imports, checked without starting Spark: ``[data]
engine = "spark"`` takes a path (a file, a folder of part files, a URI) or a catalog
``table``; ``import biasaudit`` does not load pyspark."""

from __future__ import annotations

import textwrap

import pytest

from biasaudit import ConfigError
from biasaudit.audits._config import load_config

ROLES = '[roles]\nflagged = "flag"\n[groups]\nattributes = ["sex"]\n'


def write(tmp_path, data: str):
    path = tmp_path / "audit.toml"
    path.write_text(textwrap.dedent(data) + ROLES, encoding="utf-8")
    return path


def test_catalog_table_and_uri_and_folder_are_accepted(tmp_path):
    config = load_config(write(tmp_path, '[data]\nengine = "spark"\ntable = "db.decisions"\n'))
    assert config.read_options == {"engine": "spark", "table": "db.decisions"}
    config = load_config(write(tmp_path, '[data]\nengine = "spark"\npath = "s3a://b/decisions"\n'))
    assert config.read_options == {"engine": "spark"}
    (tmp_path / "parts").mkdir()
    config = load_config(write(tmp_path, '[data]\nengine = "spark"\npath = "parts"\n'))
    assert config.data_path == tmp_path / "parts"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (  # without engine = "spark", a table is a database's (url or the environment)
            '[data]\ntable = "db.decisions"\n',
            "data.url: missing; give the database",
        ),
        (
            '[data]\nengine = "spark"\ntable = "t"\npath = "d.parquet"\n',
            "data.table: give path (a file Spark reads) or table (a catalog table), not both",
        ),
        ('[data]\nengine = "spark"\ntable = 3\n', "data.table: expected a table name"),
        ('[data]\nengine = "spark"\n', "data.path: missing"),
        ('[data]\npath = "parts"\n', "data.path: file not found"),
    ],
)
def test_config_problems(tmp_path, data, message):
    (tmp_path / "parts").mkdir()
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, data))
    assert message in str(info.value)


def test_import_and_a_pandas_audit_do_not_load_pyspark(tmp_path):
    from package.test_imports import loaded

    code = """
        import pandas as pd
        import biasaudit
        biasaudit.audit(pd.DataFrame({"s": ["F", "M"], "f": [1, 0]}), roles={"flagged": "f"},
                        groups="s")
    """
    assert loaded(code, tmp_path, ("pyspark", "py4j"))[0] == []
