"""Scorecards: a published or FOI-obtained linear score, applied to records exactly.

A scorecard file (TOML)::

    intercept = -2.0
    link = "logistic"            # or "identity" (default)

    [numeric]                    # points per unit of a numeric variable
    language_level = -0.45

    [levels.gender]              # points per category level (list every level)
    F = 0.6
    M = 0.0

    [[rules]]                    # optional; see biasaudit.probe._rules for the grammar
    when = "education = 'MBO' and distance_to_parents < 5"
    add = 1.0                    # points added to the linear predictor, or
    # score = 1.0                # the final score when the rule matches (first wins)
    label = "high risk"

or CSV with columns ``variable, level, coefficient`` (a blank level: a numeric
variable; the variable ``intercept`` for the intercept, ``link`` with the link's name
as its level).
"""

from __future__ import annotations

import csv
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import ConfigError, Problem
from ._rules import Rule, RuleSyntaxError, parse_rule

LINKS = ("identity", "logistic")
_KEYS = ("intercept", "link", "numeric", "levels", "rules", "name")
_RULE_KEYS = ("when", "add", "score", "label")


@dataclass(frozen=True)
class ScoreRule:
    """A rule of a scorecard: points added (``add``) or a final score set (``score``)."""

    rule: Rule
    add: float | None = None
    score: float | None = None
    label: str = ""

    @property
    def name(self) -> str:
        """What the contributions table calls the rule."""
        return f"rule: {self.label or self.rule.text}"


