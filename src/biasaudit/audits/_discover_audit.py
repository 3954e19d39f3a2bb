"""Subgroup discovery as part of an audit: ``result.discover(...)``, ``audit(...,
discover=...)`` and the ``[discover]`` section of a configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._exceptions import ConfigError, Problem
from .._progress import step
from ..discover import Discoveries, DiscoverOptions, as_discover_options, discover_subgroups
from ..io import Link, Records, database_errors, link_records, open_records, spark_errors
from ..spec import AuditSpec


def open_for_discovery(
    records: Any,
    spec: AuditSpec,
    options: DiscoverOptions,
    *,
    link: Link | None = None,
    **read: Any,
) -> Records:
    """Open ``records`` with the columns of the audit and of the discovery: the
    combination attributes as text (group labels), the features as they are."""
    text = [c for r, c in spec.roles.items() if r not in ("score", "weight", "count")]
    text += [*spec.attributes, *options.search_attributes(spec)]
    columns = list(dict.fromkeys([*spec.columns, *options.columns(spec)]))
    if link is None:
        return open_records(records, columns=columns, text_columns=text, **read)
    key = link.keys[0]
    opened = open_records(records, columns=[*columns, key], text_columns=[*text, key], **read)
    return link_records(opened, link, columns=columns, text_columns=text)


def run_discovery(
    records: Records,
    spec: AuditSpec,
    options: DiscoverOptions,
    *,
    metrics: Sequence[str] | None,
) -> Discoveries:
    """The discovery on opened records (with the progress step and engine errors)."""
    with (
        step("subgroup discovery"),
        database_errors(records),
        spark_errors("to read the records for discovery"),
    ):
        return discover_subgroups(records, spec, options, metrics=metrics)


def discover_for(
    result: Any,
    records: Any,
    options: DiscoverOptions | Mapping[str, Any],
    *,
    link: Link | None = None,
    **read: Any,
) -> Discoveries:
    """``result.discover(records, ...)`` of an :class:`AuditResult`: the same roles,
    codes and statistics options."""
    if result.counts.base is None:
        raise ConfigError(
            [
                Problem(
                    "discover: subgroup discovery needs decision records, one row per person "
                    "(it splits the people in two halves and searches one); this audit is of "
                    "an aggregated table of counts, whose groups are all that can be shown",
                    column="discover",
                    reason="needs_records",
                )
            ]
        )
    checked = as_discover_options(options, result.spec)
    opened = open_for_discovery(records, result.spec, checked, link=link, **read)
    metrics = list(result.table["metric"].drop_duplicates())
    return run_discovery(opened, result.spec, checked, metrics=metrics)


def audit_and_discover(
    records: Any,
    spec: AuditSpec,
    options: DiscoverOptions | Mapping[str, Any],
    *,
    run_audit: Callable[..., Any],
    link: Link | None = None,
    metrics: Sequence[str] | None = None,
    **read: Any,
) -> Any:
    """The audit (``run_audit``) and its discovery, on records opened once with the
    columns of both; the audit's result with ``discoveries`` set."""
    import dataclasses

    checked = as_discover_options(options, spec)
    with step("opening the data"):
        opened = open_for_discovery(records, spec, checked, link=link, **read)
    result = run_audit(opened, spec, metrics=metrics)
    shown = list(result.table["metric"].drop_duplicates())
    found = run_discovery(opened, spec, checked, metrics=shown)
    return dataclasses.replace(result, discoveries=found)
