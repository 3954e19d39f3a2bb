"""Options of the score analyses and of the regression-adjusted disparity.

Kept apart from :mod:`._spec` (the audit's roles, codes and statistics) because both
are optional analyses layered on a records audit; they are checked the same way, every
problem collected.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .._exceptions import Problem

SweepKind = Literal["top_fraction", "score", "top_k"]
SWEEP_KINDS = ("top_fraction", "score", "top_k")
#: Top fractions swept when none are given.
DEFAULT_FRACTIONS = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
#: Metrics a what-if table can equalise: rates of people that moving a threshold changes.
EQUALISABLE = (
    "selection_rate",
    "false_positive_rate",
    "true_positive_rate",
    "false_negative_rate",
    "precision",
)


@dataclass(frozen=True)
class ScoreOptions:
    """How the score is analysed (needs ``roles.score``).

    Parameters
    ----------
    sweep : {"top_fraction", "score", "top_k"}, default="top_fraction"
        What the threshold sweep varies: the share flagged, the score cut-off
        (flag score >= value) or the number flagged.
    points : sequence of float, optional
        The sweep's points. Default: 1%, 2%, 5%, 10% ... 50% for ``top_fraction``, the
        score's deciles for ``score``; ``top_k`` needs them.
    calibration_bins : int, default=10
        Score bins (quantiles of the labelled people's scores) of the calibration table.
    equalise : str, default="selection_rate"
        The rate the what-if table equalises across groups with group-specific
        thresholds: one of :data:`EQUALISABLE`.
    """

    sweep: SweepKind = "top_fraction"
    points: tuple[float, ...] = ()
    calibration_bins: int = 10
    equalise: str = "selection_rate"

    def resolved_points(self) -> tuple[float, ...]:
        """The sweep points given, or the defaults (empty for ``score``: the deciles)."""
        if self.points:
            return tuple(sorted(float(p) for p in self.points))
        return DEFAULT_FRACTIONS if self.sweep == "top_fraction" else ()


@dataclass(frozen=True)
class RegressionOptions:
    """A logistic regression of a decision on the protected attributes and covariates.

    Parameters
    ----------
    decision : str, optional
        The column modelled (default: ``roles.flagged``).
    positive : sequence, optional
        Its values counted as 1 (default: the ``yes`` codes of ``[codes] flagged``, or
        the defaults yes / 1 / true / ja).
    covariates : sequence of str
        Legitimate covariates, e.g. prior record; categorical unless in ``numeric``.
    numeric : sequence of str
        Covariates entered as numbers.
    label : str, optional
        How the decision reads in sentences, e.g. ``"a medium or high score"``.
    """

    decision: str | None = None
    positive: tuple[Any, ...] = ()
    covariates: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    label: str | None = None

    @property
    def columns(self) -> list[str]:
        """Columns the regression reads besides the protected attributes."""
        return [c for c in (self.decision, *self.covariates) if c is not None]


def check_score_options(options: ScoreOptions) -> list[Problem]:
    """Every problem with ``[scores]``."""
    problems = []

    def bad(key: str, message: str, value: Any) -> None:
        problems.append(Problem(f"scores.{key}: {message}", column=f"scores.{key}", value=value))

    if options.sweep not in SWEEP_KINDS:
        bad("sweep", f"expected one of {', '.join(SWEEP_KINDS)}; got {options.sweep!r}", None)
    points = options.points
    if not isinstance(points, Sequence) or isinstance(points, str):
        bad("points", f"expected a list of numbers; got {points!r}", points)
        points = ()
    numbers = [p for p in points if isinstance(p, int | float) and not isinstance(p, bool)]
    if len(numbers) != len(points) or not all(math.isfinite(p) for p in numbers):
        bad("points", f"expected numbers; got {list(points)!r}", list(points))
    elif options.sweep == "top_fraction" and not all(0 < p <= 1 for p in numbers):
        bad("points", f"top fractions must be in (0, 1]; got {list(points)!r}", list(points))
    elif options.sweep == "top_k" and not all(p >= 1 and float(p).is_integer() for p in numbers):
        bad("points", f"top_k points must be whole numbers >= 1; got {list(points)!r}", points)
    if options.sweep == "top_k" and not points:
        bad("points", "sweep = 'top_k' needs the numbers to flag, e.g. [100, 500, 1000]", None)
    bins = options.calibration_bins
    if isinstance(bins, bool) or not isinstance(bins, int) or not 2 <= bins <= 50:
        bad("calibration_bins", f"expected a whole number from 2 to 50; got {bins!r}", bins)
    if options.equalise not in EQUALISABLE:
        bad(
            "equalise",
            f"expected one of {', '.join(EQUALISABLE)}; got {options.equalise!r}",
            options.equalise,
        )
    return problems


def check_regression_options(options: RegressionOptions) -> list[Problem]:
    """Every problem with ``[regression]``."""
    problems = []
    for key in ("covariates", "numeric", "positive"):
        value = getattr(options, key)
        if isinstance(value, str) or not isinstance(value, Sequence):
            problems.append(
                Problem(
                    f"regression.{key}: expected a list; got {value!r}",
                    column=f"regression.{key}",
                    value=value,
                )
            )
    for c in options.numeric:
        if c not in options.covariates:
            problems.append(
                Problem(
                    f"regression.numeric: {c!r} is not a covariate; list it in covariates too",
                    column="regression.numeric",
                    value=c,
                )
            )
    return problems


def as_options(cls: type, value: Any) -> Any:
    """A mapping's lists as tuples, so the frozen options hash and compare."""
    if value is None or isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        return {k: tuple(v) if isinstance(v, list) else v for k, v in value.items()}
    return value