@dataclass(frozen=True)
class Scorecard:
    """A linear score with an optional link and rules.

    Examples
    --------
    >>> card = Scorecard(intercept=-1.0, numeric={"x": 0.5}, levels={"g": {"F": 1.0, "M": 0.0}})
    >>> card.score(pd.DataFrame({"x": [2.0, 0.0], "g": ["F", "M"]})).tolist()
    [1.0, -1.0]
    """

    intercept: float = 0.0
    numeric: Mapping[str, float] = field(default_factory=dict)
    levels: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    link: str = "identity"
    rules: tuple[ScoreRule, ...] = ()
    name: str = "scorecard"

    @property
    def features(self) -> tuple[str, ...]:
        """The columns the scorecard reads."""
        out = [*self.numeric, *self.levels]
        for r in self.rules:
            out += [c for c in r.rule.columns if c not in out]
        return tuple(dict.fromkeys(out))

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Points each variable (and each ``add`` rule) gives each row, on the scale of
        the linear predictor; the columns add up to it."""
        out = pd.DataFrame(index=frame.index)
        out["intercept"] = float(self.intercept)
        for name, coef in self.numeric.items():
            out[name] = float(coef) * pd.to_numeric(frame[name], errors="coerce").to_numpy(float)
        for name, table in self.levels.items():
            keys = level_keys(frame[name])
            out[name] = keys.map(dict(table)).to_numpy(dtype=float, na_value=math.nan)
        for r in self.rules:
            if r.add is not None:
                out[r.name] = np.where(r.rule.evaluate(frame), float(r.add), 0.0)
        return out

    def linear(self, frame: pd.DataFrame) -> np.ndarray:
        """The linear predictor (before the link and the ``score`` rules)."""
        return self.contributions(frame).to_numpy(float).sum(axis=1)

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """The score of each row."""
        eta = self.linear(frame)
        out = 1.0 / (1.0 + np.exp(-eta)) if self.link == "logistic" else eta
        done = np.zeros(len(frame), dtype=bool)
        for r in self.rules:
            if r.score is not None:
                hit = r.rule.evaluate(frame) & ~done
                out = np.where(hit, float(r.score), out)
                done |= hit
        return np.asarray(out, dtype=float)

    def check(self, frame: pd.DataFrame) -> list[Problem]:
        """What stops the scorecard from scoring ``frame``: missing columns, values that
        are not numbers, levels without points, and the scorecard's levels that never
        occur in the data (usually a coding mismatch such as 'Female' for 'F')."""
        problems: list[Problem] = []
        missing = [c for c in self.features if c not in frame.columns]
        if missing:
            return problems  # the model check reports missing columns
        for name in self.numeric:
            x = pd.to_numeric(frame[name], errors="coerce")
            bad = x.isna() & frame[name].notna()
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                problems.append(
                    Problem(
                        f"column {name!r}: {int(bad.sum()):,} values are not numbers, e.g. "
                        f"{frame[name].iloc[i]!r} (row {i + 1}); the scorecard gives points "
                        "per unit of it",
                        column=name,
                        row=i + 1,
                        value=frame[name].iloc[i],
                        reason="not_numeric",
                    )
                )
            if frame[name].isna().any():
                i = int(np.flatnonzero(frame[name].isna().to_numpy())[0])
                problems.append(
                    Problem(
                        f"column {name!r}: {int(frame[name].isna().sum()):,} missing values "
                        f"(row {i + 1}); the scorecard cannot score them",
                        column=name,
                        row=i + 1,
                        reason="missing_value",
                    )
                )
        for name, table in self.levels.items():
            keys = level_keys(frame[name])
            seen = set(keys.dropna())
            unknown = sorted(seen - set(table))
            if unknown or keys.isna().any():
                shown = ", ".join(map(repr, unknown[:5])) + (
                    " and missing" if keys.isna().any() else ""
                )
                i = int(np.flatnonzero((~keys.isin(table)).to_numpy())[0])
                problems.append(
                    Problem(
                        f"column {name!r}: values without points in the scorecard: {shown} "
                        f"(row {i + 1}); the scorecard lists {', '.join(map(repr, table))}: "
                        "add the missing levels to [levels." + name + "]",
                        column=name,
                        row=i + 1,
                        value=unknown[0] if unknown else None,
                        reason="unknown_level",
                    )
                )
            absent = [k for k in table if k not in seen]
            if absent:
                problems.append(
                    Problem(
                        f"scorecard level not in the data: [levels.{name}] "
                        f"{', '.join(map(repr, absent))}; the data's values are "
                        f"{', '.join(map(repr, sorted(seen)[:8]))}: fix the spelling or the "
                        "coding",
                        column=name,
                        value=absent[0],
                        reason="level_not_in_data",
                    )
                )
        for r in self.rules:
            for col, values in r.rule.values().items():
                if col in self.numeric or col not in frame.columns:
                    continue
                seen = set(level_keys(frame[col]).dropna())
                absent = [v for v in values if v not in seen]
                if absent:
                    problems.append(
                        Problem(
                            f"rule {r.rule.text!r}: {col} never equals "
                            f"{', '.join(map(repr, absent))} in the data; the data's values "
                            f"are {', '.join(map(repr, sorted(seen)[:8]))}",
                            column=col,
                            value=absent[0],
                            reason="level_not_in_data",
                        )
                    )
        return problems


def level_keys(column: pd.Series) -> pd.Series:
    """Each value as the text a scorecard or a flip map names its level by (1.0 -> '1'),
    None when missing.

    >>> level_keys(pd.Series([1.0, 2.5, None])).tolist()
    ['1', '2.5', None]
    """
    missing = column.isna().to_numpy()
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        text = column.astype(object).map({True: "1", False: "0"})
    elif pd.api.types.is_integer_dtype(dtype):
        text = column.astype(object).where(~missing, None).map(str)
    elif pd.api.types.is_float_dtype(dtype):
        x = column.to_numpy(dtype=float)
        whole = np.isfinite(x) & (x == np.round(x))
        text = pd.Series(column.astype(str).to_numpy(dtype=object), index=column.index)
        text[whole] = pd.Series(x[whole].astype(np.int64), dtype=object).astype(str).to_numpy()
    else:
        values = column.astype(object)
        plain = values[~missing].map(type).isin([str]).all()
        text = values.astype(str) if plain else values.map(_key)
    out = pd.Series(text.to_numpy(dtype=object), index=column.index, dtype=object)
    out[missing] = None
    return out


def _key(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, bool | np.bool_):
        return str(int(v))
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    return str(v)


def scorecard_from_dict(raw: Mapping[str, Any], *, where: str = "scorecard") -> Scorecard:
    """A scorecard from the content of a scorecard file.

    Raises
    ------
    ConfigError
        Listing every problem with the scorecard.
    """
    problems: list[Problem] = []

    def bad(key: str, message: str, value: Any = None) -> None:
        problems.append(Problem(f"{where} {key}: {message}", column=key, value=value))

    for key in raw:
        if key not in _KEYS:
            bad(key, f"unknown key; allowed: {', '.join(_KEYS)}", key)
    intercept = raw.get("intercept", 0.0)
    if not _number(intercept):
        bad("intercept", f"expected a number; got {intercept!r}", intercept)
        intercept = 0.0
    link = raw.get("link", "identity")
    if link not in LINKS:
        bad("link", f"expected 'identity' or 'logistic'; got {link!r}", link)
        link = "identity"
    numeric: dict[str, float] = {}
    for k, v in dict(raw.get("numeric", {})).items():
        if _number(v):
            numeric[str(k)] = float(v)
        else:
            bad(f"numeric.{k}", f"expected a number of points per unit; got {v!r}", v)
    levels: dict[str, dict[str, float]] = {}
    for var, table in dict(raw.get("levels", {})).items():
        if not isinstance(table, Mapping) or not table:
            bad(f"levels.{var}", f"expected a table of level = points; got {table!r}", table)
            continue
        levels[str(var)] = {}
        for level, v in table.items():
            if _number(v):
                levels[str(var)][str(level)] = float(v)
            else:
                bad(f"levels.{var}.{level}", f"expected a number of points; got {v!r}", v)
    both = set(numeric) & set(levels)
    for var in sorted(both):
        bad(var, "given both as numeric and with levels; keep one", var)
    rules: list[ScoreRule] = []
    raw_rules = raw.get("rules", [])
    if not isinstance(raw_rules, list):
        bad("rules", "expected a list of [[rules]] tables", raw_rules)
        raw_rules = []
    for i, r in enumerate(raw_rules, start=1):
        if not isinstance(r, Mapping):
            bad(f"rules[{i}]", f"expected a table with when = ...; got {r!r}", r)
            continue
        for key in r:
            if key not in _RULE_KEYS:
                bad(f"rules[{i}].{key}", f"unknown key; allowed: {', '.join(_RULE_KEYS)}", key)
        try:
            rule = parse_rule(str(r.get("when", "")))
        except RuleSyntaxError as exc:
            bad(f"rules[{i}].when", f"{exc}; got {r.get('when')!r}", r.get("when"))
            continue
        add, score = r.get("add"), r.get("score")
        if (add is None) == (score is None) or not _number(add if add is not None else score):
            bad(
                f"rules[{i}]",
                "give exactly one number: add = points (added to the linear predictor) "
                "or score = the final score when the rule matches",
                r,
            )
            continue
        rules.append(
            ScoreRule(
                rule,
                add=None if add is None else float(add),
                score=None if score is None else float(score),
                label=str(r.get("label", "")),
            )
        )
    if not numeric and not levels and not rules:
        bad("", "no variables: give [numeric], [levels.NAME] or [[rules]]")
    if problems:
        raise ConfigError(problems)
    return Scorecard(
        intercept=float(intercept),
        numeric=numeric,
        levels=levels,
        link=str(link),
        rules=tuple(rules),
        name=str(raw.get("name", "scorecard")),
    )


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def read_scorecard(path: str | Path) -> Scorecard:
    """Read a scorecard file (``.toml`` or ``.csv``).

    Raises
    ------
    ConfigError
        When the file is missing, unreadable or not a valid scorecard.
    """
    path = Path(path)
    where = f"scorecard {path.name!r}"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            [Problem(f"{where}: cannot read it ({exc})", value=str(path), reason="unreadable")]
        ) from exc
    if path.suffix.lower() == ".csv":
        return scorecard_from_dict(_csv_dict(text, where), where=where)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(f"{where}: not valid TOML: {exc}", reason="syntax")]) from exc
    return scorecard_from_dict(raw, where=where)


def _csv_dict(text: str, where: str) -> dict[str, Any]:
    rows = list(csv.DictReader(text.splitlines()))
    want = {"variable", "level", "coefficient"}
    if not rows or not want <= set(rows[0]):
        raise ConfigError(
            [
                Problem(
                    f"{where}: expected the columns variable, level, coefficient", reason="syntax"
                )
            ]
        )
    out: dict[str, Any] = {"numeric": {}, "levels": {}}
    problems = []
    for i, r in enumerate(rows, start=2):
        var, level, coef = r["variable"].strip(), (r["level"] or "").strip(), r["coefficient"]
        if var == "link":
            out["link"] = level
            continue
        try:
            value = float(coef)
        except (TypeError, ValueError):
            problems.append(
                Problem(
                    f"{where} line {i}: coefficient {coef!r} is not a number", row=i, value=coef
                )
            )
            continue
        if var == "intercept":
            out["intercept"] = value
        elif level:
            out["levels"].setdefault(var, {})[level] = value
        else:
            out["numeric"][var] = value
    if problems:
        raise ConfigError(problems)
    return out
