"""Disclosure control: what may be published without revealing a small count.

One recoverability check (:func:`solve`, block by block) serves every table kind;
:func:`suppression` applies it to the results table.
"""

from ._results import suppression
from ._scores import ScoreBins, score_suppression
from ._solver import Block, Problem, Withheld, solve

__all__ = [
    "Block",
    "Problem",
    "ScoreBins",
    "Withheld",
    "score_suppression",
    "solve",
    "suppression",
]
