"""Data for demos and tests: the synthetic welfare records, the bundled scenarios, and a
starter configuration written from a data file."""

from ._generate import DEFAULT_SEED, write_welfare
from ._starter import starter_config

__all__ = [
    "DEFAULT_SEED",
    "starter_config",
    "write_welfare",
]
