"""Did it change? The sentences of an audit by period, without the chart stack.

Each tested change of a disparity in plain words, clearest evidence first: "For gender
= F against M, the ratio of selection rates fell from 1.90 (2021) to 1.20 (2023) (ratio
of ratios 0.63, 95% CI 0.52 to 0.77); the change is unlikely to be chance, adjusted
p = 0.003." Used by the report's "Did it change?" section and the command line.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..spec import metric

if TYPE_CHECKING:
    from ..audits import AuditResult
    from ._labels import Labels


def _times(x: float) -> str:
    return f"{x:.2f}" if 0.01 <= x < 100 else f"{x:.3g}"


def _level(confidence: float) -> str:
    return f"{confidence:.0%} CI"


def _p(x: float) -> str:
    return "< 0.001" if x < 0.001 else f"= {x:.3f}"


def _finite(*values: Any) -> bool:
    return all(isinstance(v, float | int) and math.isfinite(v) for v in values)


def _rates(name: str) -> str:
    """``"selection rates"``, ``"unfounded investigations per person"``: what is compared."""
    label = metric(name).label.split(" (")[0].lower()
    return label + "s" if label.endswith("rate") else label


def change_sentences(
    changes: pd.DataFrame, *, confidence: float = 0.95, labels: Labels | None = None
) -> list[str]:
    """One sentence per tested change of a disparity, clearest evidence first.

    Parameters
    ----------
    changes : pandas.DataFrame
        The published change table (:meth:`biasaudit.AuditResult.published_changes`).
    confidence : float, default=0.95
        The audit's level: a change whose adjusted p-value is below ``1 - confidence``
        is "unlikely to be chance".
    labels : Labels, optional
        The report's names of the groups ("women against men"); without, the column
        values as they are (the command line's wording).

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
        if f"{before:.2f}" == f"{after:.2f}":
            moved = f"was {_times(before)} in both {r.period_from} and {r.period_to}"
        else:
            verb = "fell" if after < before else "rose"
            moved = f"{verb} from {_times(before)} ({r.period_from}) to {_times(after)} ({r.period_to})"
        ci = ""
        if _finite(r.ratio_change_ci_low, r.ratio_change_ci_high):
            ci = (
                f" (ratio of ratios {_times(float(r.ratio_change))}, {_level(confidence)} "
                f"{_times(float(r.ratio_change_ci_low))} to {_times(float(r.ratio_change_ci_high))})"
            )
        verdict = (
            "the change is unlikely to be chance"
            if float(r.p_adjusted) < alpha
            else "the change could be chance"
        )
        who = (
            f"{labels.people(r.attribute, r.group)} against "
            f"{labels.people(r.attribute, r.reference_group)}"
            if labels is not None
            else f"{r.attribute} = {r.group} against {r.reference_group}"
        )
        out.append(
            f"For {who}, the ratio of "
            f"{_rates(str(r.metric))} {moved}{ci}; {verdict}, adjusted p {_p(float(r.p_adjusted))}."
        )
    return out


def change_headlines(result: AuditResult, restricted: bool = False, limit: int = 3) -> list[str]:
    """The clearest changes of a disparity, for the command line (``change: ...``)."""
    if result.change is None:
        return []
    changes = result.change.table if restricted else result.published_changes()
    sentences = change_sentences(changes, confidence=result.spec.stats.confidence)
    return [f"  change: {s}" for s in sentences[:limit]]
