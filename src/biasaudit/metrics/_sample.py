"""Population estimates from a random audit sample (data shape 3 of DESIGN.md §2).

When a random sample of everyone scored was investigated regardless of score, the
error rates that selective labels leave unidentified become estimable.

Assumptions (repeated in every result's notes)
----------------------------------------------
1. The random audit sample is a probability sample of everyone scored, drawn
   independently of the outcome, with known selection probabilities (equal, or
   given as inverse-probability weights), and every member's outcome is known.
2. Within each group, the flagged people whose outcome is known represent all of
   the group's flagged people (exact when every flagged case was investigated).
3. An investigation's outcome is the truth: fraud that investigators miss counts
   as no fraud, in the random sample and among the flagged alike.

Estimator (per group g)
-----------------------
The population splits into the flagged (``F_g``, counted) and the unflagged
(``U_g``). With ``p_g`` the share of fraud among the flagged of g with a known
outcome and ``q_g`` the weighted share of fraud among the unflagged members of g in
the random sample::

    TP_g = F_g p_g    FP_g = F_g (1 - p_g)    FN_g = U_g q_g    TN_g = U_g (1 - q_g)

``U_g = N_g - F_g`` when the group's size ``N_g`` is known (every person's record is
given, or ``[population]`` lists the group sizes); otherwise ``U_g`` is the
population's unflagged total times g's weighted share of the random sample's
unflagged members. Every confusion-based metric follows from these four cells.
``share_of_offenders`` is g's weighted share of the fraud found in the random
sample, ``share_of_found`` its share of the fraud found among the cases the model
selected.

Intervals: a seeded bootstrap of people. The random sample is drawn again as a
whole within each design stratum (people with the same weight were drawn together):
this gives the group sizes estimated from it. Each group's fraud rate in the random
sample is drawn from its mid-p confidence distribution (:func:`_rate_draws`), so a
group with no fraud in the sample still gets an interval that allows for some.
Where only some of a group cell's flagged have a known outcome, the investigated are
drawn again, and the fraud among the uninvestigated flagged from the resampled rate
(the rate of all the cell's flagged is the target); when every flagged case was
investigated, the flagged are a census and their outcomes carry no sampling error.
Population sizes are held fixed.
Percentile intervals; for each comparison with the reference group a Wald test with
the bootstrap's variance (:func:`wald_p_value`).

With ``drawn_from = "everyone"`` (the sampled people's flags unknown or not used),
``pi_g``, the weighted share of fraud among all of g's random-sample members, replaces
``q_g``: ``FN_g = max(N_g pi_g - TP_g, 0)``, ``TN_g = U_g - FN_g``, and an unknown
``N_g`` is the total times g's weighted share of the random sample.
"""

from __future__ import annotations

import math
import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._exceptions import Problem, RecordsError, UndefinedRateWarning
from ..counts import OVERALL, CountTable, partition_cells
from ..spec import (
    INTERSECTION_SEP,
    REST,
    REST_GROUP,
    AuditSpec,
    HarmSpec,
    MetricSpec,
    Population,
    metric,
)
from ..stats import adjust_pvalues
from ._metrics import COMPARISON_COLUMNS, TABLE_COLUMNS, _reference_groups

ASSUMPTIONS = (
    "estimated from the random audit sample, assuming it is a probability sample of "
    "everyone scored with known selection probabilities, that the flagged with a known "
    "outcome represent all the flagged of their group, and that an investigation's "
    "outcome is the truth"
)
NONE_MISSED = (
    "no fraud was found among this group's {who} in the random sample: missed fraud is "
    "estimated as 0, and the interval allows for fraud the sample missed (up to about "
    "3 / n of the {who}, the rule of three)"
)
CAPPED = (
    "the fraud found among this group's flagged is more than its estimated fraud (base "
    "rate from the random sample x group size): missed fraud is set to 0"
)
NOBODY = (
    "undefined: nobody of this group's {who} is in the random sample; lower_bound and "
    "upper_bound are the best and worst cases (none or all of its unflagged people "
    "committed fraud)"
)


