"""The package is laid out by stage and its imports run one way (DESIGN.md §5):

    spec, io -> counts -> stats -> metrics -> disclosure -> discover, probe -> audits -> report -> cli

with ``synthetic`` (data for demos and tests) at the side, used by the CLI only. Each
stage is a subpackage whose ``__init__`` re-exports what later stages use; another stage
imports it through that ``__init__``, never through its private modules. Every relative
import counts, at module level or inside a function. The only imports that go up are
the result methods that hand over to the report stage (:data:`FACADE`). Only the report
stage draws (names matplotlib).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

SRC = Path(__file__).resolve().parents[2] / "src" / "biasaudit"

#: Each stage and the stages it builds on directly; it may import those and whatever
#: they may import. ``_exceptions`` is the base every stage raises from, ``_progress``
#: the progress steps any stage may mark (shown only by the command line), ``_lazy``
#: the loader of a package's names on first use, ``datasets``
#: the public datasets module and ``biasaudit`` the top-level ``__init__`` (the API).
BUILDS_ON: dict[str, set[str]] = {
    "_exceptions": set(),
    "_progress": set(),
    "_lazy": set(),
    "spec": {"_exceptions", "_progress", "_lazy"},
    "io": {"_exceptions", "_progress", "_lazy"},
    "counts": {"spec", "io"},
    "stats": {"counts"},
    "metrics": {"stats"},
    "disclosure": {"metrics"},
    "discover": {"disclosure"},
    "probe": {"disclosure"},
    "audits": {"probe", "discover"},
    "report": {"audits"},
    "synthetic": {"spec", "io"},
    "datasets": {"io"},
    "biasaudit": {"audits", "datasets"},
    "cli": {"biasaudit", "report", "synthetic"},
}

#: The only imports that go up, each inside the named method: ``result.report(dir)``,
#: ``result.plot(...)`` (DESIGN.md §7) and ``funnel.sentences()`` hand over to the
#: report stage, which imports the
#: audits stage. The chart modules are named because they load matplotlib, so the report
#: package does not re-export them. (module, method, imported module)
FACADE = {
    ("biasaudit.audits._result", "PublishedResult.report", "biasaudit.report"),
    ("biasaudit.audits._audit", "AuditResult.plot", "biasaudit.report._charts"),
    ("biasaudit.audits._audit", "AuditResult.plot", "biasaudit.report._score_charts"),
    ("biasaudit.audits._audit", "AuditResult.plot", "biasaudit.report._change_report"),
    ("biasaudit.audits._funnel_audit", "FunnelResult.sentences", "biasaudit.report"),
    ("biasaudit.audits._funnel_audit", "FunnelResult.plot", "biasaudit.report._charts"),
}


class Import(NamedTuple):
    module: str  # the importing module
    function: str | None  # enclosing function or method (qualified), None at module level
    target: str  # the imported module


def _name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in SRC.rglob("*.py")}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _below(stage: str) -> set[str]:
    out: set[str] = set()
    todo = list(BUILDS_ON[stage])
    while todo:
        s = todo.pop()
        if s not in out:
            out.add(s)
            todo.extend(BUILDS_ON[s])
    return out


def _imports(module: str) -> Iterator[Import]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST, function: str | None, scope: str) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                yield from visit(child, function, f"{scope}{child.name}.")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{scope}{child.name}"
                yield from visit(child, function or name, f"{name}.")
            elif isinstance(child, ast.ImportFrom) and (
                child.level or (child.module or "").split(".")[0] == "biasaudit"
            ):
                base = package.split(".")[: len(package.split(".")) - child.level + 1]
                if not child.level:
                    base = []
                target = ".".join(base + ([child.module] if child.module else []))
                for alias in child.names:
                    sub = f"{target}.{alias.name}"
                    yield Import(module, function, sub if sub in MODULES else target)
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "biasaudit":
                        yield Import(module, function, alias.name)
            else:
                yield from visit(child, function, scope)

    yield from visit(ast.parse(path.read_text(encoding="utf-8")), None, "")


IMPORTS = [i for m in sorted(MODULES) for i in _imports(m)]


def _facade(i: Import) -> bool:
    return (i.module, i.function, i.target) in FACADE


def test_every_module_is_in_a_stage():
    assert {_stage(m) for m in MODULES} == set(BUILDS_ON)
    assert all(i.target in MODULES for i in IMPORTS), "an import names no module"


def test_the_stages_do_not_build_on_themselves():
    for stage in BUILDS_ON:
        assert stage not in _below(stage), stage


def test_imports_follow_the_stages():
    wrong = [
        f"{i.module} ({i.function or 'module level'}) imports {i.target}"
        for i in IMPORTS
        if _stage(i.target) != _stage(i.module)
        and _stage(i.target) not in _below(_stage(i.module))
        and not _facade(i)
    ]
    assert wrong == []


def test_a_stage_is_imported_through_its_init():
    wrong = [
        f"{i.module} imports {i.target}"
        for i in IMPORTS
        if _stage(i.target) != _stage(i.module)
        and i.target.count(".") > 1  # a private module behind a stage's __init__
        and not _facade(i)
    ]
    assert wrong == []


def test_the_only_imports_up_are_the_named_result_methods():
    up = {
        (i.module, i.function, i.target)
        for i in IMPORTS
        if _stage(i.target) != _stage(i.module)
        and _stage(i.target) not in _below(_stage(i.module))
    }
    assert up == FACADE


def test_no_import_cycles():
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for i in IMPORTS:
        if not _facade(i) and i.target != i.module:
            graph[i.module].add(i.target)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycle = [*path[path.index(n) :], n]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_only_the_report_stage_uses_a_plotting_library():
    for module, path in MODULES.items():
        if _stage(module) != "report":
            assert "matplotlib" not in path.read_text(encoding="utf-8"), module


def test_tests_mirror_the_stages():
    """tests/ has one folder per stage (and e2e/, package/ for the whole tool, docs/ for
    the documentation site), and no test file outside them."""
    tests = Path(__file__).resolve().parents[1]
    folders = {p.name for p in tests.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    stages = {s for s in BUILDS_ON if not s.startswith("_") and (SRC / s).is_dir()}
    # the CLI is tested in e2e/
    assert folders == (stages - {"cli"}) | {"e2e", "package", "docs"}
    assert not list(tests.glob("test_*.py"))
