"""The offline proposer: draw one applicable transformation, apply one of its changes.

The draw is weighted by evidence from the parent's evaluation (what its runs ended with, from
each task's agent log), so a parent that often finds no reproduction is likelier to get a new
extractor and one that finds no candidate a new operator or a wider search. All randomness
comes from the `rng` passed in, drawn in a fixed order: same parent, evidence and rng state, same
proposal.
"""

from __future__ import annotations

import random
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from godelbox.proposer.base import (
    KindStats,
    ParentEvidence,
    Proposal,
    ProposalError,
    TaskEvidence,
)
from godelbox.proposer.operators.agent_source import AgentSource
from godelbox.proposer.operators.catalogue import CATALOGUE, Transformation, screens

EVIDENCE_WEIGHT = 4.0
"""A transformation whose remedies cover every failed task is this much likelier (plus one)."""
RECORD_PRIOR = (1.0, 1.0)
"""Beta prior of a transformation's chance to beat its parent, before the run has tried it.
The draw weighs a transformation by its posterior mean relative to this prior's, so an untried
one keeps its catalogue weight and one that failed four times in a row drops to a third of it:
a 30-minute run has few children to spend on moves that keep failing."""
OUTCOME = re.compile(r"^outcome: (\w+)\s*$", re.MULTILINE)
BUDGET_SPENT = re.compile(
    r"^(?:candidate budget of \d+ spent|time budget spent\b.*)$", re.MULTILINE
)
EDITS_EXHAUSTED = re.compile(r"^no more candidates after \d+\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Evidence:
    """How the parent's unresolved tasks ended, counted by agent outcome ("overfit" = the agent
    wrote a fix that the hidden tests rejected).

    A search that found no fix is told apart by why it stopped, because the two call for
    opposite remedies: `no_fix_budget` (the candidate or time budget cut it short: a bigger
    budget, a better order or cheaper candidates help) and `no_fix_exhausted` (every edit it
    could make was tried: only new kinds of edit or more lines help). In the seed's first
    evaluation on the seen split every `no_fix` was exhausted, yet the budget moves drew half
    of the template kind's children. A log that says neither stays `no_fix`."""

    failures: Counter[str] = field(default_factory=Counter)

    @classmethod
    def from_tasks(cls, tasks: Iterable[TaskEvidence]) -> Evidence:
        failures: Counter[str] = Counter()
        for task in tasks:
            if task.outcome == "resolved":
                continue
            found = OUTCOME.findall(task.log)
            outcome = found[-1] if found else task.outcome
            failures[_failure(outcome, task.log)] += 1
        return cls(failures)


def _failure(outcome: str, log: str) -> str:
    if outcome == "fixed":
        return "overfit"
    if outcome != "no_fix":
        return outcome
    if BUDGET_SPENT.search(log):
        return "no_fix_budget"
    if EDITS_EXHAUSTED.search(log):
        return "no_fix_exhausted"
    return outcome


@dataclass(frozen=True)
class OperatorProposal:
    transformation: str
    description: str
    files: dict[str, str]
    """Path relative to the agent's root -> the file's complete new text."""

    def apply(self, agent_dir: Path) -> None:
        for rel, text in self.files.items():
            target = agent_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


def propose(
    parent_dir: Path,
    rng: random.Random,
    evidence: Evidence | None = None,
    tried: Iterable[str] = (),
    catalogue: Sequence[Transformation] = CATALOGUE,
    record: Mapping[str, KindStats] | None = None,
) -> OperatorProposal:
    """One transformation from `catalogue` (default: the repair agent's) of the agent at
    `parent_dir` (which is only read).

    `tried` holds the descriptions of changes this parent already received (its children's
    `description`): they are not proposed again while untried changes remain. `record` is how
    each transformation's children did so far in the run (see RECORD_PRIOR)."""
    agent = AgentSource.read(parent_dir)
    done = set(tried)
    applicable = []
    for transformation in catalogue:
        changes = [c for c in transformation.changes(agent) if c.description not in done]
        if changes:
            applicable.append((transformation, changes))
    if not applicable:
        raise ProposalError(
            f"no transformation applies to the agent (or all {len(done)} were tried on it already)"
        )
    weights = [
        _weight(t, evidence or Evidence()) * _record_factor((record or {}).get(t.name))
        for t, _ in applicable
    ]
    transformation, changes = rng.choices(applicable, weights=weights)[0]
    change = rng.choice(changes)
    return OperatorProposal(transformation.name, change.description, dict(change.files))


def screened(
    parent_dir: Path,
    description: str,
    tried: Iterable[str] = (),
    catalogue: Sequence[Transformation] = CATALOGUE,
) -> OperatorProposal:
    """The screen `description` (one of `catalogue.screens` of the agent at `parent_dir`)."""
    if description in tried:
        raise ProposalError(f"the planned screen {description!r} was tried on this agent already")
    for name, change in screens(AgentSource.read(parent_dir), catalogue):
        if change.description == description:
            return OperatorProposal(name, change.description, dict(change.files))
    raise ProposalError(f"the planned screen {description!r} does not apply to this agent")


def _weight(transformation: Transformation, evidence: Evidence) -> float:
    total = sum(evidence.failures.values())
    if not total:
        return transformation.weight
    covered = sum(evidence.failures[r] for r in transformation.remedies)
    return transformation.weight * (1.0 + EVIDENCE_WEIGHT * covered / total)


def _record_factor(stats: KindStats | None) -> float:
    """Posterior mean of the transformation's chance to improve, over the prior's."""
    a, b = RECORD_PRIOR
    seen = stats or KindStats()
    mean = (a + seen.improved) / (a + b + seen.children)
    return mean / (a / (a + b))


class OperatorProposer:
    """The template operators as a `godelbox.proposer.base.Proposer`: one kind of the offline
    mode (`godelbox.proposer.offline`), with the repair agent's catalogue by default; another
    agent's catalogue and evidence reader make another offline proposer (the web agent's,
    `godelbox.proposer.web_operators`)."""

    def __init__(
        self,
        catalogue: Sequence[Transformation] = CATALOGUE,
        evidence: Callable[[Iterable[TaskEvidence]], Evidence] = Evidence.from_tasks,
        kind: str = "template",
    ) -> None:
        self.catalogue = catalogue
        self.evidence = evidence
        self.kind = kind

    def screens(self, agent_dir: Path) -> tuple[str, ...]:
        """Descriptions of the capabilities this kind could add to the agent, one change each
        (`catalogue.screens`), for the loop to try each once on the best."""
        agent = AgentSource.read(agent_dir)
        return tuple(change.description for _, change in screens(agent, self.catalogue))

    def propose(
        self, parent: ParentEvidence, workdir: Path, rng: random.Random, on_llm_call: object
    ) -> Proposal:
        if parent.screen:
            offer = screened(parent.agent_dir, parent.screen, parent.tried, self.catalogue)
        else:
            offer = propose(
                parent.agent_dir,
                rng,
                self.evidence(parent.tasks),
                parent.tried,
                self.catalogue,
                parent.transformation_stats,
            )
        child = workdir / "child"
        shutil.copytree(parent.agent_dir, child, ignore=shutil.ignore_patterns(".git"))
        offer.apply(child)
        info = {
            "transformation": offer.transformation,
            "description": offer.description,
            "changed_files": sorted(offer.files),
        }
        if parent.screen:
            info["screened"] = True
        return Proposal(child_dir=child, kind=self.kind, info=info)
