"""The output folder of ``biasaudit probe``: report.html with a "Model probing"
section, tables/probe-*.csv, probe.json, charts/ and manifest.json (with the model's
kind and sha256). Written as a whole or not at all, like an audit's folder."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..io import write_csv, write_json
from ..probe import ProbeResult
from ._html import e as _e
from ._html import figure as _figure
from ._html import frame_table as _html_table
from ._html import page as _page
from ._outputs import package_versions, replace_folder, write_report_pdf
from ._pdf import pdf_engine
from ._report import _generated

_FLIP = {
    "attribute": "Attribute",
    "group": "Group",
    "n": "People flipped",
    "mean_score": "Mean score",
    "mean_flipped": "Mean score flipped",
    "mean_change": "Mean change",
    "change_ci_low": "CI low",
    "change_ci_high": "CI high",
    "p_value": "Wilcoxon p",
    "flag_up": "Newly flagged",
    "flag_up_share": "Share newly flagged",
    "flag_down": "No longer flagged",
    "flag_down_share": "Share no longer flagged",
    "mcnemar_p": "McNemar p",
    "mean_places_moved": "Mean places up",
    "into_top_k": "Into the top k",
    "note": "Note",
}
_PROXY = {
    "rank": "Rank",
    "feature": "Feature",
    "measure": "Proxy measure",
    "strength": "Strength",
    "strength_ci_low": "CI low",
    "strength_ci_high": "CI high",
    "influence_share": "Share of influence",
    "proxy_score": "Strength x influence",
    "note": "Note",
}
_PROFILE = {
    "profile": "Profile",
    "score": "Score",
    "base_score": "Base score",
    "difference": "Difference",
    "differs_in": "Differs in",
}
_CONTRIBUTION = {
    "profile": "Profile",
    "variable": "Variable",
    "value": "Value",
    "contribution": "Contribution",
    "method": "How",
}


def _flip_section(result: ProbeResult, folder: Path, png: bool) -> str:
    flips = result.flips
    if flips is None:
        return ""
    table = flips.published()
    level = f"{100 * flips.confidence:g}%"
    parts = [
        "<h3>Attribute flips</h3>",
        f"<p>Every record{'' if flips.scored == flips.rows else ' of the sample'} was scored "
        "as it is and with the attribute flipped, everything else unchanged. "
        f"Flag rule: {_e(flips.threshold)}; top k = {flips.top_k:,}. Mean changes carry "
        f"{level} paired t intervals and a Wilcoxon signed-rank test; flag changes Wilson "
        "intervals and McNemar's exact test. A flipped person's new rank is their flipped "
        "score's place among everyone else's actual scores.</p>",
    ]
    parts += [f"<p>Note: {_e(n)}</p>" for n in flips.notes]
    from ._probe_charts import flip_chart  # matplotlib loads only when a report is drawn

    for flip in dict.fromkeys(table["flip"]):
        chart = flip_chart(table, flip, flips.confidence)
        if chart is not None:
            parts.append(_figure(chart, folder, png))
            chart.figure.clear()
        rows = table[table["flip"] == flip]
        parts.append(_html_table(rows, _FLIP, f"Flip {flip}: score and flag changes by group"))
    hidden = int(table["suppressed"].sum())
    parts.append(
        f"<p>Disclosure control: counts of 1 to {flips.min_cell - 1} people are not "
        f"published, nor a group or count that would let one be computed from the others; "
        f"{hidden:,} rows are withheld whole, and flag or top-k columns of others are blank "
        "where their counts are small.</p>"
        if flips.min_cell > 1
        else "<p>Disclosure control was turned off (min_cell = 0).</p>"
    )
    return "".join(parts)


def _proxy_section(result: ProbeResult, folder: Path, png: bool) -> str:
    proxies = result.proxies
    if proxies is None:
        return ""
    from ._probe_charts import proxy_chart

    parts = [
        "<h3>Proxies: which inputs stand in for a protected attribute</h3>",
        "<p>Proxy strength: how well the feature alone predicts the attribute (AUC for an "
        "attribute with two groups, read in whichever direction is above 0.5; normalised "
        f"mutual information otherwise), with {proxies.bootstrap} bootstrap resamples for "
        "the intervals. Influence: the feature's share of how much the inputs move the "
        "score. Ranked by strength x influence.</p>",
    ]
    parts += [f"<p>Note: {_e(n)}</p>" for n in proxies.notes]
    for attribute in dict.fromkeys(proxies.table["attribute"]):
        chart = proxy_chart(proxies.table, attribute)
        if chart is not None:
            parts.append(_figure(chart, folder, png))
            chart.figure.clear()
        rows = proxies.table[proxies.table["attribute"] == attribute]
        parts.append(_html_table(rows, _PROXY, f"Proxies for {attribute}"))
    return "".join(parts)


def _profile_section(result: ProbeResult) -> str:
    profiles = result.profiles
    if profiles is None:
        return ""
    items = "".join(f"<li>{_e(s)}</li>" for s in profiles.sentences)
    return (
        "<h3>Profiles</h3><p>Hand-written or generated profiles, not people in the data; "
        f"each compared with the base profile {_e(profiles.base)!s}.</p><ul>{items}</ul>"
        + _html_table(profiles.table, _PROFILE, "Scores of the profiles")
        + _html_table(profiles.contributions, _CONTRIBUTION, "Each variable's contribution")
    )


def render_probe_report(result: ProbeResult, folder: str | Path, *, png: bool = False) -> str:
    """Write the probing charts into ``folder`` and return the report's HTML."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model = result.model
    source = result.source
    sha = _e(model.sha256 or "no file")
    sampled = result.sampling
    name = _e(source.get("name", ""))
    if sampled is not None and sampled.estimate:
        what = f"a sample of {sampled.drawn:,} of the {sampled.population:,} records of {name}"
    else:
        what = f"{name} ({int(source.get('rows', 0)):,} records)"
    body = (
        f"<header><h1>Model probing: {_e(model.description)}</h1>"
        f'<p class="meta">Generated by biasaudit{_e(_generated())} on {what}. Probing runs '
        "the model on records in memory; it is not computed from counts.</p></header>"
        '<section id="probing"><h2>Model probing</h2>'
        + ("" if sampled is None else f'<p class="sampling">Sample: {_e(sampled.note)}</p>')
        + f"<p>Model: {_e(model.kind)}, {_e(model.description)}; SHA-256 <code>{sha}</code>; "
        f"inputs: {_e(', '.join(model.features) or 'every column')}.</p>"
        + _flip_section(result, folder, png)
        + _proxy_section(result, folder, png)
        + _profile_section(result)
        + "</section>"
    )
    return _page(f"Model probing: {model.description}", body)


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
) -> Path:
    """Write report.html, tables/probe-*.csv, probe.json, charts/ and manifest.json
    (and report.pdf with ``pdf``).

    The flip table is published (small counts withheld) unless ``restricted``; the
    report always shows the published view.

    Raises
    ------
    OutputError
        When ``out_dir`` may not be replaced (see :func:`check_output_dir`).
    """
    suffix = "-restricted" if restricted else ""
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
        }
        if pdf:
            write_report_pdf(tmp, info)
        return info

    return replace_folder(Path(out_dir), fill)
