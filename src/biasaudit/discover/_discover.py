"""Subgroup discovery: find on one half of the records, test on the other.

Discovery needs rows, not counts: it splits the people into two halves (seeded), searches
one half (the *find* half) for the subgroups whose searched rate is worst compared with
everyone else, and tests only those on the other half (the *test* half), with Holm's or
Benjamini-Hochberg's correction over the subgroups tested. What the test half shows is not
biased by the search, so a reported subgroup is not an artefact of having looked at many.

The rows are read the way the audit reads them (one aggregation pass over the records
with a row number as one more grouping column: the same codes, threshold, missing-value
policy and checks), then held in memory; a lazy engine (DuckDB, Spark, a database) hands
over at most ``max_rows`` records. Each subgroup's test-half counts then go through the
audit's own metrics, intervals, tests and disclosure control, compared with everyone
else in the test half; overlapping subgroups are checked together (``disclosure``).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from .._exceptions import ConfigError, Problem, RecordsError
from ..counts import PARTITION, _keys, aggregate, count_table, partition_cells
from ..disclosure import EVERYONE_ELSE, mark_discoveries, publish_discoveries
from ..io import Records
from ..metrics import TABLE_COLUMNS, compute_metrics
from ..spec import MISSING_GROUP, AuditSpec, metric
from ..stats import adjust_pvalues
from ._clusters import Feature, search_clusters
from ._options import DiscoverOptions, option_names
from ._search import Candidate, Target, search_combinations
from ._subgroups import Subgroup

#: Columns of the discoveries table, always in this order: the results table's columns
#: (``attribute`` is the subgroup's name, D1, D2, ...; ``group`` its rule in words, or
#: everyone else in the test half), with how it was found, the adjusted p-value of the
#: searched metric over the subgroups tested, and whether it is reported.
DISCOVERY_COLUMNS = [
    "method",
    *TABLE_COLUMNS[:-2],
    "discovery_p_adjusted",
    "reported",
    "suppressed",
    "note",
]
_ROW = "__biasaudit_row"
#: The note of a tested subgroup that was not reported, in the published table.
NOT_REPORTED = "not reported: only the numbers of reported subgroups are published (the rule is)"


@dataclass(frozen=True)
class Discoveries:
    """What a subgroup discovery found and how the test half confirmed it.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns :data:`DISCOVERY_COLUMNS`: every metric of each subgroup tested and of
        everyone else, in the test half (every value; rows marked ``suppressed``).
    subgroups : tuple of Subgroup
        The subgroups tested, D1, D2, ..., with their rules.
    metric : str
        The rate searched on.
    level : float
        A subgroup is reported when its ``discovery_p_adjusted`` is below this and its
        rate is worse than everyone else's.
    correction : str
        ``holm`` or ``fdr_bh``, over the subgroups tested.
    stats_correction : str
        The audit's correction, of ``p_adjusted`` over every test of the table.
    confidence : float
        Level of every interval (the audit's).
    rows : int
        People analysed (the find and test halves together).
    find_rows, test_rows : int
        People in each half.
    seed : int
        Seed of the split and of the clustering.
    notes : tuple of str
        What the reader should know (how the records were held, which subgroups
        could not be tested).
    membership : pandas.DataFrame
        One row per person of the test half: ``row`` (0-based position in the records)
        and one boolean column per subgroup. For the auditor's checks; never published.
    """

    table: pd.DataFrame
    subgroups: tuple[Subgroup, ...]
    metric: str
    level: float
    correction: str
    rows: int
    find_rows: int
    test_rows: int
    seed: int
    stats_correction: str = "holm"
    confidence: float = 0.95
    notes: tuple[str, ...] = ()
    membership: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def published(self) -> pd.DataFrame:
        """The table as it may be published: withheld rows blanked, p-values adjusted
        again over the published tests (as ``published_table`` does for the audit)."""
        return publish_discoveries(
            self.table, self.metric, correction=self.stats_correction, family=self.correction
        )

    def reported(self, *, published: bool = True) -> pd.DataFrame:
        """The searched metric's rows of the reported subgroups, hit hardest first (the
        largest ratio to everyone else; the smallest for a rate where lower is worse)."""
        table = self.published() if published else self.table
        rows = table[
            (table["metric"] == self.metric)
            & table["reported"].fillna(False).astype(bool)
            & (table["group"] != EVERYONE_ELSE)
        ]
        burden = metric(self.metric).higher_is == "burden"
        return rows.sort_values(
            "ratio", ascending=not burden, kind="stable", na_position="last"
        ).reset_index(drop=True)

    def sentences(self, *, published: bool = True) -> list[str]:
        """One sentence per reported subgroup (published values unless told)."""
        label = metric(self.metric).label.lower()
        out = []
        for r in self.reported(published=published).itertuples():
            if r.value != r.value:
                out.append(f"{r.attribute} ({r.group}): reported; its counts are withheld")
                continue
            p = r.discovery_p_adjusted
            p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
            ci = (
                f", {self.confidence:.0%} CI {r.ratio_ci_low:.2f} to {r.ratio_ci_high:.2f}"
                if r.ratio_ci_low == r.ratio_ci_low
                else ""
            )
            out.append(
                f"{r.attribute} ({r.group}): {label} {r.value:.1%} vs {r.reference_value:.1%} "
                f"for everyone else (ratio {r.ratio:.2f}{ci}; adjusted {p_text}; "
                f"{int(r.n):,} people of the test half)"
            )
        return out


def discover_subgroups(
    records: Records,
    spec: AuditSpec,
    options: DiscoverOptions,
    *,
    metrics: Sequence[str] | None = None,
) -> Discoveries:
    """Search the records for the subgroups hit hardest, then test them (module notes).

    Parameters
    ----------
    records : Records
        The decision records, opened with the columns of ``spec`` and of ``options``.
    spec : AuditSpec
        The audit's roles, codes, threshold, statistics options and disclosure control.
    options : DiscoverOptions
        What to search (checked with :func:`as_discover_options`).
    metrics : sequence of str, optional
        The metrics reported for each subgroup (default: every metric the data supports).

    Raises
    ------
    ConfigError
        A column that is not in the records, ``min_size`` larger than the find half,
        a searched rate the records cannot identify, every problem at once.
    RecordsError
        Problems in the data (as for the audit), or more rows than ``max_rows`` on a
        lazy engine, or missing numbers in a numeric feature.
    """
    frame, total = _in_memory(records, options)
    _check_columns(records, spec, options, total)
    seed = spec.stats.seed if options.seed is None else options.seed
    people, features, notes = _people(records, frame, spec, options)
    n = len(people)
    find = _split(people, frame, spec, seed)
    if options.min_size > int(find.sum()):
        raise ConfigError(
            [
                Problem(
                    f"discover.min_size: {options.min_size:,} is more than the find half "
                    f"({int(find.sum()):,} of the {n:,} people analysed); choose at most "
                    f"{int(find.sum()):,}",
                    column="discover.min_size",
                    value=options.min_size,
                )
            ]
        )
    target_spec = metric(options.metric)
    cells = _cells(people)
    _check_identified(target_spec.name, target_spec.kind, cells)
    in_num = np.isin(cells, list(partition_cells(target_spec.numerator)))
    in_den = np.isin(cells, list(partition_cells(target_spec.denominator)))
    w = people["w"].to_numpy(float)
    target = Target(w * in_num, w * in_den, w * w * in_den, target_spec.higher_is == "burden")
    labels = {a: people[a].to_numpy(object) for a in options.search_attributes(spec)}
    confidence = spec.stats.confidence
    found: list[tuple[str, Candidate]] = []
    if labels:
        combos = search_combinations(
            {a: v[find] for a, v in labels.items()},
            target.subset(find),
            depth=options.depth,
            min_size=options.min_size,
            max_groups=options.max_groups,
            confidence=confidence,
        )
        found += [("combinations", c) for c in combos]
    if features:
        clusters = search_clusters(
            {k: dataclasses.replace(f, values=f.values[find]) for k, f in features.items()},
            target.subset(find),
            min_size=options.min_size,
            max_groups=options.max_groups,
            max_splits=options.max_splits,
            confidence=confidence,
            seed=seed,
        )
        found += [("clustering", c) for c in clusters]
    test = ~find
    columns = {**{a: v[test] for a, v in labels.items()}}
    columns.update({k: f.values[test] for k, f in features.items()})
    subgroups: list[Subgroup] = []
    masks: list[np.ndarray] = []
    for method, cand in found:
        sub = Subgroup(f"D{len(subgroups) + 1}", method, cand.conditions)
        mask = sub.mask(columns)
        if not mask.any() or mask.all():
            notes.append(
                f"{sub.description}: found in the find half, but "
                + ("nobody" if not mask.any() else "everyone")
                + " in the test half meets it: not tested"
            )
            continue
        subgroups.append(sub)
        masks.append(mask)
    level = options.level if options.level is not None else 1 - confidence
    table = _test(people[test], subgroups, masks, cells[test], spec, metrics, options, level)
    membership = pd.DataFrame(
        {
            "row": people.index.to_numpy()[test],
            **{s.name: m for s, m in zip(subgroups, masks, strict=True)},
        }
    )
    return Discoveries(
        table=table,
        subgroups=tuple(subgroups),
        metric=target_spec.name,
        level=level,
        correction=options.correction,
        rows=n,
        find_rows=int(find.sum()),
        test_rows=int(test.sum()),
        seed=seed,
        stats_correction=spec.stats.correction,
        confidence=confidence,
        notes=tuple(notes),
        membership=membership,
    )


# ------------------------------------------------------------------ the rows


def _in_memory(records: Records, options: DiscoverOptions) -> tuple[Any, int]:
    """The records as an eager frame (collected from a lazy engine), and their rows."""
    frame = records.frame
    if isinstance(frame, nw.LazyFrame):
        counted = frame.select(nw.len().alias("n")).collect()
        total = int(counted.item())
        if total > options.max_rows:
            raise RecordsError(
                [
                    Problem(
                        f"discovery runs on records in memory: {total:,} rows are more than "
                        f"discover.max_rows = {options.max_rows:,}; audit a random sample "
                        "drawn in the engine (e.g. a query with TABLESAMPLE, or "
                        "df.sample(fraction=...) in Spark) or raise max_rows",
                        value=total,
                        reason="too_many_rows",
                    )
                ],
                context=records.source.name,
            )
        frame = frame.collect()
    return frame, len(frame)


def _check_columns(
    records: Records, spec: AuditSpec, options: DiscoverOptions, total: int
) -> None:
    """Every column discovery names exists; min_size fits in half the records."""
    problems = []
    available = list(records.available)
    shown = ", ".join(map(repr, available[:12])) + (", ..." if len(available) > 12 else "")
    for key, column in option_names(options, spec):
        if column not in available:
            close = difflib.get_close_matches(column, available, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                Problem(
                    f"discover.{key}: column {column!r} not found{hint}; available: {shown}",
                    column=column,
                    value=column,
                    reason="column_not_found",
                )
            )
    half = total - total // 2
    if options.min_size > half:
        problems.append(
            Problem(
                f"discover.min_size: {options.min_size:,} is more than the find half "
                f"({half:,} of {total:,} records); choose at most {half:,}",
                column="discover.min_size",
                value=options.min_size,
            )
        )
    if problems:
        raise ConfigError(problems, context=records.source.name)


def _people(
    records: Records, frame: Any, spec: AuditSpec, options: DiscoverOptions
) -> tuple[pd.DataFrame, dict[str, Feature], list[str]]:
    """One row per person analysed (decoded as the audit decodes them), indexed by the
    0-based row of the records, and the features of those rows."""
    numbered = frame.with_row_index(_ROW)
    opened = dataclasses.replace(records, frame=numbered, available=(*records.available, _ROW))
    attributes = tuple(dict.fromkeys([*spec.attributes, *options.search_attributes(spec)]))
    per_row = dataclasses.replace(
        spec,
        attributes=(*attributes, _ROW),
        intersections=(),
        max_groups=len(frame) + 1,
        reference={},
        regression=None,
    )
    agg = aggregate(opened, per_row)
    base = agg.counts.base
    assert base is not None  # records always keep their cells
    people = base.assign(**{_ROW: base[_ROW].astype(np.int64)}).set_index(_ROW).sort_index()
    people.index.name = "row"
    many = [
        Problem(
            f"discover.attributes: column {a!r} has {k:,} distinct values, more than "
            f"max_groups = {spec.max_groups}; the search needs categories: bin it, or name "
            "it in features (numbers are clustered)",
            column=a,
            value=k,
            reason="too_many_groups",
        )
        for a in options.search_attributes(spec)
        if (k := int(people[a].nunique())) > spec.max_groups
    ]
    if many:
        raise ConfigError(many, context=records.source.name)
    notes = []
    if isinstance(records.frame, nw.LazyFrame):
        notes.append(f"held in memory for discovery: {len(frame):,} records")
    excluded = agg.ledger.rows_excluded
    if excluded:
        notes.append(f"{excluded:,} records excluded as in the audit (row ledger)")
    features = _features(records, frame, options, people.index.to_numpy())
    return people, features, notes


def _features(
    records: Records, frame: Any, options: DiscoverOptions, rows: np.ndarray
) -> dict[str, Feature]:
    """The feature columns at ``rows``: numbers (no missing value allowed), or labels."""
    if not options.features:
        return {}
    table = frame.select(*options.features).to_pandas().iloc[rows]
    out: dict[str, Feature] = {}
    problems = []
    for name in options.features:
        col = table[name]
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        if numeric:
            values = col.to_numpy(dtype=float, na_value=np.nan)
            missing = ~np.isfinite(values)
            if missing.any():
                first = int(rows[np.flatnonzero(missing)[0]]) + 1
                at = "" if records.lazy else f" (first at row {first})"
                problems.append(
                    Problem(
                        f"discover.features: column {name!r}: {int(missing.sum()):,} missing or "
                        f"infinite numbers{at}; clustering needs a number for everyone: fill "
                        "them in or leave the column out",
                        column=name,
                        row=None if records.lazy else first,
                        reason="missing_feature",
                    )
                )
            out[name] = Feature(name, values, True)
        else:
            labels = _keys(col.reset_index(drop=True)).fillna(MISSING_GROUP)
            out[name] = Feature(name, labels.to_numpy(object), False)
    if problems:
        raise RecordsError(problems, context=records.source.name)
    return out


def _split(people: pd.DataFrame, frame: Any, spec: AuditSpec, seed: int) -> np.ndarray:
    """The find half (True) and the test half, seeded; the find half gets the odd one.

    With an id role, the split hashes the ids with the seed, so the same people fall in
    the same half whatever the order of the rows; otherwise it permutes the rows.
    """
    n = len(people)
    if spec.roles.id is not None:
        ids = frame.select(spec.roles.id).to_pandas()[spec.roles.id].iloc[people.index]
        key = f"{seed:016d}"[-16:]
        hashed = pd.util.hash_pandas_object(ids.astype(str), index=False, hash_key=key)
        order = np.lexsort((np.arange(n), hashed.to_numpy()))
    else:
        order = np.random.default_rng(seed).permutation(n)
    find = np.zeros(n, dtype=bool)
    find[order[: n - n // 2]] = True
    return find


def _cells(people: pd.DataFrame) -> np.ndarray:
    """Each person's partition cell (``tp`` ... ``unflagged_unlabelled``)."""
    f = people["flagged"].to_numpy() == 1
    o = people["outcome"].to_numpy()
    return np.select(
        [f & (o == 1), f & (o == 0), ~f & (o == 1), ~f & (o == 0), f],
        list(PARTITION[:5]),
        default=PARTITION[5],
    )


