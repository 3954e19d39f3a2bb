"""What an audit is asked to do: column roles, value codes, threshold, groups.

These frozen dataclasses are the one description of an audit, whether it comes
from keyword arguments in Python or from a TOML file. :func:`check_spec` collects
every problem with them into one :class:`ConfigError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from .._exceptions import ConfigError, Problem
from ._analysis_spec import (
    RegressionOptions,
    ScoreOptions,
    as_options,
    check_regression_options,
    check_score_options,
)
from ._change_spec import ChangeOptions, as_change, check_change_options

MissingPolicy = Literal["as_group", "drop", "error"]
MISSING_POLICIES = ("as_group", "drop", "error")
IntervalMethod = Literal["wilson", "clopper-pearson", "jeffreys"]
INTERVAL_METHODS = ("wilson", "clopper-pearson", "jeffreys")
Correction = Literal["holm", "fdr_bh", "none"]
CORRECTIONS = ("holm", "fdr_bh", "none")
REFERENCE_RULES = ("largest", "most_favourable")
#: The one-vs-rest reference rule: each group compared with everyone not in it.
REST = "rest"
#: How that reference is named in tables (``reference_group``).
REST_GROUP = "(everyone else)"
#: What a decision means for the people it selects (``[harm] decision``).
DECISIONS = ("burden", "benefit")
MISSING_GROUP = "(missing)"
INTERSECTION_SEP = " × "

#: Codes used when the user gives none: the usual spellings of yes/no and 1/0.
DEFAULT_YES = (
    "1",
    "true",
    "True",
    "TRUE",
    "yes",
    "Yes",
    "YES",
    "y",
    "Y",
    "ja",
    "Ja",
    "JA",
    "J",
    "j",
)
DEFAULT_NO = ("0", "false", "False", "FALSE", "no", "No", "NO", "n", "N", "nee", "Nee", "NEE")
CODED_ROLES = ("flagged", "investigated", "outcome", "sample")
#: How a case came to be investigated (the ``sample`` role): a random audit sample, the
#: model's selection, or not investigated at all. Coded as 2, 1 and 0.
SAMPLE_MEANINGS = {"random": 2, "model": 1, "none": 0}
DEFAULT_SAMPLE = {
    "random": ("random", "Random", "RANDOM"),
    "model": ("model", "Model", "MODEL"),
    "none": ("none", "None", "NONE", None),
}


def value_key(value: Any) -> str | None:
    """Canonical text of a raw cell value, so ``1``, ``1.0`` and ``"1"`` match.

    Missing values (None, NaN, NA, empty or blank text) give ``None``.

    Examples
    --------
    >>> value_key(1.0), value_key("1"), value_key(True), value_key(" "), value_key(0.25)
    ('1', '1', 'true', None, '0.25')
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "true" if value else "false"
    try:
        number = float(value)
    except (TypeError, ValueError):
        text = str(value)
        return None if text in ("<NA>", "NaT") else text
    if math.isnan(number):
        return None
    if number.is_integer():
        return str(int(number))
    return repr(number)


@dataclass(frozen=True)
class Roles:
    """Which column of the decision records plays which role.

    Parameters
    ----------
    flagged : str, optional
        The decision: selected for investigation. Omit it and give a
        :class:`Threshold` to derive the flag from ``score``.
    outcome : str, optional
        Fraud / irregularity found (yes), none found (no); unknown (blank) for
        people never investigated.
    investigated : str, optional
        Whether an investigation happened. When omitted, an outcome counts as
        known wherever it is present.
    score : str, optional
        The system's risk score (numbers).
    id : str, optional
        Case identifier; checked for duplicates, never published.
    weight : str, optional
        Survey or inverse-probability weight (non-negative numbers). With a
        ``sample`` role: the inverse of each random-sample member's selection
        probability.
    sample : str, optional
        How each case was selected: ``random`` (a random audit sample, investigated
        regardless of score), ``model`` (selected by the system) or ``none`` (not
        investigated). A random sample makes error rates estimable.
    count : str, optional
        Frequency: how many people the row stands for (whole numbers >= 0), as in a
        table of covariate patterns. Counted as that many people (intervals and tests
        use the counts as they are), unlike ``weight``, a survey weight that shrinks
        the effective sample size (issue 14).
    period : str, optional
        Which period each decision belongs to: a year, a model version, before or
        after a rule change (``version`` is accepted as the same role). Every period
        is audited on its own, side by side, and each disparity is tested for a
        change between periods (:class:`ChangeOptions`).
    amount : str, optional
        An amount each person bore because of the decision (sums reclaimed, benefits
        stopped, days of suspension; numbers >= 0, blank counted as 0): harm counts
        are then also given in this amount.
    """

    flagged: str | None = None
    outcome: str | None = None
    investigated: str | None = None
    score: str | None = None
    id: str | None = None
    weight: str | None = None
    sample: str | None = None
    count: str | None = None
    period: str | None = None
    amount: str | None = None

    def items(self) -> list[tuple[str, str]]:
        """Return ``(role, column)`` pairs for the roles that are set."""
        return [(f.name, getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)]


