"""Disclosure control for published tables: small counts and their complements.

Rule (DESIGN.md §4): a count of 1 to ``min_cell - 1`` people that a row would publish
(its group size, numerator, denominator, or a count behind its worst/best-case bounds)
is suppressed, with every rate, bound and comparison built on it (primary
suppression). Zeros are published: an empty cell says nothing about a person. Then
complementary suppression: every count a row publishes is a sum of cells of the
finest table of people (protected attributes x flagged x outcome), and a suppressed
count must not be computable exactly from the published sums, through margins,
totals or differences. The check is linear algebra: a hidden count is recoverable exactly when
its vector of cells lies in the span of the published vectors. While any small count
is recoverable, the published sum with the smallest count that shares cells with it
is withheld too, everywhere it appears.

Counts that can be narrowed to a range but not computed exactly are not protected
further (no interval-disclosure control).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import COMPARISON_COLUMNS, TABLE_COLUMNS
from ._results import suppression

__all__ = ["published", "suppression"]

#: Columns blanked in a suppressed row (the value and the counts behind it) and, when
#: the reference group is suppressed, the comparison columns (test name aside).
ROW_VALUES = TABLE_COLUMNS[TABLE_COLUMNS.index("value") : TABLE_COLUMNS.index("n") + 1]
COMPARISON_VALUES = COMPARISON_COLUMNS


def published(table: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """The table as it may be published: suppressed rows blanked, with the reason.

    Comparisons with a suppressed reference group are blanked as well.
    """
    out = table.copy()
    hidden = out["suppressed"].to_numpy(bool)
    if not hidden.any():
        return out
    out.loc[hidden, ROW_VALUES] = np.nan
    out.loc[hidden, COMPARISON_VALUES] = np.nan
    out.loc[hidden, "test"] = ""
    # several datasets side by side: a comparison is within its own dataset
    scope = out["dataset"] if "dataset" in out else pd.Series("", index=out.index)
    hidden_keys = set(
        zip(
            scope[hidden],
            out.loc[hidden, "attribute"],
            out.loc[hidden, "group"],
            out.loc[hidden, "metric"],
            strict=True,
        )
    )
    ref_hidden = np.array(
        [
            (d, a, r, m) in hidden_keys
            for d, a, r, m in zip(
                scope, out["attribute"], out["reference_group"], out["metric"], strict=True
            )
        ]
    )
    out.loc[ref_hidden & ~hidden, COMPARISON_VALUES] = np.nan
    out.loc[ref_hidden, "reference_group"] = None  # its name could tell its rank
    out.loc[ref_hidden & ~hidden, "test"] = ""
    note = f"suppressed: a count of fewer than {min_cell} people, or a count that would reveal one"
    out.loc[hidden, "note"] = note
    out.loc[ref_hidden & ~hidden, "note"] = out.loc[ref_hidden & ~hidden, "note"].map(
        lambda s: (
            (s + "; " if s else "")
            + "comparison suppressed: the reference group's counts are suppressed"
        )
    )
    return out