def _check_identified(name: str, kind: str, cells: np.ndarray) -> None:
    """A rate of everyone's outcomes cannot be searched while some outcomes are unknown."""
    unknown = int(np.isin(cells, PARTITION[4:]).sum())
    if kind == "outcome" and unknown:
        raise ConfigError(
            [
                Problem(
                    f"discover.metric: {name!r} is not identifiable here: {unknown:,} people "
                    "have no known outcome; search selection_rate, or a rate among the "
                    "investigated (false_discovery_rate, precision)",
                    column="discover.metric",
                    value=name,
                    reason="not_identifiable",
                )
            ]
        )


# ------------------------------------------------------------------ the test half


def _test(
    people: pd.DataFrame,
    subgroups: Sequence[Subgroup],
    masks: Sequence[np.ndarray],
    cells: np.ndarray,
    spec: AuditSpec,
    metrics: Sequence[str] | None,
    options: DiscoverOptions,
    level: float,
) -> pd.DataFrame:
    """Every metric of each subgroup against everyone else, in the test half; marked
    for disclosure control; the searched metric adjusted over the subgroups."""
    if not subgroups:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DISCOVERY_COLUMNS})
    names = [s.name for s in subgroups]
    frame = pd.DataFrame(
        {s.name: np.where(m, "0", "1") for s, m in zip(subgroups, masks, strict=True)}
    )
    for c in ("flagged", "investigated", "outcome", "rows", "w", "w2"):
        frame[c] = people[c].to_numpy()
    counts = count_table(frame, names, weighted=spec.roles.weight is not None)
    relabel = {(s.name, "0"): s.description for s in subgroups} | {
        (s.name, "1"): EVERYONE_ELSE for s in subgroups
    }

    def renamed(t: pd.DataFrame) -> pd.DataFrame:
        t = t.copy()
        t["group"] = [
            relabel.get((a, g), g) for a, g in zip(t["attribute"], t["group"], strict=True)
        ]
        return t

    counts = dataclasses.replace(
        counts,
        table=renamed(counts.table),
        squares=None if counts.squares is None else renamed(counts.squares),
    )
    wanted = [m for m in (metrics or []) if metric(m).kind != "random_sample"] or None
    table, _ = compute_metrics(
        counts,
        metrics=wanted,
        reference=dict.fromkeys(names, EVERYONE_ELSE),
        options=spec.stats,
        assumptions=spec.assumptions,
    )
    method = {s.name: s.method for s in subgroups}
    table.insert(0, "method", table["attribute"].map(method).fillna(""))
    searched = metric(options.metric).name
    primary = (
        (table["metric"] == searched)
        & (table["group"] != EVERYONE_ELSE)
        & table["attribute"].isin(names)
    ).to_numpy()
    adjusted = np.full(len(table), np.nan)
    adjusted[primary] = adjust_pvalues(
        table.loc[primary, "p_value"].to_numpy(float),
        method=options.correction,  # type: ignore[arg-type]
    )
    worse = table["ratio"] > 1 if metric(searched).higher_is == "burden" else table["ratio"] < 1
    reported_primary = primary & (adjusted < level) & worse.fillna(False).to_numpy(bool)
    reported = set(table.loc[reported_primary, "attribute"])
    table["discovery_p_adjusted"] = adjusted
    table["reported"] = table["attribute"].isin(reported) & (table["group"] != EVERYONE_ELSE)
    return _mark(table, names, reported, masks, cells, spec.stats.min_cell)


