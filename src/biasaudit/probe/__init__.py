"""Probing the model itself: attribute flips, scorecards, proxies and profiles.

Probing needs rows and a model, so it runs in memory on records (or on a seeded sample
of them, which a database or Spark draws: see :func:`biasaudit.io.rows_in_memory`); it
is not a counts-only analysis. Loaded on first use (PEP 562): the model
packages (scikit-learn, skops, onnxruntime) load only when a model needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy

_LAZY = {
    "ProbeConfig": "_config",
    "load_probe_config": "_config",
    "model_from_section": "_config",
    "model_section_problems": "_config",
    "run_probe_config": "_config",
    "sample_problems": "_config",
    "FLIP_COLUMNS": "_flip",
    "Flip": "_flip",
    "FlipResult": "_flip",
    "flip_experiment": "_flip",
    "publish_flips": "_flip",
    "Model": "_model",
    "as_model": "_model",
    "load_model": "_model",
    "Phrase": "_phrases",
    "CONTRIBUTION_COLUMNS": "_profiles",
    "PROFILE_COLUMNS": "_profiles",
    "ProfileResult": "_profiles",
    "grid": "_profiles",
    "score_profiles": "_profiles",
    "PROXY_COLUMNS": "_proxy",
    "ProxyResult": "_proxy",
    "proxy_audit": "_proxy",
    "Rule": "_rules",
    "RuleSyntaxError": "_rules",
    "parse_rule": "_rules",
    "ProbeResult": "_run",
    "probe": "_run",
    "Scorecard": "_scorecard",
    "read_scorecard": "_scorecard",
    "scorecard_from_dict": "_scorecard",
}

__getattr__, __dir__ = lazy(__name__, _LAZY, globals())

if TYPE_CHECKING:
    from ._config import (
        ProbeConfig,
        load_probe_config,
        model_from_section,
        model_section_problems,
        run_probe_config,
        sample_problems,
    )
    from ._flip import FLIP_COLUMNS, Flip, FlipResult, flip_experiment, publish_flips
    from ._model import Model, as_model, load_model
    from ._phrases import Phrase
    from ._profiles import (
        CONTRIBUTION_COLUMNS,
        PROFILE_COLUMNS,
        ProfileResult,
        grid,
        score_profiles,
    )
    from ._proxy import PROXY_COLUMNS, ProxyResult, proxy_audit
    from ._rules import Rule, RuleSyntaxError, parse_rule
    from ._run import ProbeResult, probe
    from ._scorecard import Scorecard, read_scorecard, scorecard_from_dict

__all__ = [
    "CONTRIBUTION_COLUMNS",
    "FLIP_COLUMNS",
    "Flip",
    "FlipResult",
    "Model",
    "PROFILE_COLUMNS",
    "Phrase",
    "PROXY_COLUMNS",
    "ProbeConfig",
    "ProbeResult",
    "ProfileResult",
    "ProxyResult",
    "Rule",
    "RuleSyntaxError",
    "Scorecard",
    "as_model",
    "flip_experiment",
    "grid",
    "load_model",
    "load_probe_config",
    "model_from_section",
    "model_section_problems",
    "parse_rule",
    "probe",
    "proxy_audit",
    "publish_flips",
    "read_scorecard",
    "run_probe_config",
    "sample_problems",
    "score_profiles",
    "scorecard_from_dict",
]
