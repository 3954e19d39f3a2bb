"""Synthetic decision records for the demo, the tests and the starter project, and a
synthetic fraud model with known effects for probing."""

from ._generate import DEFAULT_SEED, write_welfare
from ._planted import PLANTED_RULES, planted_records
from ._probe import (
    PROBE_FEATURES,
    PROBE_TRUTH,
    fit_probe_model,
    generate_probe_records,
    probe_logit,
    probe_model,
    probe_scorecard_text,
)
from ._starter import starter_config

__all__ = [
    "DEFAULT_SEED",
    "PLANTED_RULES",
    "PROBE_FEATURES",
    "PROBE_TRUTH",
    "fit_probe_model",
    "generate_probe_records",
    "planted_records",
    "probe_logit",
    "probe_model",
    "probe_scorecard_text",
    "starter_config",
    "write_welfare",
]
