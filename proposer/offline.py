"""The offline mode's proposer: the template operators and the code-level kinds as arms of one
proposal-kind bandit (`godelbox.proposer.kinds`).

Templates copy pre-written capabilities into the agent; the code-level kinds search its code
itself (numbers, AST mutations, recombination of its functions, crossover with the best other
archive members). Which of them pays is learnt per run from the archive.
"""

from __future__ import annotations

from collections.abc import Sequence

from godelbox.proposer.base import Proposer
from godelbox.proposer.code import CodeProposer
from godelbox.proposer.kinds import KindProposer
from godelbox.proposer.operators import OperatorProposer

KINDS = ("template", "parameter", "ast", "recombination", "crossover")
MATES = 2
"""Archive members offered to crossover besides the parent: the best of earlier generations."""


def offline_proposer(kinds: Sequence[str] = KINDS) -> KindProposer:
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown offline proposal kinds {unknown}; known: {', '.join(KINDS)}")
    arms: list[tuple[str, Proposer]] = [
        (name, OperatorProposer() if name == "template" else CodeProposer(name)) for name in kinds
    ]
    return KindProposer(arms, mates_wanted=MATES if "crossover" in kinds else 0)