@dataclass(frozen=True)
class Codes:
    """How raw values map to yes / no / unknown, per coded role.

    A raw value that is not listed is an error, never a guess. Without an entry
    for a role, :data:`DEFAULT_YES` and :data:`DEFAULT_NO` apply, and a blank
    outcome means unknown.
    """

    flagged: Mapping[str, tuple[Any, ...]] | None = None
    investigated: Mapping[str, tuple[Any, ...]] | None = None
    outcome: Mapping[str, tuple[Any, ...]] | None = None
    sample: Mapping[str, tuple[Any, ...]] | None = None

    def lookup(self, role: str) -> dict[str | None, int | None]:
        """Map canonical raw values of ``role`` to 1 (yes), 0 (no) or None (unknown).

        For ``sample``: 2 (random), 1 (model) or 0 (none).
        """
        given = getattr(self, role)
        if role == "sample":
            meanings = DEFAULT_SAMPLE if given is None else given
            return {
                value_key(raw): SAMPLE_MEANINGS[meaning]
                for meaning, raws in meanings.items()
                for raw in raws
            }
        if given is None:
            table: dict[str | None, int | None] = dict.fromkeys(DEFAULT_YES, 1)
            table.update(dict.fromkeys(DEFAULT_NO, 0))
            if role == "outcome":
                table[None] = None
            return table
        table = {}
        for meaning, value in (("yes", 1), ("no", 0), ("unknown", None)):
            for raw in given.get(meaning, ()):
                table[value_key(raw)] = value
        return table


@dataclass(frozen=True)
class Threshold:
    """Derive ``flagged`` from the score: give exactly one option.

    Parameters
    ----------
    score_at_least : float, optional
        Flag everyone whose score is at least this value.
    top_k : int, optional
        Flag the k highest scores (ties at the cut-off are all flagged).
    top_fraction : float, optional
        Flag the highest ``floor(fraction * n)`` scores (ties as for ``top_k``).
    """

    score_at_least: float | None = None
    top_k: int | None = None
    top_fraction: float | None = None

    def describe(self) -> str:
        """Plain-language description of the rule."""
        if self.score_at_least is not None:
            return f"flagged = score >= {self.score_at_least:g}"
        if self.top_k is not None:
            return f"flagged = the {self.top_k:,} highest scores (ties at the cut-off included)"
        return f"flagged = the top {self.top_fraction:.1%} of scores (ties included)"


@dataclass(frozen=True)
class StatsOptions:
    """How uncertainty is reported and what may be published.

    Parameters
    ----------
    confidence : float, default=0.95
        Level of every interval; tests use ``alpha = 1 - confidence``.
    interval : {"wilson", "clopper-pearson", "jeffreys"}, default="wilson"
        Interval for rates.
    correction : {"holm", "fdr_bh", "none"}, default="holm"
        Adjustment of p-values across every group x metric test of the audit.
    min_cell : int, default=10
        Published counts from 1 to ``min_cell - 1`` are suppressed, with
        complementary suppression; 0 turns disclosure control off.
    bootstrap_samples : int, default=2000
        Resamples for the bootstrap intervals of the per-attribute summaries.
    seed : int, default=0
        Seed of the bootstrap.
    """

    confidence: float = 0.95
    interval: str = "wilson"
    correction: str = "holm"
    min_cell: int = 10
    bootstrap_samples: int = 2000
    seed: int = 0


