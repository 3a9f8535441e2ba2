"""What every proposer receives and returns, so the loop treats LLM and offline children alike.

The loop checks out the parent, gathers the evidence of its evaluation from the archive, and asks
a `Proposer` for a child tree. The proposer never writes the archive: LLM calls are reported
through `on_llm_call`, and the loop commits the child tree to the git store and records the
returned `info` on the child node.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from godelbox.errors import UserError


@dataclass(frozen=True)
class TaskEvidence:
    """One task the parent attempted, as the diagnosis needs it."""

    task_id: str
    outcome: str
    """resolved / unresolved / error / timeout / oom (see archive.models.Outcome)."""
    problem: str = ""
    patch: str = ""
    log: str = ""
    """The agent's log for that task, capped."""
    tests: dict[str, str] = field(default_factory=dict)
    """Per-test outcome of the hidden tests (test id -> passed/failed/...)."""
    attempts_resolved: int = 0
    attempts: int = 1
    """Across every evaluation of this task by the parent, to spot tasks solved only sometimes."""
    episode: dict[str, Any] | None = None
    """For a web episode, its summary (steps, rewards, how it ended; see
    `godelbox.evaluator.web.episodes.EpisodeResult.summary`): the agent's answer is its
    actions, which are in `log`, so there is no patch and no test results."""
    test_patch: str = ""
    """The task's hidden tests (for the diagnosis model only; the agent never sees them)."""
    eval_log: str = ""
    """The grader's test output for the latest attempt."""


@dataclass(frozen=True)
class KindStats:
    """What the children of one proposal kind did so far (see `godelbox.proposer.kinds`)."""

    children: int = 0
    """Children of this kind that reached a final state (invalid, failed or evaluated)."""
    improved: int = 0
    """Of those, the evaluated ones whose score beat their parent's."""


@dataclass(frozen=True)
class Mate:
    """Another archive member, for proposals that recombine two agents (crossover)."""

    node_id: int
    score: float | None
    agent_dir: Path
    """A checkout of its code; read only."""


@dataclass(frozen=True)
class Graft:
    """A change that paid: an archive member that scored above its own parent, with both
    checkouts, for proposals that carry one agent's improvement over to another."""

    node_id: int
    gain: float
    """Its score minus its parent's (> 0)."""
    before_dir: Path
    """A checkout of its parent's code; read only."""
    after_dir: Path
    """A checkout of its own code; read only."""


@dataclass(frozen=True)
class ParentEvidence:
    node_id: int
    agent_dir: Path
    """A checkout of the parent's code; proposers copy it, never edit it in place."""
    score: float | None
    tasks: list[TaskEvidence]
    tried: tuple[str, ...] = ()
    """What the parent's children from earlier generations already changed (their proposals'
    descriptions), so a proposer can avoid repeating itself. Earlier generations only, so the
    evidence is the same whatever order this generation's proposals run in."""
    kind_stats: Mapping[str, KindStats] = field(default_factory=dict)
    """Proposal kind -> how its children did, over earlier generations (the kinds' bandit)."""
    transformation_stats: Mapping[str, KindStats] = field(default_factory=dict)
    """Transformation (a proposal's `transformation`: add_mutator, new_family, ...) -> how its
    children did, over earlier generations, so a kind can learn which of its own moves pay."""
    mates: tuple[Mate, ...] = ()
    """The best other members of earlier generations, when the proposer asks for them."""
    grafts: tuple[Graft, ...] = ()
    """The largest improvements of earlier generations that the parent does not descend from,
    when the proposer asks for them; only the planned one when the child's slot was planned to
    receive a graft."""
    prefer: tuple[str, ...] = ()
    """Proposal kinds the loop planned this child for, to be tried before any other (a slot
    planned to graft a change onto the best asks for "graft")."""
    screen: str = ""
    """The capability the loop planned this child to receive (the description of one of its
    preferred kind's `screens`): that kind makes exactly that change, or none."""


@dataclass(frozen=True)
class Proposal:
    child_dir: Path
    """The child's complete tree (the parent's tree with the proposed change)."""
    kind: str
    """How it was made: "dgm-self", "dgm-fixed", "operator", ..."""
    info: dict[str, Any]
    """Stored as the node's proposal: diagnosis fields, problem description, transformation."""
    patch: str | None = None
    """The change as a `diff_trees` diff against the parent, when the proposer computed it on
    the host (validation then uses it instead of diffing the trees again)."""


class ProposalError(UserError):
    """No child could be made; the loop stores the node as failed with this message."""


LLMCallSink = Callable[[Any], None]
"""Receives each `proposer.llm.LLMCallRecord`; the loop attaches the child node id."""


class Proposer(Protocol):
    """Makes children. A proposer may also declare what the loop should prepare for it:
    `mates_wanted` and `grafts_wanted` (archive members checked out into the evidence),
    `redraws` (it may be asked again for a child that remakes a member), and `screens(agent_dir)`
    ((kind, description) of each capability it could add to the agent, described the same for
    every agent that lacks it: the loop plans each once, on the best, `godelbox.loop.planning`)."""

    def propose(
        self,
        parent: ParentEvidence,
        workdir: Path,
        rng: random.Random,
        on_llm_call: LLMCallSink,
    ) -> Proposal:
        """Make one child of `parent` under `workdir` (an empty directory the proposer owns).

        `rng` is this child's own generator, derived from the run seed and the child's id, so a
        proposal is reproducible whatever order or worker it runs in."""