@dataclass(frozen=True)
class SampleCounts:
    """The counts a random-audit-sample estimate needs (the counts interface).

    ``cells`` has one row per finest group cell (every attribute together) with
    ``people`` (known group size, NaN when unknown) and ``flagged``. ``random``
    has the random sample's people per cell, flag, outcome and weight; ``known``
    (aligned with ``cells``) the flagged people with a known outcome (``trials``),
    the fraud found among them (``found``), and the same two among the cases the
    model selected (``model_trials``, ``model_found``).
    ``total`` is the number of people scored.
    """

    attributes: tuple[str, ...]
    cells: pd.DataFrame
    random: pd.DataFrame
    known: pd.DataFrame
    total: float
    known_sizes: dict[str, dict[str, float]]
    drawn_from: str = "unflagged"


def sample_counts(counts: CountTable, spec: AuditSpec) -> SampleCounts:
    """Split the finest cells of an aggregation into what the estimator needs."""
    base = counts.base
    assert base is not None
    attrs = list(spec.attributes)
    cells = base.groupby(attrs, observed=True, sort=True)["rows"].sum().reset_index()
    cells = cells.rename(columns={"rows": "in_records"})
    index = pd.MultiIndex.from_frame(cells[attrs])
    j = index.get_indexer(pd.MultiIndex.from_frame(base[attrs]))
    rows = base["rows"].to_numpy(dtype=float)
    flagged = base["flagged"].to_numpy() == 1
    cells["flagged"] = np.bincount(j, weights=rows * flagged, minlength=len(cells))
    population: Population | None = spec.population
    if population is None:  # every person's record: sizes are counted
        cells["people"] = cells["in_records"].astype(float)
        total = float(cells["people"].sum())
        known: dict[str, dict[str, float]] = {}
    else:
        cells["people"] = np.nan
        total = float(population.total or 0.0)
        known = {a: {str(g): float(v) for g, v in s.items()} for a, s in population.groups.items()}
    weight = base["weight"].to_numpy(dtype=float) if "weight" in base else np.ones(len(base))
    is_random = base["sample"].to_numpy() == 2
    random = pd.DataFrame(
        {
            "cell": j[is_random],
            "flagged": flagged[is_random].astype(int),
            "outcome": base["outcome"].to_numpy()[is_random],
            "weight": weight[is_random],
            "people": rows[is_random],
        }
    )
    random = random.groupby(["cell", "flagged", "outcome", "weight"], as_index=False).sum()
    outcome = base["outcome"].to_numpy()
    labelled = flagged & (outcome >= 0)
    is_model = base["sample"].to_numpy() == 1
    masks = {
        "trials": labelled,
        "found": labelled & (outcome == 1),
        "model_trials": labelled & is_model,
        "model_found": labelled & is_model & (outcome == 1),
    }
    known_cells = pd.DataFrame(
        {k: np.bincount(j, weights=rows * m, minlength=len(cells)) for k, m in masks.items()}
    )
    return SampleCounts(
        tuple(attrs), cells, random, known_cells, total, known, spec.sample.drawn_from
    )


def _membership(sc: SampleCounts, groups: pd.DataFrame) -> np.ndarray:
    """Boolean matrix (groups x finest cells): which cells make up each group."""
    out = np.ones((len(groups), len(sc.cells)), dtype=bool)
    for i, (attribute, group) in enumerate(zip(groups["attribute"], groups["group"], strict=True)):
        if attribute == OVERALL:
            continue
        for attr, level in zip(
            attribute.split(INTERSECTION_SEP), group.split(INTERSECTION_SEP), strict=True
        ):
            out[i] &= sc.cells[attr].to_numpy() == level
    return out