def check_stats(options: StatsOptions) -> list[Problem]:
    """Problems with the statistics options."""
    problems = []

    def bad(key: str, message: str, value: Any) -> None:
        problems.append(Problem(f"stats.{key}: {message}", column=f"stats.{key}", value=value))

    c = options.confidence
    if isinstance(c, bool) or not isinstance(c, int | float) or not 0 < c < 1:
        bad("confidence", f"expected a number between 0 and 1, e.g. 0.95; got {c!r}", c)
    if options.interval not in INTERVAL_METHODS:
        bad(
            "interval",
            f"expected one of {', '.join(map(repr, INTERVAL_METHODS))}; got {options.interval!r}",
            options.interval,
        )
    if options.correction not in CORRECTIONS:
        bad(
            "correction",
            f"expected one of {', '.join(map(repr, CORRECTIONS))}; got {options.correction!r}",
            options.correction,
        )
    for key, low in (("min_cell", 0), ("bootstrap_samples", 100), ("seed", 0)):
        v = getattr(options, key)
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            bad(key, f"expected a whole number >= {low}; got {v!r}", v)
    return problems


@dataclass(frozen=True)
class Assumptions:
    """What the auditor is willing to assume about outcomes nobody observed.

    Without a random audit sample, rates that involve the uninvestigated (false
    positive rate, false negative rate, base rate) are reported as worst- and
    best-case bounds. These options narrow those bounds; they are assumptions, and
    the result says which were made.

    Parameters
    ----------
    unlabelled_fraud_rate : (float, float), default=(0, 1)
        Lowest and highest plausible share of fraud among people whose outcome is
        unknown (flagged or not).
    max_base_rate, min_base_rate : float, optional
        Highest / lowest plausible share of fraud in any group (its base rate).
    """

    unlabelled_fraud_rate: tuple[float, float] = (0.0, 1.0)
    max_base_rate: float | None = None
    min_base_rate: float | None = None

    @property
    def narrowing(self) -> bool:
        """Whether any assumption narrows the worst/best-case bounds."""
        return (
            tuple(self.unlabelled_fraud_rate) != (0.0, 1.0)
            or self.max_base_rate is not None
            or self.min_base_rate is not None
        )

    def describe(self) -> str:
        """Plain-language statement of the assumptions made ("" when none)."""
        parts = []
        lo, hi = self.unlabelled_fraud_rate
        if (lo, hi) != (0.0, 1.0):
            parts.append(
                f"between {lo:.0%} and {hi:.0%} of the people with no known outcome "
                "committed fraud"
            )
        if self.min_base_rate is not None or self.max_base_rate is not None:
            low = 0.0 if self.min_base_rate is None else self.min_base_rate
            high = 1.0 if self.max_base_rate is None else self.max_base_rate
            parts.append(f"between {low:.0%} and {high:.0%} of each group committed fraud")
        return "; ".join(parts)


@dataclass(frozen=True)
class Population:
    """Size of the population when the records hold only the investigated cases.

    Parameters
    ----------
    total : float
        Number of people scored (flagged or not).
    groups : mapping, optional
        Per attribute, the number of people in each group, e.g.
        ``{"gender": {"F": 52000, "M": 48000}}``. Group sizes not given are
        estimated from the random audit sample.
    """

    total: float | None = None
    groups: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class HarmOptions:
    """How harm counts are told (``[harm]``).

    Parameters
    ----------
    decision : {"burden", "benefit"}, default="burden"
        ``"burden"``: being flagged is a burden (an investigation): excess counts.
        ``"benefit"``: being selected is a benefit (a grant, a hire): the shortfall.
    amount_label : str, default="amount"
        How the amount column reads in sentences, e.g. ``"euros reclaimed"``.
    """

    decision: str = "burden"
    amount_label: str = "amount"


