"""The offline mode's proposer: the template operators and the code-level kinds as arms of one
proposal-kind bandit (`godelbox.proposer.kinds`).

Templates copy pre-written capabilities into the agent; the code-level kinds search its code
itself (numbers, AST mutations, grammar growth of its operator tables, recombination of its
functions, crossover with the best other archive members). Which of them pays is learnt per
run from the archive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from godelbox.config import OfflineKind
from godelbox.proposer.base import Proposer
from godelbox.proposer.code import CodeProposer
from godelbox.proposer.kinds import KindProposer
from godelbox.proposer.operators import OperatorProposer

KINDS: tuple[str, ...] = get_args(OfflineKind)
PRIORS = {"template": (3.0, 1.0), "graft": (3.0, 1.0)}
"""The bandit's belief before a run has a record: a template adds a capability written for the
job, and a graft carries a change the fitness already rewarded onto an agent it could make the
new best, so both pay more often than a blind code edit (Beta(3, 1) against the other kinds'
uniform Beta(1, 1); every graft of the run at 67c0418 beat its parent); a few children of each
kind outweigh it. Without it, a 30-minute run spends most of its few children finding that out,
and a graft, offered only once a second branch has improved, is rarely drawn in time."""
MATES = 2
"""Archive members offered to crossover besides the parent: the best of earlier generations."""
GRAFTS = 5
"""Improvements offered to the graft kind: the largest of earlier generations that could lift
the parent past the archive's best (`godelbox.loop.proposing.leads`)."""


REDRAWS = 2
"""How many more times the loop asks for a child that remakes an archive member (a crossover
that takes back the parent's change remakes the grandparent): a draw costs milliseconds, an
evaluation a minute."""


def offline_proposer(kinds: Sequence[str] = KINDS) -> KindProposer:
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown offline proposal kinds {unknown}; known: {', '.join(KINDS)}")
    arms: list[tuple[str, Proposer]] = [
        (name, OperatorProposer() if name == "template" else CodeProposer(name)) for name in kinds
    ]
    return KindProposer(
        arms,
        priors=PRIORS,
        mates_wanted=MATES if "crossover" in kinds else 0,
        grafts_wanted=GRAFTS if "graft" in kinds else 0,
        redraws=REDRAWS,
    )
