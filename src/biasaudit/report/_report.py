"""The self-contained HTML report, written for the people who read audits.

The first screen tells the audit in a few plain sentences: the best-supported
disparities as natural frequencies with their ratio and interval, one chart, what the
data cannot show, and who audited what data (the row ledger in one line). Everything
else is one click away: a collapsible section per attribute and intersection (one
chart per headline measure, each measure drawn once, and a table of the headline
measures), the risk scores and the regression when the audit has them, and an audit
dossier for regulators (data, population, labels and their limits, methods, tests
and corrections, disclosure control, software and checksums).

One HTML file with every chart inline (SVG as text in a data URI), no scripts, fonts
or network requests; readable at phone width and in print, where every section is
open. Every string from the data or the configuration is escaped, and every word
comes from the message catalogue (:mod:`._messages`). Built only from the published
tables, so nothing disclosure control withholds can appear in it.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..audits import AuditResult, FunnelResult
from ..counts import OVERALL
from ._analyses import adjusted_section, scores_section
from ._change_report import change_section
from ._change_text import change_sentences
from ._charts import Chart, _slug, funnel_chart, group_colors
from ._details import Drawn, chart_for, section
from ._discover_report import discoveries_section
from ._dossier import (
    data_part,
    disclosure_part,
    dossier,
    labels_part,
    methods_part,
    population_part,
    software_part,
    tests_part,
)
from ._harm_findings import harm_findings
from ._headline import (
    Told,
    base_for,
    count_tests,
    ends,
    frequency,
    lead,
    ratio_number,
    support,
    tell,
    withheld,
)
from ._html import details, e, figure, page, table
from ._labels import Labels, capital
from ._messages import current_language, date, fmt, has, text
from ._messages import language as _language
from ._versions import package_versions


def _generated() -> str:
    """When the report was made: only from SOURCE_DATE_EPOCH, so that the same input
    and configuration give the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return ""
    when = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return text("ledger.when", when=date(when))


def ledger_line(
    result: AuditResult | FunnelResult, versions: Mapping[str, str], author: str
) -> str:
    """Who audited what data, in one line: source, row ledger, checksum, tool."""
    led, src = result.ledger, result.source
    if "server_version" in src.options:
        checksum = text("ledger.server", server=src.options["server_version"])
    elif src.sha256:
        checksum = text("ledger.checksum", sha=src.sha256[:12] + "…")
    else:
        checksum = ""
    return text(
        "ledger.line",
        source=src.name,
        kind=src.kind,
        engine=src.engine,
        read=fmt(led.rows_read),
        analysed=fmt(led.rows_analysed),
        excluded=fmt(led.rows_excluded),
        checksum=checksum,
        version=versions.get("biasaudit", ""),
        by=text("ledger.by", author=author) if author else "",
        when=_generated(),
    )


def _header(
    result: AuditResult | FunnelResult, options: Mapping[str, Any], versions: Mapping[str, str]
) -> str:
    title = str(options.get("title") or text("page.title", source=result.source.name))
    line = ledger_line(result, versions, str(options.get("author") or ""))
    return f'<header><h1>{e(title)}</h1><p class="meta">{e(line)}</p></header>'


def _first_screen(
    sentences: Sequence[str],
    how: str,
    chart: str,
    limits: Sequence[str],
    counts: Sequence[str] = (),
) -> str:
    """The first screen: the leading sentences, the headline chart, then ``counts``
    (harm in people: after the chart, so the chart stays in view on a phone)."""
    items = "".join(f"<li>{e(s)}</li>" for s in sentences)
    shown = [x for x in limits if x]
    return (
        f'<section id="key-findings"><h2>{e(text("first.heading"))}</h2>'
        f'<ol class="lead">{items}</ol>'
        + chart
        + "".join(f'<p class="harm">{e(x)}</p>' for x in counts)
        + (f'<p class="meta">{e(how)}</p>' if how else "")
        + (
            f'<div class="limits" id="limits"><h3>{e(text("limits.heading"))}</h3>'
            + "".join(f"<p>{e(x)}</p>" for x in shown)
            + "</div>"
            if shown
            else ""
        )
        + f'<p class="meta">{e(text("page.wording"))}</p></section>'
    )


