"""Synthetic decision records for the demo, the tests and the starter project."""

from ._generate import DEFAULT_SEED, write_welfare
from ._starter import starter_config

__all__ = [
    "DEFAULT_SEED",
    "starter_config",
    "write_welfare",
]
