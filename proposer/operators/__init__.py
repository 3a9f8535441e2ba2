"""Offline proposer: a catalogue of program transformations on the repair agent's source.

from godelbox.proposer.operators import propose, OperatorProposer, CATALOGUE
offer = propose(parent_dir, random.Random(seed))   # -> OperatorProposal
offer.apply(child_dir)                             # child_dir: a copy of parent_dir
"""

from godelbox.proposer.operators.catalogue import CATALOGUE, Change, Transformation
from godelbox.proposer.operators.proposer import (
    Evidence,
    OperatorProposal,
    OperatorProposer,
    propose,
)

__all__ = [
    "CATALOGUE",
    "Change",
    "Evidence",
    "OperatorProposal",
    "OperatorProposer",
    "Transformation",
    "propose",
]
