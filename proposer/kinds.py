"""Proposal kinds: one proposer made of several ways to make a child, and a bandit that learns
which of them pay.

Each child records the kind that made it (`agent_node.proposal_kind`). The loop turns that record
into `KindStats` (children of each kind, and how many of them beat their parent) and hands them
to the proposer inside the parent's evidence, so a proposer never reads the archive. The draw is
Thompson sampling with the child's own rng over stats from earlier generations only: the same
archive and seed give the same draw, in any worker order. Nothing here knows what a kind does,
so code, web or prompt proposers can all be arms.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol, runtime_checkable

from godelbox.proposer.base import (
    KindStats,
    LLMCallSink,
    ParentEvidence,
    Proposal,
    ProposalError,
    Proposer,
)


@dataclass(frozen=True)
class KindDraw:
    order: tuple[str, ...]
    """Kinds by their sampled value, best first: the first is tried, the rest are fallbacks."""
    samples: dict[str, float]


Prior = tuple[float, float]
"""Beta(a, b) pseudo-counts of improved / not improved children a kind starts with."""
UNIFORM: Prior = (1.0, 1.0)


def thompson(
    kinds: Sequence[str],
    stats: Mapping[str, KindStats],
    rng: random.Random,
    priors: Mapping[str, Prior] | None = None,
) -> KindDraw:
    """One Beta(a + improved, b + not improved) sample per kind, (a, b) its prior (uniform
    unless given), drawn in the order of `kinds`; ties keep that order."""
    samples = {}
    for kind in kinds:
        seen = stats.get(kind, KindStats())
        a, b = (priors or {}).get(kind, UNIFORM)
        samples[kind] = rng.betavariate(a + seen.improved, b + seen.children - seen.improved)
    order = tuple(sorted(kinds, key=lambda k: (-samples[k], kinds.index(k))))
    return KindDraw(order, samples)


@runtime_checkable
class Screening(Protocol):
    """A kind that names the capabilities it could add to an agent, one change each."""

    def screens(self, agent_dir: Path) -> tuple[str, ...]: ...


class KindProposer:
    """A `Proposer` over named kinds (each itself a `Proposer`). The bandit picks a kind, unless
    the loop planned the child for one (`ParentEvidence.prefer`: tried first, the draw after
    it); when a kind has nothing to offer for this parent (`ProposalError`), the next is tried.
    The child's `Proposal.kind` is the kind's name, and its info records the draw."""

    def __init__(
        self,
        kinds: Sequence[tuple[str, Proposer]],
        *,
        priors: Mapping[str, Prior] | None = None,
        mates_wanted: int = 0,
        grafts_wanted: int = 0,
        redraws: int = 0,
    ) -> None:
        if not kinds:
            raise ValueError("a KindProposer needs at least one kind")
        names = [name for name, _ in kinds]
        if len(set(names)) != len(names):
            raise ValueError(f"proposal kinds must have distinct names: {names}")
        self.kinds = dict(kinds)
        self.priors = dict(priors or {})
        """What is believed about each kind before the run has any record of it."""
        self.mates_wanted = mates_wanted
        """How many other archive members the loop should check out for crossover kinds."""
        self.grafts_wanted = grafts_wanted
        """How many improvements (with their parents) the loop should check out for grafts."""
        self.redraws = redraws
        """How many more times the loop may ask for a child whose code is an archive member's
        (see `godelbox.loop.proposing`): cheap for kinds that call no model."""

    def screens(self, agent_dir: Path) -> tuple[tuple[str, str], ...]:
        """(kind, description): the capabilities each kind that lists them could add to the
        agent (`godelbox.loop.planning` tries each once, on the best)."""
        return tuple(
            (name, description)
            for name, kind in self.kinds.items()
            if isinstance(kind, Screening)
            for description in kind.screens(agent_dir)
        )

    def propose(
        self, parent: ParentEvidence, workdir: Path, rng: random.Random, on_llm_call: LLMCallSink
    ) -> Proposal:
        names = list(self.kinds)
        draw = thompson(names, parent.kind_stats, rng, self.priors)
        preferred = [k for k in parent.prefer if k in self.kinds]
        skipped: dict[str, str] = {}
        for name in [*preferred, *(k for k in draw.order if k not in preferred)]:
            # A kind that had nothing to offer may have left files: the next gets its own dir.
            kind_dir = workdir / name if skipped else workdir
            kind_dir.mkdir(parents=True, exist_ok=True)
            # A planned screen is the preferred kind's change: the others draw as usual.
            given = parent if name in preferred else replace(parent, screen="")
            try:
                proposal = self.kinds[name].propose(given, kind_dir, rng, on_llm_call)
            except ProposalError as err:
                skipped[name] = str(err)
                continue
            info = dict(proposal.info)
            info["bandit"] = {
                "drawn": name,
                "samples": {k: round(v, 6) for k, v in draw.samples.items()},
                "stats": {
                    k: [s.children, s.improved]
                    for k, s in sorted(parent.kind_stats.items())
                    if k in self.kinds
                },
                "skipped": skipped,
            }
            if preferred:
                info["bandit"]["preferred"] = preferred
            return replace(proposal, kind=name, info=info)
        raise ProposalError(
            "no proposal kind had a change to offer: "
            + "; ".join(f"{k}: {v}" for k, v in skipped.items())
        )
