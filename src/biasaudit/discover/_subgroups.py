"""A discovered subgroup is a rule in plain words: the conditions its members meet.

Both searches end in the same kind of rule, so a subgroup found on one half of the
records is applied to the other half exactly as it reads: ``gender = F and age_band =
18-29`` (a combination of attributes) or ``income at most 14,000 and
months_on_benefit at least 60`` (the box a cluster is described by). Numeric bounds
are rounded outward to two significant digits: they read well and never show one
person's exact value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

#: How a subgroup was found.
METHODS = ("combinations", "clustering")


@dataclass(frozen=True)
class Condition:
    """One condition of a subgroup's rule.

    Parameters
    ----------
    column : str
        The column the condition reads.
    values : tuple of str
        For a category column: the member values (any of them).
    low, high : float or None
        For a numeric column: the inclusive bounds (None: unbounded).

    Examples
    --------
    >>> Condition("income", low=0.0, high=14000.0).describe()
    'income 0 to 14,000'
    >>> Condition("district", values=("East", "North")).describe()
    'district in (East, North)'
    """

    column: str
    values: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None

    @property
    def numeric(self) -> bool:
        """Whether the condition is a range of numbers (else a set of categories)."""
        return not self.values

    def describe(self) -> str:
        """The condition in plain words."""
        if self.values:
            if len(self.values) == 1:
                return f"{self.column} = {self.values[0]}"
            return f"{self.column} in ({', '.join(self.values)})"
        if self.low is not None and self.low == self.high:
            return f"{self.column} = {number_text(self.low)}"
        if self.low is not None and self.high is not None:
            return f"{self.column} {number_text(self.low)} to {number_text(self.high)}"
        if self.high is not None:
            return f"{self.column} at most {number_text(self.high)}"
        return f"{self.column} at least {number_text(self.low or 0.0)}"

    def mask(self, column: np.ndarray) -> np.ndarray:
        """Which entries of ``column`` (labels, or numbers) meet the condition."""
        if self.values:
            return np.isin(column, np.array(self.values, dtype=object))
        x = np.asarray(column, dtype=float)
        out = np.ones(len(x), dtype=bool)
        if self.low is not None:
            out &= x >= self.low
        if self.high is not None:
            out &= x <= self.high
        return out


@dataclass(frozen=True)
class Subgroup:
    """A subgroup found on the find half, to be tested on the other half.

    Parameters
    ----------
    name : str
        ``D1``, ``D2``, ...: its attribute name in the discoveries table.
    method : {"combinations", "clustering"}
    conditions : tuple of Condition
        Its members meet every condition.
    """

    name: str
    method: str
    conditions: tuple[Condition, ...]

    @property
    def description(self) -> str:
        """The rule in plain words, e.g. ``gender = F and household = single parent``."""
        return " and ".join(c.describe() for c in self.conditions)

    def mask(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """Membership of each person, from their columns' values."""
        first = next(iter(columns.values()))
        out = np.ones(len(first), dtype=bool)
        for c in self.conditions:
            out &= c.mask(columns[c.column])
        return out


def nice(x: float, *, up: bool) -> float:
    """``x`` rounded to two significant digits, up or down (outward for a range).

    Examples
    --------
    >>> nice(13_472.0, up=True), nice(13_472.0, up=False), nice(0.0, up=False)
    (14000.0, 13000.0, 0.0)
    >>> nice(-0.0371, up=False)
    -0.038
    """
    if x == 0 or not math.isfinite(x):
        return float(x)
    step = 10.0 ** (math.floor(math.log10(abs(x))) - 1)
    scaled = x / step
    rounded = math.ceil(scaled - 1e-9) if up else math.floor(scaled + 1e-9)
    return float(round(rounded * step, 12))


def number_text(x: float) -> str:
    """A bound as a reader writes it: thousands separated, no trailing zeros.

    >>> number_text(14000.0), number_text(0.25), number_text(-3.0)
    ('14,000', '0.25', '-3')
    """
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.6f}".rstrip("0").rstrip(".")
