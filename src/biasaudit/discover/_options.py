"""What a subgroup discovery searches, and the checks of those options.

The ``[discover]`` section of an audit configuration and the keyword arguments of
``AuditResult.discover`` / ``audit(..., discover=...)`` both become one
:class:`DiscoverOptions`; every problem is collected into one :class:`ConfigError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from .._exceptions import ConfigError, Problem
from ..spec import METRICS, AuditSpec, metric

#: Keys of ``[discover]``, in the order the documentation lists them.
DISCOVER_KEYS = (
    "attributes",
    "features",
    "depth",
    "min_size",
    "metric",
    "max_groups",
    "correction",
    "level",
    "seed",
    "max_splits",
    "max_rows",
)
#: Corrections a discovery may use: without one, searching manufactures findings.
DISCOVER_CORRECTIONS = ("holm", "fdr_bh")
#: Default smallest subgroup, in people of the find half.
DEFAULT_MIN_SIZE = 50


@dataclass(frozen=True)
class DiscoverOptions:
    """How to search for the most disadvantaged subgroups.

    Parameters
    ----------
    attributes : tuple of str or None
        Columns whose combinations are searched (categories). None: the audit's
        protected attributes; ``()``: no combination search.
    features : tuple of str
        Input columns to cluster on (numbers, or categories); ``()``: no clustering.
    depth : int, default 3
        Most attributes a combination may combine (1 = single groups).
    min_size : int, default 50
        Fewest people a subgroup may have in the find half.
    metric : str, default "selection_rate"
        The rate searched on (a registry metric compared group to group, e.g.
        ``false_positive_rate`` with outcomes for everyone).
    max_groups : int, default 5
        Most subgroups each method hands to the test half.
    correction : {"holm", "fdr_bh"}, default "holm"
        Multiple-testing control over the tested subgroups (family-wise error rate,
        or false-discovery rate).
    level : float or None
        A subgroup is reported when its adjusted p-value is below this; None: ``1 -
        [stats] confidence``.
    seed : int or None
        Seed of the split into find and test halves and of the clustering; None:
        ``[stats] seed``.
    max_splits : int, default 40
        Most splits the bias-aware clustering tries.
    max_rows : int, default 2,000,000
        Most records a lazy engine (DuckDB, Spark, a database) may hand over for
        discovery, which runs in memory.
    """

    attributes: tuple[str, ...] | None = None
    features: tuple[str, ...] = ()
    depth: int = 3
    min_size: int = DEFAULT_MIN_SIZE
    metric: str = "selection_rate"
    max_groups: int = 5
    correction: str = "holm"
    level: float | None = None
    seed: int | None = None
    max_splits: int = 40
    max_rows: int = 2_000_000

    def search_attributes(self, spec: AuditSpec) -> tuple[str, ...]:
        """The columns the combination search uses."""
        return tuple(spec.attributes) if self.attributes is None else self.attributes

    def columns(self, spec: AuditSpec) -> list[str]:
        """Every column discovery reads besides the audit's own."""
        return list(dict.fromkeys([*self.search_attributes(spec), *self.features]))


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _names(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) and v for v in value)


