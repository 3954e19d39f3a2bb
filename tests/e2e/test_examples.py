"""The example notebooks execute for real in a Jupyter kernel, and their assertions
hold. They are stored as jupytext percent-format scripts (readable diffs)."""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

from conftest import COMPAS

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("[0-9]*.py"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs(path, monkeypatch):
    # the COMPAS file comes from the shared copy, as a user's cache would hold it
    monkeypatch.setenv("BIASAUDIT_DATA", str(COMPAS.parent))
    notebook = jupytext.read(path)
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    )
    client.execute()
    errors = [
        out
        for cell in notebook.cells
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert errors == []
