"""Disclosure control: what may be published without revealing a small count.

One recoverability check (:func:`solve`, block by block) serves every table kind;
:func:`suppression` applies it to the results table, :func:`funnel_suppression` to
the funnel table.
"""

from ._funnel import funnel_suppression
from ._results import suppression
from ._scores import ScoreBins, score_suppression
from ._solver import Block, Problem, Withheld, solve

__all__ = [
    "Block",
    "Problem",
    "ScoreBins",
    "Withheld",
    "funnel_suppression",
    "score_suppression",
    "solve",
    "suppression",
]
