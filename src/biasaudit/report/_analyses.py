"""The risk-score and regression sections of the report, each attribute in a
collapsible section: one chart per question (how the scores are spread, who is
over-represented at the top, whether a score means the same for every group, how the
disparity moves with the threshold), the tables behind them, and the clear findings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from ..audits import AuditResult
from ..disclosure import publish, quantile_minimum
from ._charts import Chart, _slug, score_chart
from ._html import details, e, table
from ._labels import Labels, capital
from ._messages import fmt, text
from ._messages import label as metric_label
from ._notes import cut_text, note_text
from ._score_charts import adjusted_chart, calibration_chart, excess_chart, threshold_chart
from ._sentences import and_list as _and_list
from ._sentences import clear_adjusted, regression_sentence, top_decile_sentences

#: How a cell of a score table is written: share, difference in points, score, ...
_KINDS: dict[str, Callable[[float], str]] = {
    "pct": lambda x: fmt(100 * x, ".1f") + "%",
    "pts": lambda x: fmt(100 * x, "+.1f"),
    "score": lambda x: fmt(x, ".4g"),
    "int": lambda x: fmt(x, ",.0f"),
    "p": lambda x: text("p.small") if x < 0.001 else fmt(x, ".3f"),
    "num": lambda x: fmt(x, ".3f"),
}


def _value(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def score_table(
    frame: pd.DataFrame,
    columns: Sequence[tuple[str, str]],
    caption: str,
    labels: Labels | None = None,
) -> str:
    """A compact table: the first column is the row header, numbers formatted by kind.

    ``columns`` are ``(column, kind)``, headed by the catalogue's ``scol.<column>``;
    kind ``text`` is escaped as is. A suppressed row shows no number, only its keys
    and the word "suppressed".
    """
    head = [text(f"scol.{c}") for c, _ in columns] + [text("scol.note")]
    body = []
    for _, row in frame.iterrows():
        hidden = bool(row.get("suppressed")) and not pd.isna(row.get("suppressed"))
        cells = []
        for i, (c, kind) in enumerate(columns):
            v = row.get(c)
            if kind == "text":
                shown = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                if c == "group" and labels is not None and "attribute" in row:
                    shown = labels.group(str(row["attribute"]), shown)
                elif c == "attribute" and labels is not None:
                    shown = capital(labels.name(shown))
                elif c == "metric" and shown:
                    shown = metric_label(shown)
                elif c == "cut":
                    shown = cut_text(shown)
                cells.append(
                    f'<th scope="row">{e(shown)}</th>' if i == 0 else f"<td>{e(shown)}</td>"
                )
                continue
            x = math.nan if hidden else _value(v)
            shown = _KINDS[kind](x) if math.isfinite(x) else ""
            cells.append(f'<td class="num">{e(shown)}</td>')
        note = text("scol.suppressed") if hidden else note_text(str(row.get("note") or ""))
        cells.append(f"<td>{e(note)}</td>")
        body.append(cells)
    return table(head, body, caption)


def _summary(analysis: Any, attribute: str) -> pd.DataFrame:
    """Distribution, AUC and calibration gap of each group side by side (published)."""
    keys = ["attribute", "group", "people", "mean", "median", "prob_higher", "suppressed", "note"]
    dist = analysis.published("distribution")
    dist = dist.loc[dist["attribute"] == attribute, keys]
    auc = analysis.published("auc")
    auc = auc.loc[auc["attribute"] == attribute, ["group", "auc", "auc_ci_low", "auc_ci_high"]]
    gap = analysis.published("calibration_gap")
    gap = gap.loc[gap["attribute"] == attribute, ["group", "gap", "gap_ci_low", "gap_ci_high"]]
    return dist.merge(auc, on="group", how="left").merge(gap, on="group", how="left")


_SUMMARY = [
    ("group", "text"),
    ("people", "int"),
    ("mean", "score"),
    ("median", "score"),
    ("prob_higher", "num"),
    ("auc", "num"),
    ("auc_ci_low", "num"),
    ("auc_ci_high", "num"),
    ("gap", "pts"),
    ("gap_ci_low", "pts"),
    ("gap_ci_high", "pts"),
]
_EXCESS = [
    ("group", "text"),
    ("cut", "text"),
    ("people", "int"),
    ("above", "int"),
    ("share", "pct"),
    ("share_ci_low", "pct"),
    ("share_ci_high", "pct"),
    ("overall_share", "pct"),
    ("excess", "pts"),
    ("excess_ci_low", "pts"),
    ("excess_ci_high", "pts"),
    ("p_adjusted", "p"),
]
_WHAT_IF = [
    ("group", "text"),
    ("attribute", "text"),
    ("metric", "text"),
    ("people", "int"),
    ("common_threshold", "score"),
    ("rate_at_common", "pct"),
    ("target", "pct"),
    ("threshold_needed", "score"),
    ("rate_at_needed", "pct"),
]


def scores_section(
    result: AuditResult,
    colors: Mapping[tuple[str, str], str],
    labels: Labels,
    save: Callable[[Chart], str],
) -> str:
    analysis = result.score_analysis
    if analysis is None:
        return ""
    score = result.spec.roles.score or "score"
    outcome = result.spec.roles.outcome or "the outcome"
    confidence = result.spec.stats.confidence
    excess = analysis.published("excess")
    calibration, sweep = analysis.published("calibration"), analysis.published("sweep")
    gap, what_if = analysis.published("calibration_gap"), analysis.published("what_if")
    common = [t for t in what_if["common_threshold"] if math.isfinite(_value(t))]
    if analysis.cutoff is not None:
        cutoff, label = analysis.cutoff, None
        flagging = text("scores.flag_cutoff", score=score, cutoff=fmt(analysis.cutoff, "g"))
    elif common:
        cutoff, label = float(common[0]), text("scores.common_label")
        flagging = text("scores.flag_common", score=score, cutoff=fmt(cutoff, ".4g"))
    else:
        cutoff, label, flagging = None, None, ""
    notes = "".join(f"<li>{e(capital(note_text(n)))}.</li>" for n in analysis.notes)
    intro = text(
        "scores.intro",
        score=score,
        top=fmt(analysis.top_decile, ".4g"),
        outcome=outcome,
        flagging=flagging,
    )
    findings = top_decile_sentences(excess, confidence=confidence, name=labels.people)
    parts = [
        f'<section id="scores"><h2>{e(text("scores.heading"))}</h2><p>{e(intro)}</p>'
        + (f"<ul>{notes}</ul>" if notes else "")
        + (
            "<ul>" + "".join(f"<li>{e(s)}</li>" for s in findings[:3]) + "</ul>"
            if findings
            else ""
        )
    ]
    relabelled = {
        "excess": labels.relabel(excess),
        "calibration": labels.relabel(calibration),
        "sweep": labels.relabel(sweep),
        "gap": labels.relabel(gap),
    }
    quantiles = labels.relabel(result.scores.quantiles()) if result.scores is not None else None
    deciles = set(analysis.published("deciles")["attribute"])
    for attribute in result.spec.attributes:
        if attribute not in deciles:
            continue
        charts = []
        if quantiles is not None and (quantiles["attribute"] == attribute).any():
            charts.append(
                score_chart(
                    quantiles,
                    attribute,
                    min_people=quantile_minimum(result.spec.stats.min_cell),
                    score_name=score,
                    colors=colors,
                )
            )
        charts += [
            excess_chart(
                relabelled["excess"],
                attribute,
                score_name=score,
                colors=colors,
                confidence=confidence,
            ),
            calibration_chart(
                relabelled["calibration"],
                attribute,
                gap=relabelled["gap"],
                score_name=score,
                outcome_name=outcome,
                colors=colors,
                confidence=confidence,
            ),
            threshold_chart(
                relabelled["sweep"],
                attribute,
                cutoff=cutoff,
                cutoff_label=label,
                score_name=score,
                colors=colors,
            ),
        ]
        figures = "".join(save(c) for c in charts)
        name = capital(labels.name(attribute))
        rows = excess[excess["attribute"] == attribute]
        body = (
            f'<div class="chart-grid">{figures}</div>'
            + score_table(
                _summary(analysis, attribute),
                _SUMMARY,
                text("scores.summary_caption", score=score, name=name),
                labels,
            )
            + score_table(rows, _EXCESS, text("scores.excess_caption", name=name), labels)
        )
        heading = text("scores.attribute", name=name, score=score)
        parts.append(details(heading, body, id=f"scores-{_slug(attribute)}"))
    order = {a: i for i, a in enumerate(result.spec.attributes)}
    what_if = what_if.sort_values("attribute", key=lambda a: a.map(order), kind="stable")
    body = f"<p>{e(text('scores.what_if'))}</p>" + score_table(
        what_if, _WHAT_IF, text("scores.what_if_caption"), labels
    )
    parts.append(details(text("scores.what_if_heading"), body, id="what-if") + "</section>")
    return "".join(parts)


_ADJUSTED = [
    ("term", "text"),
    ("reference_level", "text"),
    ("people", "int"),
    ("coefficient", "num"),
    ("std_error", "num"),
    ("odds_ratio", "num"),
    ("odds_ratio_ci_low", "num"),
    ("odds_ratio_ci_high", "num"),
    ("relative_risk", "num"),
    ("relative_risk_ci_low", "num"),
    ("relative_risk_ci_high", "num"),
    ("marginal_relative_risk", "num"),
    ("marginal_relative_risk_ci_low", "num"),
    ("marginal_relative_risk_ci_high", "num"),
    ("p_value", "p"),
]


def adjusted_section(
    result: AuditResult,
    colors: Mapping[tuple[str, str], str],
    save: Callable[[Chart], str],
    labels: Labels | None = None,
) -> str:
    fit = result.adjusted
    if fit is None:
        return ""
    groups = list(result.spec.attributes)
    model = result.spec.regression
    covariates = list(model.covariates) if model is not None else []
    terms = publish(fit.table, "terms")
    labels = labels or Labels()
    terms["term"] = [
        _term(labels, str(v), str(lv), groups) if lv else str(v)
        for v, lv in zip(terms["variable"], terms["level"], strict=True)
    ]
    terms["reference_level"] = [
        labels.group(str(v), str(r)) if v in groups and isinstance(r, str) and r else r
        for v, r in zip(terms["variable"], terms["reference_level"], strict=True)
    ]
    terms["suppressed"] = False
    terms["note"] = [
        "" if v in groups or v == "(intercept)" else text("scol.covariate")
        for v in terms["variable"]
    ]
    chart = adjusted_chart(fit, groups=groups, colors=colors)
    listed = _and_list(covariates)
    sentences = [
        regression_sentence(
            fit, str(r.variable), str(r.level), covariates=listed, name=labels.people
        )
        for r in terms.itertuples()
        if r.variable in groups
        and r.level
        and not r.suppressed
        and math.isfinite(_value(r.relative_risk))
    ]
    clear = clear_adjusted(fit, groups, covariates=listed, name=labels.people)[:3]
    items = "".join(f"<li>{e(s)}</li>" for s in sentences)
    intro = text(
        "adjusted.intro",
        decision=fit.decision,
        groups=_and_list([labels.name(g) for g in groups]),
        covariates=listed or text("adjusted.no_covariates"),
        used=fmt(fit.rows_used),
        left_out=fmt(fit.rows_excluded),
        baseline=fmt(fit.baseline, ".1%"),
    )
    body = (
        f"<p>{e(intro)}</p>"
        + save(chart)
        + f"<ul>{items}</ul>"
        + score_table(terms, _ADJUSTED, text("adjusted.caption", decision=fit.decision))
    )
    lead = "<ul>" + "".join(f"<li>{e(s)}</li>" for s in clear) + "</ul>" if clear else ""
    return (
        f'<section id="adjusted"><h2>{e(text("adjusted.heading"))}</h2>{lead}'
        + details(text("adjusted.summary", decision=fit.decision), body, id="adjusted-details")
        + "</section>"
    )


def _term(labels: Labels, variable: str, level: str, groups: Sequence[str]) -> str:
    """A model term as the table names it: the group's label for a protected
    attribute, ``variable = level`` for a covariate."""
    if variable in groups:
        return f"{capital(labels.name(variable))}: {labels.group(variable, level)}"
    return f"{variable} = {level}"