#: Whom a random audit sample was drawn from (``[sample] drawn_from``).
SAMPLE_FRAMES = ("unflagged", "everyone")


@dataclass(frozen=True)
class SampleDesign:
    """How the random audit sample was drawn (with a ``sample`` role).

    Parameters
    ----------
    drawn_from : {"unflagged", "everyone"}, default="unflagged"
        ``"unflagged"``: the random sample's unflagged members estimate the fraud
        rate among each group's unflagged people (right when the sample was drawn
        from the people the model did not flag, or from everyone with each member's
        flag recorded). ``"everyone"``: the sample was drawn from everyone scored and
        its members' flags are unknown or not used: the whole sample estimates each
        group's base rate and population share, and the missed fraud is the
        estimated fraud of the group minus the fraud among its flagged.
    """

    drawn_from: str = "unflagged"


@dataclass(frozen=True)
class AuditSpec:
    """Everything an audit needs besides the data itself."""

    roles: Roles
    attributes: tuple[str, ...]
    intersections: tuple[tuple[str, ...], ...] = ()
    codes: Codes = field(default_factory=Codes)
    threshold: Threshold | None = None
    missing: MissingPolicy = "as_group"
    reference: Mapping[str, str] = field(default_factory=dict)
    max_groups: int = 100
    stats: StatsOptions = field(default_factory=StatsOptions)
    assumptions: Assumptions = field(default_factory=Assumptions)
    population: Population | None = None
    scores: ScoreOptions = field(default_factory=ScoreOptions)
    regression: RegressionOptions | None = None
    sample: SampleDesign = field(default_factory=SampleDesign)
    change: ChangeOptions = field(default_factory=ChangeOptions)
    harm: HarmOptions = field(default_factory=HarmOptions)

    @property
    def columns(self) -> list[str]:
        """Every column the audit reads, each once, in a stable order."""
        cols = [c for _, c in self.roles.items()] + list(self.attributes)
        if self.regression is not None:
            cols += self.regression.columns
        return list(dict.fromkeys(cols))


def intersection_name(attrs: Sequence[str]) -> str:
    """Name of an intersection of attributes, e.g. ``"gender × nationality"``."""
    return INTERSECTION_SEP.join(attrs)


