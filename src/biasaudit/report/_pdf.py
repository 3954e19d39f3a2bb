"""report.pdf: the HTML report printed to PDF by WeasyPrint (the ``pdf`` extra).

WeasyPrint loads on first use, so ``import biasaudit`` and a run without a PDF never
load it. It needs the Pango text library of the operating system; a missing package or
library is a :class:`~biasaudit.ConfigError` that names the fix, raised before the
audit runs (see :func:`pdf_engine`). The PDF is the report itself, laid out on pages
by :data:`PAGE_CSS` (which browsers use when printing, too).
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path
from types import ModuleType

from .._exceptions import BiasAuditError, ConfigError, OutputError, Problem

#: Pages of the printed report (browsers' print and report.pdf): page numbers at the
#: foot; each top-level section after the first (the key findings stay on the first
#: page with the title) on a new page; tables small enough that the widest (14
#: columns) fits a portrait page, since a printed table cannot scroll sideways. The
#: paper size is the printer's, A4 for report.pdf.
PAGE_CSS = """
@page { margin: 16mm 14mm 18mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #444; } }
@media print { body > section ~ section, main > section ~ section { break-before: page; }
  table { font-size: 6.5pt; } th, td { padding: 1pt 1.5pt; } }
"""

#: The oldest WeasyPrint with ``URLFetcher`` (which keeps the PDF from reading
#: anything but the report's own inline images).
WEASYPRINT_MIN = (68, 0)
INSTALL = "pip install 'biasaudit[pdf]'"
PANGO = (
    "install Pango (sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 on Debian and "
    "Ubuntu, sudo dnf install pango on Fedora, brew install pango on macOS; see "
    "https://doc.courtbouillon.org/weasyprint/stable/first_steps.html), or leave out "
    "--pdf: report.html prints to PDF from any browser"
)


def _problem(message: str, value: str) -> ConfigError:
    return ConfigError(
        [
            Problem(
                f"pdf (--pdf or [output] pdf = true): {message}",
                column="output.pdf",
                value=value,
                reason="pdf_unavailable",
            )
        ]
    )


def pdf_engine() -> ModuleType:
    """WeasyPrint, imported; or a ConfigError that says what to install.

    Called before an audit with a PDF runs, so a missing library costs no waiting and
    writes nothing.

    Raises
    ------
    ConfigError
        When WeasyPrint is not installed, is older than 68, or cannot load Pango.

    Examples
    --------
    >>> from biasaudit.report._pdf import pdf_engine
    >>> pdf_engine().__name__  # with the pdf extra installed
    'weasyprint'
    """
    # WeasyPrint prints a note of its own to stdout when Pango is missing; ours says more
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            import weasyprint
        except ImportError as exc:
            raise _problem(
                f"writing report.pdf needs WeasyPrint, which is not installed; {INSTALL}",
                "weasyprint",
            ) from exc
        except OSError as exc:  # cffi could not load Pango (or HarfBuzz, fontconfig)
            raise _problem(
                f"WeasyPrint could not load a library of the operating system ({exc}); " + PANGO,
                "pango",
            ) from exc
    version = tuple(int(p) for p in weasyprint.__version__.split(".")[:2] if p.isdigit())
    if version < WEASYPRINT_MIN or not hasattr(weasyprint, "URLFetcher"):
        raise _problem(
            f"WeasyPrint {weasyprint.__version__} is too old (68 or newer is needed); "
            "pip install -U 'biasaudit[pdf]'",
            weasyprint.__version__,
        )
    return weasyprint


def write_pdf(html_file: Path, pdf_file: Path) -> None:
    """Print the report ``html_file`` to ``pdf_file``, whole or not at all.

    The PDF is drawn from the HTML as it is (charts stay vector graphics). Only the
    report's inline ``data:`` images are read: a reference to a file or the network
    stops the PDF rather than fetch it. The PDF is written beside ``pdf_file`` under
    another name and renamed at the end, so a failure leaves no partial file.

    Raises
    ------
    ConfigError
        When WeasyPrint or Pango is missing (see :func:`pdf_engine`).
    OutputError
        When WeasyPrint fails on the report; no ``pdf_file`` is left.
    """
    weasyprint = pdf_engine()
    fatal = weasyprint.urls.FatalURLFetchingError  # a BaseException: caught by name
    part = pdf_file.with_name(f".{pdf_file.name}.part")
    try:
        fetcher = weasyprint.URLFetcher(allowed_protocols=("data",), fail_on_errors=True)
        html = weasyprint.HTML(string=html_file.read_text(encoding="utf-8"), url_fetcher=fetcher)
        html.write_pdf(part)
        os.replace(part, pdf_file)
    except BaseException as exc:
        part.unlink(missing_ok=True)
        if isinstance(exc, BiasAuditError) or not isinstance(exc, Exception | fatal):
            raise
        cause = exc.__cause__ if isinstance(exc, fatal) and exc.__cause__ else exc
        raise OutputError(f"could not write {pdf_file.name}: {cause}") from exc
