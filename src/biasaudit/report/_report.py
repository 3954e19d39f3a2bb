"""The self-contained HTML report: findings, what the data can show, provenance,
one section per attribute with its charts and table, the risk scores and the
regression-adjusted disparity (when the audit has them), methods, disclosure control.

One HTML file with every chart inline (SVG as a data URI), no scripts, fonts or
network requests; readable at phone width and in print. Every string from the data
or the configuration is escaped. Built only from the published tables, so nothing
disclosure control withholds can appear in it.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..audits import AuditResult, FunnelResult
from ..counts import OVERALL
from ..disclosure import publish, quantile_minimum, withheld_sentence
from ..spec import HARM_METRICS, metric
from ._charts import Chart, group_colors, iter_charts, save_chart, score_chart
from ._findings import adjusted_findings, key_findings, score_findings
from ._harm_findings import harm_findings
from ._score_charts import (
    adjusted_chart,
    calibration_chart,
    decile_chart,
    excess_chart,
    threshold_chart,
)

_SHAPES = {
    "full labels": ("Outcomes are known for everyone: every rate is a number, with its interval."),
    "selective labels": (
        "Outcomes are known only for the people who were investigated (mostly the "
        "flagged). Hit rates (precision, false discovery rate) are measured among them. "
        "The false positive rate, false negative rate and base rate involve people "
        "nobody investigated: they are not identifiable and are shown as worst- and "
        "best-case bounds."
    ),
    "partial labels": (
        "Outcomes are known for some people, flagged or not. Rates that involve the "
        "others are shown as worst- and best-case bounds."
    ),
    "random audit sample": (
        "A random sample of everyone scored was investigated regardless of score. "
        "Error rates are estimated for the whole population from it, with bootstrap "
        "intervals; the assumptions are stated with every estimate."
    ),
    "aggregated counts": (
        "Only a table of counts per group was available. Cells hidden or rounded by the "
        "source are intervals, so rates built on them are ranges over every table "
        "consistent with the published cells."
    ),
    "no outcomes": "No outcomes are known: only decision rates can be shown.",
    "funnel": "Counts per group at each stage of the process.",
}
_TABLE_COLUMNS = {
    "dataset": "Dataset",
    "group": "Group",
    "metric": "Metric",
    "value": "Value",
    "ci_low": "CI low",
    "ci_high": "CI high",
    "lower_bound": "Lower bound",
    "upper_bound": "Upper bound",
    "denominator": "Denominator",
    "ratio": "Ratio to reference",
    "ratio_ci_low": "Ratio CI low",
    "ratio_ci_high": "Ratio CI high",
    "p_adjusted": "Adjusted p",
    "note": "Note",
}
_FUNNEL_COLUMNS = {
    "group": "Group",
    "stage": "Stage",
    "count": "People",
    "share": "Share of group",
    "transition": "From stage above",
    "share_ratio": "Share ratio",
    "share_ratio_ci_low": "CI low",
    "share_ratio_ci_high": "CI high",
    "note": "Note",
}
_CSS = """
:root { color: #1a1a1a; background: #fff; font-family: system-ui, -apple-system,
  "Segoe UI", Roboto, sans-serif; line-height: 1.5; }
body { max-width: 62rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; border-bottom: 2px solid #444;
  margin-top: 2rem; } h3 { font-size: 1.1rem; }
figure { margin: 1rem 0; } figure img { width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: .9rem; color: #333; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid #999; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.finding-clear { border-left: 4px solid #0b5394; padding-left: .5rem; }
.finding-uncertain, .finding-too-few { border-left: 4px dashed #666; padding-left: .5rem; }
.meta { color: #333; font-size: .9rem; }
code { overflow-wrap: anywhere; }
.chart-grid { display: grid; gap: 0 1rem;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr)); }
.chart-grid figure { margin: .5rem 0; }
@media (max-width: 600px) { body { padding: .5rem; } table { font-size: .75rem; } }
@media print { body { max-width: none; } h2 { break-before: auto; }
  figure, table, li { break-inside: avoid; } .table-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; } }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _number(x: object) -> str:
    if isinstance(x, float):
        if x != x:
            return ""
        return f"{x:,.4f}" if abs(x) < 1000 else f"{x:,.0f}"
    return "" if x is None else _e(x)


