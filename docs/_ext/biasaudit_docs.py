"""Local Sphinx extension: the reference pages are rendered from the code.

* ``.. biasaudit-cli::`` renders the help of every command of the argparse parser
  (``biasaudit.cli._main._parser``), so a new command or option appears by itself.
* ``.. biasaudit-options::`` renders the configuration keys from
  ``biasaudit.audits._options.OPTIONS``.
* ``.. biasaudit-metrics::`` renders the metric glossary from ``biasaudit.METRICS``.
* :func:`write_api_pages` writes one autodoc page per public name of ``biasaudit``,
  ``biasaudit.datasets`` and ``biasaudit.report`` (generated at build time, not kept).
* :func:`convert_examples` turns the jupytext "percent" notebooks of ``examples/`` into
  sphinx-gallery scripts (Markdown cells to reStructuredText) at build time.
* :func:`figure_scraper` puts the matplotlib figures a code block returns or keeps in a
  variable (biasaudit's charts are figures not managed by pyplot) into the gallery page.
"""

from __future__ import annotations

import argparse
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective


# ---------------------------------------------------------------------------- CLI
def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _helps(parser: argparse.ArgumentParser) -> dict[str, str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {a.dest: a.help or "" for a in action._choices_actions}
    return {}


def cli_rst() -> list[str]:
    """The CLI reference as reStructuredText lines: one section per command."""
    from biasaudit.cli._main import _parser

    parser = _parser()
    parser.formatter_class = _wide
    lines = [".. code-block:: text", ""]
    lines += ["   " + s for s in parser.format_help().splitlines()]
    lines.append("")
    helps = _helps(parser)
    for name, sub in _subcommands(parser).items():
        sub.formatter_class = _wide
        title = f"biasaudit {name}"
        lines += [f".. _cli-{name}:", "", title, "-" * len(title), ""]
        if helps.get(name):
            lines += [_escape(helps[name][:1].upper() + helps[name][1:]) + ".", ""]
        lines += [".. code-block:: text", ""]
        lines += ["   " + s for s in sub.format_help().splitlines()]
        lines.append("")
    return lines


def _wide(prog: str) -> argparse.HelpFormatter:
    return argparse.HelpFormatter(prog, width=88, max_help_position=32)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("`", "\\`").replace("|", "\\|")


class CliDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        return _parse(self, cli_rst())


# ---------------------------------------------------------------------------- options
def options_rst() -> list[str]:
    """The configuration keys as one list-table per section."""
    from biasaudit.audits._options import OPTIONS

    lines: list[str] = []
    sections: dict[str, list[Any]] = {}
    for option in OPTIONS:
        sections.setdefault(option.section, []).append(option)
    for section, options in sections.items():
        title = f"[{section}]"
        lines += [f".. _config-{section}:", "", title, "-" * len(title), ""]
        lines += [".. list-table::", "   :header-rows: 1", "   :widths: 16 14 18 22 30", ""]
        lines += [
            "   * - key",
            "     - type",
            "     - default",
            "     - allowed",
            "     - meaning",
        ]
        for o in options:
            lines += [
                f"   * - .. _config-{section}-{o.key}:",
                "",
                f"       ``{o.key}``",
                f"     - {_escape(o.type)}",
                f"     - {_escape(o.default)}",
                f"     - {_escape(o.allowed)}",
                f"     - {_escape(o.description)}",
            ]
        lines.append("")
    return lines


class OptionsDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        return _parse(self, options_rst())


# ---------------------------------------------------------------------------- metrics
def metrics_rst() -> list[str]:
    """The metric glossary from the registry, one row per metric, then the aliases."""
    from biasaudit import ALIASES, HARM_METRICS, METRICS, SAMPLE_METRICS

    kinds = {
        "decision": "the decision only",
        "among_labelled": "people with a known outcome",
        "outcome": "outcomes (bounds under selective labels)",
        "random_sample": "a random audit sample",
    }
    direction = {"burden": "more burden", "benefit": "less burden", "neutral": "neither"}
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 18 14 18 30 12 8", ""]
    lines += ["   * - name", "     - label", "     - formula", "     - plain words"]
    lines += ["     - needs", "     - higher means"]
    for spec in [*METRICS.values(), *SAMPLE_METRICS.values(), *HARM_METRICS.values()]:
        lines += [
            f"   * - .. _metric-{spec.name}:",
            "",
            f"       ``{spec.name}``",
            f"     - {_escape(spec.label)}",
            f"     - ``{spec.formula}``",
            f"     - {_escape(spec.plain.format(group='the group'))}",
            f"     - {kinds[spec.kind]}",
            f"     - {direction[spec.higher_is]}",
        ]
    lines += [
        "",
        "The harm counts (the last rows) are counts, not rates: people (or the amount "
        "column) beyond what the reference group's rate would give (defined below the "
        "table).",
    ]
    lines += ["", "Aliases accepted wherever a metric is named: "]
    lines[-1] += ", ".join(f"``{a}`` = ``{n}``" for a, n in ALIASES.items()) + "."
    return [*lines, ""]


class MetricsDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        return _parse(self, metrics_rst())


def _parse(directive: SphinxDirective, lines: list[str]) -> list[nodes.Node]:
    container = nodes.section()
    container.document = directive.state.document
    source = directive.get_source_info()[0]
    content = StringList(lines, source=source)
    directive.state.nested_parse(content, directive.content_offset, container, match_titles=True)
    return list(container.children)


# ---------------------------------------------------------------------------- API
API_MODULES = ("biasaudit", "biasaudit.datasets", "biasaudit.report", "biasaudit.probe")


def public_names() -> dict[str, list[str]]:
    """Every public name of the documented modules (their ``__all__``)."""
    import importlib

    out = {}
    for module in API_MODULES:
        names = [n for n in importlib.import_module(module).__all__ if n != "datasets"]
        out[module] = sorted(names, key=str.lower)
    return out


def _directive(module: str, name: str) -> str:
    import importlib
    import inspect

    obj = getattr(importlib.import_module(module), name)
    if inspect.isclass(obj):
        return "autoclass"
    if inspect.isfunction(obj) or callable(obj):
        return "autofunction"
    return "autodata"


def write_api_pages(folder: Path) -> None:
    """One page per public name plus an index with a summary table per module."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    index = [
        "Python API",
        "==========",
        "",
        "Generated from the docstrings of every public name (``__all__``) of",
        "``biasaudit``, ``biasaudit.datasets``, ``biasaudit.report`` and ``biasaudit.probe``.",
        "Their examples",
        "run as doctests in the test suite.",
        "",
    ]
    toctree = []
    for module, names in public_names().items():
        index += [f"``{module}``", "-" * (len(module) + 4), ""]
        index += [f".. currentmodule:: {module}", "", ".. autosummary::", ""]
        index += [f"   {n}" for n in names]
        index.append("")
        for name in names:
            full = f"{module}.{name}"
            kind = _directive(module, name)
            page = [full, "=" * len(full), "", f".. currentmodule:: {module}", ""]
            page.append(f".. {kind}:: {name}")
            if kind == "autoclass":
                page += [
                    "   :members:",
                    "   :inherited-members:",
                    "   :exclude-members: count, index",
                ]
            elif kind == "autodata":
                page.append("   :no-value:")
            (folder / f"{full}.rst").write_text("\n".join(page) + "\n", encoding="utf-8")
            toctree.append(full)
    index += ["", ".. toctree::", "   :hidden:", ""] + [f"   {p}" for p in toctree] + [""]
    (folder / "index.rst").write_text("\n".join(index), encoding="utf-8")


# ---------------------------------------------------------------------------- gallery
_HEADING = {1: "=", 2: "-", 3: "~", 4: "^"}


def markdown_to_rst(text: str) -> str:
    """The small Markdown of the example notebooks' text cells, as reStructuredText:
    headings, inline code, links, emphasis (the same in both), lists and paragraphs."""
    out: list[str] = []
    for line in text.splitlines():
        m = re.match(r"^(#{1,4})\s+(.*)$", line)
        if m:
            title = _inline(m.group(2))
            out += [title, _HEADING[len(m.group(1))] * max(len(title), 3), ""]
            continue
        # reStructuredText needs a blank line between a paragraph and a list
        starts_list = re.match(r"^([-*]|\d+\.)\s+", line) is not None
        after_text = bool(out) and bool(out[-1].strip()) and not out[-1].startswith(" ")
        if starts_list and after_text and not re.match(r"^([-*]|\d+\.)\s+", out[-1]):
            out.append("")
        out.append(_inline(line))
    return "\n".join(out).strip() + "\n"


def _inline(line: str) -> str:
    parts = re.split(r"(`[^`]+`)", line)
    for i, part in enumerate(parts):
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            parts[i] = f"``{part[1:-1]}``"
        else:
            parts[i] = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`__", part)
    return "".join(parts)


def convert_examples(source: Path, target: Path) -> list[Path]:
    """Write each ``examples/NN_*.py`` (jupytext percent format) as a sphinx-gallery
    script: the first Markdown cell becomes the docstring (the page title), every other
    Markdown cell a ``# %%`` text block, every code cell a ``# %%`` block of its own (so
    each cell shows its own output)."""
    import jupytext

    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    (target / "GALLERY_HEADER.rst").write_text(
        "Examples\n========\n\n"
        "Every notebook of the ``examples/`` folder, run when the documentation is built,\n"
        "with its tables and charts. Each page offers the notebook (``.ipynb``, opens in\n"
        "plain Jupyter or Colab) and the Python script for download.\n",
        encoding="utf-8",
    )
    written = []
    for path in sorted(source.glob("[0-9]*.py")):
        notebook = jupytext.read(path)
        cells = notebook.cells
        if not cells or cells[0].cell_type != "markdown":
            raise ValueError(f"{path.name}: the first cell must be Markdown with the title")
        text = [f'"""\n{markdown_to_rst(cells[0].source)}"""\n']
        for cell in cells[1:]:
            if cell.cell_type == "markdown":
                body = markdown_to_rst(cell.source)
                text.append(
                    "# %%\n" + textwrap.indent(body, "# ", lambda s: True).replace("# \n", "#\n")
                )
            elif cell.cell_type == "code":
                text.append("# %%\n\n" + cell.source.rstrip() + "\n")
        out = target / path.name
        out.write_text("\n".join(text), encoding="utf-8")
        written.append(out)
    return written


_SEEN: dict[int, set[int]] = {}


def figure_scraper(block: Any, block_vars: dict[str, Any], gallery_conf: dict[str, Any]) -> str:
    """The matplotlib figures a code block left in its variables (or as its last value)
    that no earlier block showed: biasaudit's charts are figures outside pyplot, which
    sphinx-gallery's own matplotlib scraper does not see."""
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    namespace = block_vars["example_globals"]
    seen = _SEEN.setdefault(id(namespace), set())
    figures = [v for k, v in namespace.items() if isinstance(v, Figure) and not k.startswith("__")]
    figures = [f for f in figures if id(f) not in seen]
    paths = []
    for fig, path in zip(figures, block_vars["image_path_iterator"], strict=False):
        seen.add(id(fig))
        fig.savefig(path, dpi=100)
        paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("biasaudit-cli", CliDirective)
    app.add_directive("biasaudit-options", OptionsDirective)
    app.add_directive("biasaudit-metrics", MetricsDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
