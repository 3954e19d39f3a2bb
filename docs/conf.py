"""Sphinx configuration of the biasaudit documentation (built by ``./scripts/docs``).

The build needs no network: no intersphinx, no MathJax from a CDN, the theme's assets
are bundled, and the examples read ProPublica's COMPAS file from the local cache
(``BIASAUDIT_DATA``, else the ``shared/datasets/compas`` folder beside the clone the
tests use, else ``~/.cache/biasaudit``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "_ext"))

import biasaudit_docs  # noqa: E402

import biasaudit  # noqa: E402

_SHARED_COMPAS = ROOT.parent / "shared" / "datasets" / "compas"
if (
    "BIASAUDIT_DATA" not in os.environ
    and (_SHARED_COMPAS / "compas-scores-two-years.csv").is_file()
):
    os.environ["BIASAUDIT_DATA"] = str(_SHARED_COMPAS)

# generated at build time, never committed (see .gitignore)
biasaudit_docs.write_api_pages(HERE / "api")
biasaudit_docs.convert_examples(ROOT / "examples", HERE / "_generated" / "examples")

project = "biasaudit"
author = "biasaudit developers"
copyright = "biasaudit developers"
release = biasaudit.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "biasaudit_docs",
]

# configuration values and code are quoted as typed: no curly quotes
smartquotes = False

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_generated", "**.ipynb_checkpoints"]
templates_path: list[str] = []

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autosummary_generate = False
autodoc_typehints = "none"
autodoc_member_order = "bysource"
autodoc_default_options = {"show-inheritance": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

sphinx_gallery_conf = {
    "examples_dirs": ["_generated/examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r".*",
    "image_scrapers": ("matplotlib", "biasaudit_docs.figure_scraper"),
    "capture_repr": ("_repr_html_", "__repr__"),
    # a chart is shown as its image (biasaudit_docs.figure_scraper), not as its repr
    "ignore_repr_types": r"matplotlib\.figure\.Figure|_ShownFigure",
    # no execution-times page: it loads jQuery and DataTables from a CDN
    "write_computation_times": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "show_signature": False,
    "within_subsection_order": "FileNameSortKey",
    "min_reported_time": 3600,
    "abort_on_example_error": True,
    "plot_gallery": "True",
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
}

html_theme = "pydata_sphinx_theme"
html_title = f"biasaudit {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_static_path: list[str] = []
html_show_sourcelink = False
html_copy_source = False
