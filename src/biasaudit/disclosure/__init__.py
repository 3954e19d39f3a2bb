"""Disclosure control: what may be published without revealing a small count.

One recoverability check (:func:`solve`, block by block) serves every table kind;
:func:`suppression` applies it to the results table, :func:`published` blanks what it
withholds.
"""

from ._publish import published
from ._results import suppression
from ._solver import Block, Problem, Withheld, solve

__all__ = ["Block", "Problem", "Withheld", "published", "solve", "suppression"]
