"""What the package imports at module level is installed by ``pip install biasaudit``
(no extras): the demo must run on a fresh machine. Optional engines (DuckDB, Polars)
are imported only inside the functions that use them."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "biasaudit"
#: Extras whose packages the code imports lazily (inside the functions that use them).
RUNTIME_EXTRAS = ("engines", "probe", "sql", "spark", "pdf")
# import name -> distribution name, where they differ
DISTRIBUTION = {"yaml": "pyyaml", "sklearn": "scikit-learn", "ibis": "ibis-framework"}


def _name(spec: str) -> str:
    return spec.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower()


def _dependencies() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {_name(spec) for spec in project["dependencies"]}


def _optional() -> set[str]:
    """Distributions of the runtime extras (not biasaudit itself, which extras name)."""
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    names = {_name(spec) for extra in RUNTIME_EXTRAS for spec in extras.get(extra, ())}
    return names - {"biasaudit"}


def _imports(tree: ast.AST, *, top_level: bool) -> set[str]:
    nodes = tree.body if top_level else list(ast.walk(tree))  # type: ignore[attr-defined]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_module_level_imports_are_core_dependencies():
    deps = _dependencies()
    stdlib = set(sys.stdlib_module_names)
    for path in SRC.rglob("*.py"):
        imported = _imports(ast.parse(path.read_text()), top_level=True) - stdlib - {"biasaudit"}
        for name in imported:
            assert DISTRIBUTION.get(name, name) in deps, (
                f"{path.name} imports {name!r} at module level"
            )


def test_every_third_party_import_is_declared():
    deps = _dependencies()
    stdlib = set(sys.stdlib_module_names)
    for path in SRC.rglob("*.py"):
        imported = _imports(ast.parse(path.read_text()), top_level=False) - stdlib - {"biasaudit"}
        for name in imported:
            assert DISTRIBUTION.get(name, name) in deps | _optional(), (
                f"{path.name} imports {name!r}: declare it in the dependencies or an extra"
            )
