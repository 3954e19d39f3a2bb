"""The documentation site: it builds offline with no warnings, its reference covers every
public name, CLI command and option, configuration key and metric, its gallery shows
each example with its charts and downloads, the downloaded notebooks run in plain
Jupyter, and the user guide's examples print what the guide shows.

The site is built once per test session (a copy of docs/ and examples/ in a temporary
folder, so the build never writes into the clone), shared between pytest-xdist workers
through a lock.
"""

from __future__ import annotations

import argparse
import doctest
import fcntl
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from docutils.nodes import make_id
from nbclient import NotebookClient

from conftest import COMPAS

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
GUIDE_PAGES = (
    "command-line",
    "records",
    "selective-labels",
    "harm",
    "random-sample",
    "foi-tables",
    "funnels",
    "risk-scores",
    "change",
    "discovery",
    "disclosure",
    "compas",
    "quoting",
    "statistics",
    "probing",
    "engines",
    "datasets",
)
EXAMPLES = sorted((REPO / "examples").glob("[0-9]*.py"))
GENERATED = ("_build", "_generated", "api", "auto_examples", "sg_execution_times.rst")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["BIASAUDIT_DATA"] = str(COMPAS.parent)  # the examples read COMPAS from this cache
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    return env


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the site once (sphinx-build -W) and return its HTML folder."""
    base = tmp_path_factory.getbasetemp()
    # under pytest-xdist each worker has its own folder in the session's: build once there
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = shared / "docs-site" / "html"
    with open(shared / "docs-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "docs-site" / "result.json"
        if not done.exists():
            root = shared / "docs-site" / "clone"
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree(DOCS, root / "docs", ignore=shutil.ignore_patterns(*GENERATED))
            shutil.copytree(REPO / "examples", root / "examples")
            start = time.perf_counter()
            build = subprocess.run(
                [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q",
                 "-d", str(shared / "docs-site" / "doctrees"), str(root / "docs"), str(out)],
                capture_output=True, text=True, env=_env(), timeout=900,
            )  # fmt: skip
            done.write_text(
                json.dumps(
                    {
                        "returncode": build.returncode,
                        "stderr": build.stderr,
                        "seconds": time.perf_counter() - start,
                    }
                )
            )
        result = json.loads(done.read_text())
    assert result["returncode"] == 0 and "WARNING" not in result["stderr"], result["stderr"]
    return out


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (tag, url)
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        for key in ("href", "src"):
            if a.get(key):
                self.links.append((tag, str(a[key])))
        if tag == "img" and a.get("src"):
            self.images.append(str(a["src"]))


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def _plain(page: Path) -> str:
    """The page's text as a reader sees it: no tags, entities decoded, spaces collapsed."""
    text = html.unescape(re.sub(r"<[^>]+>", "", _text(page)))
    return re.sub(r"\s+", " ", text)


@pytest.mark.slow
def test_build_is_fast_enough(site: Path):
    seconds = json.loads((site.parent / "result.json").read_text())["seconds"]
    assert seconds < 300, f"the docs build took {seconds:.0f} s"


@pytest.mark.slow
def test_every_public_name_has_an_api_page(site: Path):
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        from biasaudit_docs import public_names
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    import biasaudit

    names = public_names()
    assert set(names["biasaudit"]) == set(biasaudit.__all__) - {"datasets"}
    index = _text(site / "api" / "index.html")
    for module, members in names.items():
        for name in members:
            page = site / "api" / f"{module}.{name}.html"
            assert page.is_file(), f"no API page for {module}.{name}"
            assert f'id="{module}.{name}"' in _text(page), f"{module}.{name} not documented"
            assert f"{module}.{name}.html" in index, f"{module}.{name} not in the API index"


def _commands() -> dict[str, argparse.ArgumentParser]:
    from biasaudit.cli._main import _parser

    for action in _parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the CLI has no subcommands")


@pytest.mark.slow
def test_every_cli_command_and_option_is_in_the_reference(site: Path):
    page = _parse(site / "reference" / "cli.html")
    text = _plain(site / "reference" / "cli.html")
    commands = _commands()
    assert {"demo", "audit", "validate", "init", "plan", "generate"} <= set(commands)
    for name, parser in commands.items():
        assert f"cli-{name}" in page.ids, f"no section for biasaudit {name}"
        for action in parser._actions:
            for option in action.option_strings:
                assert option in text, f"biasaudit {name} {option} missing from the reference"


@pytest.mark.slow
def test_every_configuration_key_is_in_the_reference(site: Path):
    from biasaudit.audits._config import SECTIONS

    ids = _parse(site / "reference" / "configuration.html").ids
    for section, keys in SECTIONS.items():
        assert make_id(f"config-{section}") in ids, f"[{section}] missing"
        for key in keys or ():
            assert make_id(f"config-{section}-{key}") in ids, f"{section}.{key} missing"