def render_report(
    result: AuditResult | FunnelResult,
    folder: str | Path,
    *,
    png: bool = False,
    labels: Labels | None = None,
    options: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str = "en",
) -> str:
    """Write the charts the report shows into ``folder`` and return the report's HTML.

    Each chart is drawn once, saved as SVG (and as PNG with ``png``), embedded, and
    let go before the next is made. ``labels`` name the attributes and groups,
    ``options`` is the ``[report]`` section (``title``, ``author``), ``config`` the
    configuration as given (shown in the dossier); ``language`` the language of its
    words and numbers (``"en"``, ``"nl"``).
    """
    with _language(language):
        return _render(result, folder, png=png, labels=labels, options=options, config=config)


def _render(
    result: AuditResult | FunnelResult,
    folder: str | Path,
    *,
    png: bool,
    labels: Labels | None,
    options: Mapping[str, Any] | None,
    config: Mapping[str, Any] | None,
) -> str:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    labels = labels or Labels()
    options = options or {}
    versions = package_versions()
    save = _saver(folder, png)
    header = _header(result, options, versions)
    if isinstance(result, FunnelResult):
        body = _funnel_body(result, labels, save, versions, config)
    else:
        body = _audit_body(result, labels, save, versions, config)
    title = str(options.get("title") or result.source.name)
    return page(title, header + "<main>" + body + "</main>", lang=current_language())


def _saver(folder: Path, png: bool) -> Callable[..., str]:
    def save(chart: Chart, id: str = "") -> str:
        return figure(chart, folder, png, id=id)

    return save


def _audit_body(
    result: AuditResult,
    labels: Labels,
    save: Callable[..., str],
    versions: Mapping[str, str],
    config: Mapping[str, Any] | None,
) -> str:
    table = result.published_table()
    shown = labels.relabel(table)
    colors = group_colors(shown)
    confidence = result.spec.stats.confidence
    level = fmt(confidence, ".0%")
    told = tell(table, labels, confidence=confidence)
    chosen = lead(told)
    tests = count_tests(table)
    drawn = Drawn()
    chart_html = ""
    for t in chosen:  # the first of the leading disparities that has a chart
        part = _part(shown, t.dataset)
        chart = chart_for(part, t.attribute, t.metric, t.dataset, labels, colors, confidence)
        if chart is not None:
            drawn.keys.add((t.dataset, t.attribute, t.metric))
            chart_html = save(chart, id="headline-chart")
            break
    # an audit by period: the clearest change of a disparity belongs on the first screen,
    # and so does the clearest harm count in people (its words are English only yet)
    changed = _clear_changes(result, labels)[:1]
    harmed = _clear_harm(result, table, labels)[:1] if chosen else []
    if chosen or changed:
        sentences = [t.sentence for t in chosen] + changed
        how = text("first.how", level=level, tests=fmt(tests))
    elif told:
        sentences, how = [text("first.none", level=level, tests=fmt(tests))], ""
    else:
        sentences, how = [text("first.none_at_all")], ""
    few = sum(t.strength == "too few to tell" for t in told)
    limits = [
        text(f"limits.{result.data_shape}") if has(f"limits.{result.data_shape}") else "",
        withheld(table, labels, result.spec.stats.min_cell),
        text("limits.too_few", n=fmt(few)) if few else "",
    ]
    out = [_first_screen(sentences, how, chart_html, limits, harmed)]
    attributes = [a for a in result.counts.attributes() if (table["attribute"] == a).any()]
    sections = [
        section(
            a,
            table,
            shown,
            told,
            labels=labels,
            rule=_rule(result, a),
            colors=colors,
            confidence=confidence,
            drawn=drawn,
            save=save,
        )
        for a in attributes
    ]
    out.append(
        f'<section id="details"><h2>{e(text("details.heading"))}</h2>'
        f"<p>{e(text('details.intro'))}</p>{''.join(sections)}</section>"
    )
    out.append(change_section(result, save, labels))
    out.append(scores_section(result, colors, labels, save))
    out.append(adjusted_section(result, colors, save, labels))
    out.append(discoveries_section(result))
    stats = result.spec.stats
    out.append(
        dossier(
            [
                data_part(result),
                population_part(table, labels),
                labels_part(result, table, labels),
                methods_part(list(table["metric"].drop_duplicates()), stats.interval),
                tests_part(tests, confidence, stats.correction, text("dossier.family")),
                disclosure_part(result.table, stats.min_cell, labels),
                software_part(versions, config),
            ]
        )
    )
    return "".join(out)


