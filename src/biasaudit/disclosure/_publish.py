"""Marking and blanking tables for publication: the one place that applies the rule.

Every table biasaudit writes goes through two steps here. *Marking* runs the one
recoverability check (:mod:`._solver`, through the adapters of each table kind) and
sets the table's ``suppressed`` column, with the reason in ``note`` for the auditor's
restricted copy. *Publishing* (:func:`publish`) blanks what was marked: the row's own
numbers, and the comparisons of any row whose reference row is withheld (a ratio and
the row's own rate would give the reference's rate back). The table kinds differ only
in their columns, which :data:`LAYOUTS` names.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ..counts import OVERALL
from ..metrics import COMPARISON_COLUMNS, FUNNEL_COLUMNS, TABLE_COLUMNS
from ..spec import HARM_METRICS, Correction, metric
from ..stats import adjust_pvalues
from ._funnel import funnel_suppression
from ._results import suppression
from ._scores import ScoreBins, score_suppression
from ._solver import Block, Problem, solve

if TYPE_CHECKING:
    from ..counts import CountTable, FunnelCounts, Tree

#: What a published note says of a withheld row, whatever the table.
WITHHELD_NOTE = (
    "suppressed: a count of fewer than min_cell people, or a count that would reveal one"
)
_REFERENCE_NOTE = "comparison suppressed: the reference group's counts are suppressed"


def p_adjusted_family(restricted: bool) -> str:
    """Which tests a table's adjusted p-values were adjusted over (for its metadata).

    >>> p_adjusted_family(False)
    'the published tests only (adjusted again after suppression)'
    """
    if restricted:
        return "every test, suppressed rows included (the auditor's copy; not for publication)"
    return "the published tests only (adjusted again after suppression)"


@dataclass(frozen=True)
class Layout:
    """The columns of one table kind, as publishing needs them.

    Parameters
    ----------
    values : tuple of str or None
        Columns blanked in a withheld row; None: every column but ``key``.
    comparisons : tuple of str
        Columns blanked when the row's reference row is withheld.
    key : tuple of str
        The columns that name a row; ``group`` is swapped for ``reference_group`` to
        name its reference row.
    whole : bool
        Integer columns stay integer (pandas ``Int64`` with NA); otherwise they become
        floats with NaN, like the table's rates.
    """

    values: tuple[str, ...] | None
    comparisons: tuple[str, ...] = ()
    key: tuple[str, ...] = ("attribute", "group")
    whole: bool = False


_RESULT_VALUES = tuple(TABLE_COLUMNS[TABLE_COLUMNS.index("value") : TABLE_COLUMNS.index("n") + 1])
_FUNNEL_VALUES = tuple(
    FUNNEL_COLUMNS[FUNNEL_COLUMNS.index("count") : FUNNEL_COLUMNS.index("p_adjusted") + 1]
)

#: Every table kind biasaudit publishes.
LAYOUTS: dict[str, Layout] = {
    "results": Layout(
        _RESULT_VALUES + tuple(COMPARISON_COLUMNS),
        tuple(COMPARISON_COLUMNS),
        ("dataset", "attribute", "group", "metric"),
    ),
    "funnel": Layout(
        _FUNNEL_VALUES,
        tuple(c for c in _FUNNEL_VALUES if "ratio" in c or c.startswith("p_")),
        ("attribute", "group", "stage"),
    ),
    # every column of a score table but these is blanked in a withheld row
    "scores": Layout(
        None,
        key=(
            "attribute",
            "group",
            "reference_group",
            "decile",
            "quantile",
            "bin",
            "cut",
            "threshold",
            "score_low",
            "score_high",
            "overall_share",
            "metric",
            "sweep",
            "point",
            "flagged_people",
            "flagged_share",
            "common_threshold",
            "target",
            "note",
        ),
    ),
    "terms": Layout(None, whole=True, key=("variable", "level", "reference_level")),
}


def publish(
    table: pd.DataFrame, kind: str = "results", *, correction: str = "holm"
) -> pd.DataFrame:
    """The table as it may be published: what disclosure control marked, blanked.

    Parameters
    ----------
    table : pandas.DataFrame
        A marked table (a boolean ``suppressed`` column) of one of :data:`LAYOUTS`.
    kind : str, default "results"
        ``results``, ``funnel``, ``scores`` (every score table), ``terms`` (the
        adjusted disparities of a regression) or ``sweep`` (a threshold sweep: a
        results table per point).
    correction : {"holm", "fdr_bh", "none"}, default "holm"
        The multiple-testing correction the table's adjusted p-values used.

    Returns
    -------
    pandas.DataFrame
        The same rows and columns. A withheld row keeps only its key columns (numbers
        become NaN, integer counts stay integer with NA); a row compared with a
        withheld reference row loses its comparisons and the reference's name.
        Adjusted p-values (``p_adjusted``, ``ks_p_adjusted``, ``mw_p_adjusted``) are
        adjusted again over the published tests only: adjusted over every test, a
        published one can be a multiple of a withheld test's p-value (Holm), which
        with the published counts gives the withheld counts away.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"attribute": ["g", "g"], "group": ["a", "b"],
    ...                   "score": ["s", "s"], "metric": ["auc", "auc"],
    ...                   "auc": [0.7, 0.8], "suppressed": [False, True], "note": ["", ""]})
    >>> publish(t, "scores")[["group", "auc", "suppressed"]]
      group  auc  suppressed
    0     a  0.7       False
    1     b  NaN        True
    """
    if kind == "sweep":  # each point of a threshold sweep is a results table of its own
        parts = [
            publish(p, "results", correction=correction)
            for _, p in table.groupby(["sweep", "point"], sort=False)
        ]
        return pd.concat(parts).loc[table.index] if parts else table.copy()
    layout = LAYOUTS[kind]
    out = table.copy()
    hidden = out["suppressed"].to_numpy(bool)
    if not hidden.any() and not layout.whole:
        return out
    key = [c for c in layout.key if c in out.columns]
    values = (
        [c for c in out.columns if c not in key and c != "suppressed"]
        if layout.values is None
        else [c for c in layout.values if c in out.columns]
    )
    _blank(out, hidden, values, whole=layout.whole)
    if layout.values is not None and "note" in out:
        out.loc[hidden, "note"] = WITHHELD_NOTE
    if layout.comparisons and "reference_group" in out:
        withheld = set(out.loc[hidden, key].itertuples(index=False, name=None))
        ref_key = ["reference_group" if c == "group" else c for c in key]
        ref_hidden = ~hidden & np.array(
            [k in withheld for k in out[ref_key].itertuples(index=False, name=None)], dtype=bool
        )
        comparisons = [c for c in layout.comparisons if c in out.columns]
        _blank(out, ref_hidden, comparisons, whole=layout.whole)
        if kind == "results":  # the reference group's name could tell its rank
            out.loc[ref_hidden | hidden, "reference_group"] = None
        out.loc[ref_hidden, "note"] = out.loc[ref_hidden, "note"].map(
            lambda s: (s + "; " if s else "") + _REFERENCE_NOTE
        )
    _readjust(out, correction)
    return out


#: Each p-value column and the adjusted p-value column derived from it.
_ADJUSTED = (
    ("p_value", "p_adjusted"),
    ("ks_p_value", "ks_p_adjusted"),
    ("mw_p_value", "mw_p_adjusted"),
)


def _readjust(out: pd.DataFrame, correction: str) -> None:
    """Adjust each adjusted p-value column again over the tests still shown (in place).

    The family is what the table adjusted over, less what publishing blanked: one per
    dataset, the bootstrap tests of random-sample estimates apart from the counted
    ones (as :func:`biasaudit.metrics.estimate_table` adjusts them), and a test shown
    in two rows (a rate and its complement) counted once.
    """
    for raw, adjusted in _ADJUSTED:
        if raw not in out or adjusted not in out:
            continue
        shown = out[raw].notna().to_numpy(bool)
        result = np.full(len(out), np.nan)
        if shown.any():
            rows = out[shown]
            family = [rows[c].astype(str) for c in ("dataset",) if c in rows]
            if "test" in rows:
                family.append(rows["test"] == "bootstrap")
            by = (
                pd.Series(list(zip(*family, strict=True)), index=rows.index)
                if family
                else pd.Series(0, index=rows.index)
            )
            for _, part in rows.groupby(by, sort=False):
                result[out.index.get_indexer(part.index)] = _adjust_once(part, raw, correction)
        out[adjusted] = result


def _adjust_once(rows: pd.DataFrame, raw: str, correction: str) -> np.ndarray:
    """Adjusted p-values of ``rows``, one family, each distinct test counted once."""
    keys: list[Any]
    if "metric" in rows and {"attribute", "group", "reference_group"} <= set(rows):
        signature = [metric(m).test_signature for m in rows["metric"]]
        keys = list(
            zip(rows["attribute"], rows["group"], rows["reference_group"], signature, strict=True)
        )
    else:
        keys = list(range(len(rows)))
    first = pd.Series(keys).drop_duplicates()
    p = rows[raw].to_numpy(float)
    adjusted = dict(
        zip(
            first.to_numpy(),
            adjust_pvalues(p[first.index], method=cast(Correction, correction)),
            strict=True,
        )
    )
    return np.array([adjusted[k] for k in keys])


def _blank(
    out: pd.DataFrame, rows: np.ndarray, columns: Sequence[str], *, whole: bool = False
) -> None:
    """Blank ``columns`` of ``rows`` in place, keeping each column's kind."""
    if not rows.any():
        return
    for column in columns:
        col = out[column]
        if pd.api.types.is_bool_dtype(col):
            out[column] = col.astype("boolean").where(~rows)
        elif whole and pd.api.types.is_integer_dtype(col):  # counts stay whole
            out[column] = col.astype("Int64").where(~rows)
        elif pd.api.types.is_numeric_dtype(col):
            out[column] = col.astype(float).where(~rows)
        else:
            out[column] = col.where(~rows, "" if column == "test" else None)


