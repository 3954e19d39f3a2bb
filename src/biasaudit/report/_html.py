"""The HTML pieces every part of the report is built from: escaped text, tables with
scoped headers, figures, collapsible sections and the page with its style sheet.

No scripts, fonts or network requests: sections open with ``<details>`` (every
browser; the print style sheet opens them all, so a printout or PDF holds
everything), charts are SVG files embedded as text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ._charts import Chart, save_chart
from ._messages import fmt
from ._pdf import PAGE_CSS
from ._svg import svg_data_uri

CSS = """
:root { color: #1a1a1a; background: #fff; font-family: system-ui, -apple-system,
  "Segoe UI", Roboto, sans-serif; line-height: 1.5; }
body { max-width: 62rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; } h2 { font-size: 1.3rem; border-bottom: 2px solid #444;
  margin-top: 2rem; } h3 { font-size: 1.1rem; } h4 { font-size: 1rem; }
figure { margin: 1rem 0; } figure img { width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: .9rem; color: #333; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: .85rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid #999; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.meta { color: #333; font-size: .9rem; }
.lead { font-size: 1.1rem; padding-left: 1.2rem; }
.lead li { margin: .4rem 0; }
.limits { border-left: 4px solid #666; padding-left: .6rem; }
code, header, #dossier li, #dossier p { overflow-wrap: anywhere; }
details { border: 1px solid #bbb; border-radius: 4px; margin: .5rem 0; padding: 0 .75rem; }
details[open] { padding-bottom: .5rem; }
summary { cursor: pointer; padding: .5rem 0; }
summary h3, summary h4 { display: inline; margin: 0; }
summary .gist { display: block; color: #333; font-size: .9rem; margin-left: 1.1rem; }
.chart-grid { display: grid; gap: 0 1rem;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr)); }
.chart-grid figure { margin: .5rem 0; }
@media (max-width: 600px) { body { padding: .5rem; } table { font-size: .75rem; }
  .lead { font-size: 1rem; } }
@media print { body { max-width: none; } details { border: 0; padding: 0; }
  details::details-content { content-visibility: visible; display: block; }
  summary { list-style: none; } summary::-webkit-details-marker { display: none; }
  #dossier { break-before: page; } figure, table, li { break-inside: avoid; }
  .table-wrap { overflow: visible; } a { color: inherit; text-decoration: none; } }
"""


def e(value: object) -> str:
    """``value`` as HTML text (every string from the data goes through this)."""
    return html.escape(str(value), quote=True)


def number(x: object) -> str:
    """A number as a table shows it: 4 decimals below 1,000, none above."""
    if isinstance(x, float):
        if x != x:
            return ""
        return fmt(x, ",.4f") if abs(x) < 1000 else fmt(x, ",.0f")
    return "" if x is None else e(x)


def cell(v: object) -> str:
    if isinstance(v, float | int) and not isinstance(v, bool):
        return f'<td class="num">{number(float(v))}</td>'
    return f"<td>{'' if v is None else e(v)}</td>"


def table(head: Sequence[str], rows: Sequence[Sequence[str]], caption: str) -> str:
    """A table whose cells are HTML already: ``head`` as column headers (scoped),
    each row's first cell a row header when it starts with ``<th``."""
    heads = "".join(f'<th scope="col">{e(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(r) + "</tr>" for r in rows)
    return (
        f'<div class="table-wrap" tabindex="0" role="region" aria-label="{e(caption)}">'
        f"<table><caption>{e(caption)}</caption><thead><tr>{heads}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def frame_table(frame: pd.DataFrame, columns: Mapping[str, str], caption: str) -> str:
    """``frame``'s ``columns`` (name -> heading) as a table, numbers right-aligned."""
    cols = [c for c in columns if c in frame.columns]
    values = [[cell(v) for v in frame[c].tolist()] for c in cols]
    return table([columns[c] for c in cols], list(zip(*values, strict=True)), caption)


def figure(chart: Chart, folder: Path, png: bool, *, id: str = "") -> str:
    """Save ``chart`` (SVG, and PNG when asked) and embed its SVG, once; the figure
    is let go afterwards."""
    svg = save_chart(chart, folder, png=png)[0]
    chart.figure.clear()
    uri = svg_data_uri(svg.read_text(encoding="utf-8"))
    anchor = f' id="{e(id)}"' if id else ""
    return (
        f"<figure{anchor}><img src='{uri}' alt=\"{e(chart.alt)}\" "
        f'data-chart="{e(chart.name)}"></figure>'
    )


def details(heading: str, body: str, *, id: str, level: int = 3, gist: str = "") -> str:
    """A section that opens on a click, its heading in the summary."""
    extra = f'<span class="gist">{e(gist)}</span>' if gist else ""
    return (
        f'<details id="{e(id)}"><summary><h{level}>{e(heading)}</h{level}>{extra}</summary>'
        f"{body}</details>"
    )


def page(title: str, body: str, *, lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{e(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{CSS}{PAGE_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def finite(x: object) -> bool:
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
