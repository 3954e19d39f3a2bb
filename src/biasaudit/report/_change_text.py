"""Did it change? The sentences of an audit by period, without the chart stack.

Each tested change of a disparity in plain words, clearest evidence first: "For gender
= F against M, the ratio of selection rates fell from 1.90 (2021) to 1.20 (2023) (ratio
of ratios 0.63, 95% CI 0.52 to 0.77); the change is unlikely to be chance, adjusted
p = 0.003." Used by the report's "Did it change?" section and the command line.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._messages import fmt, label, text

if TYPE_CHECKING:
    from ..audits import AuditResult


def _times(x: float) -> str:
    return fmt(x, ".2f") if 0.01 <= x < 100 else fmt(x, ".3g")


def _level(confidence: float) -> str:
    return text("chart.level", level=fmt(confidence, ".0%"))


def _p(x: float) -> str:
    return text("change.p_small") if x < 0.001 else text("change.p", p=fmt(x, ".3f"))


def _finite(*values: Any) -> bool:
    return all(isinstance(v, float | int) and math.isfinite(v) for v in values)


def _rates(name: str) -> str:
    """``"selection rates"``, ``"unfounded investigations per person"``: what is compared."""
    shown = label(name).split(" (")[0].lower()
    return shown + "s" if shown.endswith(text("change.plural_of")) else shown


def _plain(attribute: str, group: str) -> str:
    return f"{attribute} = {group}"


def change_sentences(
    changes: pd.DataFrame,
    *,
    confidence: float = 0.95,
    name: Callable[[str, str], str] = _plain,
) -> list[str]:
    """One sentence per tested change of a disparity, clearest evidence first.

    Parameters
    ----------
    changes : pandas.DataFrame
        The published change table (:meth:`biasaudit.AuditResult.published_changes`).
    confidence : float, default=0.95
        The audit's level: a change whose adjusted p-value is below ``1 - confidence``
        is "unlikely to be chance".
    name : callable, optional
        ``name(attribute, group)`` names a group (default ``attribute = group``; the
        report passes its labels). The reference group is named the same way, except
        by default, where its value alone follows "against".

    Examples
    --------
    >>> t = pd.DataFrame([{"attribute": "gender", "group": "F", "metric": "selection_rate",
    ...     "reference_group": "M", "period_from": "2021", "period_to": "2023",
    ...     "ratio_from": 1.9, "ratio_to": 1.2, "ratio_change": 0.63,
    ...     "ratio_change_ci_low": 0.52, "ratio_change_ci_high": 0.77, "p_adjusted": 0.003,
    ...     "suppressed": False}])
    >>> print(change_sentences(t)[0])
    For gender = F against M, the ratio of selection rates fell from 1.90 (2021) to 1.20 (2023) (ratio of ratios 0.63, 95% CI 0.52 to 0.77); the change is unlikely to be chance, adjusted p = 0.003.
    """
    rows = changes[
        ~changes["suppressed"].fillna(True).astype(bool)
        & changes["ratio_change"].notna()
        & changes["p_adjusted"].notna()
    ]
    rows = rows.sort_values("p_adjusted", kind="stable")
    alpha = 1 - confidence
    out = []
    for r in rows.itertuples(index=False):
        before, after = float(r.ratio_from), float(r.ratio_to)
        rates = _rates(str(r.metric))
        if f"{before:.2f}" == f"{after:.2f}":
            moved = text(
                "change.same", rates=rates, ratio=_times(before), a=r.period_from, b=r.period_to
            )
        else:
            moved = text(
                "change.fell" if after < before else "change.rose",
                rates=rates,
                before=_times(before),
                a=r.period_from,
                after=_times(after),
                b=r.period_to,
            )
        ci = ""
        if _finite(r.ratio_change_ci_low, r.ratio_change_ci_high):
            ci = text(
                "change.ci",
                ratio=_times(float(r.ratio_change)),
                level=_level(confidence),
                low=_times(float(r.ratio_change_ci_low)),
                high=_times(float(r.ratio_change_ci_high)),
            )
        verdict = text(
            "change.unlikely" if float(r.p_adjusted) < alpha else "change.could",
        )
        reference = (
            str(r.reference_group)
            if name is _plain
            else name(str(r.attribute), str(r.reference_group))
        )
        out.append(
            text(
                "change.sentence",
                who=name(str(r.attribute), str(r.group)),
                reference=reference,
                moved=moved,
                ci=ci,
                verdict=verdict,
                p=_p(float(r.p_adjusted)),
            )
        )
    return out


def change_headlines(result: AuditResult, restricted: bool = False, limit: int = 3) -> list[str]:
    """The clearest changes of a disparity, for the command line (``change: ...``)."""
    if result.change is None:
        return []
    changes = result.change.table if restricted else result.published_changes()
    sentences = change_sentences(changes, confidence=result.spec.stats.confidence)
    return [f"  change: {s}" for s in sentences[:limit]]
