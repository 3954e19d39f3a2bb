"""The command line: ``biasaudit audit | validate | demo | ...``."""

from ._main import main

__all__ = ["main"]