def make_spec(
    *,
    roles: Roles | Mapping[str, str],
    groups: Sequence[str] | str,
    intersections: Sequence[Sequence[str]] = (),
    codes: Codes | Mapping[str, Mapping[str, Sequence[Any]]] | None = None,
    threshold: Threshold | Mapping[str, float] | None = None,
    missing: str = "as_group",
    reference: Mapping[str, str] | None = None,
    max_groups: int = 100,
    stats: StatsOptions | Mapping[str, Any] | None = None,
    assumptions: Assumptions | Mapping[str, Any] | None = None,
    population: Population | Mapping[str, Any] | None = None,
    scores: ScoreOptions | Mapping[str, Any] | None = None,
    regression: RegressionOptions | Mapping[str, Any] | None = None,
    sample: SampleDesign | Mapping[str, Any] | None = None,
    change: ChangeOptions | Mapping[str, Any] | None = None,
    harm: HarmOptions | Mapping[str, Any] | None = None,
) -> AuditSpec:
    """Build an :class:`AuditSpec` from plain Python values, collecting every problem.

    ``roles`` may name the period role ``version`` instead of ``period``.

    Raises
    ------
    ConfigError
        Listing every invalid key or value.
    """
    problems: list[Problem] = []
    roles_obj = _build(Roles, _version_as_period(roles, problems), "roles", problems)
    codes_obj = Codes() if codes is None else _build_codes(codes, problems)
    threshold_obj = (
        None if threshold is None else _build(Threshold, threshold, "threshold", problems)
    )
    stats_obj = StatsOptions() if stats is None else _build(StatsOptions, stats, "stats", problems)
    assumptions_obj = (
        Assumptions()
        if assumptions is None
        else _build(Assumptions, assumptions, "assumptions", problems)
    )
    population_obj = (
        None if population is None else _build(Population, population, "population", problems)
    )
    scores_obj = (
        ScoreOptions()
        if scores is None
        else _build(ScoreOptions, as_options(ScoreOptions, scores), "scores", problems)
    )
    regression_obj = (
        None
        if regression is None
        else _build(
            RegressionOptions, as_options(RegressionOptions, regression), "regression", problems
        )
    )
    sample_obj = (
        SampleDesign() if sample is None else _build(SampleDesign, sample, "sample", problems)
    )
    harm_obj = HarmOptions() if harm is None else _build(HarmOptions, harm, "harm", problems)
    attrs = (groups,) if isinstance(groups, str) else _names(groups, "groups.attributes", problems)
    inter = _intersections(intersections, problems)
    spec = AuditSpec(
        roles=roles_obj or Roles(),
        attributes=attrs,
        intersections=inter,
        codes=codes_obj,
        threshold=threshold_obj,
        missing=missing,  # type: ignore[arg-type]
        reference=_reference(reference, problems),
        max_groups=max_groups,
        stats=stats_obj or StatsOptions(),
        assumptions=assumptions_obj or Assumptions(),
        population=population_obj,
        scores=scores_obj or ScoreOptions(),
        regression=regression_obj,
        sample=sample_obj or SampleDesign(),
        change=as_change(change, problems),
        harm=harm_obj or HarmOptions(),
    )
    problems += check_spec(spec)
    problems += check_change_options(spec.change)
    problems += check_score_options(spec.scores)
    if spec.regression is not None:
        problems += check_regression_options(spec.regression)
        if spec.regression.decision is None and spec.roles.flagged is None:
            problems.append(
                Problem(
                    "regression.decision: name the column modelled (there is no "
                    "roles.flagged to default to)",
                    column="regression.decision",
                )
            )
    problems += check_stats(spec.stats)
    if problems:
        raise ConfigError(problems)
    return spec


def _version_as_period(roles: Any, problems: list[Problem]) -> Any:
    """``version`` is the ``period`` role under another name (a model version)."""
    if not isinstance(roles, Mapping) or "version" not in roles:
        return roles
    out = {k: v for k, v in roles.items() if k != "version"}
    if "period" in roles:
        problems.append(
            Problem(
                f"roles.version: the same role as roles.period ({roles['period']!r}); keep one",
                column="roles.version",
                value=roles["version"],
                reason="conflict",
            )
        )
        return out
    out["period"] = roles["version"]
    return out


def _names(value: Any, key: str, problems: list[Problem]) -> tuple[Any, ...]:
    """A list of names as a tuple; anything else is a problem (``attributes = 5``)."""
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        return tuple(value)
    problems.append(
        Problem(
            f'{key}: expected a list of column names, e.g. ["gender", "age_band"]; got {value!r}',
            column=key,
            value=value,
        )
    )
    return ()


def _intersections(value: Any, problems: list[Problem]) -> tuple[tuple[Any, ...], ...]:
    key = "groups.intersections"
    combos = _names(value, key, problems)
    if not all(isinstance(c, Iterable) and not isinstance(c, str | Mapping) for c in combos):
        problems.append(
            Problem(
                f'{key}: expected lists of attributes, e.g. [["gender", "nationality"]]; '
                f"got {value!r}",
                column=key,
                value=value,
            )
        )
        return ()
    return tuple(tuple(c) for c in combos)


def _reference(reference: Any, problems: list[Problem]) -> dict[str, Any]:
    if reference is None:
        return {}
    if not isinstance(reference, Mapping):
        problems.append(
            Problem(
                "groups.reference: expected a table of attribute = group, e.g. "
                f'{{ gender = "M" }}; got {reference!r}',
                column="groups.reference",
                value=reference,
            )
        )
        return {}
    return dict(reference)


def _build(cls: type, value: Any, key: str, problems: list[Problem]) -> Any:
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        problems.append(
            Problem(f"{key}: expected a table of names; got {value!r}", column=key, value=value)
        )
        return None
    allowed = [f.name for f in fields(cls)]
    unknown = [k for k in value if k not in allowed]
    for k in unknown:
        problems.append(
            Problem(
                f"{key}.{k}: unknown key; allowed: {', '.join(allowed)}",
                column=f"{key}.{k}",
                value=k,
                reason="unknown_key",
            )
        )
    return cls(**{k: v for k, v in value.items() if k in allowed})


