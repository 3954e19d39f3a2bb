"""The version of the configuration format, so that later changes can be migrated."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._exceptions import ConfigError, Problem

#: The configuration format this biasaudit writes and reads. A file without a
#: ``version`` key is read as this version; a later format that changes the meaning of
#: a key raises it, and files of an earlier version are migrated (or refused by name).
CONFIG_VERSION = 1


def split_version(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The configuration without its top-level ``version`` key, and the problem with
    that key if any (a file written for a newer biasaudit, or not a whole number).

    Examples
    --------
    >>> split_version({"version": 1, "data": {}})
    ({'data': {}}, [])
    >>> print(split_version({"version": 9})[1][0].message.split(";")[0])
    version: this file is in configuration format 9, written for a newer biasaudit
    """
    body = {k: v for k, v in raw.items() if k != "version"}
    version = raw.get("version", CONFIG_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        message = f"version: expected a whole number >= 1 (this biasaudit writes {CONFIG_VERSION})"
        return body, [Problem(message, column="version", value=version)]
    if version > CONFIG_VERSION:
        return body, [
            Problem(
                f"version: this file is in configuration format {version}, written for a "
                f"newer biasaudit; this one reads format {CONFIG_VERSION}. Upgrade biasaudit "
                "(pip install -U biasaudit)",
                column="version",
                value=version,
                reason="version",
            )
        ]
    return body, []


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The parsed TOML of a configuration file (audit or probe).

    Raises
    ------
    ConfigError
        The file is missing, or is not valid UTF-8 TOML.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            [Problem(f"file not found: {str(path)!r}", value=str(path), reason="file_not_found")]
        )
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            [Problem(f"not valid TOML: {exc}", reason="syntax")], context=path.name
        ) from exc