def _clear_changes(result: AuditResult, labels: Labels) -> list[str]:
    """Sentences of the changes of a disparity that are unlikely to be chance, the
    clearest first (none without periods)."""
    if result.change is None:
        return []
    changes = result.published_changes()
    alpha = 1 - result.spec.stats.confidence
    clear = changes[changes["p_adjusted"].notna() & (changes["p_adjusted"] < alpha)]
    sentences = change_sentences(
        clear, confidence=result.spec.stats.confidence, name=labels.people
    )
    return [capital(x) for x in sentences]


def _clear_harm(result: AuditResult, table: pd.DataFrame, labels: Labels) -> list[str]:
    """Sentences of the clearest harm counts (people beyond the reference's rate), in
    the report's language."""
    return harm_findings(
        table,
        confidence=result.spec.stats.confidence,
        amount_label=result.spec.harm.amount_label,
        who=labels.people,
    )


def _part(table: pd.DataFrame, dataset: str | None) -> pd.DataFrame:
    if dataset is None or "dataset" not in table.columns:
        return table
    return table[table["dataset"].astype(str) == dataset]


def _rule(result: AuditResult | FunnelResult, attribute: str) -> str:
    rule = result.references.get(attribute, "largest")
    return rule if rule in ("largest", "most_favourable") else "named"


# --------------------------------------------------------------------------- funnels


def _funnel_told(table: pd.DataFrame, labels: Labels, confidence: float) -> list[Told]:
    """Share-ratio comparisons of the funnel, told, the best supported first."""
    level = fmt(confidence, ".0%")
    found = []
    rows = table[
        (table["attribute"] != OVERALL)
        & table["parent"].notna()
        & table["share_ratio"].notna()
        & ~table["suppressed"].astype(bool)
    ]
    refs = table.set_index(["attribute", "group", "stage"])
    for row in rows.itertuples():
        ref = row.reference_group
        if not isinstance(ref, str) or row.group == ref:
            continue
        lo, hi, ratio = (
            float(row.share_ratio_ci_low),
            float(row.share_ratio_ci_high),
            float(row.share_ratio),
        )
        if not (math.isfinite(lo) and math.isfinite(hi) and ratio > 0):
            continue
        sup = support(lo, hi)
        clear = sup > 0  # the p-values test the step from the stage above, not the share
        g = labels.people(str(row.attribute), str(row.group))
        r = labels.people(str(row.attribute), ref)
        mine = float(row.share)
        try:
            theirs = float(refs.loc[(row.attribute, ref, row.stage), "share"])
        except KeyError:
            continue
        if not (math.isfinite(mine) and math.isfinite(theirs)):
            continue  # a withheld share is never told
        if ratio < 1:
            g, r, mine, theirs = r, g, theirs, mine
            ratio, lo, hi = 1 / ratio, 1 / hi, 1 / lo
        base = base_for(mine, theirs)
        low, high = ends(lo, hi)
        sentence = text(
            "funnel.headline",
            G=capital(g),
            g=g,
            r=r,
            times=text("times.one", x=ratio_number(ratio)),
            stage=text("funnel.stage", stage=row.stage),
            a=frequency(mine, base),
            b=frequency(theirs, base),
        ) + text("headline.ci", level=level, low=low, high=high)
        item = Told(
            str(row.attribute),
            str(row.group),
            ref,
            str(row.stage),
            "clear" if clear else "uncertain",
            sup,
            abs(math.log(ratio)),
            sentence,
        )
        found.append(item)
    found.sort(key=lambda t: (t.strength != "clear", -t.support, -t.size))
    return found