def _build_codes(codes: Any, problems: list[Problem]) -> Codes:
    if isinstance(codes, Codes):
        return codes
    out: dict[str, dict[str, tuple[Any, ...]]] = {}
    for role, table in dict(codes).items():
        if role not in CODED_ROLES:
            problems.append(
                Problem(
                    f"codes.{role}: unknown role; codes can be given for {', '.join(CODED_ROLES)}",
                    column=f"codes.{role}",
                    value=role,
                    reason="unknown_key",
                )
            )
            continue
        if not isinstance(table, Mapping):
            problems.append(
                Problem(
                    f"codes.{role}: expected {{ yes = [...], no = [...] }}; got {table!r}",
                    column=f"codes.{role}",
                    value=table,
                )
            )
            continue
        entry: dict[str, tuple[Any, ...]] = {}
        allowed = tuple(SAMPLE_MEANINGS) if role == "sample" else ("yes", "no", "unknown")
        for meaning, raw in table.items():
            if meaning not in allowed:
                problems.append(
                    Problem(
                        f"codes.{role}.{meaning}: unknown key; allowed: {', '.join(allowed)}",
                        column=f"codes.{role}.{meaning}",
                        value=meaning,
                        reason="unknown_key",
                    )
                )
                continue
            raw_list = [raw] if isinstance(raw, str | int | float) else list(raw)
            entry[meaning] = tuple(raw_list)
        seen: dict[str | None, str] = {}
        for meaning, raw_values in entry.items():
            for raw in raw_values:
                k = value_key(raw)
                if k in seen and seen[k] != meaning:
                    problems.append(
                        Problem(
                            f"codes.{role}: value {raw!r} is listed as both "
                            f"{seen[k]!r} and {meaning!r}; list it once",
                            column=f"codes.{role}",
                            value=raw,
                            reason="conflicting_code",
                        )
                    )
                seen[k] = meaning
        out[role] = entry
    return Codes(**out)


