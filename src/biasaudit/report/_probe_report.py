"""The output folder of ``biasaudit probe``: report.html with a "Model probing"
section, tables/probe-*.csv, probe.json, charts/ and manifest.json (with the model's
kind and sha256). Written as a whole or not at all, like an audit's folder."""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..io import write_csv, write_json
from ..probe import Phrase, ProbeResult
from ._html import e as _e
from ._html import figure as _figure
from ._html import frame_table as _html_table
from ._html import page as _page
from ._messages import check_language, current_language, fmt, text
from ._messages import language as _language
from ._outputs import package_versions, replace_folder, write_report_pdf
from ._pdf import pdf_engine
from ._report import _generated

_FLIP = (
    "attribute", "group", "n", "mean_score", "mean_flipped", "mean_change", "change_ci_low",
    "change_ci_high", "p_value", "flag_up", "flag_up_share", "flag_down", "flag_down_share",
    "mcnemar_p", "mean_places_moved", "into_top_k", "note",
)  # fmt: skip
_PROXY = (
    "rank", "feature", "measure", "strength", "strength_ci_low", "strength_ci_high",
    "influence_share", "proxy_score", "note",
)  # fmt: skip
_PROFILE = ("profile", "score", "base_score", "difference", "differs_in")
_CONTRIBUTION = ("profile", "variable", "value", "contribution", "method")


def _table(frame: pd.DataFrame, columns: tuple[str, ...], caption: str) -> str:
    """``frame``'s ``columns`` as a table, headed in the report's language."""
    return _html_table(frame, {c: text(f"pcol.{c}") for c in columns}, caption)


def _p(key: str, **fields: object) -> str:
    """A paragraph of the message ``key`` (its fields escaped as text)."""
    return f"<p>{_e(text(key, **fields))}</p>"


def _say(phrase: Phrase) -> str:
    """``phrase`` (a note, the flag rule, a profile's sentence) in the report's language:
    its values formatted as the probe's English template formats them, with the
    language's separators; in English it is the probe's own text."""
    shown = {}
    for _, name, spec, conversion in string.Formatter().parse(phrase.template):
        if name:
            value = phrase.values[name]
            shown[name] = (
                repr(value) if conversion == "r" else fmt(value, spec) if spec else str(value)
            )
    return text(f"probe.say.{phrase.kind}", **shown)


def _flip_section(result: ProbeResult, folder: Path, png: bool) -> str:
    flips = result.flips
    if flips is None:
        return ""
    table = flips.published()
    level = fmt(100 * flips.confidence, "g") + "%"
    parts = [
        f"<h3>{_e(text('probe.flips_heading'))}</h3>",
        _p(
            "probe.flips_intro",
            of_sample="" if flips.scored == flips.rows else text("probe.of_sample"),
            threshold=_say(flips.rule),
            top_k=fmt(flips.top_k),
            level=level,
        ),
    ]
    parts += [_p("probe.note", note=_say(n)) for n in flips.said]
    from ._probe_charts import flip_chart  # matplotlib loads only when a report is drawn

    for flip in dict.fromkeys(table["flip"]):
        chart = flip_chart(table, flip, flips.confidence)
        if chart is not None:
            parts.append(_figure(chart, folder, png))
            chart.figure.clear()
        rows = table[table["flip"] == flip]
        parts.append(_table(rows, _FLIP, text("probe.flip_table", flip=flip)))
    hidden = int(table["suppressed"].sum())
    parts.append(
        _p("probe.disclosure", largest=fmt(flips.min_cell - 1), hidden=fmt(hidden))
        if flips.min_cell > 1
        else _p("probe.disclosure_off")
    )
    return "".join(parts)


def _proxy_section(result: ProbeResult, folder: Path, png: bool) -> str:
    proxies = result.proxies
    if proxies is None:
        return ""
    from ._probe_charts import proxy_chart

    parts = [
        f"<h3>{_e(text('probe.proxies_heading'))}</h3>",
        _p("probe.proxies_intro", bootstrap=fmt(proxies.bootstrap)),
    ]
    parts += [_p("probe.note", note=_say(n)) for n in proxies.said]
    for attribute in dict.fromkeys(proxies.table["attribute"]):
        chart = proxy_chart(proxies.table, attribute)
        if chart is not None:
            parts.append(_figure(chart, folder, png))
            chart.figure.clear()
        rows = proxies.table[proxies.table["attribute"] == attribute]
        parts.append(_table(rows, _PROXY, text("probe.proxy_table", attribute=attribute)))
    return "".join(parts)


