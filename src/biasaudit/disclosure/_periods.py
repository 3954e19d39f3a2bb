"""Disclosure control of audits by period: the periods' cells are cells of one table.

A records audit with a period role publishes every group's counts three ways: for all
periods together and for each period. They are sums over one finest table, so a
period's count is everyone's count minus the other periods': checked table by table,
a count withheld in one period could be recomputed from the pooled row and the other
periods. Here the period is one more attribute, crossed with every attribute and
intersection (:func:`biasaudit.counts.period_people`), and the stacked results go
through the one recoverability check together (:func:`mark_results`): a group of
period 2021 is the cell ``year × gender = 2021 × F`` of a block whose margins are the
pooled group ``gender = F`` and the period ``year = 2021``.

The change table publishes nothing new: each of its rows is computed from the rows of
two periods (the group's and its reference group's). A change row is withheld when
either period's row of the group is, and loses its ratio columns when either period's
reference row is withheld (:func:`publish_changes`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..counts import OVERALL, CountTable
from ..spec import intersection_name
from ..stats import adjust_pvalues
from ._publish import WITHHELD_NOTE, _blank, mark_results

#: Columns of a change row that compare the group with its reference group.
RATIO_COLUMNS = (
    "reference_group",
    "ratio_from",
    "ratio_to",
    "ratio_change",
    "ratio_change_ci_low",
    "ratio_change_ci_high",
    "test",
    "p_value",
    "p_adjusted",
)
_REFERENCE_NOTE = "ratio change suppressed: the reference group's counts are suppressed"


def mark_periods(
    table: pd.DataFrame, people: CountTable, period: str, pooled: str, min_cell: int
) -> pd.DataFrame:
    """The stacked results (a ``dataset`` column: ``pooled`` or a period) with
    ``suppressed`` set and the reasons in ``note``, checked as one table.

    ``people`` is :func:`biasaudit.counts.period_people` of the audit: the attribute
    ``period`` and its crossings with every attribute and intersection.
    """
    mine = table["dataset"].to_numpy() != pooled
    renamed = table.drop(columns="dataset").copy()
    periods = table.loc[mine, "dataset"].astype(str).to_numpy()
    attrs = renamed.loc[mine, "attribute"].to_numpy()
    groups = renamed.loc[mine, "group"].to_numpy()
    refs = renamed.loc[mine, "reference_group"].to_numpy()
    everyone = attrs == OVERALL
    renamed.loc[mine, "attribute"] = np.where(
        everyone, period, [intersection_name((period, a)) for a in attrs]
    )
    renamed.loc[mine, "group"] = [
        p if e else intersection_name((p, g))
        for p, g, e in zip(periods, groups, everyone, strict=True)
    ]
    renamed.loc[mine, "reference_group"] = [
        intersection_name((p, r)) if isinstance(r, str) and r else r
        for p, r in zip(periods, refs, strict=True)
    ]
    marked = mark_results(renamed, people, min_cell)
    out = table.copy()
    out["suppressed"] = marked["suppressed"].to_numpy(bool)
    out["note"] = marked["note"].to_numpy()
    return out


def mark_changes(changes: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """The change table with ``suppressed`` set: where either period's row of the group
    is withheld in the marked ``results`` (a ``dataset`` column naming the period)."""
    out = changes.copy()
    hidden = _withheld(results)
    keys = list(zip(out["attribute"], out["group"], out["metric"], strict=True))
    mask = np.array(
        [
            (a, g, m, p) in hidden or (a, g, m, q) in hidden
            for (a, g, m), p, q in zip(keys, out["period_from"], out["period_to"], strict=True)
        ],
        dtype=bool,
    )
    out["suppressed"] = mask
    if mask.any():
        out.loc[mask, "note"] = [
            (f"{n}; " if n else "") + "suppressed when published (a period's row is)"
            for n in out.loc[mask, "note"]
        ]
    return out


def publish_changes(
    changes: pd.DataFrame, results: pd.DataFrame, *, correction: str = "holm"
) -> pd.DataFrame:
    """The marked change table as it may be published.

    A withheld row keeps only its keys; a row whose reference group is withheld in
    either period (in the marked ``results``) loses its ratio columns; adjusted
    p-values are adjusted again over the tests still shown (as :func:`publish` does).
    """
    out = changes.copy()
    hidden = out["suppressed"].to_numpy(bool)
    keys = ("attribute", "group", "metric", "period_from", "period_to", "suppressed", "note")
    _blank(out, hidden, [c for c in out.columns if c not in keys])
    out.loc[hidden, "note"] = WITHHELD_NOTE
    withheld = _withheld(results)
    ref_hidden = ~hidden & np.array(
        [
            isinstance(r, str) and ((a, r, m, p) in withheld or (a, r, m, q) in withheld)
            for a, r, m, p, q in zip(
                out["attribute"],
                out["reference_group"],
                out["metric"],
                out["period_from"],
                out["period_to"],
                strict=True,
            )
        ],
        dtype=bool,
    )
    _blank(out, ref_hidden, list(RATIO_COLUMNS))
    out.loc[ref_hidden, "note"] = [
        (f"{n}; " if n else "") + _REFERENCE_NOTE for n in out.loc[ref_hidden, "note"]
    ]
    out["p_adjusted"] = adjust_pvalues(
        out["p_value"].to_numpy(float),
        method=correction,  # type: ignore[arg-type]
    )
    return out


def _withheld(results: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    """(attribute, group, metric, period) of every withheld row of a period."""
    rows = results[results["suppressed"].to_numpy(bool)]
    return {
        (a, g, m, str(d))
        for a, g, m, d in zip(
            rows["attribute"], rows["group"], rows["metric"], rows["dataset"], strict=True
        )
    }
