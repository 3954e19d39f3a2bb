"""Reading report.pdf back, for the tests: PDFium (pypdfium2), a PDF engine other than
the one that wrote it, gives each page's text, where each character lies, and the
page rendered to pixels; the report's HTML gives what the PDF must hold."""

from __future__ import annotations

import base64
import html.parser
import re
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

SVG = "{http://www.w3.org/2000/svg}"
#: PDFium marks a hyphen at the end of a line with U+FFFE
LINE_HYPHEN = "\ufffe"


def flat(text: str) -> str:
    """Text without whitespace (line breaks fall anywhere on a page)."""
    return re.sub(r"\s+", "", text.replace(LINE_HYPHEN, "-"))


class Report(html.parser.HTMLParser):
    """What a report's HTML shows: its top-level section headings (``h2`` of a section
    of ``body`` or ``main``), the headings of its ``<details>`` (closed on screen,
    open in print), its charts (each image and the index of its section) and its
    table rows."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.details: list[str] = []
        self.charts: list[tuple[str, int]] = []
        self.rows = 0
        self._stack: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2" and self._stack[-2:] in (["body", "section"], ["main", "section"]):
            self._heading = self.headings
            self.headings.append("")
        if (
            tag.startswith("h")
            and self._stack[-2:-1] == ["details"]
            and self._stack[-1:] == ["summary"]
        ):
            self._heading = self.details
            self.details.append("")
        if tag == "img":
            self.charts.append((str(a.get("src")), len(self.headings) - 1))
        if tag == "tr":
            self.rows += 1
        if tag not in ("img", "meta", "br", "hr", "input", "link"):  # void elements
            self._stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self._stack:  # close it and anything left open inside it
            del self._stack[len(self._stack) - 1 - self._stack[::-1].index(tag) :]
        if tag in ("h2", "h3", "h4"):
            self._heading = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[-1] += data


def read_report(folder: Path) -> Report:
    report = Report()
    report.feed((folder / "report.html").read_text(encoding="utf-8"))
    return report


def chart_words(src: str) -> list[str]:
    """The words a chart draws (its SVG ``<text>``), as the PDF's text holds them."""
    head, body = src.split(",", 1)
    assert head.startswith("data:image/svg+xml"), src[:40]
    data = base64.b64decode(body) if head.endswith(";base64") else urllib.parse.unquote(body)
    svg = ET.fromstring(data)
    return [w for t in svg.iter(f"{SVG}text") if len(w := flat("".join(t.itertext()))) >= 4]


@dataclass
class Page:
    text: str  # as PDFium extracts it
    width: float
    height: float
    off_page: int  # characters whose box lies outside the page
    pixels: np.ndarray  # RGB at 72 dpi (one pixel a point)

    @property
    def flat(self) -> str:
        return flat(self.text)

    def coloured(self) -> int:
        """Pixels in colour (not black, grey or white): chart marks, not text."""
        p = self.pixels.astype(int)
        return int(((p.max(axis=2) - p.min(axis=2)) > 40).sum())


def read_pdf(path: Path) -> list[Page]:
    pages = []
    doc = pdfium.PdfDocument(str(path))
    try:
        for page in doc:
            width, height = page.get_size()
            text = page.get_textpage()
            off = 0
            for i in range(text.count_chars()):
                left, bottom, right, top = text.get_charbox(i)
                if right > left and (left < -0.5 or right > width + 0.5 or bottom < -0.5):
                    off += 1
            pixels = np.asarray(page.render(scale=1).to_pil().convert("RGB"))
            pages.append(Page(text.get_text_range(), width, height, off, pixels))
    finally:
        doc.close()
    return pages


def section_pages(report: Report, pages: list[Page]) -> list[tuple[str, list[Page]]]:
    """Each top-level section's heading and its pages: from the page its heading
    starts (the first section: the first page) to the next section's."""
    headings = [flat(h) for h in report.headings]
    starts = [0]
    for heading in headings[1:]:
        found = [i for i, p in enumerate(pages) if p.flat.startswith(heading)]
        assert found, f"no page starts with the section {heading!r}"
        starts.append(found[0])
    ends = [*starts[1:], len(pages)]
    return [(h, pages[a:b]) for h, a, b in zip(headings, starts, ends, strict=True)]