@pytest.mark.slow
def test_every_metric_is_in_the_glossary(site: Path):
    from biasaudit import ALIASES, METRICS, SAMPLE_METRICS

    page = site / "reference" / "metrics.html"
    ids, text = _parse(page).ids, _plain(page)
    for name, spec in [*METRICS.items(), *SAMPLE_METRICS.items()]:
        assert make_id(f"metric-{name}") in ids, f"{name} missing from the glossary"
        assert spec.formula in text, f"{name}: formula missing"
    for alias in ALIASES:
        assert alias in text


@pytest.mark.slow
def test_guide_pages_exist(site: Path):
    for name in GUIDE_PAGES:
        page = site / "guide" / f"{name}.html"
        assert page.is_file(), f"no guide page {name}"
        assert len(_text(page)) > 5000


@pytest.mark.slow
def test_guide_references_to_the_api_resolve(site: Path):
    for name in GUIDE_PAGES:
        text = _text(site / "guide" / f"{name}.html")
        # a resolved reference is a link (<a ... title="name">) around its <code>
        unresolved = re.findall(
            r'(?<!">)<code class="xref py[^>]*><span class="pre">([^<]*)', text
        )
        assert unresolved == [], f"{name}: no API page for {unresolved}"


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_gallery_page_shows_outputs_charts_and_downloads(site: Path, example: Path):
    page = site / "auto_examples" / f"{example.stem}.html"
    assert page.is_file(), f"{example.name} is not in the gallery"
    parsed = _parse(page)
    hrefs = [url for tag, url in parsed.links if tag == "a"]
    for suffix in (".ipynb", ".py"):
        link = next((h for h in hrefs if h.endswith(f"{example.stem}{suffix}")), None)
        assert link, f"no {suffix} download on the {example.stem} page"
        assert (page.parent / link).resolve().is_file()
    assert "sphx-glr-script-out" in _text(page) or "output_html" in _text(page)
    if ".plot(" in example.read_text(encoding="utf-8"):
        charts = [s for s in parsed.images if re.search(rf"sphx_glr_{example.stem}_\d+\.png", s)]
        assert charts, f"{example.stem} draws a chart but its page shows none"
        for src in charts:
            assert (page.parent / src).resolve().stat().st_size > 5000


@pytest.mark.slow
def test_internal_links_resolve_and_nothing_loads_from_the_network(site: Path):
    # _static/ holds the theme's templates, not pages
    pages = {p.resolve(): _parse(p) for p in site.rglob("*.html") if "_static" not in p.parts}
    broken, remote = [], []
    for path, parsed in pages.items():
        for tag, url in parsed.links:
            if tag in ("script", "link", "img") and re.match(r"^(https?:)?//", url):
                remote.append((path.name, url))
            if re.match(r"^[a-z]+:|^//", url):
                continue  # an external link a reader may follow
            target, _, anchor = url.partition("#")
            target = target.split("?")[0]
            dest = (path.parent / target).resolve() if target else path
            missing_anchor = bool(anchor) and dest in pages and anchor not in pages[dest].ids
            if not dest.exists() or missing_anchor:
                broken.append((path.relative_to(site.resolve()), url))
    assert remote == [], "assets loaded from the network"
    assert broken == [], f"{len(broken)} broken internal links, e.g. {broken[:5]}"


@pytest.mark.slow
def test_downloaded_notebooks_are_valid_and_run_without_jupytext(site: Path, tmp_path: Path):
    notebooks = {p.stem: p for p in (site / "_downloads").rglob("*.ipynb")}
    assert set(notebooks) == {p.stem for p in EXAMPLES}
    for name, path in sorted(notebooks.items()):
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        assert "jupytext" not in json.dumps(notebook.metadata), name
        assert any(c.cell_type == "markdown" for c in notebook.cells), name
        # a kernel in which jupytext cannot be imported, as in plain Jupyter or Colab
        notebook.cells.insert(
            0, nbformat.v4.new_code_cell("import sys; sys.modules['jupytext'] = None")
        )
        client = NotebookClient(
            notebook,
            timeout=300,
            kernel_name="python3",
            resources={"metadata": {"path": tmp_path}},
        )
        old = dict(os.environ)
        os.environ.update(_env())
        try:
            client.execute()
        finally:
            os.environ.clear()
            os.environ.update(old)
        errors = [
            o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"
        ]
        assert errors == [], f"{name}: {errors[:1]}"
        images = [
            o
            for c in notebook.cells
            for o in c.get("outputs", [])
            if "image/png" in o.get("data", {})
        ]
        if ".plot(" in (REPO / "examples" / f"{name}.py").read_text(encoding="utf-8"):
            assert images, f"{name}: the chart is not shown in Jupyter"


@pytest.mark.parametrize("name", GUIDE_PAGES)
def test_guide_examples_print_what_the_page_shows(name: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BIASAUDIT_DATA", str(COMPAS.parent))
    page = DOCS / "guide" / f"{name}.md"
    failed, attempted = doctest.testfile(
        str(page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert attempted > 0, f"{name}: no examples"
    assert failed == 0, f"{name}: {failed} of {attempted} examples print something else"


def test_every_guide_page_is_tested():
    pages = {p.stem for p in (DOCS / "guide").glob("*.md")} - {"index"}
    assert pages == set(GUIDE_PAGES), "add the guide page to GUIDE_PAGES (its examples run)"