def _funnel_body(
    result: FunnelResult,
    labels: Labels,
    save: Callable[..., str],
    versions: Mapping[str, str],
    config: Mapping[str, Any] | None,
) -> str:
    table = result.published_table()
    shown = labels.relabel(table)
    colors = group_colors(None, shown)
    confidence = result.options.confidence
    told = _funnel_told(table, labels, confidence)
    chosen: list[Told] = []
    for t in told:  # the best of each attribute, then the next best, three at most
        if t.strength == "clear" and t.attribute not in {c.attribute for c in chosen}:
            chosen.append(t)
    for t in told:
        if t.strength == "clear" and t not in chosen and len(chosen) < 3:
            chosen.append(t)
    chosen = sorted(chosen[:3], key=lambda t: -t.support)
    attributes = list(result.counts.attributes())
    charts = {
        a: funnel_chart(shown, a, colors=colors, confidence=confidence)
        for a in attributes
        if (table["attribute"] == a).any()
    }
    top = chosen[0].attribute if chosen else None
    chart_html = save(charts.pop(top), id="headline-chart") if top in charts else ""
    level = fmt(confidence, ".0%")
    sentences = [t.sentence for t in chosen] or [text("first.none", level=level, tests="")]
    exact = (
        text("funnel.exact")
        if result.counts.ranges is None
        else text("funnel.ranged", how=result.counts.ranges.describe())
    )
    limits = [
        text("limits.funnel") + " " + exact,
        withheld_funnel(table, labels, result.options.min_cell),
    ]
    out = [_first_screen(sentences, "", chart_html, limits)]
    columns = [
        "group",
        "stage",
        "count",
        *(["share_lower_bound", "share_upper_bound"] if result.counts.ranges is not None else []),
        "share",
        "transition",
        "share_ratio",
        "share_ratio_ci_low",
        "share_ratio_ci_high",
        "note",
    ]
    sections = []
    for attribute in [a for a in attributes if (table["attribute"] == a).any()]:
        body = []
        if attribute in charts:
            body.append(save(charts[attribute]))
        elif attribute == top:
            body.append(f"<p>{e(text('details.at_top', metric=text('fcol.share').lower()))}</p>")
        rows = table[table["attribute"] == attribute]
        body.append(
            _funnel_table(rows, columns, labels, text("funnel.table", name=labels.name(attribute)))
        )
        mine = [t.sentence for t in told if t.attribute == attribute and t.strength == "clear"][:6]
        if mine:
            body.insert(0, "<ul>" + "".join(f"<li>{e(s)}</li>" for s in mine) + "</ul>")
        sections.append(
            details(labels.name(attribute), "".join(body), id=f"attribute-{_slug(attribute)}")
        )
    out.append(
        f'<section id="details"><h2>{e(text("details.heading"))}</h2>{"".join(sections)}</section>'
    )
    out.append(
        dossier(
            [
                data_part(result),
                labels_part(result, None, labels),
                disclosure_part(result.table, result.options.min_cell, labels),
                software_part(versions, config),
            ]
        )
    )
    return "".join(out)


def withheld_funnel(table: pd.DataFrame, labels: Labels, min_cell: int) -> str:
    if min_cell <= 0:
        return text("limits.off")
    hidden = table[table["suppressed"].astype(bool) & (table["attribute"] != OVERALL)]
    if hidden.empty:
        return ""
    names = list(
        dict.fromkeys(
            labels.people(str(a), str(g))
            for a, g in zip(hidden["attribute"], hidden["group"], strict=True)
        )
    )
    from ._headline import _and

    return text("limits.withheld", min_cell=fmt(min_cell), groups=_and(names))


def _funnel_table(rows: pd.DataFrame, columns: Sequence[str], labels: Labels, caption: str) -> str:
    from ._html import cell

    out = []
    for _, row in rows.iterrows():
        cells = []
        for c in columns:
            v = row.get(c)
            if c == "group":
                cells.append(
                    f'<th scope="row">{e(labels.group(str(row["attribute"]), str(v)))}</th>'
                )
            elif c == "note":
                cells.append(f"<td>{e('' if v is None or v != v else v)}</td>")
            else:
                cells.append(cell(v))
        out.append(cells)
    return table([text(f"fcol.{c}") for c in columns], out, caption)