def _replicates(
    sc: SampleCounts, samples: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Resampled counts; row 0 is the data, rows 1.. the bootstrap resamples.

    Returns the random sample's people per cell, then per finest cell: the fraud and
    the people behind the fraud rate of the flagged, and the fraud found among the
    cases the model selected. Where only some of a cell's flagged have a known
    outcome, a resample draws the investigated again and then the fraud among the
    uninvestigated flagged from the resampled rate: the rate of all the cell's flagged
    (a finite population) is what is estimated, so its known part has no error.
    """
    rng = np.random.default_rng([seed, zlib.crc32(b"random audit sample")])
    r = sc.random["people"].to_numpy(dtype=float)
    random = np.tile(r, (samples + 1, 1))
    weights = sc.random["weight"].to_numpy()
    for w in np.unique(weights):  # design strata keep their size
        idx = np.flatnonzero(weights == w)
        size = int(r[idx].sum())
        random[1:, idx] = rng.multinomial(size, r[idx] / size, size=samples)
    flagged = sc.cells["flagged"].to_numpy(dtype=float)
    n, k = sc.known["trials"].to_numpy(dtype=float), sc.known["found"].to_numpy(dtype=float)
    partial = n < flagged  # a census of a cell's flagged has no sampling error
    share = np.divide(k, n, where=n > 0, out=np.zeros(len(n)))
    again = rng.binomial(n.astype(np.int64), share, size=(samples, len(n)))
    rate = np.divide(again, n, where=n > 0, out=np.zeros_like(again, dtype=float))
    unseen = rng.binomial((flagged - n).astype(np.int64), rate)
    found = np.tile(k, (samples + 1, 1))
    trials = np.tile(n, (samples + 1, 1))
    found[1:] = np.where(partial, k + unseen, k)
    trials[1:] = np.where(partial, flagged, n)
    m_n = sc.known["model_trials"].to_numpy(dtype=float)
    m_k = sc.known["model_found"].to_numpy(dtype=float)
    model = np.tile(m_k, (samples + 1, 1))
    m_share = np.divide(m_k, m_n, where=m_n > 0, out=np.zeros(len(m_n)))
    drawn = rng.binomial(m_n.astype(np.int64), m_share, size=(samples, len(m_n)))
    model[1:] = np.where(partial, drawn, m_k)
    return random, found, trials, model


def estimate_cells(
    sc: SampleCounts, groups: pd.DataFrame, samples: int, seed: int
) -> dict[str, np.ndarray]:
    """Estimated population cells per replicate (rows) and group (columns).

    Row 0 is the estimate from the data, rows 1.. the bootstrap replicates.
    """
    member = _membership(sc, groups).astype(float)
    random, found, trials, model_found = _replicates(sc, samples, seed)
    rc = sc.random["cell"].to_numpy()
    y = sc.random["outcome"].to_numpy() == 1
    fl = sc.random["flagged"].to_numpy() == 1
    w = sc.random["weight"].to_numpy(dtype=float)
    wr = random * w
    by_group = member[:, rc].T  # random cells x groups
    everyone = sc.drawn_from == "everyone"
    # the random-sample members whose fraud rate is estimated: everyone sampled, or
    # the unflagged among them
    informs = np.ones(len(fl), dtype=bool) if everyone else ~fl
    q_num = (wr * (y & informs)) @ by_group
    q_den = (wr * informs) @ by_group
    p_num = found @ member.T
    p_den = trials @ member.T
    flagged = np.tile(member @ sc.cells["flagged"].to_numpy(dtype=float), (len(random), 1))
    sizes = _known_sizes(sc, groups, member)
    people = sc.random["people"].to_numpy(dtype=float)

    def kish(counted: np.ndarray) -> np.ndarray:
        """Kish's effective number of sampled people behind each group's rate."""
        return np.nan_to_num(((counted * w) @ by_group) ** 2 / ((counted * w**2) @ by_group))

    with np.errstate(divide="ignore", invalid="ignore"):
        q = q_num / q_den
        q[1:] = _rate_draws(q[0], kish(people * informs), samples, seed)
        # the fraud each group contributes to the random sample: its sampled people
        # times its fraud rate among them, drawn as q is (a group with no fraud found
        # still gets an interval above 0 for its share of offenders)
        sample_fraud = (wr * y) @ by_group
        sample_people = wr @ by_group
        drawn = sample_fraud.copy()
        rate = sample_fraud[0] / sample_people[0]
        drawn[1:] = sample_people[1:] * _rate_draws(
            rate, kish(people), samples, seed, stream=b"offenders"
        )
        p = p_num / p_den
        if everyone:  # the whole sample estimates each group's size and fraud
            estimated = sc.total * q_den / q_den[:, :1]
            size = np.where(np.isnan(sizes), estimated, sizes)
            unflagged = np.maximum(size - flagged, 0.0)
            fn = np.clip(size * q - flagged * p, 0.0, unflagged)
        else:
            estimated_u = (sc.total - flagged[:, :1]) * q_den / q_den[:, :1]
            unflagged = np.where(np.isnan(sizes), estimated_u, sizes - flagged)
            fn = unflagged * q
    return {
        "tp": flagged * p,
        "fp": flagged * (1 - p),
        "fn": fn,
        "tn": unflagged - fn,
        "flagged_unlabelled": np.zeros_like(flagged),
        "unflagged_unlabelled": np.zeros_like(flagged),
        "flagged": flagged,
        "unflagged": unflagged,
        "random_fraud": drawn,
        "random_fraud_total": _attribute_totals(groups, drawn, sample_fraud),
        "model_fraud": model_found @ member.T,
        "random_people": np.tile(sc.random["people"].to_numpy() @ by_group, (len(random), 1)),
        "random_unflagged": q_den,
        "known_flagged": p_den,
    }


def _attribute_totals(groups: pd.DataFrame, drawn: np.ndarray, found: np.ndarray) -> np.ndarray:
    """The random sample's fraud as each group's attribute adds it up, per replicate.

    The sum of the drawn fraud of the attribute's groups, plus the (resampled) fraud of
    people in none of them; everyone's own draw for everyone. A group's share of
    offenders is its drawn fraud over this total: the shares of an attribute's groups
    add up to 1 in every replicate, and every group's uncertainty is in each share.
    """
    total = np.empty_like(drawn)
    total[:, 0] = drawn[:, 0]
    attributes = groups["attribute"].to_numpy()
    for attr in dict.fromkeys(attributes[1:]):
        cols = np.flatnonzero(attributes == attr)
        outside = found[:, 0] - found[:, cols].sum(axis=1)
        total[:, cols] = (drawn[:, cols].sum(axis=1) + np.maximum(outside, 0.0))[:, None]
    return total


def _rate_draws(
    rate: np.ndarray, n: np.ndarray, samples: int, seed: int, stream: bytes = b""
) -> np.ndarray:
    """Bootstrap replicates of each group's fraud rate in the random sample.

    Each replicate draws the rate from the mid-p confidence distribution of a binomial
    share (``rate * n`` of ``n``): half the time from Beta(k, n - k + 1), half the time
    from Beta(k + 1, n - k), the two distributions whose quantiles are the
    Clopper-Pearson bounds. A resample of the people cannot find fraud where the
    sample found none (a zero-width interval, coverage far below nominal for small
    groups); this draw can: with k = 0 its upper 97.5% point is 1 - 0.05^(1/n), about
    3 / n (the rule of three). Groups are drawn independently: the groups of an
    attribute are disjoint samples. ``stream`` keeps draws of different rates
    independent.
    """
    rng = np.random.default_rng([seed, zlib.crc32(b"fraud rate in the random sample" + stream)])
    k = np.nan_to_num(rate) * n
    shape = (samples, len(n))
    tiny = 1e-12  # Beta needs positive parameters; the degenerate ends are set below
    low = rng.beta(np.maximum(k, tiny), np.maximum(n - k + 1, tiny), size=shape)
    high = rng.beta(np.maximum(k + 1, tiny), np.maximum(n - k, tiny), size=shape)
    low = np.where(k <= 0, 0.0, low)
    high = np.where(n - k <= 0, 1.0, high)
    out = np.where(rng.random(shape) < 0.5, low, high)
    return np.where(n > 0, out, np.nan)


def _known_sizes(sc: SampleCounts, groups: pd.DataFrame, member: np.ndarray) -> np.ndarray:
    """Known size of each group (NaN where it must be estimated)."""
    counted = member @ sc.cells["people"].to_numpy(dtype=float)  # NaN when not counted
    given = [
        sc.total
        if a == OVERALL
        else sc.known_sizes.get(a, {}).get(g, 0.0 if a in sc.known_sizes else np.nan)
        for a, g in zip(groups["attribute"], groups["group"], strict=True)
    ]
    return np.where(np.isnan(counted), np.array(given, dtype=float), counted)


def check_sample(sc: SampleCounts, groups: pd.DataFrame, cells: dict[str, np.ndarray]) -> None:
    """Raise for data the estimator cannot use, every problem at once.

    A group with no fraud in the random sample is not a problem: its missed fraud is
    estimated as 0, with an interval that allows for fraud the sample missed; a group
    nobody of which is in it gets worst- and best-case bounds.
    """
    problems = []
    flagged_all = float(sc.cells["flagged"].sum())
    if sc.total < flagged_all:
        problems.append(
            Problem(
                f"population.total = {sc.total:,g} is smaller than the {flagged_all:,g} flagged "
                "people in the records; give the number of everyone scored",
                column="population.total",
                value=sc.total,
                reason="population_too_small",
            )
        )
    member = _membership(sc, groups)
    sizes = _known_sizes(sc, groups, member.astype(float))
    for i, row in enumerate(groups.itertuples()):
        if row.attribute == OVERALL or INTERSECTION_SEP in row.attribute:
            continue
        label = f"{row.attribute} = {row.group}"
        f = cells["flagged"][0, i]
        if sizes[i] < f:
            problems.append(
                Problem(
                    f"population.groups.{row.attribute}: {label} has {sizes[i]:,g} people "
                    f"but {f:,g} of them are flagged in the records; check the group sizes",
                    column=f"population.groups.{row.attribute}",
                    value=row.group,
                    reason="population_too_small",
                )
            )
    if problems:
        raise RecordsError(problems)


#: Counts of people behind a random-sample estimate (per group), for disclosure control.
SAMPLE_SIZE_COLUMNS = ("random_people", "flagged", "known_flagged", "random_fraud", "model_fraud")


def estimate_table(
    counts: CountTable, spec: AuditSpec, metrics: Sequence[MetricSpec]
) -> tuple[pd.DataFrame, dict[str, str], pd.DataFrame]:
    """Every metric in ``metrics`` estimated per group, compared with the reference.

    Returns the rows in :data:`TABLE_COLUMNS` (``suppressed`` False: disclosure
    control marks them later), the reference rule per attribute and the people
    behind each group's estimates (attribute, group, :data:`SAMPLE_SIZE_COLUMNS`).
    """
    sc = sample_counts(counts, spec)
    groups = counts.table[["attribute", "group"]].reset_index(drop=True)
    stats = spec.stats
    cells = estimate_cells(sc, groups, stats.bootstrap_samples, stats.seed)
    check_sample(sc, groups, cells)
    n = cells["tp"] + cells["fp"] + cells["fn"] + cells["tn"]
    everyone = sc.drawn_from == "everyone"
    sampled = cells["random_unflagged"][0] > 0
    none_found = (cells["random_fraud"][0] if everyone else cells["fn"][0]) == 0
    none_missed = none_found & sampled
    # drawn from everyone: the fraud found among the flagged can exceed the group's
    # estimated fraud; missed fraud is then 0, not negative
    capped = everyone & ~none_found & sampled & (cells["fn"][0] == 0)
    nobody = ~sampled
    who = "people" if everyone else "unflagged people"
    # best and worst cases where the random sample says nothing: no missed fraud, or
    # every unflagged person a fraud
    row0 = {c: v[:1] for c, v in cells.items()}
    extremes = [
        {**row0, "fn": 0 * row0["unflagged"], "tn": row0["unflagged"]},
        {**row0, "fn": row0["unflagged"], "tn": 0 * row0["unflagged"]},
    ]
    alpha = 1 - stats.confidence
    parts = []
    undefined: dict[str, list[str]] = {}
    values: dict[str, np.ndarray] = {}
    harm = [m for m in metrics if isinstance(m, HarmSpec)]
    # a harm count is read off its rate's replicates: the rate is estimated with it
    bases = [metric(h.rate) for h in harm if metric(h.rate) not in metrics]
    rates = [m for m in metrics if not isinstance(m, HarmSpec)]
    metrics = list(dict.fromkeys([*rates, *bases]))
    wanted = [m.name for m in metrics]
    gaps = {
        "equal_burden_gap": ("share_of_flagged", "share_of_offenders"),
        "found_gap": ("share_of_found", "share_of_offenders"),
    }
    needed = {d for g, deps in gaps.items() if g in wanted for d in deps}
    # the gaps are differences of shares: compute the shares first
    order = [m for m in wanted if m not in gaps] + sorted(needed - set(wanted))
    for name in order + [m for m in wanted if m in gaps]:
        spec_m = metric(name)
        if name in gaps:
            minuend, subtrahend = gaps[name]
            rep = values[minuend] - values[subtrahend]
            num = den = np.full_like(rep, np.nan)
        else:
            num, den = _evaluate(spec_m, cells)
            rep = _ratio(num, den)
        values[name] = rep
        if name not in wanted:
            continue
        lo, hi = _percentiles(rep[1:], alpha)
        low_bound, high_bound = rep[0].copy(), rep[0].copy()
        note = np.full(len(groups), ASSUMPTIONS, dtype=object)
        if spec_m.kind == "outcome":
            note[none_missed] = ASSUMPTIONS + "; " + NONE_MISSED.format(who=who)
            note[capped] = ASSUMPTIONS + "; " + CAPPED
        empty = np.isnan(rep[0])
        if empty.any():
            note[empty] = "undefined: too few people of this group in the samples to estimate"
            if spec_m.kind == "outcome" and name not in gaps:
                ends = np.vstack([_ratio(*_evaluate(spec_m, e))[0] for e in extremes])
                unknown = empty & nobody
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # both ends undefined
                    low_bound[unknown] = np.nanmin(ends, axis=0)[unknown]
                    high_bound[unknown] = np.nanmax(ends, axis=0)[unknown]
                note[unknown] = NOBODY.format(who=who)
            undefined[spec_m.name] = [
                f"{a} = {g}"
                for a, g in zip(groups["attribute"][empty], groups["group"][empty], strict=True)
            ]
        parts.append(
            pd.DataFrame(
                {
                    "attribute": groups["attribute"],
                    "group": groups["group"],
                    "metric": spec_m.name,
                    "value": rep[0],
                    "ci_low": lo,
                    "ci_high": hi,
                    "lower_bound": low_bound,
                    "upper_bound": high_bound,
                    "numerator": num[0],
                    "denominator": den[0],
                    "n": n[0],
                    "test": "",
                    "suppressed": False,
                    "note": note,
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    references = {a: spec.reference.get(a, "largest") for a in counts.attributes()}
    comparable = [m for m in metrics if m.comparable]
    refs = _reference_groups(
        out[["attribute", "group", "metric", "value", "n", "denominator"]], references, comparable
    )
    out = out.merge(refs, on=["attribute", "metric"], how="left")
    rest = {a for a, r in references.items() if r == REST}
    compared = out["metric"].isin([m.name for m in comparable])
    out.loc[out["attribute"].isin(rest) & compared, "reference_group"] = REST_GROUP
    everyone_else = {m.name: _ratio(*_complement(m, cells)) for m in comparable} if rest else {}
    out = _compare(out, groups, values, comparable, alpha, stats.correction, everyone_else)
    if harm:
        rows = _harm_rows(out, groups, cells, everyone_else, harm, alpha)
        out = pd.concat([out, rows], ignore_index=True)
        out = out[~out["metric"].isin([b.name for b in bases])].reset_index(drop=True)
        for h in harm:  # undefined as the rate is (amounts: not estimated): NaN, never 0
            if h.amount:
                hidden = rows[rows["metric"] == h.name]
                undefined[h.name] = list(hidden["attribute"] + " = " + hidden["group"])
            elif h.rate in undefined:
                undefined[h.name] = undefined[h.rate]
        for b in bases:
            undefined.pop(b.name, None)
    if undefined:
        lines = [f"{name} ({', '.join(g)})" for name, g in undefined.items()]
        warnings.warn(
            "Estimates with too few people in the samples are reported as NaN, not 0: "
            + "; ".join(lines),
            UndefinedRateWarning,
            stacklevel=3,
        )
    return out[TABLE_COLUMNS], references, _sample_sizes(groups, cells)


def _complement(spec: MetricSpec, cells: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of everyone not in each group (everyone: column 0)."""
    num, den = _evaluate(spec, cells)
    return num[:, :1] - num, den[:, :1] - den


def _harm_rows(
    out: pd.DataFrame,
    groups: pd.DataFrame,
    cells: dict[str, np.ndarray],
    everyone_else: dict[str, np.ndarray],
    harm: Sequence[HarmSpec],
    alpha: float,
) -> pd.DataFrame:
    """Harm counts per replicate: ``sign x (O_g - D_g x p_r)`` with percentile intervals.

    The reference rate is drawn in the same replicate as the group's counts, so the
    interval carries the uncertainty of both (and of the estimated group sizes). The
    test is the rate's own. Amounts are not estimated from a random audit sample.
    """
    position = {
        (a, g): i
        for i, (a, g) in enumerate(zip(groups["attribute"], groups["group"], strict=True))
    }
    parts = []
    for h in harm:
        base = metric(h.rate)
        rows = out[(out["metric"] == base.name) & (out["attribute"] != OVERALL)]
        rows = rows.reset_index(drop=True)
        num, den = _evaluate(base, cells)
        rate = _ratio(num, den)
        k = len(rows)
        value, lo, hi = (np.full(k, np.nan) for _ in range(3))
        numerator, denominator = np.full(k, np.nan), np.full(k, np.nan)
        note = np.full(k, "", dtype=object)
        for i, row in enumerate(rows.itertuples()):
            g = position[(row.attribute, row.group)]
            ref = row.reference_group
            if h.amount:
                note[i] = "undefined: amounts are not estimated from a random audit sample"
                continue
            if ref == row.group:
                value[i] = 0.0
                continue
            if ref == REST_GROUP:
                r = everyone_else[base.name][:, g]
            elif isinstance(ref, str) and (row.attribute, ref) in position:
                r = rate[:, position[(row.attribute, ref)]]
            else:
                note[i] = "undefined: no reference group"
                continue
            rep = h.sign * (num[:, g] - den[:, g] * r)
            if np.isnan(rep[0]) or not den[0, g] > 0:
                note[i] = "undefined: too few people of this group in the samples to estimate"
                continue
            value[i] = rep[0]
            numerator[i], denominator[i] = num[0, g], den[0, g]
            low, high = _percentiles(rep[1:, None], alpha)
            lo[i], hi[i] = low[0], high[0]
            note[i] = ASSUMPTIONS
        frame = rows.assign(
            metric=h.name,
            value=value,
            ci_low=lo,
            ci_high=hi,
            lower_bound=value,
            upper_bound=value,
            numerator=numerator,
            denominator=denominator,
            note=note,
        )
        for column in COMPARISON_COLUMNS:
            if column not in ("reference_value", "p_value", "p_adjusted"):
                frame[column] = np.nan
        if h.amount:
            frame["reference_value"] = np.nan
            frame["test"], frame["p_value"], frame["p_adjusted"] = "", np.nan, np.nan
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def _evaluate(spec: MetricSpec, cells: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of a registry metric from estimated cells."""
    if "expected_flagged" in spec.denominator:  # flagged / (n_g x overall selection rate)
        n = np.sum([cells[c] for c in sorted(partition_cells(["n"]))], axis=0)
        return cells["flagged"], n * (cells["flagged"][:, :1] / n[:, :1])
    num, den = (
        np.sum([cells[c] for c in sorted(partition_cells(names))], axis=0)
        for names in (spec.numerator, spec.denominator)
    )
    if spec.numerator == ("random_fraud",):  # shares of the drawn fraud: they add up to 1
        return num, cells["random_fraud_total"]
    if spec.scope == "overall":
        den = np.broadcast_to(den[:, :1], den.shape)
    return num, den


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is not positive (undefined is not 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _percentiles(rep: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN groups stay NaN
        lo = np.nanquantile(rep, alpha / 2, axis=0)
        hi = np.nanquantile(rep, 1 - alpha / 2, axis=0)
    return lo, hi


def _compare(
    out: pd.DataFrame,
    groups: pd.DataFrame,
    values: dict[str, np.ndarray],
    comparable: Sequence[MetricSpec],
    alpha: float,
    correction: str,
    everyone_else: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Ratio and difference with the reference group (or with everyone else, per
    replicate from ``everyone_else``), per bootstrap replicate."""
    position = {
        (a, g): i
        for i, (a, g) in enumerate(zip(groups["attribute"], groups["group"], strict=True))
    }
    names = {m.name for m in comparable}
    cols = {c: np.full(len(out), np.nan) for c in COMPARISON_COLUMNS}
    test = out["test"].to_numpy(dtype=object)
    for k, row in enumerate(out.itertuples()):
        if row.metric not in names or not isinstance(row.reference_group, str):
            continue
        rep = values[row.metric]
        g = rep[:, position[(row.attribute, row.group)]]
        if row.reference_group == REST_GROUP:
            r = (everyone_else or {})[row.metric][:, position[(row.attribute, row.group)]]
        else:
            r = rep[:, position[(row.attribute, row.reference_group)]]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(r > 0, g / r, np.nan)
        diff = g - r
        cols["reference_value"][k] = r[0]
        cols["ratio"][k], cols["difference"][k] = ratio[0], diff[0]
        cols["relative_difference"][k] = ratio[0] - 1
        lo, hi = _percentiles(ratio[1:, None], alpha)
        cols["ratio_ci_low"][k], cols["ratio_ci_high"][k] = lo[0], hi[0]
        lo, hi = _percentiles(diff[1:, None], alpha)
        cols["difference_ci_low"][k], cols["difference_ci_high"][k] = lo[0], hi[0]
        if row.group != row.reference_group and not np.isnan(diff[0]):
            p_value = wald_p_value(g, r)
            if not np.isnan(p_value):
                cols["p_value"][k] = p_value
                test[k] = WALD
    for c, v in cols.items():
        out[c] = v
    out["test"] = test
    p = out["p_value"].to_numpy()
    adjusted = np.full(len(out), np.nan)
    has = ~np.isnan(p)
    if has.any():
        adjusted[has] = adjust_pvalues(p[has], method=correction)  # type: ignore[arg-type]
    out["p_adjusted"] = adjusted
    return out


#: The ``test`` of a comparison estimated from a random audit sample.
WALD = "bootstrap-wald"


def wald_p_value(group: np.ndarray, reference: np.ndarray) -> float:
    """Two-sided Wald p-value of group vs reference, with the bootstrap's variance.

    ``group`` and ``reference`` hold the estimate (row 0) and its bootstrap
    replicates. On the log ratio where both estimates and every replicate are
    positive (rates: the log scale is closer to normal), on the difference otherwise
    (e.g. gaps, which can be negative). Unlike the share of replicates on the far
    side of 0, which cannot fall below 2 / (B + 1) with B resamples, this p-value is
    not bounded by the number of resamples. NaN when the replicates do not vary (an
    exact count has no sampling error to test against).
    """
    ok = ~(np.isnan(group) | np.isnan(reference))
    g, r = group[ok], reference[ok]
    if len(g) < 3 or not ok[0]:
        return float("nan")
    stat = np.log(g) - np.log(r) if (g > 0).all() and (r > 0).all() else g - r
    se = float(np.std(stat[1:], ddof=1))
    if not se > 0:
        return float("nan")
    return math.erfc(abs(float(stat[0])) / se / math.sqrt(2))


def _sample_sizes(groups: pd.DataFrame, cells: dict[str, np.ndarray]) -> pd.DataFrame:
    """People behind each group's estimates, counted (not weighted): what disclosure
    control (:func:`biasaudit.disclosure.mark_sample`) checks."""
    out = groups[["attribute", "group"]].copy()
    for name in SAMPLE_SIZE_COLUMNS:
        out[name] = cells[name][0]
    return out
