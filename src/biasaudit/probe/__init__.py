"""Probing the model itself: attribute flips, scorecards, proxies and profiles.

Probing needs rows and a model, so it runs in memory on records (or a seeded sample of
them); it is not a counts-only analysis. Loaded on first use (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy

_LAZY = {
    "FLIP_COLUMNS": "_flip",
    "Flip": "_flip",
    "FlipResult": "_flip",
    "flip_experiment": "_flip",
    "publish_flips": "_flip",
    "Model": "_model",
    "as_model": "_model",
    "load_model": "_model",
    "Rule": "_rules",
    "RuleSyntaxError": "_rules",
    "parse_rule": "_rules",
    "Scorecard": "_scorecard",
    "read_scorecard": "_scorecard",
    "scorecard_from_dict": "_scorecard",
}

__getattr__, __dir__ = lazy(__name__, _LAZY, globals())

if TYPE_CHECKING:
    from ._flip import FLIP_COLUMNS, Flip, FlipResult, flip_experiment, publish_flips
    from ._model import Model, as_model, load_model
    from ._rules import Rule, RuleSyntaxError, parse_rule
    from ._scorecard import Scorecard, read_scorecard, scorecard_from_dict

__all__ = [
    "FLIP_COLUMNS",
    "Flip",
    "FlipResult",
    "Model",
    "Rule",
    "RuleSyntaxError",
    "Scorecard",
    "as_model",
    "flip_experiment",
    "load_model",
    "parse_rule",
    "publish_flips",
    "read_scorecard",
    "scorecard_from_dict",
]
