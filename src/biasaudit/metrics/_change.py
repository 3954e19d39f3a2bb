"""The change table: how each group's rate and each disparity changed between periods.

Built from the results tables of the periods (each computed on its own, with the same
reference group where the reference rule allows) and their count tables, never from
rows. For each pair of periods compared (each with the one before it, or each with the
first), each group and each tested metric:

* ``value_change``: the group's rate in the later period minus the earlier, with
  Newcombe's hybrid score interval (two independent rates);
* ``ratio_change``: the ratio to the reference group in the later period over the
  ratio in the earlier (a ratio of ratios), with a log-scale delta-method interval and
  a Wald test (:func:`biasaudit.stats.ratio_change`); p-values adjusted across every
  test of the change table with the audit's correction.

Only rows with a value in both periods are compared: a rate that is not identifiable,
undefined or only known as a range (an aggregated table's hidden cells) has no change
to test, and the note says which period lacks it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..counts import OVERALL, CountTable
from ..spec import HEADLINE, MetricSpec, StatsOptions, metric
from ..stats import adjust_pvalues, difference_interval, effective_counts, ratio_change

#: Columns of the change table, always in this order.
CHANGE_COLUMNS = [
    "attribute",
    "group",
    "metric",
    "period_from",
    "period_to",
    "value_from",
    "value_to",
    "value_change",
    "value_change_ci_low",
    "value_change_ci_high",
    "reference_group",
    "ratio_from",
    "ratio_to",
    "ratio_change",
    "ratio_change_ci_low",
    "ratio_change_ci_high",
    "test",
    "p_value",
    "p_adjusted",
    "suppressed",
    "note",
]
#: Fewer people than this with (or without) the outcome in a cell: the normal
#: approximation of the test is rough, and the note says so.
FEW = 5
_KEYS = ["attribute", "group", "metric"]


def change_metrics(table: pd.DataFrame, metrics: Sequence[str] | None = None) -> list[str]:
    """The metrics a change table tests: ``metrics`` (aliases resolved), or the headline
    metrics the table compares groups on (every compared metric when it has none).

    Examples
    --------
    >>> t = pd.DataFrame({"metric": ["base_rate", "selection_rate", "precision"],
    ...                   "reference_group": ["M", "M", "M"]})
    >>> change_metrics(t), change_metrics(t, ["hit_rate"])
    (['selection_rate'], ['precision'])
    """
    if metrics:
        return list(dict.fromkeys(metric(m).name for m in metrics))
    compared = table.loc[table["reference_group"].notna(), "metric"].drop_duplicates().tolist()
    headline = [m for m in HEADLINE if m in compared]
    return headline or [m for m in compared if metric(m).comparable]


def pairs(periods: Sequence[str], compare: str) -> list[tuple[str, str]]:
    """The pairs of periods compared, earlier first.

    >>> pairs(["2021", "2022", "2023"], "previous")
    [('2021', '2022'), ('2022', '2023')]
    >>> pairs(["2021", "2022", "2023"], "first")
    [('2021', '2022'), ('2021', '2023')]
    """
    if compare == "first":
        return [(periods[0], p) for p in periods[1:]]
    return list(zip(periods[:-1], periods[1:], strict=True))


def change_table(
    periods: Sequence[tuple[str, pd.DataFrame, CountTable | None]],
    *,
    compare: str = "previous",
    metrics: Sequence[str] | None = None,
    options: StatsOptions | None = None,
    ranged: bool = False,
) -> pd.DataFrame:
    """How each group's rate and each disparity changed between periods.

    Parameters
    ----------
    periods : sequence of (str, DataFrame, CountTable or None)
        In time order: each period's label, its results table
        (:data:`~biasaudit.metrics._metrics.TABLE_COLUMNS`) and its count table (for
        Kish's effective counts when weighted; None for unweighted counts).
    compare : {"previous", "first"}, default="previous"
        Each period with the one before it, or with the first.
    metrics : sequence of str, optional
        The metrics tested (default :func:`change_metrics`).
    options : StatsOptions, optional
        Confidence level and the p-value correction.
    ranged : bool, default=False
        The tables come from an aggregated table: a row is compared only where its
        value is exact (its lower and upper bounds are equal).

    Returns
    -------
    pandas.DataFrame
        :data:`CHANGE_COLUMNS`; one row per pair of periods, attribute, group (and
        everyone) and metric. ``suppressed`` is False (disclosure control marks it).

    Examples
    --------
    >>> import biasaudit
    >>> def period(f, m):  # 100 women and 100 men, f and m of them flagged
    ...     df = pd.DataFrame({"sex": ["F"] * 100 + ["M"] * 100,
    ...                        "flag": [1] * f + [0] * (100 - f) + [1] * m + [0] * (100 - m)})
    ...     return biasaudit.audit(df, roles={"flagged": "flag"}, groups="sex",
    ...                            reference={"sex": "M"}, metrics=["selection_rate"],
    ...                            min_cell=0)
    >>> a, b = period(30, 15), period(24, 20)
    >>> t = change_table([("2021", a.table, a.counts), ("2022", b.table, b.counts)])
    >>> row = t[t["group"] == "F"].iloc[0]
    >>> [round(float(row[c]), 2) for c in ("ratio_from", "ratio_to", "ratio_change")]
    [2.0, 1.2, 0.6]
    >>> [round(float(row[c]), 3) for c in ("value_change", "p_value")]
    [-0.06, 0.19]
    """
    options = options or StatsOptions()
    labels = [p for p, _, _ in periods]
    tables = {p: t for p, t, _ in periods}
    counts = {p: c for p, _, c in periods}
    names = change_metrics(tables[labels[0]], metrics)
    specs = {m: metric(m) for m in names}
    parts = []
    for i, (earlier, later) in enumerate(pairs(labels, compare)):
        a = _rows(tables[earlier], names, counts[earlier], specs, ranged)
        b = _rows(tables[later], names, counts[later], specs, ranged)
        parts.append(_compare(a, b, earlier, later, options).assign(_pair=i))
    if not parts:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["p_adjusted"] = adjust_pvalues(
        out["p_value"].to_numpy(float),
        method=options.correction,  # type: ignore[arg-type]
    )
    first = tables[labels[0]]
    order = {a: i for i, a in enumerate(first["attribute"].drop_duplicates())}
    groups = {k: i for i, k in enumerate(zip(first["attribute"], first["group"], strict=True))}
    by_metric = {m: i for i, m in enumerate(names)}
    keys = list(zip(out["attribute"], out["group"], strict=True))
    out = out.assign(
        _a=out["attribute"].map(order),
        _m=out["metric"].map(by_metric),
        _g=[groups.get(k, len(groups)) for k in keys],
    )
    out = out.sort_values(["_a", "_m", "_g", "_pair"], kind="stable")
    return out[CHANGE_COLUMNS].reset_index(drop=True)


def _rows(
    table: pd.DataFrame,
    names: Sequence[str],
    counts: CountTable | None,
    specs: Mapping[str, MetricSpec],
    ranged: bool,
) -> pd.DataFrame:
    """One period's rows of the tested metrics, with effective counts (``_k``, ``_n``)
    and whether each has a value to compare (``_ok``)."""
    rows = table[table["metric"].isin(names)].copy()
    num, den = rows["numerator"].to_numpy(float), rows["denominator"].to_numpy(float)
    squares = None
    if counts is not None and counts.squares is not None:
        sq = counts.squares.set_index(["attribute", "group"])
        keys = pd.MultiIndex.from_frame(rows[["attribute", "group"]])
        squares = np.array(
            [
                float(sq.loc[key, list(specs[m].denominator)].sum())
                for key, m in zip(keys, rows["metric"], strict=True)
            ]
        )
    k, n = effective_counts(num, den, squares)
    value = rows["value"].to_numpy(float)
    ok = np.isfinite(value) & np.isfinite(num) & np.isfinite(den) & (den > 0)
    if ranged:  # an aggregated table: only values its cells determine exactly
        lo, hi = rows["lower_bound"].to_numpy(float), rows["upper_bound"].to_numpy(float)
        ok &= np.isclose(lo, hi, rtol=0, atol=1e-12)
    rows["_k"], rows["_n"], rows["_ok"] = k, n, ok
    return rows


def _why_missing(row: pd.Series, period: str) -> str:
    """Why a period has no value to compare, from its results row's note."""
    note = str(row.get("note") or "")
    if note.startswith("undefined"):
        return f"undefined in {period}"
    if "not identifiable" in note:
        return f"not identifiable in {period}"
    if np.isfinite(float(row["lower_bound"])) and not np.isclose(
        float(row["lower_bound"]), float(row["upper_bound"])
    ):
        return f"only a range in {period}"
    return f"no value in {period}"


def _compare(
    a: pd.DataFrame, b: pd.DataFrame, earlier: str, later: str, options: StatsOptions
) -> pd.DataFrame:
    """The change rows of one pair of periods (``a`` the earlier's rows, ``b`` the later's)."""
    both = a.merge(b, on=_KEYS, how="outer", suffixes=("_a", "_b"), sort=False)
    level = options.confidence
    ok = both["_ok_a"].fillna(False).astype(bool) & both["_ok_b"].fillna(False).astype(bool)
    ka, na, kb, nb = (both[c].to_numpy(float) for c in ("_k_a", "_n_a", "_k_b", "_n_b"))
    va, vb = both["value_a"].to_numpy(float), both["value_b"].to_numpy(float)
    lo, hi = difference_interval(kb, nb, ka, na, confidence=level)
    out = pd.DataFrame(
        {
            "attribute": both["attribute"],
            "group": both["group"],
            "metric": both["metric"],
            "period_from": earlier,
            "period_to": later,
            "value_from": va,
            "value_to": vb,
            "value_change": np.where(ok, vb - va, np.nan),
            "value_change_ci_low": np.where(ok, lo, np.nan),
            "value_change_ci_high": np.where(ok, hi, np.nan),
        }
    )
    ref_a, ref_b = both["reference_group_a"], both["reference_group_b"]
    same_ref = (ref_a == ref_b) & ref_a.notna()
    out["reference_group"] = ref_a.where(same_ref, None)
    out["ratio_from"] = both["ratio_a"].to_numpy(float)
    out["ratio_to"] = both["ratio_b"].to_numpy(float)
    # each group's reference row in the same period: its effective counts
    refs = {}
    for side, rows in (("a", a), ("b", b)):
        ref_rows = rows[["attribute", "metric", "group", "_k", "_n", "_ok"]].rename(
            columns={"group": f"reference_group_{side}", "_k": "_rk", "_n": "_rn", "_ok": "_rok"}
        )
        refs[side] = both[["attribute", "metric", f"reference_group_{side}"]].merge(
            ref_rows, on=["attribute", "metric", f"reference_group_{side}"], how="left"
        )
    rka, rna = refs["a"]["_rk"].to_numpy(float), refs["a"]["_rn"].to_numpy(float)
    rkb, rnb = refs["b"]["_rk"].to_numpy(float), refs["b"]["_rn"].to_numpy(float)
    ref_ok = refs["a"]["_rok"].fillna(False).to_numpy(bool) & refs["b"]["_rok"].fillna(
        False
    ).to_numpy(bool)
    tested = (
        ok.to_numpy()
        & same_ref.to_numpy()
        & ref_ok
        & (both["group"] != ref_a).to_numpy()
        & np.isfinite(out["ratio_from"].to_numpy())
        & np.isfinite(out["ratio_to"].to_numpy())
    )
    ror, r_lo, r_hi, p = ratio_change(ka, na, rka, rna, kb, nb, rkb, rnb, confidence=level)
    out["ratio_change"] = np.where(tested, ror, np.nan)
    out["ratio_change_ci_low"] = np.where(tested, r_lo, np.nan)
    out["ratio_change_ci_high"] = np.where(tested, r_hi, np.nan)
    out["p_value"] = np.where(tested, p, np.nan)
    out["test"] = np.where(tested & np.isfinite(p), "wald-log", "")
    out["p_adjusted"] = np.nan
    out["suppressed"] = False
    notes = []
    for i in range(len(both)):
        row = both.iloc[i]
        parts = []
        if not ok.iloc[i]:
            for side, period in (("a", earlier), ("b", later)):
                flag = row[f"_ok_{side}"]
                if pd.isna(flag) or not bool(flag):
                    parts.append(_why_missing(_side(row, side), period))
        elif row["attribute"] == OVERALL or row["group"] == ref_a.iloc[i]:
            pass  # everyone and the reference group: the rate's change only
        elif not same_ref.iloc[i]:
            parts.append(
                f"the reference group differs ({ref_a.iloc[i]!r} in {earlier}, "
                f"{ref_b.iloc[i]!r} in {later}): name one in [groups] reference to test "
                "the disparity's change"
            )
        elif not tested[i]:
            if not np.isfinite(out["ratio_from"].iloc[i]) or not np.isfinite(
                out["ratio_to"].iloc[i]
            ):
                parts.append("no ratio to the reference group in one of the periods")
            elif out["ratio_from"].iloc[i] == 0:
                parts.append(f"the ratio was 0 in {earlier}: a change from 0 has no ratio")
        elif _few(ka[i], na[i], rka[i], rna[i], kb[i], nb[i], rkb[i], rnb[i]):
            parts.append(
                f"fewer than {FEW} people with or without the outcome in a group and period: "
                "the interval and test of the ratio change are rough (normal approximation)"
            )
        notes.append("; ".join(parts))
    out["note"] = notes
    return out


def _side(row: pd.Series, side: str) -> pd.Series:
    """The columns of one period of a merged row, without their suffix."""
    suffix = f"_{side}"
    return pd.Series({k[: -len(suffix)]: v for k, v in row.items() if str(k).endswith(suffix)})


def _few(*values: float) -> bool:
    k = np.array(values[0::2], float)
    n = np.array(values[1::2], float)
    return bool(np.any((k < FEW) | (n - k < FEW)))
