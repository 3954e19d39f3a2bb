"""Key findings: the largest, best-supported disparities as plain sentences.

Each sentence gives the two rates with their denominators, the ratio and its interval,
in the house wording ("flagged", "unfounded investigation", "disparity"; never a
verdict such as "fair"). Findings are built from the published table, so a suppressed
row never reaches a sentence. :func:`score_findings` and :func:`adjusted_findings` tell
the score analyses (over-representation in the top score decile) and the
regression-adjusted disparity the same way, only where the evidence is clear.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..counts import OVERALL
from ..stats import AdjustedDisparity, adjust_pvalues

#: Metrics a key finding can be about, in the order they are told.
HEADLINE = (
    "selection_rate",
    "false_positive_rate",
    "innocent_flag_rate",
    "false_discovery_rate",
)
_TEMPLATES = {
    "selection_rate": "{g} were flagged {times} as often as {r}",
    "false_positive_rate": (
        "Among people in whom no fraud was found, {g_lower} were flagged {times} as often as {r}"
    ),
    "innocent_flag_rate": "{g} had {times} as many unfounded investigations per person as {r}",
    "false_discovery_rate": (
        "Investigations of {g_lower} were unfounded {times} as often as investigations of {r}"
    ),
}
STRENGTHS = ("clear", "uncertain", "too few to tell")


@dataclass(frozen=True)
class Finding:
    """One disparity between a group and its reference group, told in words."""

    attribute: str
    group: str
    reference_group: str
    metric: str
    ratio: float
    strength: str
    sentence: str


def people(attribute: str, group: str) -> str:
    """How a group is named in a sentence, e.g. ``people with gender = F``."""
    return f"people with {attribute} = {group}"


def _times(ratio: float) -> str:
    return f"{ratio:.1f} times" if ratio >= 0.995 else f"{ratio:.2f} times"


def _rate(value: float, denominator: float) -> str:
    if float(denominator).is_integer():
        return f"{value:.1%} of {denominator:,.0f}"
    return f"{value:.1%} of an estimated {denominator:,.0f}"  # a random-sample estimate


def _ci(low: float, high: float) -> str:
    digits = 1 if min(low, high) >= 0.995 else 2
    return f"{low:.{digits}f} to {high:.{digits}f}"


def key_findings(table: pd.DataFrame, *, confidence: float = 0.95) -> list[Finding]:
    """Findings for every group compared with its reference on a headline metric.

    Ordered by strength of evidence (a clear disparity first: adjusted p below
    ``1 - confidence``, or a bootstrap interval excluding 1), then by size (the
    ratio's distance from 1 on a log scale). A group too small for the power
    analysis to detect its own ratio is "too few to tell".

    Examples
    --------
    >>> import pandas as pd, biasaudit
    >>> df = pd.DataFrame({"sex": ["F"] * 200 + ["M"] * 200,
    ...                    "flag": [1] * 60 + [0] * 140 + [1] * 20 + [0] * 180})
    >>> r = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex"],
    ...                     reference={"sex": "M"})
    >>> print(key_findings(r.published_table())[0].sentence)  # doctest: +NORMALIZE_WHITESPACE
    People with sex = F were flagged 3.0 times as often as people with sex = M (30.0% of
    200 vs 10.0% of 200; 95% CI 1.9 to 4.8).
    """
    level = f"{confidence:.0%}"
    rows = table[
        table["metric"].isin(HEADLINE)
        & (table["attribute"] != OVERALL)
        & table["ratio"].notna()
        & table["reference_group"].notna()
        & (table["group"] != table["reference_group"])
        & ~table["suppressed"].astype(bool)
    ]
    refs = table.set_index(["attribute", "metric", "group"])
    found: list[tuple[int, float, Finding]] = []
    for row in rows.itertuples():
        ref = refs.loc[(row.attribute, row.metric, row.reference_group)]
        g = people(str(row.attribute), str(row.group))
        r = people(str(row.attribute), str(row.reference_group))
        strength = _strength(row, confidence)
        mine = _rate(row.value, row.denominator)
        theirs = _rate(ref["value"], ref["denominator"])
        ratio, low, high = row.ratio, row.ratio_ci_low, row.ratio_ci_high
        if 0 < ratio < 1:  # told from the side with the higher rate: "2.7 times", not "0.37"
            g, r, mine, theirs = r, g, theirs, mine
            ratio, low, high = (
                1 / ratio,
                1 / high if high > 0 else math.nan,
                1 / low if low > 0 else math.nan,
            )
        numbers = f"{mine} vs {theirs}"
        ci = ""
        if not (math.isnan(low) or math.isnan(high)):
            ci = f"; {level} CI {_ci(low, high)}"
        if strength == "too few to tell":
            sentence = (
                f"There are too few {g} to tell whether their {row.metric.replace('_', ' ')} "
                f"differs from that of {r} ({numbers}{ci})."
            )
        else:
            text = _TEMPLATES[str(row.metric)].format(
                g=g[0].upper() + g[1:], g_lower=g, r=r, times=_times(ratio)
            )
            sentence = f"{text} ({numbers}{ci})."
            if strength == "uncertain":
                sentence += " The interval includes 1: the data cannot rule out no disparity."
        finding = Finding(
            str(row.attribute),
            str(row.group),
            str(row.reference_group),
            str(row.metric),
            float(row.ratio),
            strength,
            sentence,
        )
        size = abs(math.log(row.ratio)) if row.ratio > 0 else math.inf
        found.append((STRENGTHS.index(strength), -size, finding))
    found.sort(key=lambda t: (t[0], t[1]))
    return [f for _, _, f in found]


def _strength(row: Any, confidence: float) -> str:
    lo, hi, ratio = row.ratio_ci_low, row.ratio_ci_high, row.ratio
    excludes_one = not (math.isnan(lo) or math.isnan(hi)) and (lo > 1 or hi < 1)
    if row.test == "bootstrap":  # estimates from a random audit sample: no power analysis
        return "clear" if excludes_one else "uncertain"
    detectable = row.detectable_ratio
    if not excludes_one and (
        math.isnan(detectable) or max(ratio, 1 / ratio if ratio else math.inf) < detectable
    ):
        return "too few to tell"
    if not math.isnan(row.p_adjusted) and row.p_adjusted < 1 - confidence:
        return "clear"
    return "uncertain"


def score_findings(
    excess: pd.DataFrame, *, confidence: float = 0.95, score_name: str = "score"
) -> list[str]:
    """Groups over-represented in the top score decile, one sentence per attribute.

    Only rows of the published excess table with a clear excess: above everyone's
    share, adjusted p below ``1 - confidence`` and an interval that excludes 0. Per
    attribute the largest excess is told; attributes in order of that excess.

    Examples
    --------
    >>> t = pd.DataFrame([{"attribute": "nat", "group": "X", "cut": "top decile",
    ...     "people": 3139, "share": .191, "overall_share": .1, "excess": .091,
    ...     "excess_ci_low": .078, "excess_ci_high": .105, "p_adjusted": 1e-50,
    ...     "suppressed": False}])
    >>> print(score_findings(t)[0])  # doctest: +NORMALIZE_WHITESPACE
    Of people with nat = X, 19.1% of 3,139 had a score in the top decile, against 10.0% of
    everyone (+9.1 points, 95% CI 7.8 to 10.5).
    """
    level = f"{confidence:.0%}"
    best: dict[str, Any] = {}
    for row in excess.itertuples():
        values = (row.excess, row.excess_ci_low, row.excess_ci_high, row.p_adjusted, row.share)
        if (
            row.cut != "top decile"
            or row.attribute == OVERALL
            or _suppressed(row.suppressed)
            or not all(_number(v) for v in values)
            or not (row.excess > 0 and row.excess_ci_low > 0)
            or not row.p_adjusted < 1 - confidence
        ):
            continue
        if row.attribute not in best or row.excess > best[row.attribute].excess:
            best[row.attribute] = row
    out = []
    for row in sorted(best.values(), key=lambda r: -r.excess):
        of = f" of {int(row.people):,}" if _number(row.people) else ""
        out.append(
            f"Of {people(str(row.attribute), str(row.group))}, {row.share:.1%}{of} had a "
            f"{score_name} in the top decile, against {row.overall_share:.1%} of everyone "
            f"({100 * row.excess:+.1f} points, {level} CI {100 * row.excess_ci_low:.1f} to "
            f"{100 * row.excess_ci_high:.1f})."
        )
    return out


def adjusted_findings(
    adjusted: AdjustedDisparity,
    groups: Sequence[str],
    *,
    covariates: Sequence[str] = (),
    min_cell: int = 10,
) -> list[str]:
    """Clear regression-adjusted disparities of the protected attributes, as sentences.

    Terms of ``groups`` in the published table (``adjusted.published(min_cell)``)
    whose Holm-adjusted p-value (across those terms) is below ``1 - confidence`` and
    whose relative-risk interval excludes 1, the largest first (distance of the
    relative risk from 1 on a log scale).
    """
    t = adjusted.published(min_cell)
    rows = t[t["variable"].isin(list(groups)) & (t["level"] != "")].copy()
    if rows.empty:
        return []
    rows["p_adjusted"] = adjust_pvalues(rows["p_value"].to_numpy(dtype=float))
    alpha = 1 - adjusted.confidence
    text = _and(covariates)
    found = []
    for row in rows.itertuples():
        rr, lo, hi = row.relative_risk, row.relative_risk_ci_low, row.relative_risk_ci_high
        if not all(_number(v) and v > 0 for v in (rr, lo, hi)):
            continue
        if row.p_adjusted < alpha and (lo > 1 or hi < 1):
            sentence = adjusted.sentence(str(row.variable), str(row.level), covariates=text)
            found.append((-abs(float(np.log(rr))), sentence))
    return [s for _, s in sorted(found, key=lambda f: f[0])]


def _and(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _number(x: Any) -> bool:
    return isinstance(x, float | int | np.number) and not pd.isna(x) and bool(np.isfinite(x))


def _suppressed(x: Any) -> bool:
    return bool(x) and not pd.isna(x)
