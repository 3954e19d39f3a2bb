"""The ``[report]`` section of an audit configuration: the report's title and author,
and how it names attributes and groups (``names``, ``labels``).

Checked when the configuration is read (and when :meth:`AuditResult.report` is given
the same section as a mapping), so a typo is named before the audit runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._exceptions import ConfigError, Problem
from ..spec import REPORT_LANGUAGES as REPORT_LANGUAGES  # where the languages are defined
from ..spec import language_problems as language_problems

#: Keys of the ``[report]`` section.
REPORT_KEYS = ("title", "author", "names", "labels")


def check_language(value: Any, key: str = "language") -> str:
    """``value`` when it is a report language, else a :class:`ConfigError` listing them."""
    problems = language_problems(value, key)
    if problems:
        raise ConfigError(problems)
    return str(value)


def report_problems(section: Any, attributes: list[str] | None = None) -> list[Problem]:
    """Every problem with a ``[report]`` section (empty when it is fine).

    ``attributes``: the attributes and intersections audited (``"gender × nationality"``),
    when known; a label for another attribute is then a problem.

    Examples
    --------
    >>> [p.message for p in report_problems({"labels": {"gender": {"F": "women", "M": "women"}}})]
    ["report.labels.gender: 'F' and 'M' have the same label 'women'; give each group its own"]
    """
    problems: list[Problem] = []

    def bad(key: str, message: str, value: Any = None) -> None:
        problems.append(Problem(f"{key}: {message}", column=key, value=value, reason="invalid"))

    if not isinstance(section, Mapping):
        bad("[report]", f"expected a section (a table); got {section!r}", section)
        return problems
    for key in section:
        if key not in REPORT_KEYS:
            problems.append(
                Problem(
                    f"report.{key}: unknown key; allowed: {', '.join(REPORT_KEYS)}",
                    column=f"report.{key}",
                    value=key,
                    reason="unknown_key",
                )
            )
    for key in ("title", "author"):
        if key in section and (not isinstance(section[key], str) or not section[key].strip()):
            bad(
                f"report.{key}",
                f'expected text in quotes, e.g. "..."; got {section[key]!r}',
                section[key],
            )
    names = section.get("names", {})
    if not isinstance(names, Mapping):
        bad(
            "report.names",
            f'expected a table such as {{ age_band = "age" }}; got {names!r}',
            names,
        )
        names = {}
    for attribute, name in names.items():
        _known(attribute, attributes, f"report.names.{attribute}", bad)
        if not isinstance(name, str) or not name.strip():
            bad(f"report.names.{attribute}", f"expected text in quotes; got {name!r}", name)
    labels = section.get("labels", {})
    if not isinstance(labels, Mapping):
        bad(
            "report.labels",
            f'expected a table per attribute, e.g. gender = {{ F = "women" }}; got {labels!r}',
            labels,
        )
        labels = {}
    for attribute, groups in labels.items():
        key = f"report.labels.{attribute}"
        _known(attribute, attributes, key, bad)
        if not isinstance(groups, Mapping):
            bad(
                key,
                f'expected a table of group = "label", e.g. {{ F = "women" }}; got {groups!r}',
                groups,
            )
            continue
        seen: dict[str, str] = {}
        for group, label in groups.items():
            if not isinstance(label, str) or not label.strip():
                bad(f"{key}.{group}", f"expected text in quotes; got {label!r}", label)
                continue
            if label in seen:
                bad(
                    key,
                    f"{seen[label]!r} and {group!r} have the same label {label!r}; give each "
                    "group its own",
                    label,
                )
            seen[label] = str(group)
    return problems


def _known(attribute: str, attributes: list[str] | None, key: str, bad: Any) -> None:
    if attributes is not None and attribute not in attributes:
        bad(key, f"{attribute!r} is not audited; audited: {', '.join(attributes)}", attribute)


def check_report_section(section: Mapping[str, Any], attributes: list[str] | None = None) -> None:
    """Raise :class:`ConfigError` naming every problem with a ``[report]`` section."""
    problems = report_problems(section, attributes)
    if problems:
        raise ConfigError(problems, context="[report]")