def as_discover_options(
    options: DiscoverOptions | Mapping[str, Any], spec: AuditSpec
) -> DiscoverOptions:
    """Check ``options`` (a mapping as in ``[discover]``) against the audit ``spec``.

    Raises
    ------
    ConfigError
        Listing every problem: unknown keys, values of the wrong kind or range, a
        metric that is not a rate compared group to group, or nothing to search.

    Examples
    --------
    >>> from biasaudit.spec import make_spec
    >>> spec = make_spec(roles={"flagged": "flag"}, groups=["sex"])
    >>> as_discover_options({"depth": 2}, spec).search_attributes(spec)
    ('sex',)
    """
    if isinstance(options, DiscoverOptions):
        raw: dict[str, Any] = {f.name: getattr(options, f.name) for f in fields(options)}
    elif isinstance(options, Mapping):
        raw = dict(options)
    else:
        raise ConfigError(
            [
                Problem(
                    f"discover: expected a table of options, e.g. {{'depth': 3}}; got {options!r}",
                    column="discover",
                    value=options,
                )
            ]
        )
    problems: list[Problem] = []

    def bad(key: str, message: str, value: Any = None, reason: str = "invalid") -> None:
        problems.append(
            Problem(
                f"discover.{key}: {message}", column=f"discover.{key}", value=value, reason=reason
            )
        )

    for key in raw:
        if key not in DISCOVER_KEYS:
            close = difflib.get_close_matches(str(key), DISCOVER_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            bad(
                str(key),
                f"unknown key{hint}; allowed: {', '.join(DISCOVER_KEYS)}",
                key,
                "unknown_key",
            )
    out: dict[str, Any] = {}
    for key in ("attributes", "features"):
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            value = [value]
        if not _names(value):
            bad(key, f"expected a list of column names; got {value!r}", value)
            continue
        out[key] = tuple(dict.fromkeys(value))
    for key, low, default in (
        ("depth", 1, 3),
        ("min_size", 1, DEFAULT_MIN_SIZE),
        ("max_groups", 1, 5),
        ("max_splits", 1, 40),
        ("max_rows", 1, 2_000_000),
    ):
        value = raw.get(key, default)
        if not _whole(value) or value < low:
            bad(key, f"expected a whole number >= {low}; got {value!r}", value)
        else:
            out[key] = value
    seed = raw.get("seed")
    if seed is not None:
        if not _whole(seed) or seed < 0:
            bad("seed", f"expected a whole number >= 0; got {seed!r}", seed)
        else:
            out["seed"] = seed
    level = raw.get("level")
    if level is not None:
        if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
            bad("level", f"expected a number between 0 and 1, e.g. 0.05; got {level!r}", level)
        else:
            out["level"] = float(level)
    correction = raw.get("correction", "holm")
    if correction not in DISCOVER_CORRECTIONS:
        bad(
            "correction",
            f"expected 'holm' (family-wise error rate) or 'fdr_bh' (false-discovery rate); "
            f"got {correction!r}: without a correction the search itself makes findings",
            correction,
        )
    else:
        out["correction"] = correction
    name = raw.get("metric", "selection_rate")
    found = _metric_problems(name, spec)
    problems += found
    if not found:
        out["metric"] = metric(name).name  # an alias, e.g. false_accusation_rate
    options_out = DiscoverOptions(**out)
    if not options_out.search_attributes(spec) and not options_out.features:
        bad(
            "attributes",
            "nothing to search: name attributes (combinations of groups) or features "
            "(input columns to cluster on)",
            reason="missing_key",
        )
    for key in ("attributes", "features"):
        overlap = [c for c in out.get(key, ()) if c in [col for _, col in spec.roles.items()]]
        for c in overlap:
            bad(
                key,
                f"{c!r} is a role column ({_role_of(spec, c)}), not an input; leave it out",
                c,
                "conflict",
            )
    if spec.roles.count is not None:
        bad(
            "",
            f"discovery splits people into two halves and needs one row per person; these "
            f"records are a table of patterns (roles.count = {spec.roles.count!r})",
            reason="conflict",
        )
    if spec.roles.sample is not None:
        bad(
            "",
            "discovery does not use a random audit sample (roles.sample) yet: its estimates "
            "need the sample's design; audit the groups it finds by naming them",
            reason="conflict",
        )
    if problems:
        for p in problems:  # "discover.: ..." reads badly for whole-section problems
            if p.message.startswith("discover.: "):
                problems[problems.index(p)] = Problem(
                    "discover: " + p.message.removeprefix("discover.: "),
                    column="discover",
                    value=p.value,
                    reason=p.reason,
                )
        raise ConfigError(problems)
    return options_out


def _role_of(spec: AuditSpec, column: str) -> str:
    return next(r for r, c in spec.roles.items() if c == column)


def _metric_problems(name: Any, spec: AuditSpec) -> list[Problem]:
    """A searched metric must be a rate of the group's own people with a direction."""
    searchable = [m.name for m in METRICS.values() if m.comparable and m.higher_is != "neutral"]

    def problem(message: str) -> list[Problem]:
        return [Problem(f"discover.metric: {message}", column="discover.metric", value=name)]

    if not isinstance(name, str):
        return problem(f"expected a metric name; got {name!r}")
    try:
        spec_m = metric(name)
    except ValueError:
        close = difflib.get_close_matches(name, searchable, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return problem(f"unknown metric {name!r}{hint}; allowed: {', '.join(searchable)}")
    if spec_m.name not in searchable:
        return problem(
            f"{name!r} is not a rate compared group to group; allowed: {', '.join(searchable)}"
        )
    if spec_m.kind != "decision" and spec.roles.outcome is None:
        return problem(f"{name!r} needs outcomes; name roles.outcome or search selection_rate")
    return []


def option_names(options: DiscoverOptions, spec: AuditSpec) -> Sequence[tuple[str, str]]:
    """Each column discovery reads, with the key that named it (for messages)."""
    return [("attributes", c) for c in options.search_attributes(spec)] + [
        ("features", c) for c in options.features
    ]
