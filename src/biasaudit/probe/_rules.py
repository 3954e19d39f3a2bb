"""Scorecard rules such as ``education = 'MBO' and distance_to_parents < 5``.

A small recursive-descent parser: no ``eval``, so a rule from a file cannot run code.
Grammar::

    rule       := clause ("or" clause)*
    clause     := factor ("and" factor)*
    factor     := "not" factor | "(" rule ")" | comparison
    comparison := NAME op literal | NAME ["not"] "in" "(" literal ("," literal)* ")"
    op         := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    literal    := number | 'text' | "text"

A missing value matches no comparison (and ``not`` of it: a rule never flags a person
for a value nobody recorded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
      | '(?P<single>[^']*)'
      | "(?P<double>[^"]*)"
      | (?P<op><=|>=|==|!=|<>|=|<|>|\(|\)|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*|`[^`]+`)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in"}


class RuleSyntaxError(ValueError):
    """A rule that does not parse; the message says where and what was expected."""


@dataclass(frozen=True)
class Rule:
    """A parsed rule: its text and its tree (nested tuples)."""

    text: str
    tree: tuple[Any, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the rule reads, in order of first use."""
        out: list[str] = []

        def walk(node: tuple[Any, ...]) -> None:
            if node[0] in ("and", "or"):
                walk(node[1])
                walk(node[2])
            elif node[0] == "not":
                walk(node[1])
            elif node[1] not in out:
                out.append(node[1])

        walk(self.tree)
        return tuple(out)

    def values(self) -> dict[str, list[Any]]:
        """The literal values each column is compared with (text literals only)."""
        out: dict[str, list[Any]] = {}

        def walk(node: tuple[Any, ...]) -> None:
            if node[0] in ("and", "or"):
                walk(node[1])
                walk(node[2])
            elif node[0] == "not":
                walk(node[1])
            else:
                lits = node[2] if node[0] in ("in", "not in") else [node[2]]
                out.setdefault(node[1], []).extend(v for v in lits if isinstance(v, str))

        walk(self.tree)
        return out

    def evaluate(self, frame: pd.DataFrame) -> np.ndarray:
        """A boolean array: which rows the rule matches.

        Examples
        --------
        >>> rule = parse_rule("education = 'MBO' and distance < 5")
        >>> frame = pd.DataFrame({"education": ["MBO", "MBO", "HBO"], "distance": [2, 9, 1]})
        >>> rule.evaluate(frame).tolist()
        [True, False, False]
        """
        return _eval(self.tree, frame)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise RuleSyntaxError(
                f"cannot read {text[pos:].strip()[:20]!r} (character {pos + 1}); write "
                "comparisons like education = 'MBO' joined by and / or"
            )
        pos = m.end()
        if m.group("number") is not None:
            out.append(("lit", float(m.group("number"))))
        elif m.group("single") is not None or m.group("double") is not None:
            out.append(
                ("lit", m.group("single") if m.group("single") is not None else m.group("double"))
            )
        elif m.group("op") is not None:
            out.append(("op", m.group("op")))
        else:
            name = m.group("name")
            if name.lower() in _KEYWORDS:
                out.append(("kw", name.lower()))
            else:
                out.append(("name", name.strip("`")))
    return out


def parse_rule(text: str) -> Rule:
    """Parse a rule.

    Raises
    ------
    RuleSyntaxError
        When the text is not a rule; the message says what was expected.

    Examples
    --------
    >>> parse_rule("age < 25 or not (household in ('single', 'couple'))").columns
    ('age', 'household')
    """
    tokens = _tokens(str(text))
    pos = 0

    def peek() -> tuple[str, Any] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, Any]:
        nonlocal pos
        if pos >= len(tokens):
            raise RuleSyntaxError("the rule ends too early; expected a comparison")
        pos += 1
        return tokens[pos - 1]

    def rule() -> tuple[Any, ...]:
        node = clause()
        while peek() == ("kw", "or"):
            take()
            node = ("or", node, clause())
        return node

    def clause() -> tuple[Any, ...]:
        node = factor()
        while peek() == ("kw", "and"):
            take()
            node = ("and", node, factor())
        return node

    def factor() -> tuple[Any, ...]:
        tok = take()
        if tok == ("kw", "not"):
            return ("not", factor())
        if tok == ("op", "("):
            node = rule()
            if take() != ("op", ")"):
                raise RuleSyntaxError("a '(' is not closed")
            return node
        if tok[0] != "name":
            raise RuleSyntaxError(f"expected a column name; got {tok[1]!r}")
        name = tok[1]
        op = take()
        negate = False
        if op == ("kw", "not"):
            negate, op = True, take()
        if op == ("kw", "in"):
            if take() != ("op", "("):
                raise RuleSyntaxError(f"expected '(' after {name} in")
            values = [literal()]
            while peek() == ("op", ","):
                take()
                values.append(literal())
            if take() != ("op", ")"):
                raise RuleSyntaxError(f"the list after {name} in is not closed with ')'")
            return ("not in" if negate else "in", name, tuple(values))
        if negate or op[0] != "op" or op[1] in ("(", ")", ","):
            raise RuleSyntaxError(
                f"expected a comparison (=, !=, <, <=, >, >=, in) after {name!r}; got {op[1]!r}"
            )
        symbol = {"==": "=", "<>": "!="}.get(op[1], op[1])
        return (symbol, name, literal())

    def literal() -> Any:
        tok = take()
        if tok[0] != "lit":
            raise RuleSyntaxError(
                f"expected a number or a quoted text; got {tok[1]!r} (quote text values)"
            )
        return tok[1]

    tree = rule()
    if pos != len(tokens):
        raise RuleSyntaxError(f"unexpected {tokens[pos][1]!r} after a complete rule")
    return Rule(text=str(text), tree=tree)


def _column_matches(column: pd.Series, op: str, value: Any) -> np.ndarray:
    present = column.notna().to_numpy()
    if isinstance(value, str):
        x = (
            column.astype(object)
            .where(column.notna(), None)
            .map(lambda v: None if v is None else str(v))
        )
    else:
        x = pd.to_numeric(column, errors="coerce")
        present = present & x.notna().to_numpy()
    with np.errstate(invalid="ignore"):
        arr = x.to_numpy()
        if op == "=":
            hit = arr == value
        elif op == "!=":
            hit = arr != value
        elif op == "<":
            hit = arr < value
        elif op == "<=":
            hit = arr <= value
        elif op == ">":
            hit = arr > value
        else:
            hit = arr >= value
    return present & np.asarray(hit, dtype=bool)


def _eval(node: tuple[Any, ...], frame: pd.DataFrame) -> np.ndarray:
    kind = node[0]
    if kind == "and":
        return _eval(node[1], frame) & _eval(node[2], frame)
    if kind == "or":
        return _eval(node[1], frame) | _eval(node[2], frame)
    if kind == "not":
        return ~_eval(node[1], frame) & _known(node[1], frame)
    column = frame[node[1]]
    if kind in ("in", "not in"):
        hit = np.zeros(len(frame), dtype=bool)
        for v in node[2]:
            hit |= _column_matches(column, "=", v)
        return hit if kind == "in" else ~hit & column.notna().to_numpy()
    return _column_matches(column, kind, node[2])


def _known(node: tuple[Any, ...], frame: pd.DataFrame) -> np.ndarray:
    """Rows where every column ``node`` reads is recorded."""
    cols = Rule("", node).columns
    return frame[list(cols)].notna().all(axis=1).to_numpy()
