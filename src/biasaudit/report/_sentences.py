"""Sentences the report tells from the stages below it, in the report's language.

The disclosure stage says which rows it withheld, the score analysis who is over-
represented among the highest scores, the regression how much more likely a group
is to be flagged at the same covariates; each stage has an English sentence of its
own for the command line and the API (:func:`biasaudit.disclosure.withheld_sentence`,
:func:`biasaudit.report.score_findings`, :meth:`AdjustedDisparity.sentence`). The
report tells the same facts from the message catalogue, with groups named by the
report's labels (never ``attribute = value``) and numbers in the language's format.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..counts import OVERALL
from ..disclosure import publish
from ..stats import AdjustedDisparity, adjust_pvalues
from ._findings import _number, clear_top_decile, percent
from ._labels import capital
from ._messages import fmt, text
from ._messages import label as metric_label

Name = Callable[[str, str], str]


def and_list(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` in the current language."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return text("list.and", first=", ".join(items[:-1]), last=items[-1])


def _few(items: list[str], more: str) -> list[str]:
    if len(items) <= 3:
        return items
    return [*items[:2], text(more, n=fmt(len(items) - 2))]


def withheld_text(table: pd.DataFrame, min_cell: int, name: Name) -> str:
    """Which groups the results table withholds, and why, in one sentence (the
    disclosure stage's :func:`~biasaudit.disclosure.withheld_sentence`, told with the
    report's labels)."""
    if min_cell <= 1:
        return text("withheld.off")
    hidden = table[table["suppressed"].to_numpy(bool)]
    if hidden.empty:
        return text("withheld.nothing", below=fmt(min_cell - 1))
    by_metric = "metric" in table

    def names(rows: pd.DataFrame) -> list[str]:
        if by_metric:
            return [metric_label(str(m)).lower() for m in dict.fromkeys(rows["metric"])]
        return [text("withheld.stage", stage=s) for s in dict.fromkeys(rows["stage"])]

    shown_rows = table[~table["suppressed"].to_numpy(bool)]
    groups = hidden.groupby(["attribute", "group"], sort=False)
    named = groups.ngroups if groups.ngroups <= 6 else 5  # the rest are only counted
    parts = []
    for (attribute, group), mine in itertools.islice(groups, named):
        who = (
            text("withheld.everyone") if attribute == OVERALL else name(str(attribute), str(group))
        )
        small = mine["note"].astype(str).str.contains("primary|a count of fewer than").any()
        why = text("withheld.small", below=fmt(min_cell - 1)) if small else text("withheld.reveal")
        kept = shown_rows[(shown_rows["attribute"] == attribute) & (shown_rows["group"] == group)]
        if kept.empty:
            what = text("withheld.every_row", who=who)
        elif len(kept) < len(mine):
            what = text(
                "withheld.every_row_but",
                who=who,
                kept=and_list(_few(names(kept), "withheld.more")),
            )
        else:
            what = text(
                "withheld.rates", rates=and_list(_few(names(mine), "withheld.more_rates")), who=who
            )
        parts.append(text("withheld.part", what=what, why=why))
    if groups.ngroups > named:
        parts.append(text("withheld.more_groups", n=fmt(groups.ngroups - named)))
    return text("withheld.sentence", parts=and_list(parts))


def top_decile_sentences(excess: pd.DataFrame, *, confidence: float, name: Name) -> list[str]:
    """Groups over-represented in the top score decile, one sentence per attribute
    (the rows :func:`biasaudit.report.score_findings` tells, told from the catalogue)."""
    level = fmt(confidence, ".0%")
    out = []
    for row in clear_top_decile(excess, confidence):
        share = percent(row.share)
        if _number(row.people):
            share = text("scores.of", share=share, people=fmt(int(row.people)))
        out.append(
            text(
                "scores.top_decile",
                who=name(str(row.attribute), str(row.group)),
                share=share,
                everyone=percent(row.overall_share),
                points=fmt(100 * row.excess, "+.1f"),
                level=level,
                low=fmt(100 * row.excess_ci_low, ".1f"),
                high=fmt(100 * row.excess_ci_high, ".1f"),
            )
        )
    return out


def _likely(rr: float) -> str:
    """``45% more likely`` (or less) for a relative risk."""
    key = "adjusted.more_likely" if rr >= 1 else "adjusted.less_likely"
    return text(key, pct=fmt(abs(rr - 1), ".0%"))


def _ci(level: str, lo: float, hi: float) -> str:
    return text(
        "adjusted.ci",
        level=level,
        low=fmt(lo - 1, "+.0%").removeprefix("+"),
        high=fmt(hi - 1, "+.0%").removeprefix("+"),
    )


def regression_sentence(
    fit: AdjustedDisparity, variable: str, level: str, *, covariates: str, name: Name
) -> str:
    """The disparity of one group after adjustment, as a sentence (the facts of
    :meth:`AdjustedDisparity.sentence`, with the report's labels)."""
    t = fit.table
    r = t[(t["variable"] == variable) & (t["level"] == level)].iloc[0]
    rr, lo, hi = r["relative_risk"], r["relative_risk_ci_low"], r["relative_risk_ci_high"]
    conf = fmt(fit.confidence, ".0%")
    sentence = text(
        "adjusted.sentence",
        who=name(variable, str(level)),
        likely=_likely(float(rr)),
        reference=name(variable, str(r["reference_level"])),
        decision=fit.decision,
        baseline=fmt(fit.baseline, ".0%"),
        ci=_ci(conf, lo, hi),
    )
    if covariates:
        sentence = text("adjusted.accounting", covariates=covariates, sentence=sentence)
    else:
        sentence = capital(sentence)
    m = r.get("marginal_relative_risk", math.nan)
    if isinstance(m, float | np.floating) and math.isfinite(m):
        lo_m, hi_m = r["marginal_relative_risk_ci_low"], r["marginal_relative_risk_ci_high"]
        sentence += text(
            "adjusted.standardised", likely=_likely(float(m)), ci=_ci(conf, lo_m, hi_m)
        )
    return sentence + "."


def clear_adjusted(
    fit: AdjustedDisparity, groups: Sequence[str], *, covariates: str, name: Name
) -> list[str]:
    """The clear adjusted disparities, largest first (the terms of
    :func:`biasaudit.report.adjusted_findings`), as the report tells them."""
    t = publish(fit.table, "terms")
    rows = t[t["variable"].isin(list(groups)) & (t["level"] != "")].copy()
    if rows.empty:
        return []
    rows["p_adjusted"] = adjust_pvalues(rows["p_value"].to_numpy(dtype=float))
    alpha = 1 - fit.confidence
    found = []
    for row in rows.itertuples():
        rr, lo, hi = row.relative_risk, row.relative_risk_ci_low, row.relative_risk_ci_high
        if not all(_number(v) and v > 0 for v in (rr, lo, hi)):
            continue
        if row.p_adjusted < alpha and (lo > 1 or hi < 1):
            sentence = regression_sentence(
                fit, str(row.variable), str(row.level), covariates=covariates, name=name
            )
            found.append((-abs(float(np.log(rr))), sentence))
    return [s for _, s in sorted(found, key=lambda f: f[0])]
