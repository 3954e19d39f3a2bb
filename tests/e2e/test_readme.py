"""The README stays short and true: its one worked example runs and prints what the
README shows, its two commands are the ones CI runs, and every link into the user guide
(read on GitHub, relative to the repository) leads to a page and heading that exist.

The worked examples that used to be in the README are in the user guide now, where
tests/docs/test_docs.py runs them (and tests/e2e/test_probe_cli.py the probe command's)."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
# a python block immediately followed by a plain block: the output it prints
EXAMPLE = re.compile(r"```python\n((?:(?!```).)*)```\n```\n((?:(?!```).)*)```", re.DOTALL)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _text() -> str:
    return README.read_text(encoding="utf-8")


def _github_anchor(heading: str) -> str:
    """The id GitHub gives a Markdown heading: lower case, punctuation dropped, spaces
    as hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def test_the_worked_example_prints_what_the_readme_shows(tmp_path, monkeypatch):
    examples = EXAMPLE.findall(_text())
    assert len(examples) == 1, "the README has one worked example; the rest are in the guide"
    (code, shown) = examples[0]
    monkeypatch.chdir(tmp_path)  # it writes reports/my-audit/
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {})
    assert out.getvalue() == shown
    assert (tmp_path / "reports" / "my-audit" / "report.html").is_file()


def test_the_two_commands_are_the_ones_ci_runs():
    text = _text()
    block = text.split("## Two commands", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    assert commands == ["./scripts/demo", "./scripts/test"]
    for command in commands:
        assert os.access(REPO / command, os.X_OK), command
    assert "./scripts/test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_is_short():
    lines = _text().splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines: move the detail to the guide"


def test_every_link_resolves_on_github_and_every_guide_page_is_linked():
    text = _text()
    targets = [url for url in LINK.findall(text) if not re.match(r"^[a-z]+:", url)]
    assert targets
    for url in targets:
        path, _, anchor = url.partition("#")
        target = REPO / path
        assert target.exists(), f"README links to {url}, which does not exist"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", target.read_text(encoding="utf-8"), re.M)
            assert anchor in {_github_anchor(h) for h in headings}, f"no heading for {url}"
    linked = {Path(url.partition("#")[0]).resolve() for url in targets}
    for page in sorted((REPO / "docs" / "guide").glob("*.md")):
        assert page.resolve() in linked, f"the README does not link to {page.name}"


@pytest.mark.parametrize("image", ["docs/_static/report-first-screen.png"])
def test_the_report_screenshot_is_shown(image):
    assert f"]({image})" in _text()
    assert (REPO / image).stat().st_size > 10_000
