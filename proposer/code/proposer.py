"""A code-level proposal kind as the loop's `Proposer`: list the kind's candidate changes to the
parent's source, draw one, and write the child.

The draw first picks a transformation (so a kind with hundreds of statement deletions and a few
table extensions tries both), then a change of it (uniformly, or by the weights a kind directed
by evidence gives its changes, see `grammar`); changes the parent's earlier children already
made are skipped, and a change that turns out not to apply (it would not compile) is replaced
by another draw. All randomness comes from the child's rng, in a fixed order.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from godelbox.proposer.base import LLMCallSink, ParentEvidence, Proposal, ProposalError
from godelbox.proposer.code import (
    crossover,
    graft,
    grammar,
    mutations,
    parameters,
    recombination,
)
from godelbox.proposer.code.source import AgentCode, Candidate

MAX_DRAWS = 40
"""Candidates built before giving up on a parent (most build; a few do not compile)."""

Lister = Callable[[AgentCode, ParentEvidence, random.Random], list[Candidate]]
LISTERS: dict[str, Lister] = {
    parameters.KIND: lambda agent, _parent, _rng: parameters.candidates(agent),
    mutations.KIND: lambda agent, _parent, _rng: mutations.candidates(agent),
    recombination.KIND: lambda agent, _parent, _rng: recombination.candidates(agent),
    crossover.KIND: lambda agent, parent, rng: crossover.candidates(agent, parent.mates, rng),
    grammar.KIND: lambda agent, parent, _rng: grammar.candidates(agent, parent.tasks),
    graft.KIND: lambda agent, parent, _rng: graft.candidates(agent, parent.grafts, parent.tried),
}
"""Every code-level kind by name."""
SCREENED: dict[str, tuple[str, ...]] = {grammar.KIND: ("new_family",)}
"""The transformations whose changes each kind lists as screens (`screens`): those that add a
capability, every swap of a whole operator family, rather than retune one."""


class CodeProposer:
    def __init__(self, kind: str) -> None:
        if kind not in LISTERS:
            raise ValueError(f"unknown code-level kind {kind!r}; known: {', '.join(LISTERS)}")
        self.kind = kind

    def screens(self, agent_dir: Path) -> tuple[str, ...]:
        """Descriptions of the capabilities this kind could add to the agent (its `SCREENED`
        transformations' changes), for the loop to try each once on the best."""
        wanted = SCREENED.get(self.kind, ())
        if not wanted:
            return ()
        agent = AgentCode.read(agent_dir)
        evidence = ParentEvidence(0, agent_dir, None, [])
        listed = LISTERS[self.kind](agent, evidence, random.Random(0))
        return tuple(c.description for c in listed if c.transformation in wanted)

    def propose(
        self, parent: ParentEvidence, workdir: Path, rng: random.Random, on_llm_call: LLMCallSink
    ) -> Proposal:
        agent = AgentCode.read(parent.agent_dir)
        if parent.screen:
            return self._screened(agent, parent, workdir)
        tried = set(parent.tried)
        listed = [c for c in LISTERS[self.kind](agent, parent, rng) if c.description not in tried]
        by_transformation: dict[str, list[Candidate]] = {}
        for candidate in listed:
            by_transformation.setdefault(candidate.transformation, []).append(candidate)
        for _ in range(MAX_DRAWS):
            if not by_transformation:
                break
            name = rng.choice(sorted(by_transformation))
            pool = by_transformation[name]
            candidate = pool.pop(_draw(pool, rng))
            if not pool:
                del by_transformation[name]
            files = candidate.make()
            if files:
                return self._child(parent.agent_dir, workdir, candidate, files)
        raise ProposalError(
            f"the {self.kind} kind has no applicable change to node {parent.node_id}'s agent "
            f"({len(listed)} listed, none built)"
        )

    def _screened(self, agent: AgentCode, parent: ParentEvidence, workdir: Path) -> Proposal:
        """The change the loop planned (`ParentEvidence.screen`), or a `ProposalError`."""
        if parent.screen in parent.tried:
            raise ProposalError(f"the planned screen {parent.screen!r} was tried on this agent")
        for candidate in LISTERS[self.kind](agent, parent, random.Random(0)):
            if candidate.description == parent.screen:
                files = candidate.make()
                if not files:
                    break
                proposal = self._child(parent.agent_dir, workdir, candidate, files)
                return replace(proposal, info={**proposal.info, "screened": True})
        raise ProposalError(f"the planned screen {parent.screen!r} does not apply to this agent")

    def _child(
        self, parent_dir: Path, workdir: Path, candidate: Candidate, files: dict[str, str]
    ) -> Proposal:
        child = workdir / "child"
        shutil.copytree(parent_dir, child, ignore=shutil.ignore_patterns(".git"))
        for rel, text in files.items():
            target = child / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return Proposal(
            child_dir=child,
            kind=self.kind,
            info={
                "transformation": candidate.transformation,
                "description": candidate.description,
                "changed_files": sorted(files),
                **candidate.facts,
            },
        )


def _draw(pool: list[Candidate], rng: random.Random) -> int:
    """Index of the candidate drawn: uniform unless the kind weighted its candidates (a uniform
    pool draws exactly as before weights existed, so blind kinds keep their sequences)."""
    weights = [c.weight for c in pool]
    if len(set(weights)) <= 1:
        return rng.randrange(len(pool))
    return rng.choices(range(len(pool)), weights=weights)[0]
