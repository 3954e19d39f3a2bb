"""The languages a report is written in (``[output] language`` of an audit or a probe
configuration), in the first stage so that both configurations check it alike."""

from __future__ import annotations

from typing import Any

from .._exceptions import Problem

#: The languages the report is written in (``[output] language``), with their names.
REPORT_LANGUAGES = {"en": "English", "nl": "Dutch (Nederlands)"}


def language_problems(value: Any, key: str = "output.language") -> list[Problem]:
    """A problem when ``value`` is not a report language (empty when it is one).

    Examples
    --------
    >>> print(language_problems("fr")[0].message)
    output.language: unknown report language 'fr'; allowed: "en" (English), "nl" (Dutch (Nederlands))
    """
    if isinstance(value, str) and value in REPORT_LANGUAGES:
        return []
    allowed = ", ".join(f'"{c}" ({name})' for c, name in REPORT_LANGUAGES.items())
    message = f"{key}: unknown report language {value!r}; allowed: {allowed}"
    return [Problem(message, column=key, value=value, reason="invalid")]