def check_spec(spec: AuditSpec) -> list[Problem]:
    """Return every problem with ``spec`` that can be seen without the data."""
    problems: list[Problem] = []

    def bad(key: str, message: str, value: Any = None, reason: str = "invalid") -> None:
        problems.append(Problem(f"{key}: {message}", column=key, value=value, reason=reason))

    roles, thr = spec.roles, spec.threshold
    for name, col in [(f.name, getattr(roles, f.name)) for f in fields(roles)]:
        if col is not None and (not isinstance(col, str) or not col):
            bad(f"roles.{name}", f"expected a column name; got {col!r}", col)
    if roles.flagged is None and thr is None:
        bad(
            "roles.flagged",
            "no decision given; name the flagged column, or give [threshold] "
            "(score_at_least, top_k or top_fraction) with roles.score",
            reason="missing_key",
        )
    if roles.flagged is not None and thr is not None:
        bad(
            "threshold",
            f"both roles.flagged ({roles.flagged!r}) and a threshold are given; keep one",
            reason="conflict",
        )
    if thr is not None:
        given = {k: getattr(thr, k) for k in ("score_at_least", "top_k", "top_fraction")}
        chosen = [k for k, v in given.items() if v is not None]
        if len(chosen) != 1:
            bad(
                "threshold",
                f"give exactly one of score_at_least, top_k, top_fraction; got {chosen or 'none'}",
                reason="conflict",
            )
        if roles.score is None:
            bad("roles.score", "a threshold needs the score column; name it", reason="missing_key")
        k, frac, at = thr.top_k, thr.top_fraction, thr.score_at_least
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
            bad("threshold.top_k", f"expected a whole number >= 1; got {k!r}", k)
        if frac is not None and (
            isinstance(frac, bool) or not isinstance(frac, int | float) or not 0 < frac <= 1
        ):
            bad("threshold.top_fraction", f"expected a number in (0, 1]; got {frac!r}", frac)
        if at is not None and (
            isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at)
        ):
            finite = (
                "" if not isinstance(at, float) or math.isfinite(at) else ": it must be finite"
            )
            bad("threshold.score_at_least", f"expected a number; got {at!r}{finite}", at)
    if not spec.attributes:
        bad(
            "groups.attributes",
            "no protected attribute given; name at least one column, e.g. ['gender']",
            reason="missing_key",
        )
    for a in spec.attributes:
        if not isinstance(a, str) or not a:
            bad("groups.attributes", f"expected column names; got {a!r}", a)
    if len(set(spec.attributes)) != len(spec.attributes):
        bad("groups.attributes", f"an attribute is listed twice: {list(spec.attributes)}")
    role_cols = {c: r for r, c in roles.items() if isinstance(c, str)}
    for a in spec.attributes:
        if isinstance(a, str) and a in role_cols:
            bad("groups.attributes", f"{a!r} is already the {role_cols[a]} column", a)
    for combo in spec.intersections:
        if (
            len(set(combo)) < 2
            or len(set(combo)) < len(combo)
            or any(c not in spec.attributes for c in combo)
        ):
            bad(
                "groups.intersections",
                f"each intersection lists two or more different attributes of "
                f"{list(spec.attributes)}; got {list(combo)}",
                list(combo),
            )
    crossed = sorted({a for combo in spec.intersections for a in combo if isinstance(a, str)})
    for a in crossed:
        if INTERSECTION_SEP in a:
            bad(
                "groups.intersections",
                f"attribute {a!r} holds {INTERSECTION_SEP!r}, the separator of intersection "
                "names, so its intersections could not be read back: rename the column",
                a,
            )
    if spec.missing not in MISSING_POLICIES:
        bad(
            "groups.missing",
            f"expected one of {', '.join(map(repr, MISSING_POLICIES))}; got {spec.missing!r}",
            spec.missing,
        )
    names = set(spec.attributes) | {intersection_name(c) for c in spec.intersections}
    for attr, ref in spec.reference.items():
        if attr not in names:
            bad(
                f"groups.reference.{attr}",
                f"not an attribute or intersection of this audit; allowed: {sorted(names)}",
                attr,
                "unknown_key",
            )
        if not isinstance(ref, str):
            bad(
                f"groups.reference.{attr}",
                f"expected a group name, 'largest', 'most_favourable' or 'rest'; got {ref!r}",
                ref,
            )
    if isinstance(spec.max_groups, bool) or not isinstance(spec.max_groups, int):
        bad("groups.max_groups", f"expected a whole number; got {spec.max_groups!r}")
    problems += _check_assumptions(spec.assumptions)
    if roles.sample is not None and roles.outcome is None:
        bad(
            "roles.outcome",
            "a random audit sample needs the outcome column; name it",
            reason="missing_key",
        )
    if spec.population is not None:
        problems += _check_population(spec)
    if roles.period is not None:
        problems += _check_period(spec)
    problems += _check_harm(spec)
    drawn_from = spec.sample.drawn_from
    if drawn_from not in SAMPLE_FRAMES:
        bad(
            "sample.drawn_from",
            f"expected one of {', '.join(map(repr, SAMPLE_FRAMES))}; got {drawn_from!r}",
            drawn_from,
        )
    elif drawn_from != "unflagged" and roles.sample is None:
        bad(
            "sample.drawn_from",
            "describes a random audit sample; name the sample column (roles.sample) or "
            "leave [sample] out",
            drawn_from,
            "conflict",
        )
    return problems


def _check_period(spec: AuditSpec) -> list[Problem]:
    """What a period role cannot be combined with (yet)."""
    problems = []
    if spec.roles.sample is not None:
        problems.append(
            Problem(
                "roles.period: not available with a random audit sample (roles.sample) yet; "
                "audit each period on its own (e.g. [data] query or a filtered file per period)",
                column="roles.period",
                value=spec.roles.period,
                reason="conflict",
            )
        )
    thr = spec.threshold
    if thr is not None and (thr.top_k is not None or thr.top_fraction is not None):
        problems.append(
            Problem(
                "threshold: top_k and top_fraction would take the highest scores of all "
                "periods together, not of each period; with roles.period use score_at_least, "
                "or name the flagged column (roles.flagged)",
                column="threshold",
                reason="conflict",
            )
        )
    return problems