def _mark(
    table: pd.DataFrame,
    names: Sequence[str],
    reported: set[str],
    masks: Sequence[np.ndarray],
    cells: np.ndarray,
    min_cell: int,
) -> pd.DataFrame:
    """Disclosure control: the reported subgroups (with everyone else and the whole test
    half) checked together over their finest cells; the numbers of subgroups that were
    tested but not reported are not published (their rules are)."""
    if min_cell <= 1:
        return table.assign(suppressed=False)[DISCOVERY_COLUMNS].reset_index(drop=True)
    keep = [i for i, name in enumerate(names) if name in reported]
    shown = table["attribute"].isin([names[i] for i in keep]) | ~table["attribute"].isin(names)
    membership = np.column_stack([masks[i] for i in keep]) if keep else None
    marked = mark_discoveries(
        table[shown.to_numpy()],
        membership,
        cells,
        [names[i] for i in keep],
        min_cell=min_cell,
    )
    out = table.copy()
    out["suppressed"] = True
    out.loc[marked.index, "suppressed"] = marked["suppressed"].to_numpy(bool)
    out.loc[marked.index, "note"] = marked["note"].to_numpy()
    unreported = ~shown.to_numpy()
    out.loc[unreported, "note"] = [
        (f"{n}; " if n else "") + NOT_REPORTED for n in out.loc[unreported, "note"]
    ]
    return out[DISCOVERY_COLUMNS].reset_index(drop=True)