def _profile_section(result: ProbeResult) -> str:
    profiles = result.profiles
    if profiles is None:
        return ""
    items = "".join(f"<li>{_e(_say(s))}</li>" for s in profiles.said)
    return (
        f"<h3>{_e(text('probe.profiles_heading'))}</h3>"
        + _p("probe.profiles_intro", base=profiles.base)
        + f"<ul>{items}</ul>"
        + _table(profiles.table, _PROFILE, text("probe.profiles_table"))
        + _table(profiles.contributions, _CONTRIBUTION, text("probe.contributions_table"))
    )


def render_probe_report(result: ProbeResult, folder: str | Path, *, png: bool = False) -> str:
    """Write the probing charts into ``folder`` and return the report's HTML, in the
    current language (:func:`language`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model = result.model
    source = result.source
    sha = _e(model.sha256 or text("probe.no_file"))
    sampled = result.sampling
    name = source.get("name", "")
    if sampled is not None and sampled.estimate:
        what = text(
            "probe.on_sample",
            drawn=fmt(sampled.drawn),
            population=fmt(sampled.population),
            name=name,
        )
    else:
        what = text("probe.on_all", name=name, rows=fmt(int(source.get("rows", 0))))
    title = text("probe.title", model=model.description)
    # the fields are escaped, the message has no markup: the SHA-256 goes in <code>
    described = text(
        "probe.model",
        kind=_e(model.kind),
        description=_e(model.description),
        sha=f"<code>{sha}</code>",
        inputs=_e(", ".join(model.features) or text("probe.every_column")),
    )
    body = (
        f"<header><h1>{_e(title)}</h1>"
        f'<p class="meta">{_e(text("probe.generated", when=_generated(), what=what))}</p>'
        "</header>"
        f'<section id="probing"><h2>{_e(text("probe.heading"))}</h2>'
        + (
            ""
            if sampled is None
            else f'<p class="sampling">{_e(text("probe.sample", note=sampled.note))}</p>'
        )
        + f"<p>{described}</p>"
        + _flip_section(result, folder, png)
        + _proxy_section(result, folder, png)
        + _profile_section(result)
        + "</section>"
    )
    return _page(title, body, lang=current_language())


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in table.to_dict("records"):
        out.append(
            {
                k: (None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v)
                for k, v in row.items()
            }
        )
    return out


def write_probe_folder(
    result: ProbeResult,
    out_dir: str | Path,
    *,
    config: Mapping[str, Any] | None = None,
    restricted: bool = False,
    png: bool = False,
    pdf: bool = False,
    language: str = "en",
) -> Path:
    """Write report.html, tables/probe-*.csv, probe.json, charts/ and manifest.json
    (and report.pdf with ``pdf``).

    The flip table is published (small counts withheld) unless ``restricted``; the
    report always shows the published view. ``language`` is the language of
    report.html and its charts; probe.json and tables/ are the same in every language.

    Raises
    ------
    OutputError
        When ``out_dir`` may not be replaced (see :func:`check_output_dir`).
    ConfigError
        ``language`` is not a report language (nothing is written).
    """
    suffix = "-restricted" if restricted else ""
    check_language(language)  # before anything is drawn or written
    if pdf:
        pdf_engine()  # a missing library fails before the charts are drawn

    def fill(tmp: Path) -> dict[str, Any]:
        tables = result.tables(restricted=restricted)
        (tmp / "tables").mkdir()
        for stem, table in tables.items():
            write_csv(table, tmp / "tables" / f"{stem}{suffix}.csv")
        write_json(
            {**result.to_dict(), "tables": {k: _records(t) for k, t in tables.items()}},
            tmp / "probe.json",
        )
        with _language(language):
            html = render_probe_report(result, tmp / "charts", png=png)
        (tmp / "report.html").write_text(html, encoding="utf-8")
        info = {
            "tool": "biasaudit",
            "command": "probe",
            "model": result.model.to_dict(),
            "input": dict(result.source),
            "probe": result.to_dict(),
            "restricted": restricted,
            "config": dict(config) if config is not None else None,
            "versions": package_versions(),
            "language": language,
        }
        if pdf:
            write_report_pdf(tmp, info)
        return info

    return replace_folder(Path(out_dir), fill)
