"""Errors and warnings raised by biasaudit.

Data and configuration problems are collected, never raised one at a time: a user
fixing an export should see every problem in one message, with the column, row,
value and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


PROBLEM_COLUMNS = ["row", "column", "value", "reason"]


@dataclass(frozen=True)
class Problem:
    """One problem found in the data or the configuration.

    Parameters
    ----------
    message : str
        One line for humans: what is wrong, the value seen and how to fix it.
    column : str or None
        Column (or configuration key) concerned.
    row : int or None
        1-based data row of the first example (header not counted), when known.
    value : object
        An example of the offending value.
    reason : str
        Short machine-readable reason code, e.g. ``"unmapped_code"``.
    """

    message: str
    column: str | None = None
    row: int | None = None
    value: object = None
    reason: str = "invalid"


class BiasAuditError(Exception):
    """Base class of every error biasaudit raises on purpose."""


class _ProblemsError(BiasAuditError, ValueError):
    """An error that carries every problem found, as a list and as a table."""

    what = "problems"

    def __init__(self, problems: Iterable[Problem], *, context: str = "") -> None:
        self.problems_list: tuple[Problem, ...] = tuple(problems)
        self.context = context
        super().__init__(self._message())

    @property
    def problems(self) -> pd.DataFrame:
        import pandas as pd  # on use: the command line's help and errors load no pandas

        """The problems as a table with columns ``row, column, value, reason``."""
        return pd.DataFrame(
            [(p.row, p.column, p.value, p.reason) for p in self.problems_list],
            columns=PROBLEM_COLUMNS,
        )

    def _message(self) -> str:
        k = len(self.problems_list)
        noun = "problem" if k == 1 else "problems"
        head = f"{k} {noun} in {self.what}"
        if self.context:
            head += f" ({self.context})"
        return head + ":\n" + "\n".join(f"* {p.message}" for p in self.problems_list)


class RecordsError(_ProblemsError):
    """Problems in the decision records (missing columns, unmapped codes, ...).

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem: ``row, column, value, reason``.
    """

    what = "decision records"


class ConfigError(_ProblemsError):
    """Problems in an audit configuration (unknown keys, invalid values, ...)."""

    what = "audit configuration"


class SolverError(BiasAuditError, RuntimeError):
    """A numerical solver failed where its answer is needed (never replaced by a guess)."""


class OutputError(BiasAuditError, OSError):
    """The output folder cannot be written safely (nothing was written)."""


class UndefinedRateWarning(UserWarning):
    """A rate whose denominator is zero was reported as NaN (never as 0)."""