def _check_harm(spec: AuditSpec) -> list[Problem]:
    """Problems with ``[harm]`` and the amount role."""
    problems = []
    decision, label = spec.harm.decision, spec.harm.amount_label
    if decision not in DECISIONS:
        problems.append(
            Problem(
                f"harm.decision: expected one of {', '.join(map(repr, DECISIONS))}; got "
                f"{decision!r}",
                column="harm.decision",
                value=decision,
            )
        )
    if not isinstance(label, str) or not label.strip():
        problems.append(
            Problem(
                f"harm.amount_label: expected a few words, e.g. 'euros reclaimed'; got {label!r}",
                column="harm.amount_label",
                value=label,
            )
        )
    return problems


def _is_number(x: Any) -> bool:
    return not isinstance(x, bool) and isinstance(x, int | float) and math.isfinite(x)


def _check_assumptions(a: Assumptions) -> list[Problem]:
    problems = []

    def bad(key: str, message: str, value: Any) -> None:
        problems.append(
            Problem(f"assumptions.{key}: {message}", column=f"assumptions.{key}", value=value)
        )

    pair = a.unlabelled_fraud_rate
    if (
        not isinstance(pair, list | tuple)
        or len(pair) != 2
        or not all(_is_number(x) and 0 <= x <= 1 for x in pair)
        or pair[0] > pair[1]
    ):
        bad(
            "unlabelled_fraud_rate",
            f"expected [low, high] with 0 <= low <= high <= 1, e.g. [0, 0.3]; got {pair!r}",
            pair,
        )
    for key in ("min_base_rate", "max_base_rate"):
        v = getattr(a, key)
        if v is not None and not (_is_number(v) and 0 <= v <= 1):
            bad(key, f"expected a share between 0 and 1, e.g. 0.2; got {v!r}", v)
    lo, hi = a.min_base_rate, a.max_base_rate
    if _is_number(lo) and _is_number(hi) and lo > hi:  # type: ignore[operator]
        bad("min_base_rate", f"is larger than max_base_rate ({lo!r} > {hi!r})", lo)
    return problems


def _check_population(spec: AuditSpec) -> list[Problem]:
    problems = []
    pop = spec.population
    assert pop is not None

    def bad(key: str, message: str, value: Any) -> None:
        problems.append(
            Problem(f"population.{key}: {message}", column=f"population.{key}", value=value)
        )

    if spec.roles.sample is None:
        bad(
            "total",
            "a population size is only used with roles.sample (a random audit "
            "sample); name the sample column or leave [population] out",
            pop.total,
        )
    if not (_is_number(pop.total) and pop.total > 0):  # type: ignore[operator]
        bad(
            "total",
            f"expected the number of people scored, e.g. 120000; got {pop.total!r}",
            pop.total,
        )
    if not isinstance(pop.groups, Mapping):
        bad(
            "groups",
            f"expected a table per attribute of group = size; got {pop.groups!r}",
            pop.groups,
        )
        return problems
    for attr, sizes in pop.groups.items():
        if attr not in spec.attributes:
            bad(
                f"groups.{attr}",
                f"not an attribute of this audit; allowed: {list(spec.attributes)}",
                attr,
            )
            continue
        if not isinstance(sizes, Mapping) or not all(
            _is_number(v) and v >= 0 for v in sizes.values()
        ):
            bad(f"groups.{attr}", f"expected group = size (numbers >= 0); got {sizes!r}", sizes)
            continue
        total = sum(sizes.values())
        want = pop.total
        if isinstance(want, int | float) and abs(total - want) > 1e-9 * max(1.0, want):
            bad(
                f"groups.{attr}",
                f"group sizes add up to {total:,g}, not population.total = "
                f"{pop.total:,g}; list every group (including '(missing)')",
                total,
            )
    return problems