def _cell_html(v: object) -> str:
    if isinstance(v, float | int) and not isinstance(v, bool):
        return f'<td class="num">{_number(float(v))}</td>'
    return f"<td>{'' if v is None else _e(v)}</td>"


def _html_table(frame: pd.DataFrame, columns: dict[str, str], caption: str) -> str:
    cols = [c for c in columns if c in frame.columns]
    head = "".join(f'<th scope="col">{_e(columns[c])}</th>' for c in cols)
    columns_html = [[_cell_html(v) for v in frame[c].tolist()] for c in cols]
    body = ["<tr>" + "".join(cells) + "</tr>" for cells in zip(*columns_html, strict=True)]
    return (
        f'<div class="table-wrap"><table><caption>{_e(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _figure(chart: Chart, folder: Path, png: bool) -> str:
    """Save ``chart`` (SVG, and PNG when asked) and embed its SVG, once."""
    svg = save_chart(chart, folder, png=png)[0]
    data = base64.b64encode(svg.read_bytes()).decode("ascii")
    return (
        f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{_e(chart.alt)}">'
        f"<figcaption>{_e(chart.title)}</figcaption></figure>"
    )


def _generated() -> str:
    """When the report was made: only from SOURCE_DATE_EPOCH, so that the same input
    and configuration give the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return ""
    when = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return " on " + when.isoformat().replace("+00:00", "Z")


def _origin(src: Any) -> list[str]:
    """A file's SHA-256, or a database's server, table or query and version."""
    if "server_version" not in src.options:
        return [f"<li>SHA-256: <code>{_e(src.sha256 or 'not a file')}</code></li>"]
    items = [f"<li>Database: {_e(src.options['server_version'])}</li>"]
    if "url" in src.options:
        items.append(f"<li>Server: <code>{_e(src.options['url'])}</code></li>")
    for key in ("table", "query"):
        if key in src.options:
            items.append(f"<li>{key.title()}: <code>{_e(src.options[key])}</code></li>")
    return items


def _provenance(result: AuditResult | FunnelResult) -> str:
    led, src = result.ledger, result.source
    items = [
        f"<li>Data: {_e(src.name)} ({_e(src.kind)}, read with {_e(src.engine)})</li>",
        *_origin(src),
        f"<li>Rows read: {led.rows_read:,}; analysed: {led.rows_analysed:,}; "
        f"excluded: {led.rows_excluded:,}</li>",
    ]
    items += [f"<li>Excluded {k:,} rows: {_e(reason)}</li>" for reason, k in led.excluded]
    items += [f"<li>Note: {_e(n)}</li>" for n in led.notes]
    return f'<section id="provenance"><h2>Row ledger and provenance</h2><ul>{"".join(items)}</ul></section>'


def _can_show(result: AuditResult) -> str:
    table = result.published_table()
    table = table[table["attribute"] != OVERALL]
    lines = []
    for name, rows in table.groupby("metric", sort=False):
        label = metric(str(name)).label
        numbers = int(rows["value"].notna().sum())
        ranged = int((rows["value"].isna() & rows["lower_bound"].notna()).sum())
        if numbers and ranged:
            how = "a number for some groups, bounds or ranges for others"
        elif ranged:
            how = "bounds or ranges only"
        elif numbers:
            how = "a number"
        else:
            how = "not available (undefined or suppressed)"
        lines.append(f"<li>{_e(label)}: {how}</li>")
    shape = _SHAPES.get(result.data_shape, "")
    return (
        '<section id="data-shape"><h2>What this data can and cannot show</h2>'
        f"<p>Shape of the data: <strong>{_e(result.data_shape)}</strong>. {_e(shape)}</p>"
        f"<ul>{''.join(lines)}</ul></section>"
    )


def _methods(names: Sequence[str]) -> str:
    rows = []
    for name in names:
        m = metric(name)
        plain = m.plain.format(group="the group")
        rows.append(
            f'<tr><th scope="row"><code>{_e(m.name)}</code></th><td>{_e(m.label)}</td>'
            f"<td>{_e(m.formula)}</td><td>{_e(plain)}</td></tr>"
        )
    return (
        '<section id="methods"><h2>Methods and glossary</h2>'
        "<p>Rates get Wilson score intervals unless configured otherwise; ratios get Katz "
        "log intervals and differences Newcombe intervals; each group is tested against "
        "its reference group on the metric's own denominator (Fisher exact or "
        "chi-square), with p-values adjusted across the audit. Estimates from a random "
        "audit sample carry bootstrap intervals. TP, FP, FN, TN count people with a known "
        "outcome; n is everyone in the group. The 0.8 to 1.25 band in the charts is a "
        "reference, not a verdict."
        + (_HARM_METHOD if any(n in HARM_METRICS for n in names) else "")
        + "</p>"
        '<div class="table-wrap"><table><caption>Metrics in this report</caption><thead><tr>'
        '<th scope="col">Name</th><th scope="col">Label</th><th scope="col">Formula</th>'
        f'<th scope="col">In plain words</th></tr></thead><tbody>{"".join(rows)}</tbody>'
        "</table></div></section>"
    )


_HARM_METHOD = (
    " Harm counts are people (or the amount column) beyond what the reference group's "
    "rate would give: the group's count less its denominator times the reference's rate; "
    "their interval is the denominator times the interval of the rates' difference, and "
    "their test is the rate's own."
)


def _disclosure(table: pd.DataFrame, min_cell: int) -> str:
    if min_cell <= 0:
        rule = "Disclosure control was turned off (min_cell = 0): small counts may appear."
    else:
        suppressed = int(table["suppressed"].sum())
        rule = (
            f"Counts of 1 to {min_cell - 1} people are not published, nor any row that "
            "would let such a count be computed from the others (complementary "
            f"suppression). {suppressed:,} rows of the results table were suppressed; "
            "they appear as blanks. " + withheld_sentence(table, min_cell)
        )
    return f'<section id="disclosure"><h2>Disclosure control</h2><p>{_e(rule)}</p></section>'


def _findings_section(result: AuditResult) -> str:
    table = result.published_table()
    every = key_findings(table, confidence=result.spec.stats.confidence)
    several = "dataset" in table.columns
    datasets = list(dict.fromkeys(table["dataset"])) if several else [None]
    css = {"clear": "finding-clear", "uncertain": "finding-uncertain"}
    lists = []
    for dataset in datasets:  # comparisons are within a dataset: each has its own list
        # the strongest few of each metric, so one metric does not crowd out the others
        per_metric: dict[str, int] = {}
        findings = []
        for f in every:
            if several and f.dataset != str(dataset):
                continue
            per_metric[f.metric] = per_metric.get(f.metric, 0) + 1
            if per_metric[f.metric] <= 4:
                findings.append(f)
        items = "".join(
            f'<li class="{css.get(f.strength, "finding-too-few")}">{_e(f.sentence)}</li>'
            for f in findings[:12]
        )
        if not several:
            items += "".join(
                f'<li class="finding-clear">{_e(s)}</li>' for s in _more_findings(result)
            )
        if not items:
            items = "<li>No comparison of a group with its reference group could be made.</li>"
        head = f"<h3>{_e(dataset)}</h3>" if several else ""
        lists.append(f"{head}<ol>{items}</ol>")
    ranges = ""
    if any(f.ratio_range is not None for f in every):
        ranges = (
            " Where counts were rounded or suppressed, the ratio is a range over every "
            "table consistent with the published cells, not a confidence interval."
        )
    per_dataset = " Each dataset is compared within itself." if several else ""
    return (
        '<section id="key-findings"><h2>Key findings</h2>'
        "<p>The largest disparities with the strongest evidence first. A ratio is the "
        f"group's rate divided by its reference group's.{ranges}{per_dataset}</p>"
        f"{''.join(lists)}</section>"
    )


def _more_findings(result: AuditResult) -> list[str]:
    """The clearest harm counts, score and regression findings (a few of each)."""
    out: list[str] = harm_findings(
        result.published_table(),
        confidence=result.spec.stats.confidence,
        amount_label=result.spec.harm.amount_label,
    )[:4]
    analysis = result.score_analysis
    if analysis is not None:
        out += score_findings(
            analysis.published("excess"), confidence=result.spec.stats.confidence
        )[:3]
    if result.adjusted is not None:
        covariates = result.spec.regression.covariates if result.spec.regression else ()
        out += adjusted_findings(
            result.adjusted,
            result.spec.attributes,
            covariates=covariates,
        )[:3]
    return out


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>{body}</body></html>\n"
    )


def render_report(
    result: AuditResult | FunnelResult, folder: str | Path, *, png: bool = False
) -> str:
    """Write the charts the report shows into ``folder`` and return the report's HTML.

    Each chart is drawn once, saved as SVG (and as PNG with ``png``), embedded, and
    let go before the next is made.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    header = (
        f"<header><h1>Disparity audit: {_e(result.source.name)}</h1>"
        f'<p class="meta">Generated by biasaudit{_e(_generated())}. Wording: '
        '"flagged" means selected for investigation; an "unfounded investigation" found '
        "no fraud.</p></header>"
    )
    if isinstance(result, FunnelResult):
        return _page(result.source.name, header + _funnel_body(result, folder, png))
    table = result.published_table()
    shown = [a for a in result.counts.attributes() if (table["attribute"] == a).any()]
    # only the sections' own charts, each saved as soon as it is made
    figures: dict[str, list[str]] = {a: [] for a in shown}
    for chart in iter_charts(table[table["attribute"].isin([OVERALL, *shown])]):
        figures[chart.attribute].append(_figure(chart, folder, png))
    if result.scores is not None:
        quantiles = result.scores.quantiles()
        score = result.spec.roles.score or "score"
        for a in result.spec.attributes:
            if a in figures:
                chart = score_chart(
                    quantiles,
                    a,
                    min_people=quantile_minimum(result.spec.stats.min_cell),
                    score_name=score,
                    colors=group_colors(table),
                )
                figures[a].append(_figure(chart, folder, png))
    parts = [header, _findings_section(result), _can_show(result), _provenance(result)]
    for attribute in shown:
        rows = table[table["attribute"] == attribute]
        ref = result.references.get(attribute, "largest")
        parts.append(
            f'<section class="attribute"><h2>{_e(attribute)}</h2>'
            f"<p>Reference group rule: {_e(ref)}.</p>{''.join(figures[attribute])}"
            + _html_table(rows, _TABLE_COLUMNS, f"All metrics for {attribute}")
            + "</section>"
        )
    parts.append(_scores_section(result, group_colors(table), folder, png))
    parts.append(_adjusted_section(result, group_colors(table), folder, png))
    parts.append(_methods(list(table["metric"].drop_duplicates())))
    parts.append(_disclosure(result.table, result.spec.stats.min_cell))
    return _page(result.source.name, "".join(parts))


def _funnel_exactness(result: FunnelResult) -> str:
    if result.counts.ranges is None:
        return "Shares and transitions are exact counts; intervals describe sampling uncertainty."
    return (
        "Some counts were published suppressed or rounded ("
        + result.counts.ranges.describe()
        + "): a share or transition built on them is the range over every funnel of whole "
        "numbers consistent with the published cells (from / to), with no interval or "
        "test; the other rows are exact counts, their intervals describing sampling "
        "uncertainty."
    )


def _funnel_body(result: FunnelResult, folder: Path, png: bool) -> str:
    table = result.published_table()
    items = "".join(f"<li>{_e(s)}</li>" for s in result.sentences()[:12])
    parts = [
        '<section id="key-findings"><h2>Key findings</h2>'
        f"<ol>{items or '<li>No comparison could be made.</li>'}</ol></section>",
        '<section id="data-shape"><h2>What this data can and cannot show</h2>'
        f"<p>{_e(_SHAPES['funnel'])} {_e(_funnel_exactness(result))}</p></section>",
        _provenance(result),
    ]
    columns = dict(_FUNNEL_COLUMNS)
    if result.counts.ranges is not None:  # the ranges of rows built on hidden cells
        at = list(columns).index("transition")
        pairs = list(columns.items())
        pairs[at:at] = [("share_lower_bound", "Share from"), ("share_upper_bound", "Share to")]
        columns = dict(pairs)
    figures: dict[str, list[str]] = {a: [] for a in result.counts.attributes()}
    for chart in iter_charts(None, table):
        if chart.attribute in figures:  # a chart no section shows is not drawn
            figures[chart.attribute].append(_figure(chart, folder, png))
    for attribute in figures:
        rows = table[table["attribute"] == attribute]
        parts.append(
            f'<section class="attribute"><h2>{_e(attribute)}</h2>{"".join(figures[attribute])}'
            + _html_table(rows, columns, f"Funnel for {attribute}")
            + "</section>"
        )
    parts.append(_disclosure(result.table, result.options.min_cell))
    return "".join(parts)


# --------------------------------------------------------------------------- scores

#: How a cell of a score table is written: share, difference in points, score, ...
_KINDS = {
    "pct": lambda x: f"{100 * x:.1f}%",
    "pts": lambda x: f"{100 * x:+.1f}",
    "score": lambda x: f"{x:.4g}",
    "int": lambda x: f"{x:,.0f}",
    "p": lambda x: "< 0.001" if x < 0.001 else f"{x:.3f}",
    "num": lambda x: f"{x:.3f}",
}


def _value(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def _score_table(
    frame: pd.DataFrame, columns: Sequence[tuple[str, str, str]], caption: str
) -> str:
    """A compact table: the first column is the row header, numbers formatted by kind.

    ``columns`` are ``(column, heading, kind)``; kind ``text`` is escaped as is. A
    suppressed row shows no number, only its keys and the word "suppressed".
    """
    head = "".join(f'<th scope="col">{_e(h)}</th>' for _, h, _ in columns)
    head += '<th scope="col">Note</th>'
    body = []
    for _, row in frame.iterrows():
        hidden = bool(row.get("suppressed")) and not pd.isna(row.get("suppressed"))
        cells = []
        for i, (c, _, kind) in enumerate(columns):
            v = row.get(c)
            if kind == "text":
                text = "" if v is None or (isinstance(v, float) and math.isnan(v)) else _e(v)
                cells.append(f'<th scope="row">{text}</th>' if i == 0 else f"<td>{text}</td>")
                continue
            x = math.nan if hidden else _value(v)
            shown = _KINDS[kind](x) if math.isfinite(x) else ""
            cells.append(f'<td class="num">{_e(shown)}</td>')
        note = "suppressed" if hidden else str(row.get("note") or "")
        cells.append(f"<td>{_e(note)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="table-wrap"><table><caption>{_e(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _summary(analysis: Any, attribute: str) -> pd.DataFrame:
    """Distribution, AUC and calibration gap of each group side by side (published)."""
    keys = ["group", "people", "mean", "median", "prob_higher", "suppressed", "note"]
    dist = analysis.published("distribution")
    dist = dist.loc[dist["attribute"] == attribute, keys]
    auc = analysis.published("auc")
    auc = auc.loc[auc["attribute"] == attribute, ["group", "auc", "auc_ci_low", "auc_ci_high"]]
    gap = analysis.published("calibration_gap")
    gap = gap.loc[gap["attribute"] == attribute, ["group", "gap", "gap_ci_low", "gap_ci_high"]]
    out = dist.merge(auc, on="group", how="left").merge(gap, on="group", how="left")
    # a group whose distribution is withheld shows nothing (its other parts blank too)
    return out


_SUMMARY = [
    ("group", "Group", "text"),
    ("people", "People", "int"),
    ("mean", "Mean score", "score"),
    ("median", "Median", "score"),
    ("prob_higher", "Chance of scoring higher than reference", "num"),
    ("auc", "AUC", "num"),
    ("auc_ci_low", "AUC CI low", "num"),
    ("auc_ci_high", "AUC CI high", "num"),
    ("gap", "Calibration gap (points)", "pts"),
    ("gap_ci_low", "Gap CI low", "pts"),
    ("gap_ci_high", "Gap CI high", "pts"),
]
_EXCESS = [
    ("group", "Group", "text"),
    ("cut", "Cut", "text"),
    ("people", "People", "int"),
    ("above", "At or above", "int"),
    ("share", "Share", "pct"),
    ("share_ci_low", "CI low", "pct"),
    ("share_ci_high", "CI high", "pct"),
    ("overall_share", "Everyone", "pct"),
    ("excess", "Excess (points)", "pts"),
    ("excess_ci_low", "CI low", "pts"),
    ("excess_ci_high", "CI high", "pts"),
    ("p_adjusted", "Adjusted p", "p"),
]
_WHAT_IF = [
    ("group", "Group", "text"),
    ("attribute", "Attribute", "text"),
    ("metric", "Rate", "text"),
    ("people", "People", "int"),
    ("common_threshold", "Common threshold", "score"),
    ("rate_at_common", "Rate at common", "pct"),
    ("target", "Everyone's rate", "pct"),
    ("threshold_needed", "Threshold for that rate", "score"),
    ("rate_at_needed", "Rate there", "pct"),
]


def _scores_section(
    result: AuditResult, colors: Mapping[tuple[str, str], str], folder: Path, png: bool
) -> str:
    analysis = result.score_analysis
    if analysis is None:
        return ""
    score = result.spec.roles.score or "score"
    outcome = result.spec.roles.outcome or "the outcome"
    confidence = result.spec.stats.confidence
    deciles, excess = analysis.published("deciles"), analysis.published("excess")
    calibration, sweep = analysis.published("calibration"), analysis.published("sweep")
    gap, what_if = analysis.published("calibration_gap"), analysis.published("what_if")
    common = [t for t in what_if["common_threshold"] if math.isfinite(_value(t))]
    if analysis.cutoff is not None:
        cutoff, label = analysis.cutoff, None
        flagging = f"The audit flagged people with {score} ≥ {analysis.cutoff:g}."
    elif common:
        cutoff, label = float(common[0]), "flags about as many as the audit flagged"
        flagging = (
            f"The flag was not derived from the score; the threshold charts mark "
            f"{score} ≥ {cutoff:.4g}, which flags about as many people as were flagged."
        )
    else:
        cutoff, label, flagging = None, None, ""
    notes = "".join(f"<li>{_e(n[0].upper() + n[1:])}.</li>" for n in analysis.notes)
    parts = [
        '<section id="scores"><h2>Risk scores</h2>'
        f"<p>How the {_e(score)} is spread over the groups, how often a group is among the "
        f"highest scores (the top decile of everyone starts at {_e(score)} ≥ "
        f"{analysis.top_decile:.4g}), how well the score matches the observed "
        f"{_e(outcome)} for each group, and how the disparity changes with the threshold. "
        f"{_e(flagging)} Built from the published tables: cells with too few people are "
        f"blank and not drawn.</p><ul>{notes}</ul>"
    ]
    for attribute in result.spec.attributes:
        if attribute not in set(deciles["attribute"]):
            continue
        charts = [
            decile_chart(deciles, attribute, score_name=score, colors=colors),
            excess_chart(
                excess, attribute, score_name=score, colors=colors, confidence=confidence
            ),
            calibration_chart(
                calibration,
                attribute,
                gap=gap,
                score_name=score,
                outcome_name=outcome,
                colors=colors,
                confidence=confidence,
            ),
            threshold_chart(
                sweep,
                attribute,
                cutoff=cutoff,
                cutoff_label=label,
                score_name=score,
                colors=colors,
            ),
        ]
        figures = "".join(_figure(c, folder, png) for c in charts)
        rows = excess[excess["attribute"] == attribute]
        parts.append(
            f"<h3>{_e(attribute)}: {_e(score)}</h3>"
            f'<div class="chart-grid">{figures}</div>'
            + _score_table(
                _summary(analysis, attribute),
                _SUMMARY,
                f"{score} by {attribute}: distribution, AUC (people with a known outcome) "
                "and calibration gap (outcome rate minus the reference group's at the same "
                "score)",
            )
            + _score_table(
                rows,
                _EXCESS,
                f"Share of each group of {attribute} at or above each cut, and the "
                "difference from everyone's share",
            )
        )
    parts.append(
        "<h3>What-if thresholds</h3>"
        "<p>For each group, the threshold at which its rate would come closest to "
        "everyone's rate at the common threshold. This is analysis of how unequal the "
        "score is, not a recommendation: group-specific thresholds would themselves "
        "treat people differently by a protected attribute.</p>"
        + _score_table(
            what_if.sort_values("attribute", key=lambda a: a.map(_order(result)), kind="stable"),
            _WHAT_IF,
            "What-if thresholds (analysis, not a recommendation)",
        )
        + "</section>"
    )
    return "".join(parts)


def _order(result: AuditResult) -> dict[str, int]:
    return {a: i for i, a in enumerate(result.spec.attributes)}


# --------------------------------------------------------------------------- adjusted

_ADJUSTED = [
    ("term", "Term", "text"),
    ("reference_level", "Reference", "text"),
    ("people", "People", "int"),
    ("coefficient", "Coefficient", "num"),
    ("std_error", "SE", "num"),
    ("odds_ratio", "Odds ratio", "num"),
    ("odds_ratio_ci_low", "CI low", "num"),
    ("odds_ratio_ci_high", "CI high", "num"),
    ("relative_risk", "Relative risk at the reference profile", "num"),
    ("relative_risk_ci_low", "CI low", "num"),
    ("relative_risk_ci_high", "CI high", "num"),
    ("marginal_relative_risk", "Standardised relative risk (everyone)", "num"),
    ("marginal_relative_risk_ci_low", "CI low", "num"),
    ("marginal_relative_risk_ci_high", "CI high", "num"),
    ("p_value", "p", "p"),
]


def _adjusted_section(
    result: AuditResult, colors: Mapping[tuple[str, str], str], folder: Path, png: bool
) -> str:
    fit = result.adjusted
    if fit is None:
        return ""
    groups = list(result.spec.attributes)
    model = result.spec.regression
    covariates = list(model.covariates) if model is not None else []
    table = publish(fit.table, "terms")
    table["term"] = [
        f"{v} = {lv}" if lv else str(v)
        for v, lv in zip(table["variable"], table["level"], strict=True)
    ]
    table["suppressed"] = False
    table["note"] = [
        "" if v in groups or v == "(intercept)" else "covariate" for v in table["variable"]
    ]
    chart = adjusted_chart(fit, groups=groups, colors=colors)
    sentences = [
        fit.sentence(str(r.variable), str(r.level), covariates=", ".join(covariates))
        for r in table.itertuples()
        if r.variable in groups
        and r.level
        and not r.suppressed
        and math.isfinite(_value(r.relative_risk))
    ]
    items = "".join(f"<li>{_e(s)}</li>" for s in sentences)
    cov = ", ".join(covariates) or "no covariates"
    return (
        '<section id="adjusted"><h2>Adjusted disparity</h2>'
        f"<p>Logistic regression of {_e(fit.decision)} on {_e(', '.join(groups))} and "
        f"{_e(cov)}, fitted to {fit.rows_used:,} records ({fit.rows_excluded:,} left out "
        "for a missing value). An odds ratio compares a group's odds with its reference "
        "level's at the same covariates; a relative risk is the same comparison as a "
        f"ratio of probabilities, at the reference profile's probability "
        f"({fit.baseline:.1%}) only. The standardised relative risk compares the "
        "model's average probability over everyone in the fit, all of them put in the "
        "group, with the same average all of them put in the reference level (delta-method "
        "interval): the comparison for the people audited, usually closer to 1. The covariates are treated as legitimate reasons for "
        "a difference; where a covariate itself reflects unequal treatment, adjusting for "
        "it hides part of the disparity.</p>"
        + _figure(chart, folder, png)
        + f"<ul>{items}</ul>"
        + _score_table(table, _ADJUSTED, f"Regression of {fit.decision}")
        + "</section>"
    )
