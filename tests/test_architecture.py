"""The import direction is one way (DESIGN.md §5): io -> aggregate -> metrics/stats ->
audit -> report (charts, HTML) and outputs/config -> cli. Only the chart modules import a
plotting library."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "biasaudit"

LAYERS = {
    "_exceptions": 0,
    "_registry": 0,
    "_spec": 0,
    "_analysis_spec": 0,
    "_stats": 0,
    "_io": 1,
    "_counts": 2,
    "_aggregate": 2,
    "_margins": 2,
    "_tables": 2,
    "_stages": 2,
    "_scores": 2,
    "_score_stats": 3,
    "_sweep": 3,
    "_score_audit": 4,
    "_inference": 3,
    "_metrics": 3,
    "_bootstrap": 3,
    "_disclosure": 3,
    "disclosure": 3,
    "_functions": 3,
    "_ranges": 3,
    "_funnel": 3,
    "_sample": 3,
    "_audit": 4,
    "_findings": 4,
    "_regression": 4,
    "_aggregated": 4,
    "_funnel_audit": 4,
    "_outputs": 5,
    "_config": 5,
    "_generate": 5,
    "_scenarios": 5,
    "_starter": 5,
    "_bundled": 5,
    "_datasets": 5,
    "_charts": 5,
    "_score_charts": 5,
    "_report": 5,
    "cli": 6,
    "datasets": 6,
    "__init__": 6,
}


def _local_imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_every_module_has_a_layer():
    packages = {p.parent.name for p in SRC.glob("*/__init__.py") if p.parent.name != "_bundled"}
    assert {p.stem for p in SRC.glob("*.py")} | packages == set(LAYERS)


def test_disclosure_imports_only_lower_layers():
    for path in (SRC / "disclosure").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
                name = node.module.split(".")[0]
                assert LAYERS[name] < LAYERS["disclosure"], f"{path.name} imports {name}"


#: Result methods that hand over to a higher layer, imported inside the method only:
#: ``result.report(dir)`` and ``result.plot(kind, ...)`` (DESIGN.md §7).
UPWARD = {
    ("_audit", "_outputs"),
    ("_audit", "_charts"),
    ("_audit", "_score_charts"),
    ("_funnel_audit", "_outputs"),
    ("_funnel_audit", "_charts"),
}


def test_imports_only_go_down_the_layers():
    for path in SRC.glob("*.py"):
        for name in _local_imports(path):
            if (path.stem, name) in UPWARD:
                continue
            assert LAYERS[name] <= LAYERS[path.stem], f"{path.stem} imports {name}"


def test_upward_imports_are_inside_functions():
    for module, target in UPWARD:
        tree = ast.parse((SRC / f"{module}.py").read_text())
        top = {
            node.module
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
        }
        assert target not in top, f"{module} imports {target} at module level"


#: The chart modules: the only ones that may name a plotting library.
CHARTS = {"_charts", "_score_charts"}


def test_only_the_chart_modules_use_a_plotting_library():
    for path in SRC.glob("*.py"):
        if path.stem not in CHARTS:
            assert "matplotlib" not in path.read_text(), path.name