def publish_summaries(summaries: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Summaries (largest ratio, ...) blanked wherever a group they summarise is withheld.

    A summary of an attribute and metric is computed from every group's counts, so it
    is published only when none of them is withheld in ``table`` (the marked results).
    """
    out = summaries.copy()
    by = [c for c in ("dataset", "attribute", "metric") if c in out.columns]
    keys = set(
        table.loc[table["suppressed"].to_numpy(bool), by].itertuples(index=False, name=None)
    )
    mask = np.array([k in keys for k in out[by].itertuples(index=False, name=None)], dtype=bool)
    cols = [
        c
        for c in ("group", "value", "ci_low", "ci_high", "percentile_low", "percentile_high")
        if c in out
    ]
    _blank(out, mask, cols)
    out.loc[mask, "note"] = "suppressed: a group of this attribute has suppressed counts"
    return out


# ---------------------------------------------------------------- marking


def _with_reasons(table: pd.DataFrame, why: Sequence[str]) -> pd.DataFrame:
    out = table.copy()
    reasons = np.asarray(why, dtype=object)
    hidden = reasons != ""
    out["suppressed"] = hidden
    if hidden.any():
        out.loc[hidden, "note"] = [
            (f"{note}; " if note else "") + f"suppressed when published ({reason})"
            for note, reason in zip(out.loc[hidden, "note"], reasons[hidden], strict=True)
        ]
    return out


def mark_results(
    table: pd.DataFrame,
    counts: CountTable,
    min_cell: int,
    **known: Any,
) -> pd.DataFrame:
    """The results table with ``suppressed`` set and the reasons in ``note``.

    ``known`` passes ``exact`` and ``always`` to :func:`suppression` (an aggregated
    table's ranges and the source's own totals).
    """
    specs = [metric(m) for m in table["metric"].drop_duplicates()]
    why = suppression(table, counts, specs, min_cell, **known)
    return follow_references(_with_reasons(table, list(why)))


def follow_references(table: pd.DataFrame) -> pd.DataFrame:
    """Harm counts withheld wherever their reference group's row is.

    A harm count is a comparison through and through (the group's count less its
    denominator times the reference's rate): where its reference group's row of the
    same metric is withheld, the whole row is, not only its comparison columns.

    Examples
    --------
    >>> t = pd.DataFrame({"attribute": "g", "group": ["a", "b"], "metric": "excess_flagged",
    ...                   "reference_group": "b", "suppressed": [False, True], "note": ""})
    >>> follow_references(t)["suppressed"].tolist()
    [True, True]
    """
    harm = table["metric"].isin(list(HARM_METRICS)).to_numpy(bool)
    if not harm.any() or "reference_group" not in table:
        return table
    key = [c for c in ("dataset", "attribute", "metric") if c in table.columns]
    hidden = table["suppressed"].to_numpy(bool)
    withheld = set(table.loc[hidden, [*key, "group"]].itertuples(index=False, name=None))
    refs = table[[*key, "reference_group"]].itertuples(index=False, name=None)
    follows = harm & ~hidden & np.array([r in withheld for r in refs], dtype=bool)
    if not follows.any():
        return table
    out = table.copy()
    out["suppressed"] = hidden | follows
    out.loc[follows, "note"] = [
        (f"{note}; " if note else "") + "suppressed when published (complementary)"
        for note in out.loc[follows, "note"]
    ]
    return out


def mark_funnel(
    table: pd.DataFrame, tree: Tree, min_cell: int, *, counts: FunnelCounts | None = None
) -> pd.DataFrame:
    """The funnel table with ``suppressed`` set and the reasons in ``note``.

    With ``counts`` whose table published suppressed or rounded cells
    (``counts.ranges``), the check runs on its counts: those known only as ranges are
    unknowns to everyone (they protect their neighbours and are never withheld for
    their own sake); those the published cells pin down exactly are protected like
    any exact count.
    """
    if counts is not None and counts.ranges is not None:
        why = funnel_suppression(counts.table, tree, min_cell, exact=counts.ranges.exact())
        return _with_reasons(table, why)
    return _with_reasons(table, funnel_suppression(table, tree, min_cell))


def mark_terms(table: pd.DataFrame, rows_used: int, min_cell: int) -> pd.DataFrame:
    """A regression's table of terms with ``suppressed`` set.

    Each term publishes the people of its level (``people``); with the people the
    model used, each variable's levels are a table of one attribute, checked like
    any other (a level of 1 to ``min_cell - 1`` people, and whatever would give it
    away by difference).
    """
    out = table.copy()
    keys = list(zip(out["variable"], out["level"], strict=True))
    people = np.nan_to_num(out["people"].to_numpy(float))  # the intercept has none
    values: dict[Any, np.ndarray] = {k: np.array([p]) for k, p in zip(keys, people, strict=True)}
    blocks, unknown = [], {}
    for variable in dict.fromkeys(out["variable"]):
        mine = [k for k in keys if k[0] == variable]
        total = (variable, None)
        # the reference level is everyone else the model used
        values[total] = np.array([float(rows_used)])
        rest = (variable, "(reference and others)")
        values[rest] = np.array([max(float(rows_used) - sum(values[k][0] for k in mine), 0.0)])
        # the reference level's people are not shown: unknown, unless few (then a
        # count to protect, which the total and the other levels give away)
        unknown[rest] = small(values[rest], min_cell)
        cells = (*mine, rest)
        groups: dict[Any, tuple[int, ...]] = {c: (i,) for i, c in enumerate(cells)}
        groups[total] = tuple(range(len(cells)))
        blocks.append(Block(str(variable), cells, groups))
    one = np.array([True])
    problem = Problem(
        layers=("people",),
        values=values,
        sums={k: [(one, 1)] for k in keys} | {(v, None): [(one, 1)] for v, _ in keys},
        blocks=blocks,
        min_cell=min_cell,
        exact=unknown,
        max_rank=1,
    )
    withheld = solve(problem)
    out["suppressed"] = [withheld.hides(k, 1) for k in keys]
    return out


def mark_sample(rows: pd.DataFrame, sizes: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Random-sample estimates with ``suppressed`` set where the sample behind them is small.

    A group with 1 to ``min_cell - 1`` people in the random sample, flagged, flagged
    with a known outcome, or with fraud found in the random sample, has its estimates
    withheld, and where an attribute has exactly one such group, its smallest other
    group too (shares of a whole add up to 1). The fraud found among model-selected
    cases matters only to the estimates built on it (``share_of_found``,
    ``found_gap``). ``sizes`` is the third result of
    :func:`biasaudit.metrics.estimate_table`.
    """
    out = rows.copy()
    if min_cell <= 1:
        return out
    attrs = sizes["attribute"].to_numpy()
    size = sizes["random_people"].to_numpy(float)

    def flags(names: Sequence[str]) -> dict[tuple[str, str], bool]:
        few = np.zeros(len(sizes), dtype=bool)
        for name in names:
            few |= small(sizes[name].to_numpy(float), min_cell)
        for attribute in np.unique(attrs[attrs != OVERALL]):
            mine = np.flatnonzero(attrs == attribute)
            others = [i for i in mine if not few[i]]
            if few[mine].sum() == 1 and others:
                few[min(others, key=lambda i: size[i])] = True
        return dict(zip(zip(sizes["attribute"], sizes["group"], strict=True), few, strict=True))

    common = ("random_people", "flagged", "known_flagged", "random_fraud")
    plain, found = flags(common), flags((*common, "model_fraud"))
    hidden = np.array(
        [
            (found if m in ("share_of_found", "found_gap") else plain)[(a, g)]
            for a, g, m in zip(out["attribute"], out["group"], out["metric"], strict=True)
        ],
        dtype=bool,
    )
    out["suppressed"] = out["suppressed"].to_numpy(bool) | hidden
    return out


def small(counts: Any, min_cell: int) -> np.ndarray:
    """Counts of 1 to ``min_cell - 1`` people: the primary rule (DESIGN.md §4).

    >>> small([0, 3, 10], 10)
    array([False,  True, False])
    """
    x = np.asarray(counts, dtype=float)
    return (x >= 1) & (x < min_cell) if min_cell > 1 else np.zeros(x.shape, dtype=bool)


def quantile_minimum(min_cell: int) -> int:
    """People a group needs before its score quantiles (or AUC, or the spread of its
    scores) are shown: ``2 * min_cell``. Quantiles of a handful of people show their
    own scores, so they need more people than a count does.

    >>> quantile_minimum(10), quantile_minimum(0)
    (20, 0)
    """
    return 2 * min_cell if min_cell > 0 else 0


_SCORE_REASONS = {
    "primary": "withheld from the score tables: a count below min_cell (disclosure control)",
    "complementary": "withheld from the score tables: publishing it would let a count "
    "below min_cell elsewhere be computed (complementary disclosure control)",
}


def mark_scores(
    tables: dict[str, pd.DataFrame],
    bins: ScoreBins,
    min_cell: int,
    *,
    decile_of: np.ndarray,
    calibration_of: np.ndarray,
    forced: Mapping[tuple[str, str], int] | None = None,
) -> None:
    """Set ``suppressed`` (and the reason in ``note``) of every score table, in place.

    Quantiles, the spread of scores, AUC and the calibration gap of a group need
    :func:`quantile_minimum` people; the what-if table's counts follow the primary
    rule; then the one check (:func:`score_suppression`) over every table.
    """
    least = quantile_minimum(min_cell)
    for name, people in (
        ("distribution", "people"),
        ("quantiles", "people"),
        ("calibration_gap", "people"),
    ):
        if name in tables:
            tables[name]["suppressed"] = tables[name][people].to_numpy(float) < least
    if "auc" in tables:
        auc = tables["auc"]
        auc["suppressed"] = (auc["positives"] + auc["negatives"]).to_numpy(float) < least
    if "what_if" in tables:
        w = tables["what_if"]
        w["suppressed"] = np.any(
            [
                small(w[c].fillna(0), min_cell)
                for c in ("flagged_at_common", "flagged_at_needed", "people")
            ],
            axis=0,
        )
    marks = score_suppression(
        bins,
        tables,
        min_cell=min_cell,
        decile_of=decile_of,
        calibration_of=calibration_of,
        forced=forced or {},
    )
    for name, table in tables.items():
        marked = marks[name] != ""
        newly = marked & ~table["suppressed"].to_numpy(dtype=bool)
        if "note" in table.columns:
            table.loc[newly, "note"] = [
                (f"{note}; " if isinstance(note, str) and note else "") + _SCORE_REASONS[reason]
                for note, reason in zip(table.loc[newly, "note"], marks[name][newly], strict=True)
            ]
        table["suppressed"] = table["suppressed"].to_numpy(dtype=bool) | marked
    for name in ("distribution", "calibration_gap", "auc"):
        if name in tables:
            table = tables[name]
            few = table["suppressed"] & ~table["note"].astype(str).str.contains("withheld")
            table.loc[few, "note"] = "suppressed when published (fewer people)"


def withheld_sentence(
    table: pd.DataFrame, min_cell: int, name: Callable[[str, str], str] | None = None
) -> str:
    """Which groups a marked results table withholds, and why, in one sentence.

    ``name(attribute, group)`` names a group (default ``attribute = group``; the
    report passes its labels).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({
    ...     "attribute": ["race"] * 4, "group": ["A", "A", "B", "B"],
    ...     "metric": ["selection_rate", "false_positive_rate"] * 2,
    ...     "suppressed": [True, True, False, True],
    ...     "note": ["suppressed when published (primary)"] * 2
    ...             + ["", "suppressed when published (complementary)"]})
    >>> withheld_sentence(t, 10)
    'Withheld to protect people in small counts: every row of race = A (a count of 1 to 9 people) and the false positive rate of race = B (it would let such a count be computed).'
    """
    if min_cell <= 1:
        return "Nothing was withheld: disclosure control was turned off (min_cell = 0)."
    hidden = table[table["suppressed"].to_numpy(bool)]
    if hidden.empty:
        return f"Nothing was withheld: no count of 1 to {min_cell - 1} people could be shown."
    what_col = "metric" if "metric" in table else "stage"

    def names(rows: pd.DataFrame) -> list[str]:
        if what_col == "metric":
            return [str(m).replace("_", " ") for m in dict.fromkeys(rows["metric"])]
        return [f"count at {s!r}" for s in dict.fromkeys(rows["stage"])]  # a funnel

    shown_rows = table[~table["suppressed"].to_numpy(bool)]
    groups = hidden.groupby(["attribute", "group"], sort=False)
    named = groups.ngroups if groups.ngroups <= 6 else 5  # the rest are only counted
    parts = []
    for (attribute, group), mine in itertools.islice(groups, named):
        label = (
            "everyone"
            if attribute == OVERALL
            else name(str(attribute), str(group))
            if name is not None
            else f"{attribute} = {group}"
        )
        why = (
            f"a count of 1 to {min_cell - 1} people"
            if mine["note"].astype(str).str.contains("primary|a count of fewer than").any()
            else "it would let such a count be computed"
        )
        kept = shown_rows[(shown_rows["attribute"] == attribute) & (shown_rows["group"] == group)]
        if kept.empty:
            what = f"every row of {label}"
        elif len(kept) < len(mine):
            what = f"every row of {label} but the {_and(_few(names(kept), 'more'))}"
        else:
            what = f"the {_and(_few(names(mine), 'more rates'))} of {label}"
        parts.append(f"{what} ({why})")
    if groups.ngroups > named:
        parts.append(f"rows of {groups.ngroups - named} more groups")
    return "Withheld to protect people in small counts: " + _and(parts) + "."


def _few(items: list[str], more: str) -> list[str]:
    return items if len(items) <= 3 else [*items[:2], f"{len(items) - 2} {more}"]


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
