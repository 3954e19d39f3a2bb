"""The heavy stack (scipy, statsmodels, matplotlib) loads on first use, not on import.

``import biasaudit``, ``--help`` and a configuration or header error stay quick. Each
check runs in a fresh interpreter: this test process has long since imported them all.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import biasaudit

HEAVY = ("matplotlib", "scipy", "statsmodels", "weasyprint")
#: the folder this test session imports biasaudit from, first on the child's path
SRC = str(Path(biasaudit.__file__).resolve().parents[1])


def loaded(code: str, cwd: Path, modules: tuple[str, ...] = HEAVY) -> tuple[list[str], str]:
    """Run ``code`` in a new interpreter; which of ``modules`` it loaded, and its stderr."""
    script = textwrap.dedent(code) + (
        f"\nimport sys\nprint(*[m for m in {modules!r} if m in sys.modules], sep=',')\n"
    )
    path = os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.splitlines()[-1]
    return [m for m in last.split(",") if m], proc.stderr


def test_import_loads_no_heavy_package(tmp_path):
    assert loaded("import biasaudit; biasaudit.__all__", tmp_path)[0] == []


def test_stage_packages_load_no_heavy_package(tmp_path):
    """Each stage's __init__ re-exports only what loads quickly (charts load on use)."""
    stages = sorted(p.parent.name for p in Path(biasaudit.__file__).parent.glob("*/__init__.py"))
    assert len(stages) >= 10, stages
    assert loaded("\n".join(f"import biasaudit.{s}" for s in stages), tmp_path)[0] == []


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_load_no_heavy_package(tmp_path, flag):
    code = f"""
        from biasaudit.cli import main
        try:
            main([{flag!r}])
        except SystemExit as exc:
            assert exc.code == 0, exc.code
        else:
            raise AssertionError("no exit")
    """
    assert loaded(code, tmp_path)[0] == []
    # nor pandas (issue 15: --help took 3 s, 1.5 times `python -c "import pandas"`)
    assert loaded(code, tmp_path, ("pandas", "numpy", "biasaudit.audits._audit"))[0] == []


#: the audit machinery a configuration error need not wait for (issue 15)
MACHINERY = ("biasaudit.counts", "biasaudit.metrics", "biasaudit.disclosure", "biasaudit.report")


def _write(tmp_path: Path, data: str, extra: str = "") -> Path:
    (tmp_path / "d.csv").write_text("sex,flag\nF,1\nM,0\n", encoding="utf-8")
    config = tmp_path / "audit.toml"
    config.write_text(
        f'[data]\npath = "{data}"\n{extra}\n[roles]\nflagged = "flag"\n'
        '[groups]\nattributes = ["sex"]\n',
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize(
    ("data", "extra", "message"),
    [
        ("d.csv", "bogus = 1", "data.bogus: unknown key"),
        ("missing.csv", "", "file not found"),
        ("d.csv", "[stats]\nconfidence = 2", "stats.confidence: expected a number"),
    ],
    ids=["unknown key", "missing file", "bad confidence"],
)
def test_configuration_error_loads_no_heavy_package(tmp_path, data, extra, message):
    config = _write(tmp_path, data, extra)
    code = f"""
        from biasaudit.cli import main
        assert main(["audit", {str(config)!r}, "--out", "out"]) == 2
    """
    heavy, stderr = loaded(code, tmp_path)
    assert "configuration" in stderr
    assert message in stderr
    assert heavy == []
    assert not (tmp_path / "out").exists()
    assert loaded(code, tmp_path, MACHINERY)[0] == []


def test_missing_column_loads_no_heavy_package(tmp_path):
    config = _write(tmp_path, "d.csv")
    config.write_text(config.read_text().replace('["sex"]', '["gender"]'), encoding="utf-8")
    code = f"""
        from biasaudit.cli import main
        assert main(["audit", {str(config)!r}, "--out", "out"]) == 2
    """
    heavy, stderr = loaded(code, tmp_path)
    assert "protected attribute 'gender': column not found" in stderr
    assert heavy == []


_FRAME = """
    import pandas as pd
    import biasaudit
    df = pd.DataFrame({"sex": ["F"] * 10 + ["M"] * 10,
                       "flag": [1] * 6 + [0] * 4 + [1] * 3 + [0] * 7})
"""


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            "r = biasaudit.audit(df, roles={'flagged': 'flag'}, groups=['sex'], min_cell=0)\n"
            "assert r.table['ci_low'].notna().any()",
            ["scipy"],
        ),
        (
            "r = biasaudit.audit(df, roles={'flagged': 'flag'}, groups=['sex'], min_cell=0)\n"
            "r.plot('rates', 'sex')",
            ["matplotlib", "scipy"],
        ),
        (
            "f = biasaudit.adjusted_disparity(df, decision='flag', positive=[1], groups=['sex'])\n"
            "assert len(f.table) == 2",
            ["scipy", "statsmodels"],
        ),
    ],
    ids=["audit", "plot", "adjusted_disparity"],
)
def test_the_public_api_loads_what_it_uses(tmp_path, call, expected):
    heavy, _ = loaded(_FRAME + textwrap.indent(call, "    "), tmp_path)
    assert heavy == expected
