"""Metrics as scikit-learn-style functions, generated from the registry.

``metric_function(name)`` returns ``f(y_true, y_pred, *, sample_weight=None)`` so a
biasaudit metric drops into fairlearn's ``MetricFrame`` or any scikit-learn tool.
Outcomes must be known for every row here (full labels).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .._exceptions import UndefinedRateWarning
from ..spec import metric


def metric_function(name: str) -> Callable[..., float]:
    """Return the metric ``name`` as ``f(y_true, y_pred, *, sample_weight=None) -> float``.

    ``y_true`` is the outcome (1 = fraud found), ``y_pred`` the flag (1 = flagged).
    A zero denominator gives NaN with an :class:`UndefinedRateWarning`, never 0.

    Examples
    --------
    >>> fpr = metric_function("false_positive_rate")
    >>> fpr([0, 0, 0, 1], [1, 0, 0, 1])  # 1 of 3 innocent people flagged
    0.3333333333333333
    """
    spec = metric(name)
    if spec.scope != "group" or not spec.comparable:
        raise ValueError(
            f"{spec.name!r} compares a group with the whole population, so it has no "
            "single-group function; use biasaudit.audit(). Got metric_function("
            f"{name!r})."
        )

    def function(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
        y = np.asarray(y_true).astype(int)
        f = np.asarray(y_pred).astype(int)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        cells = {
            "tp": w[(f == 1) & (y == 1)].sum(),
            "fp": w[(f == 1) & (y == 0)].sum(),
            "fn": w[(f == 0) & (y == 1)].sum(),
            "tn": w[(f == 0) & (y == 0)].sum(),
        }
        cells["n"] = w.sum()
        cells["flagged"] = cells["tp"] + cells["fp"]
        num = sum(cells[c] for c in spec.numerator)
        den = sum(cells[c] for c in spec.denominator)
        if den == 0:
            warnings.warn(
                f"{spec.name} is undefined: {' + '.join(spec.denominator)} is 0; NaN, not 0",
                UndefinedRateWarning,
                stacklevel=2,
            )
            return float("nan")
        return float(num / den)

    function.__name__ = spec.name
    function.__doc__ = f"{spec.label}: {spec.formula} ({spec.plain.format(group='the group')})."
    return function
