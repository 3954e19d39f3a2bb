"""One pass over the decision records into small count tables.

The only code that touches the rows. It groups the rows once, by every protected
attribute and the raw decision / investigation / outcome values together, on
whatever engine holds the data (via narwhals). Everything afterwards (code
mapping, validation, the row ledger, per-attribute and intersectional counts)
works on that small table of distinct combinations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from .._exceptions import Problem, RecordsError
from ..io import LINKED, Records
from ..spec import INTERSECTION_SEP, MISSING_GROUP, AuditSpec, value_key
from ._counts import CountTable, count_table
from ._periods import check_periods
from ._scores import (
    ScoreBinning,
    ScoreCube,
    kth_highest,
    ones,
    people_with_score,
    score_binning,
    score_cube,
)

_UNMAPPED = object()
UNMAPPED_CODE = -9
_EXAMPLES = 5


@dataclass(frozen=True)
class Ledger:
    """Rows read = rows analysed + rows excluded (each exclusion with its reason).

    Parameters
    ----------
    rows_read : int
        Data rows in the input.
    excluded : tuple of (str, int)
        Reason and number of rows for each exclusion.
    notes : tuple of str
        Facts about the analysed rows worth stating (e.g. outcomes not yet known).
    """

    rows_read: int
    excluded: tuple[tuple[str, int], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def rows_excluded(self) -> int:
        """Total rows excluded."""
        return sum(k for _, k in self.excluded)

    @property
    def rows_analysed(self) -> int:
        """Rows that enter the counts."""
        return self.rows_read - self.rows_excluded

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for JSON."""
        return {
            "rows_read": self.rows_read,
            "rows_analysed": self.rows_analysed,
            "rows_excluded": self.rows_excluded,
            "exclusions": [{"reason": r, "rows": k} for r, k in self.excluded],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Aggregation:
    """Result of the one pass: count table, row ledger and, with a score, the score bins.

    ``cutoff`` is the score cut-off of a derived flag (``score >= cutoff``).
    """

    counts: CountTable
    ledger: Ledger
    flag_rule: str | None = None
    scores: ScoreCube | None = None
    cutoff: float | None = None


def aggregate(records: Records, spec: AuditSpec) -> Aggregation:
    """Count the records once, validate them and build the count tables.

    Raises
    ------
    RecordsError
        Listing every problem found in the data.
    """
    frame, roles = records.frame, spec.roles
    missing = _missing_columns(records, spec)
    if missing:
        raise RecordsError(missing, context=records.source.name)
    problems: list[Problem] = []
    schema = dict(records.frame.collect_schema().items())
    unusable: list[str] = []  # numeric roles whose column cannot be read as numbers
    for role in ("score", "weight", "count", "amount"):
        col = getattr(roles, role)
        if col is not None and not schema[col].is_numeric():
            problems += _non_numeric(records, col, role)
            unusable.append(role)
    infinite = _infinite(records, spec, skip=unusable)
    problems += infinite
    unusable += [p.reason.removeprefix("infinite_") for p in infinite]
    if problems:
        # the other columns are still checked, so one message lists every problem
        problems += _problems_without(records, spec, unusable)
        raise RecordsError(problems, context=records.source.name)

    keys: dict[str, str] = {}  # role or attribute -> key column in the grouped table
    exprs: list[Any] = []
    flag_rule = None
    cutoff = None
    ranked: dict[int, float] = {}  # k -> k-th highest score, already queried
    if spec.threshold is not None and roles.score is not None:
        score = nw.col(roles.score)
        cutoff, flag_rule, ranked = _cutoff(frame, spec)
        exprs.append(
            nw.when(score.is_null())
            .then(nw.lit(-1))
            .when(score >= cutoff)
            .then(nw.lit(1))
            .otherwise(nw.lit(0))
            .alias("__flag")
        )
        keys["flagged"] = "__flag"
    for role in ("flagged", "investigated", "outcome", "sample"):
        col = getattr(roles, role)
        if col is not None:
            keys[role] = col
    if roles.sample is not None and roles.weight is not None:
        # random-sample weights are kept per person (design strata) for the bootstrap
        keys["weight"] = roles.weight
    for attr in spec.attributes:
        keys[f"attr:{attr}"] = attr
    if roles.period is not None:  # one pass still: the period is one more key
        keys["period"] = roles.period
    if records.link is not None:
        keys["linked"] = LINKED
    group_cols = list(dict.fromkeys(keys.values()))
    # Helper columns first, so every aggregation is a plain sum (fast on every engine).
    sums: list[str] = []
    if roles.weight is not None:
        w = nw.col(roles.weight)
        exprs += [
            w.alias("__w"),
            (w * w).alias("__w2"),
            ones(w.is_null()).alias("__w_null"),
            ones((w < 0).fill_null(False)).alias("__w_neg"),
        ]
        sums += ["__w", "__w2", "__w_null", "__w_neg"]
        if roles.count is None:  # survey weights that are all whole numbers may be counts
            exprs.append(ones(w.is_null() | (w != w.round(0))).alias("__w_frac"))
            sums.append("__w_frac")
    if roles.count is not None:
        c = nw.col(roles.count)
        # people per row: frequency weights; a survey weight applies to each of them
        exprs += [
            c.fill_null(0).alias("__c"),
            ones(c.is_null()).alias("__c_null"),
            ones((c < 0).fill_null(False)).alias("__c_neg"),
            # a missing count is not also fractional (pandas: NaN != NaN)
            ones(
                (~c.is_null() & ((c != c.round(0)) | (c.abs() == float("inf")))).fill_null(False)
            ).alias("__c_frac"),
        ]
        sums += ["__c", "__c_null", "__c_neg", "__c_frac"]
        if roles.weight is not None:
            w = nw.col(roles.weight)
            exprs += [(c * w).alias("__cw"), (c * w * w).alias("__cw2")]
            sums += ["__cw", "__cw2"]
    if roles.amount is not None:
        # the amount rides along as two more sums (amount and its square, times the
        # people and the weight a row stands for): every engine runs the same pass
        a = nw.col(roles.amount)
        scale = None
        # a random sample's weights are its design's, not the counted people's
        weight = roles.weight if roles.sample is None else None
        for col in (roles.count, weight):
            if col is not None:
                scale = nw.col(col) if scale is None else scale * nw.col(col)
        per = a if scale is None else a * scale
        exprs += [
            per.fill_null(0).alias("__a"),
            (per * a).fill_null(0).alias("__a2"),
            # people without an amount (rows of a count stand for several)
            (
                ones(a.is_null())
                if roles.count is None
                else ones(a.is_null()) * nw.col(roles.count).fill_null(0)
            ).alias("__a_null"),
            ones((a < 0).fill_null(False)).alias("__a_neg"),
        ]
        sums += ["__a", "__a2", "__a_null", "__a_neg"]
    binning = None
    if roles.score is not None:
        exprs.append(ones(nw.col(roles.score).is_null()).alias("__score_null"))
        sums.append("__score_null")
        # the score bins ride along in the same group-by: every score analysis is
        # read off these counts, exact at the cut-offs named beforehand
        binning = score_binning(
            frame, roles.score, _named_cutoffs(spec, cutoff), ranked, count=roles.count
        )
        if binning is not None:
            # with a count, bins hold people and scores are summed once per person
            exprs += binning.expressions(roles.score, roles.count)
            group_cols += ["__bin", "__cut"]
            sums += ["__s", "__s2"]
    aggs = [nw.len().alias("__rows"), *(nw.col(c).sum() for c in sums)]
    query = frame.with_columns(*exprs) if exprs else frame
    grouped = query.group_by(*group_cols, drop_null_keys=False).agg(*aggs)
    if isinstance(grouped, nw.LazyFrame):
        grouped = grouped.collect()
    raw = grouped.to_pandas()
    agg = _build(raw, keys, records, spec, flag_rule, binning)
    return Aggregation(agg.counts, agg.ledger, flag_rule, agg.scores, cutoff)


def _named_cutoffs(spec: AuditSpec, cutoff: float | None) -> list[float]:
    """Score values where results must be exact: the audit's cut-off, swept values."""
    named = [] if cutoff is None else [cutoff]
    if spec.scores.sweep == "score":
        named += [float(p) for p in spec.scores.points]
    return named


def _missing_columns(records: Records, spec: AuditSpec) -> list[Problem]:
    available = list(records.available)
    shown = ", ".join(map(repr, available[:12])) + (", ..." if len(available) > 12 else "")
    problems = []
    wanted = [(f"role {r}", c) for r, c in spec.roles.items()]
    wanted += [("protected attribute", a) for a in spec.attributes]
    for what, col in wanted:
        if col not in available:
            problems.append(
                Problem(
                    f"{what} {col!r}: column not found; available: {shown}",
                    column=col,
                    reason="column_not_found",
                )
            )
    return problems


def _non_numeric(records: Records, col: str, role: str) -> list[Problem]:
    values = records.frame.select(nw.col(col)).unique()
    if isinstance(values, nw.LazyFrame):
        values = values.collect()
    bad = [
        v
        for v in values.to_pandas()[col].tolist()
        if value_key(v) is not None and pd.isna(pd.to_numeric(v, errors="coerce"))
    ]
    bad = sorted(map(str, bad))
    if not bad:
        bad_text = "stored as text"
    else:
        what = (
            "1 value is not a number" if len(bad) == 1 else f"{len(bad):,} values are not numbers"
        )
        bad_text = f"{what}, e.g. {bad[0]!r}"
    row = _first_row(records, col, bad[0]) if bad else None
    at = f" (row {row})" if row else ""
    return [
        Problem(
            f"column {col!r} ({role}): {bad_text}{at}; {role}s must be numbers: "
            "fix or blank those cells",
            column=col,
            row=row,
            value=bad[0] if bad else None,
            reason="not_numeric",
        )
    ]


def _separator_in_labels(records: Records, attr: str, labels: pd.Series) -> list[Problem]:
    """Labels holding the separator of intersection names: ``"F × M"`` crossed with
    ``"NL"`` would read back as three levels of two attributes."""
    bad = sorted({v for v in labels.dropna() if INTERSECTION_SEP in v})
    if not bad:
        return []
    row = _first_row(records, attr, bad[0])
    return [
        Problem(
            f"column {attr!r}: {len(bad):,} group labels hold {INTERSECTION_SEP!r}, the "
            f"separator of intersection names, e.g. {bad[0]!r}{_at(row)}; recode them "
            "(e.g. with ' x ' or '/') or leave the attribute out of [groups] intersections",
            column=attr,
            row=row,
            value=bad[0],
            reason="separator_in_label",
        )
    ]


def _infinite(records: Records, spec: AuditSpec, *, skip: list[str]) -> list[Problem]:
    """Infinite scores and weights: a named problem (they would turn findings into NaN)."""
    cols = {
        role: col
        for role in ("score", "weight", "amount")
        if role not in skip and (col := getattr(spec.roles, role)) is not None
    }
    if not cols:
        return []
    counts = records.frame.select(
        *(
            ones((nw.col(col).abs() == math.inf).fill_null(False)).sum().alias(role)
            for role, col in cols.items()
        )
    )
    if isinstance(counts, nw.LazyFrame):
        counts = counts.collect()
    found = counts.to_pandas().iloc[0]
    problems = []
    for role, col in cols.items():
        k = int(found[role])
        if k:
            row, value = _first_row_where(records, col, nw.col(col).abs() == math.inf)
            problems.append(
                Problem(
                    f"column {col!r} ({role}): {_rows(k)} with an infinite value, e.g. "
                    f"{value!r}{_at(row)}; {role}s must be finite numbers: fix or blank "
                    "those cells",
                    column=col,
                    row=row,
                    value=value,
                    reason=f"infinite_{role}",
                )
            )
    return problems


def _problems_without(records: Records, spec: AuditSpec, unusable: list[str]) -> list[Problem]:
    """The problems of the other columns, found by counting without ``unusable`` roles."""
    roles = replace(spec.roles, **dict.fromkeys(unusable))
    threshold = None if "score" in unusable else spec.threshold
    reduced = replace(spec, roles=roles, threshold=threshold, regression=None)
    try:
        aggregate(records, reduced)
    except RecordsError as exc:
        # a flag derived from the unreadable score is missing: "nobody flagged" is no news
        return [p for p in exc.problems_list if p.reason != "no_flagged"]
    return []


def _at(row: int | None) -> str:
    return f" (row {row})" if row else ""


def _first_row_where(records: Records, col: str, cond: Any) -> tuple[int | None, Any]:
    """The 1-based row (eager frames only) and the value of the first row meeting ``cond``."""
    frame = records.frame if records.lazy else records.frame.with_row_index("__row")
    hit = frame.filter(cond).head(1)
    if isinstance(hit, nw.LazyFrame):
        hit = hit.collect()
    if not len(hit):
        return None, None
    value = hit[col].item()
    value = value.item() if hasattr(value, "item") else value
    return (None if records.lazy else int(hit["__row"].item()) + 1), value


def _cutoff(frame: Any, spec: AuditSpec) -> tuple[float, str, dict[int, float]]:
    """The score cut-off of the threshold, its description, and ``{k: cut}`` when it
    was the k-th highest score (the top-decile cut-off may need the same query)."""
    thr, score = spec.threshold, spec.roles.score
    assert thr is not None and score is not None
    if thr.score_at_least is not None:
        return float(thr.score_at_least), thr.describe(), {}
    count = spec.roles.count
    if thr.top_k is not None:
        k = thr.top_k
    else:
        # a fraction of the people scored (with a count: of the people the rows stand for)
        people = nw.len() if count is None else nw.col(count).sum()
        total = people_with_score(frame, score, count).select(people.alias("n"))
        total = total.collect() if isinstance(total, nw.LazyFrame) else total
        scored = total.item()
        k = math.floor(float(thr.top_fraction or 0) * int(scored or 0) + 1e-9)
    cut = kth_highest(frame, score, k, count=count)
    if not math.isfinite(cut):
        return math.inf, thr.describe(), {k: cut}
    return cut, f"{thr.describe()}; cut-off score {cut:g}", {k: cut}


def _first_row(records: Records, col: str, raw: Any) -> int | None:
    """1-based data row of the first row where ``col`` equals ``raw`` (eager frames only)."""
    if records.lazy:
        return None
    frame = records.frame.with_row_index("__row")
    cond = nw.col(col).is_null() if value_key(raw) is None else nw.col(col) == raw
    if value_key(raw) is not None and not frame.collect_schema()[col].is_numeric():
        cond = nw.col(col).cast(nw.String) == str(raw)
    hit = frame.filter(cond).select("__row").head(1)
    return int(hit.item()) + 1 if len(hit) else None


def _build(
    raw: pd.DataFrame,
    keys: dict[str, str],
    records: Records,
    spec: AuditSpec,
    flag_rule: str | None,
    binning: ScoreBinning | None = None,
) -> Aggregation:
    roles = spec.roles
    problems: list[Problem] = []
    rows_read = int(raw["__rows"].sum()) if len(raw) else 0
    if rows_read == 0:
        raise RecordsError(
            [Problem("the data has no rows; check the file and [data] sheet", reason="empty")],
            context=records.source.name,
        )
    cells = pd.DataFrame({"rows": raw["__rows"].astype("int64")})
    if roles.count is not None:
        problems += _count_problems(raw, str(roles.count), records)
        if not problems:  # every count below is of people, the ledger's included
            cells["rows"] = raw["__c"].round().astype("int64")
            rows_read = int(cells["rows"].sum())
    weighted = roles.weight is not None
    if weighted:
        counted = roles.count is not None
        cells["w"] = raw["__cw" if counted else "__w"].astype(float)
        cells["w2"] = raw["__cw2" if counted else "__w2"].astype(float)
        w = nw.col(str(roles.weight))
        for count_col, what, cond in (
            ("__w_null", "missing", w.is_null()),
            ("__w_neg", "negative", w < 0),
        ):
            k = int(raw[count_col].sum())
            if k:
                row, value = _first_row_where(records, str(roles.weight), cond)
                example = f", e.g. {value!r}" if what == "negative" else ""
                first = f" (first at row {row})" if row else ""
                problems.append(
                    Problem(
                        f"column {roles.weight!r} (weight): {k:,} {what} weights{example}"
                        f"{first}; weights must be numbers >= 0",
                        column=roles.weight,
                        row=row,
                        value=value,
                        reason=f"{what}_weight",
                    )
                )
    else:
        cells["w"] = cells["rows"].astype(float)
        cells["w2"] = cells["w"]
    if roles.amount is not None:
        problems += _amount_problems(raw, str(roles.amount), records)
        cells["a"], cells["a2"] = raw["__a"].astype(float), raw["__a2"].astype(float)

    # Decision, investigation and outcome as 1 / 0 / -1 (unknown).
    if spec.threshold is not None:
        cells["flagged"] = raw["__flag"].astype(int)
        k = int(cells.loc[cells["flagged"] < 0, "rows"].sum())
        if k:
            problems.append(
                Problem(
                    f"column {roles.score!r} (score): {k:,} missing scores; a flag cannot be "
                    "derived from a missing score: fill them in or drop those rows",
                    column=roles.score,
                    row=_first_row(records, str(roles.score), None),
                    reason="missing_score",
                )
            )
    for role in ("flagged", "investigated", "outcome", "sample"):
        col = getattr(roles, role)
        if col is None:
            continue
        mapped, role_problems = _map_codes(
            raw[keys[role]], cells["rows"], role, col, records, spec
        )
        cells[role] = mapped
        problems += role_problems
    if "flagged" not in cells:  # no decision left to read (see _problems_without)
        cells["flagged"] = 0
    if roles.investigated is None:
        cells["investigated"] = cells["flagged"]
        if roles.sample is not None:  # the random sample is investigated too
            cells["investigated"] = np.maximum(cells["flagged"], (cells["sample"] > 0) * 1)
    if roles.outcome is None:
        cells["outcome"] = -1
    extra_keys = []
    if roles.sample is not None:
        extra_keys.append("sample")
        if weighted:
            cells["weight"] = raw[keys["weight"]].astype(float)
            extra_keys.append("weight")
    problems += _check_consistency(cells, records, spec, raw, keys)

    # Protected attributes: labels, the missing policy, the row ledger.
    excluded: list[tuple[str, int]] = []
    keep = pd.Series(True, index=cells.index)
    link = records.link
    if link is not None:
        # a decision whose id is not in the attribute table has no attributes at all:
        # it is excluded (not a "(missing)" group member), and the ledger says why
        unlinked = raw[LINKED].isna()
        k = int(cells.loc[unlinked, "rows"].sum())
        if k:
            excluded.append((f"no match for its {link.on[0]!r} in {link.name}", k))
        keep &= ~unlinked
    for attr in spec.attributes:
        labels = _keys(raw[attr])
        is_missing = labels.isna() & keep
        k = int(cells.loc[is_missing, "rows"].sum())
        if k and spec.missing == "error":
            problems.append(
                Problem(
                    f"column {attr!r}: {k:,} missing values (first at row "
                    f"{_first_row(records, attr, None)}); keep them as a group with "
                    "missing = 'as_group' or exclude them with missing = 'drop'",
                    column=attr,
                    row=_first_row(records, attr, None),
                    reason="missing_group",
                )
            )
        if k and spec.missing == "drop":
            newly = int(cells.loc[is_missing & keep, "rows"].sum())
            if newly:
                excluded.append((f"missing value in {attr!r} (missing = 'drop')", newly))
            keep &= ~is_missing
        cells[attr] = labels.fillna(MISSING_GROUP)
        if any(attr in combo for combo in spec.intersections):
            problems += _separator_in_labels(records, attr, labels)
        distinct = cells.loc[keep, attr].nunique()
        if distinct > spec.max_groups:
            problems.append(
                Problem(
                    f"column {attr!r}: {distinct:,} distinct values, more than max_groups = "
                    f"{spec.max_groups}; a protected attribute needs categories "
                    "(bin ages into bands, for example) or raise max_groups",
                    column=attr,
                    reason="too_many_groups",
                )
            )
    periods: list[str] = []
    if roles.period is not None:
        column = roles.period
        labels = _keys(raw[keys["period"]])
        periods, found = check_periods(
            labels, cells["rows"], keep, spec, lambda v: _first_row(records, column, v)
        )
        problems += found
        cells[column] = labels
    if not problems and int(cells.loc[keep, "rows"].sum()) == 0:
        problems.append(
            Problem(
                "no rows left to analyse: every row has a missing protected value and "
                "missing = 'drop'; use missing = 'as_group'",
                reason="empty",
            )
        )
    if problems:
        raise RecordsError(problems, context=f"{records.source.name}, {rows_read:,} rows")

    cells = cells[keep]
    cube = None
    if binning is not None:
        extra = raw.loc[cells.index, ["__bin", "__cut", "__s", "__s2"]]
        cube = score_cube(cells.join(extra), spec.attributes, binning)
    by_period = [] if roles.period is None else [roles.period]
    blank_amounts = _blank_amounts(raw.loc[cells.index], cells, spec)
    summed = ["rows", "w", "w2", *(["a", "a2"] if roles.amount is not None else [])]
    cells = (
        cells.groupby(
            [*spec.attributes, *by_period, "flagged", "investigated", "outcome", *extra_keys],
            observed=True,
        )[summed]
        .sum()
        .reset_index()
    )
    counts = count_table(cells, spec.attributes, spec.intersections, weighted=weighted)
    whole = bool(
        roles.weight is not None
        and roles.count is None
        and "__w_frac" in raw
        and int(raw["__w_frac"].sum()) == 0
        and (raw["__w"] > 0).any()
    )
    notes = _ledger_notes(counts, spec, whole) + blank_amounts + _link_notes(records)
    if periods:
        versus = "the one before it" if spec.change.compare == "previous" else "the first"
        notes += (
            f"periods ({roles.period!r}): {', '.join(periods)}, audited each on its own and "
            f"all together; each compared with {versus}",
        )
    ledger = Ledger(rows_read, tuple(excluded), notes)
    return Aggregation(counts, ledger, flag_rule, cube)


def _as_number(key: str | None) -> str | None:
    """ "1.0" read as text (a CSV written from floats) matches the code 1."""
    try:
        number = float(key) if key is not None else math.nan
    except ValueError:
        return None
    return value_key(number) if math.isfinite(number) else None


def _lookup(lookup: dict[str | None, int | None], key: str | None) -> Any:
    """The code of a raw value; a number written as text ("1.0") matches its code.

    Only a blank may take the blank's meaning: a value that is no number must not fall
    back to it (an unlisted "perhaps" is an error, not an unknown outcome).
    """
    if key in lookup:
        return lookup[key]
    number = _as_number(key)
    return lookup.get(number, _UNMAPPED) if number is not None else _UNMAPPED


def _rows(k: int) -> str:
    return f"{k:,} row" if k == 1 else f"{k:,} rows"


def _keys(values: pd.Series) -> pd.Series:
    """:func:`value_key` of every value, computed once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    keys = np.array([value_key(u) for u in uniques] + [None], dtype=object)
    return pd.Series(keys[codes], index=values.index, dtype=object)  # code -1 -> None


def _map_codes(
    raw: pd.Series,
    rows: pd.Series,
    role: str,
    col: str,
    records: Records,
    spec: AuditSpec,
) -> tuple[pd.Series, list[Problem]]:
    lookup = spec.codes.lookup(role)
    # look each distinct value up once: the grouped table repeats them (per score bin)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    unique_keys = [value_key(u) for u in uniques] + [None]  # code -1 (missing) -> None
    unique_mapped = [_lookup(lookup, k) for k in unique_keys]
    unique_bad = [v is _UNMAPPED or (v is None and role != "outcome") for v in unique_mapped]
    keys = pd.Series(np.array(unique_keys, dtype=object)[codes], index=raw.index, dtype=object)
    bad = pd.Series(np.array(unique_bad, dtype=bool)[codes], index=raw.index)
    problems = []
    if bad.any():
        per_value = rows[bad].groupby(keys[bad].fillna("")).sum().sort_values(ascending=False)
        if getattr(spec.codes, role) is None:
            known_text = (
                "the defaults random, model, none (or blank)"
                if role == "sample"
                else "the defaults yes/no, y/n, 1/0, true/false, ja/nee"
            )
        else:
            known_text = (
                ", ".join(repr(k) for k in sorted(lookup, key=str) if k is not None)
                or "none listed"
            )
        first = raw[bad].iloc[0]
        for key, k in list(per_value.items())[:_EXAMPLES]:
            example = raw[bad & (keys.fillna("") == key)].iloc[0]
            shown = "missing (blank)" if key == "" else repr(example)
            row = _first_row(records, col, example)
            at = f" (first at row {row})" if row else ""
            if key == "" and role != "outcome":
                fix = f"every row needs a {role} value; fill them in or drop those rows"
            else:
                meanings = {
                    "outcome": "yes / no / unknown",
                    "sample": "random / model / none",
                }.get(role, "yes / no")
                fix = f"add it to [codes] {role} ({meanings}); known values: {known_text}"
            problems.append(
                Problem(
                    f"column {col!r} ({role}): {_rows(int(k))} with value {shown} not in the "
                    f"codes{at}; {fix}",
                    column=col,
                    row=row,
                    value=None if key == "" else example,
                    reason="unmapped_code",
                )
            )
        if len(per_value) > _EXAMPLES:
            problems.append(
                Problem(
                    f"column {col!r} ({role}): {len(per_value) - _EXAMPLES} more unmapped "
                    "values not shown",
                    column=col,
                    value=first,
                    reason="unmapped_code",
                )
            )
    # -1: unknown outcome; UNMAPPED_CODE: an error already reported above
    unique_codes = np.array(
        [
            UNMAPPED_CODE if b else (-1 if v is None else int(v))
            for v, b in zip(unique_mapped, unique_bad, strict=True)
        ],
        dtype=np.int64,
    )
    out = pd.Series(unique_codes[codes], index=raw.index)
    return out, problems


def _equals(records: Records, col: str, value: Any) -> Any:
    """A condition on the rows whose ``col`` holds the raw ``value`` (as grouped)."""
    if value_key(value) is None:
        return nw.col(col).is_null()
    if records.frame.collect_schema()[col].is_numeric():
        return nw.col(col) == value
    return nw.col(col).cast(nw.String) == str(value)


def _cell_example(
    records: Records,
    raw: pd.DataFrame,
    keys: dict[str, str],
    mask: pd.Series,
    roles: tuple[str, ...],
) -> tuple[int | None, dict[str, Any]]:
    """The first data row (eager frames) of the first grouped cell in ``mask``, and
    the raw values of ``roles`` there: a consistency problem names row and value."""
    idx = mask[mask].index[0]
    cols = [keys[r] for r in roles if r in keys and not keys[r].startswith("__")]
    values = {c: raw.at[idx, c] for c in cols}
    values = {c: (None if value_key(v) is None else v) for c, v in values.items()}
    if not cols:
        return None, values
    cond = _equals(records, cols[0], values[cols[0]])
    for c in cols[1:]:
        cond = cond & _equals(records, c, values[c])
    row, _ = _first_row_where(records, cols[0], cond)
    return row, values


def _shown(row: int | None, values: dict[str, Any]) -> str:
    text = ", ".join(f"{c} = {v!r}" for c, v in values.items())
    return f" (first at row {row}: {text})" if row else f" (e.g. {text})"


def _check_consistency(
    cells: pd.DataFrame,
    records: Records,
    spec: AuditSpec,
    raw: pd.DataFrame,
    keys: dict[str, str],
) -> list[Problem]:
    """Problems between columns, among the rows whose codes are valid."""
    roles, problems = spec.roles, []
    if roles.investigated is not None and roles.outcome is not None:
        odd = (cells["investigated"] == 0) & (cells["outcome"] >= 0)
        k = int(cells.loc[odd, "rows"].sum())
        if k:
            row, values = _cell_example(records, raw, keys, odd, ("investigated", "outcome"))
            problems.append(
                Problem(
                    f"column {roles.outcome!r} (outcome): {_rows(k)} "
                    + ("has an outcome but was" if k == 1 else "have an outcome but were")
                    + " "
                    f"never investigated according to {roles.investigated!r}"
                    f"{_shown(row, values)}; an outcome can "
                    "only be known after an investigation: check both columns and [codes]",
                    column=roles.outcome,
                    row=row,
                    value=values,
                    reason="outcome_without_investigation",
                )
            )
    if roles.sample is not None:
        problems += _check_sample(cells, spec, records, raw, keys)
    decided = (cells["flagged"] == 0) | (cells["flagged"] == 1)
    if decided.all() and int(cells.loc[cells["flagged"] == 1, "rows"].sum()) == 0:
        if spec.threshold is not None:
            message = f"the threshold selects nobody ({spec.threshold.describe()}); " + (
                "lower score_at_least"
                if spec.threshold.score_at_least is not None
                else "raise top_k / top_fraction"
            )
        else:
            message = (
                f"column {roles.flagged!r} (flagged): nobody is flagged; check [codes] flagged"
            )
        problems.append(Problem(message, column=roles.flagged or roles.score, reason="no_flagged"))
    if roles.id is not None:
        problems += _duplicate_ids(records, roles.id)
    return problems


def _check_sample(
    cells: pd.DataFrame,
    spec: AuditSpec,
    records: Records,
    raw: pd.DataFrame,
    keys: dict[str, str],
) -> list[Problem]:
    """A random audit sample must be investigated, and the model selects the flagged."""
    col, problems = spec.roles.sample, []
    checks = [
        (
            (cells["sample"] == 2) & (cells["outcome"] < 0),
            "in the random audit sample but without an outcome; every random-sample case "
            "needs its result (yes / no): fill them in or drop those rows",
            "random_without_outcome",
        ),
        (
            (cells["sample"] == 1) & (cells["flagged"] == 0),
            "selected by the model but not flagged; check the flagged and sample columns "
            "and their [codes]",
            "model_not_flagged",
        ),
    ]
    if "weight" in cells:
        checks.append(
            (
                (cells["sample"] == 2) & ~(cells["weight"] > 0),
                "in the random audit sample with a weight that is not > 0; the weight of a "
                "random-sample case is 1 / its selection probability",
                "random_weight",
            )
        )
    if not (cells["sample"] == 2).any():
        problems.append(
            Problem(
                f"column {col!r} (sample): no case is in the random audit sample; check "
                "[codes] sample (random = [...]) or leave roles.sample out",
                column=col,
                reason="no_random_sample",
            )
        )
    involved = {
        "random_without_outcome": ("sample", "outcome"),
        "model_not_flagged": ("sample", "flagged"),
        "random_weight": ("sample", "weight"),
    }
    for mask, text, reason in checks:
        hit = mask & (cells["sample"] >= 0)
        k = int(cells.loc[hit, "rows"].sum())
        if k:
            row, values = _cell_example(records, raw, keys, hit, involved[reason])
            head, _, tail = text.partition(";")
            problems.append(
                Problem(
                    f"column {col!r} (sample): {_rows(k)} {head}{_shown(row, values)};{tail}",
                    column=col,
                    row=row,
                    value=values,
                    reason=reason,
                )
            )
    return problems


def _duplicate_ids(records: Records, col: str) -> list[Problem]:
    problems = []
    blank = records.frame.select(ones(nw.col(col).is_null()).sum().alias("k"))
    blank = blank.collect() if isinstance(blank, nw.LazyFrame) else blank
    k = int(blank.item())
    if k:
        problems.append(
            Problem(
                f"column {col!r} (id): {_rows(k)} without an id; fill them in or drop the id role",
                column=col,
                row=_first_row(records, col, None),
                reason="missing_id",
            )
        )
    dup = (
        records.frame.filter(~nw.col(col).is_null())
        .group_by(col)
        .agg(nw.len().alias("k"))
        .filter(nw.col("k") > 1)
        .select(
            nw.len().alias("ids"),
            nw.col("k").sum().alias("rows"),
            nw.col(col).cast(nw.String).min(),
        )
    )
    dup = dup.collect() if isinstance(dup, nw.LazyFrame) else dup
    row = dup.to_pandas().iloc[0]
    if not row["ids"]:
        return problems
    example = row[col]
    at = _first_row(records, col, example)
    return problems + [
        Problem(
            f"column {col!r} (id): "
            + ("1 id appears" if int(row["ids"]) == 1 else f"{int(row['ids']):,} ids appear")
            + " more than once "
            f"({int(row['rows']):,} rows), e.g. {example!r}"
            + (f" (row {at})" if at else "")
            + "; each case must appear once: remove the duplicates",
            column=col,
            row=at,
            value=example,
            reason="duplicate_id",
        )
    ]


def _link_notes(records: Records) -> tuple[str, ...]:
    """What the attribute table held that no decision used (not rows of the decisions)."""
    link = records.link
    if link is None:
        return ()
    notes = [
        f"protected attributes from {link.name} ({link.rows:,} rows), linked on "
        f"{link.on[0]!r} = {link.on[1]!r}"
    ]
    if link.unmatched:
        notes.append(f"{_rows(link.unmatched)} of {link.name} match no decision (not counted)")
    if link.blank:
        notes.append(f"{_rows(link.blank)} of {link.name} without an id (not counted)")
    return tuple(notes)


def _count_problems(raw: pd.DataFrame, column: str, records: Records) -> list[Problem]:
    """Missing, negative or fractional counts (people per row must be whole numbers),
    each with its first row and value."""
    c = nw.col(column)
    problems = []
    for name, what, cond in (
        ("__c_null", "missing", c.is_null()),
        ("__c_neg", "negative", c < 0),
        (
            "__c_frac",
            "fractional or infinite",
            ~c.is_null() & ((c != c.round(0)) | (c.abs() == math.inf)),
        ),
    ):
        k = int(raw[name].sum())
        if k:
            row, value = _first_row_where(records, column, cond)
            example = "" if what == "missing" else f", e.g. {value!r}"
            problems.append(
                Problem(
                    f"column {column!r} (count): {_rows(k)} with {what} counts{example}"
                    f"{_at(row)}; a count is the number of people a row stands for, a "
                    "whole number >= 0 (for survey weights use roles.weight)",
                    column=column,
                    row=row,
                    value=value,
                    reason=f"{what.split()[0]}_count",
                )
            )
    return problems


def _amount_problems(raw: pd.DataFrame, column: str, records: Records) -> list[Problem]:
    """Negative amounts: an amount a person bore is a number >= 0."""
    k = int(raw["__a_neg"].sum())
    if not k:
        return []
    row, value = _first_row_where(records, column, nw.col(column) < 0)
    return [
        Problem(
            f"column {column!r} (amount): {_rows(k)} with a negative amount, e.g. {value!r}"
            f"{_at(row)}; an amount is what a person bore because of the decision (a sum "
            "reclaimed, days suspended), a number >= 0: fix those cells or leave them blank "
            "(counted as 0)",
            column=column,
            row=row,
            value=value,
            reason="negative_amount",
        )
    ]


def _blank_amounts(raw: pd.DataFrame, cells: pd.DataFrame, spec: AuditSpec) -> tuple[str, ...]:
    """The ledger's note of the people without an amount (counted as 0), by decision."""
    column = spec.roles.amount
    if column is None:
        return ()
    blank = raw["__a_null"].to_numpy(float)
    flagged = cells["flagged"].to_numpy() == 1
    k_flagged, k_other = int(round(blank[flagged].sum())), int(round(blank[~flagged].sum()))
    if not k_flagged + k_other:
        return ()
    return (
        f"amount {column!r}: blank for {k_flagged:,} flagged and {k_other:,} unflagged "
        "people, counted as 0",
    )


def _ledger_notes(
    counts: CountTable, spec: AuditSpec, whole_weights: bool = False
) -> tuple[str, ...]:
    total = counts.overall
    notes = []
    if spec.roles.count is not None:
        notes.append(
            f"counted: each row stands for the number of people in {spec.roles.count!r}; "
            "the ledger counts people"
        )
    if whole_weights:
        notes.append(
            f"every weight in {spec.roles.weight!r} is a whole number: if they count people "
            "(a table of patterns), name the column as roles.count instead; as survey "
            "weights they shrink the effective sample size (Kish), widening every interval"
        )
    if spec.roles.outcome is None:
        notes.append("no outcome column: only decision-based metrics can be computed")
    if spec.roles.weight is not None:
        notes.append(
            "weighted: counts are sums of weights; intervals and tests use Kish's effective "
            "sample size (sum of weights)^2 / (sum of squared weights)"
        )
    if spec.roles.investigated is None:
        notes.append(
            "no investigated column: the flagged"
            + (" and the random audit sample" if spec.roles.sample else "")
            + " are counted as investigated"
        )
    fu, uu = total["flagged_unlabelled"], total["unflagged_unlabelled"]
    if spec.roles.outcome is not None and fu:
        notes.append(f"{fu:,} flagged people have no known outcome")
    if spec.roles.outcome is not None and uu:
        notes.append(f"{uu:,} people who were not flagged have no known outcome")
    return tuple(notes)
