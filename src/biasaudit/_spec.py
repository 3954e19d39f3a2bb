"""What an audit is asked to do: column roles, value codes, threshold, groups.

These frozen dataclasses are the one description of an audit, whether it comes
from keyword arguments in Python or from a TOML file. :func:`check_spec` collects
every problem with them into one :class:`ConfigError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from ._exceptions import ConfigError, Problem

MissingPolicy = Literal["as_group", "drop", "error"]
MISSING_POLICIES = ("as_group", "drop", "error")
REFERENCE_RULES = ("largest", "most_favourable")
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
CODED_ROLES = ("flagged", "investigated", "outcome")


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
        Survey or inverse-probability weight (non-negative numbers).
    """

    flagged: str | None = None
    outcome: str | None = None
    investigated: str | None = None
    score: str | None = None
    id: str | None = None
    weight: str | None = None

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

    def lookup(self, role: str) -> dict[str | None, int | None]:
        """Map canonical raw values of ``role`` to 1 (yes), 0 (no) or None (unknown)."""
        given = getattr(self, role)
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
    from ._stats import CORRECTIONS, INTERVAL_METHODS

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

    @property
    def columns(self) -> list[str]:
        """Every column the audit reads, each once, in a stable order."""
        cols = [c for _, c in self.roles.items()] + list(self.attributes)
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
) -> AuditSpec:
    """Build an :class:`AuditSpec` from plain Python values, collecting every problem.

    Raises
    ------
    ConfigError
        Listing every invalid key or value.
    """
    problems: list[Problem] = []
    roles_obj = _build(Roles, roles, "roles", problems)
    codes_obj = Codes() if codes is None else _build_codes(codes, problems)
    threshold_obj = (
        None if threshold is None else _build(Threshold, threshold, "threshold", problems)
    )
    stats_obj = StatsOptions() if stats is None else _build(StatsOptions, stats, "stats", problems)
    attrs = (groups,) if isinstance(groups, str) else tuple(groups)
    inter = tuple(tuple(x) for x in intersections)
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
    )
    problems += check_spec(spec)
    problems += check_stats(spec.stats)
    if problems:
        raise ConfigError(problems)
    return spec


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
        for meaning, raw in table.items():
            if meaning not in ("yes", "no", "unknown"):
                problems.append(
                    Problem(
                        f"codes.{role}.{meaning}: unknown key; allowed: yes, no, unknown",
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
        if at is not None and (isinstance(at, bool) or not isinstance(at, int | float)):
            bad("threshold.score_at_least", f"expected a number; got {at!r}", at)
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
                f"expected a group name, 'largest' or 'most_favourable'; got {ref!r}",
                ref,
            )
    if isinstance(spec.max_groups, bool) or not isinstance(spec.max_groups, int):
        bad("groups.max_groups", f"expected a whole number; got {spec.max_groups!r}")
    return problems
