"""Install without a clone: the wheel, built from this checkout, installed into a clean
virtual environment (no extras, nothing from the development environment), runs the
demo and the README's Python quickstart."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

QUICKSTART = """
import biasaudit
from biasaudit import datasets

records = datasets.load_dataset("welfare-synthetic")
result = biasaudit.audit(
    records,
    roles={"flagged": "selected", "investigated": "investigated", "outcome": "fraud_found"},
    codes={"outcome": {"yes": ["Errors Found"], "no": ["No Errors Found"], "unknown": [""]}},
    groups=["nationality"],
)
rate = result.metric("selection_rate", "nationality")
print(len(records), len(rate), biasaudit.__file__)
"""


def run(cmd: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


@pytest.mark.slow
def test_wheel_installs_into_a_clean_environment_and_runs_the_demo(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("biasaudit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "biasaudit/_bundled/welfare-synthetic/audit.toml" in names  # the bundled scenarios
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/"))]

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, clear=True)  # no system site-packages
    python = env_dir / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", str(wheel)], cwd=tmp_path)

    out = tmp_path / "demo"
    demo = run([str(env_dir / "bin" / "biasaudit"), "demo", "--out", str(out)], cwd=tmp_path)
    assert "wrote" in demo.stdout
    for name in ("report.html", "results.csv", "results.json", "manifest.json"):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest  # a real manifest, not an empty file

    quick = run([str(python), "-c", QUICKSTART], cwd=tmp_path)
    people, groups, location = quick.stdout.split()
    assert int(people) > 1000 and int(groups) >= 2
    assert location.startswith(str(env_dir))  # imported from the wheel, not this checkout
