"""The command line: ``biasaudit demo | audit | validate | init | generate``."""

from ._main import main

__all__ = ["main"]
