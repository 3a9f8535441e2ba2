"""The proposing phase: each child of a generation is drafted from its parent, then validated.

Drafts run on the proposal workers; their results are written in slot order, not completion
order, so the archive is the same whatever the worker count.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from godelbox.archive.models import AgentNode, NodeStatus
from godelbox.llm.client import BudgetExceeded
from godelbox.loop.bookkeeping import Bookkeeper
from godelbox.loop.evidence import parent_evidence
from godelbox.proposer.base import Graft, Mate, ParentEvidence, Proposal
from godelbox.proposer.validate import Validation

if TYPE_CHECKING:  # the loop's parts are assembled in evolution.py, which imports this module
    from godelbox.loop.evolution import LoopParts

SCORE_EPSILON = 1e-9
"""Scores are fractions: a sum that matches the best up to rounding is a tie, not a lead."""


@dataclass(frozen=True)
class Draft:
    """A drafted child: its proposal and validation, or the error that ended its drafting."""

    node_id: int
    proposal: Proposal | None
    validation: Validation | None
    error: str = ""
    tree: str = ""
    """The child's code as a git tree id (empty when there is no proposal), to tell it apart
    from its siblings'."""
    remakes: int | None = None
    """The archive member whose code the child has (then it was not validated)."""


class Proposing:
    def __init__(
        self,
        parts: LoopParts,
        books: Bookkeeper,
        scratch: Path,
        workers: ThreadPoolExecutor,
        problems: dict[str, str],
        test_patches: dict[str, str],
    ) -> None:
        self.p = parts
        self._books = books
        self._archive = parts.archive
        self._scratch = scratch
        self._workers = workers
        self._problems = problems
        self._test_patches = test_patches

    def run(self, children: list[AgentNode]) -> None:
        if not children:
            return
        with contextlib.ExitStack() as held:
            checkout = self._books.checkout
            jobs = [(c, held.enter_context(checkout(c.parent_id or 0))) for c in children]
            mates = [self._mates(c, held) for c in children]
            grafts = [self._grafts(c, held) for c in children]
            first = children[0]
            lowest = _first_child_id(first)
            earlier = self._trees(0, lowest)
            siblings = self._trees(lowest, first.id or 0)
            futures = [
                self._workers.submit(self._draft, c, parent_dir, m, g, earlier)
                for (c, parent_dir), m, g in zip(jobs, mates, grafts, strict=True)
            ]
            try:
                # Results are written in slot order, not completion order (determinism). A draft
                # that remakes an earlier slot's child is drafted again, here, knowing its
                # siblings (the drafts ran in parallel, each blind to the others), or, for a
                # proposer that is not asked twice, recorded as the remake it is.
                for (child, parent_dir), m, g, future in zip(
                    jobs, mates, grafts, futures, strict=True
                ):
                    drafted = future.result()
                    if drafted.tree in siblings and self._redraws:
                        drafted = self._draft(child, parent_dir, m, g, {**earlier, **siblings})
                    elif drafted.tree in siblings:
                        drafted = replace(drafted, validation=None, remakes=siblings[drafted.tree])
                    self._record_draft(child, parent_dir, drafted)
                    if drafted.validation is not None and drafted.validation.ok:
                        siblings.setdefault(drafted.tree, child.id or 0)
            finally:
                wait(futures)  # no draft outlives the checkouts it reads

    def _mates(self, child: AgentNode, held: contextlib.ExitStack) -> tuple[Mate, ...]:
        """The best members of earlier generations other than the parent, checked out while
        the generation is proposed, for proposers that recombine two agents."""
        wanted = int(getattr(self.p.proposer, "mates_wanted", 0))
        if not wanted:
            return ()
        with self._books.lock:
            nodes = self._archive.top_nodes(wanted, _first_child_id(child), child.parent_id or 0)
        return tuple(
            Mate(n.id or 0, n.score, held.enter_context(self._books.checkout(n.id or 0)))
            for n in nodes
        )

    def _grafts(self, child: AgentNode, held: contextlib.ExitStack) -> tuple[Graft, ...]:
        """The largest improvements of earlier generations (a node that beat its parent) that
        the child's parent does not already hold by descent and that could carry it past the
        archive's best, each checked out with its parent, for proposers that carry a change
        that paid over to another agent. A slot planned to receive a graft gets that one only."""
        wanted = int(getattr(self.p.proposer, "grafts_wanted", 0))
        if not wanted:
            return ()
        first, parent_id = _first_child_id(child), child.parent_id or 0
        planned = _planned_graft(child)
        with self._books.lock:
            if planned is not None:
                found = self._archive.improvements(first)
                chosen = [(n, gain) for n, gain in found if n.id == planned]
            else:
                found = self._archive.improvements(first, parent_id)
                parent_score = float(self._archive.node(parent_id).score or 0.0)
                rivals = self._archive.top_nodes(1, first, exclude=parent_id)
                best = max([parent_score, *(float(n.score or 0.0) for n in rivals)])
                chosen = [(n, g) for n, g in found if leads(parent_score, g, best)][:wanted]
        checkout = self._books.checkout
        return tuple(
            Graft(
                n.id or 0,
                gain,
                held.enter_context(checkout(n.parent_id or 0)),
                held.enter_context(checkout(n.id or 0)),
            )
            for n, gain in chosen
        )

    def _draft(
        self,
        child: AgentNode,
        parent_dir: Path,
        mates: tuple[Mate, ...],
        grafts: tuple[Graft, ...] = (),
        known: Mapping[str, int] | None = None,
    ) -> Draft:
        """`known`: tree id -> node id of the archive members the child must not remake (those
        of earlier generations, and, drafted again, its siblings recorded so far)."""
        node_id = child.id or 0
        self._books.busy(f"propose-{node_id}", f"proposing node {node_id} from {child.parent_id}")
        try:
            evidence = parent_evidence(
                self._archive,
                child.parent_id or 0,
                parent_dir,
                self._problems,
                self._books.lock,
                generation=int((child.proposal or {}).get("generation", 0)),
                first_child_id=_first_child_id(child),
                mates=mates,
                grafts=grafts,
                test_patches=self._test_patches,
                prefer=_preferred(child),
                screen=_planned_screen(child)[1],
            )
            workdir = self._draft_dir(node_id)
            self.p.ctx.trash.discard(workdir)
            workdir.mkdir(parents=True)
            rng = random.Random(f"{self.p.config.run.seed}:{node_id}")
            with self._books.lock:
                parent_sha = self._archive.node(child.parent_id or 0).commit_sha
            # A child with its parent's code is left to validation, which says "empty diff".
            parent_tree = self._archive.code.tree(parent_sha)
            others = {tree: n for tree, n in (known or {}).items() if tree != parent_tree}
            proposal, tree, twin = self._propose_new(node_id, evidence, workdir, rng, others)
            if twin is not None:
                return Draft(node_id, proposal, None, tree=tree, remakes=twin)
            self._books.busy(f"propose-{node_id}", f"validating node {node_id}")
            validation = self.p.validate(parent_dir, proposal)
            return Draft(node_id, proposal, validation, tree=tree)
        except BudgetExceeded:
            raise  # not this child's fault: the run stops, the child is proposed again on resume
        except Exception as err:  # any other proposer failure is the child's, and recorded
            return Draft(node_id, None, None, error=f"{type(err).__name__}: {err}")
        finally:
            self._books.busy(f"propose-{node_id}", None)

    def _trees(self, low: int, high: int) -> dict[str, int]:
        """Tree id -> the first node with that code, over the drafted nodes with ids in
        [low, high): earlier generations (whose drafts are all recorded, so a draft's answer
        does not depend on the order its generation drafts in), or the earlier slots of this
        generation that an earlier daemon recorded before it stopped. Read once per
        generation."""
        with self._books.lock:
            nodes = [
                n
                for n in self._archive.nodes()
                if low <= (n.id or 0) < high
                and n.commit_sha
                and n.status in (NodeStatus.EVALUATING, NodeStatus.EVALUATED, NodeStatus.INVALID)
            ]
        known: dict[str, int] = {}
        for node in nodes:
            known.setdefault(self._archive.code.tree(node.commit_sha), node.id or 0)
        return known

    def _propose_new(
        self,
        node_id: int,
        evidence: ParentEvidence,
        workdir: Path,
        rng: random.Random,
        known: Mapping[str, int],
    ) -> tuple[Proposal, str, int | None]:
        """The proposer's child, its tree id, and the archive member in `known` it remakes
        (None: it is new). Validating and evaluating a remake would cost a child's time to learn
        a known score (a crossover that takes back what the parent changed remakes the
        grandparent), so a proposer that declares `redraws` is asked again, up to that many
        times, told the change was tried, drawing on the same rng; each remake it skipped is
        listed in the proposal's `duplicates`."""
        twins: list[dict[str, Any]] = []
        for attempt in range(self._redraws + 1):
            attempt_dir = workdir / f"redraw-{attempt}" if attempt else workdir
            attempt_dir.mkdir(parents=True, exist_ok=True)
            proposal = self.p.proposer.propose(
                evidence, attempt_dir, rng, lambda record: self._books.llm_call(node_id, record)
            )
            tree = self._archive.code.tree_of(proposal.child_dir)
            twin = known.get(tree)
            if twins:
                proposal = replace(proposal, info={**proposal.info, "duplicates": list(twins)})
            if twin is None:
                return proposal, tree, None
            description = str(proposal.info.get("description", ""))
            twins.append({"of": twin, "description": description})
            evidence = replace(evidence, tried=(*evidence.tried, description))
        return proposal, tree, twin

    @property
    def _redraws(self) -> int:
        """How many more times the proposer may be asked for a child that remakes an archive
        member: a proposer says so when asking again is cheap (the offline kinds; not a model)."""
        return int(getattr(self.p.proposer, "redraws", 0))

    def _record_draft(self, child: AgentNode, parent_dir: Path, drafted: Draft) -> None:
        node_id = child.id or 0
        books, snapshot, reporter = self._books, self._books.snapshot, self.p.reporter
        info = dict(child.proposal or {})
        if drafted.proposal is None:
            books.write(
                self._archive.set_status, node_id, NodeStatus.FAILED, drafted.error, proposal=info
            )
            snapshot.failed += 1
            reporter.event("child.failed", f"node {node_id}: {drafted.error}")
            return
        proposal = drafted.proposal
        info.update(proposal.info)
        info["kind"] = proposal.kind
        parent_sha = self._archive.node(child.parent_id or 0).commit_sha
        sha = books.write(self._archive.code.add_child, parent_sha, proposal.child_dir)
        validation = drafted.validation
        if validation is None:  # a remake of an archive member: never validated, never run
            validation = Validation(
                False,
                f"the code of node {drafted.remakes}, whose score is known",
                self._archive.code.diff_stats(parent_sha, sha),
            )
        stats = validation.diff_stats  # the child's change as validation saw it
        status = NodeStatus.EVALUATING if validation.ok else NodeStatus.INVALID
        books.write(
            self._archive.set_status,
            node_id,
            status,
            None if validation.ok else validation.reason,
            commit_sha=sha,
            proposal=info,
            proposal_kind=proposal.kind,
            files_changed=stats.files,
            insertions=stats.insertions,
            deletions=stats.deletions,
        )
        if validation.ok:
            snapshot.valid += 1
            reporter.event("child.valid", f"node {node_id}: {_summary(info)}")
        else:
            snapshot.invalid += 1
            reporter.event("child.invalid", f"node {node_id}: {validation.reason}")
        self.p.ctx.trash.discard(self._draft_dir(node_id))

    def _draft_dir(self, node_id: int) -> Path:
        """Where the proposer makes the child (wherever inside it the child's tree ends up)."""
        return self._scratch / f"draft-{node_id}"


def _first_child_id(child: AgentNode) -> int:
    """The lowest node id of the child's generation (children get ids in slot order): what
    is below it was finished before the generation was planned."""
    return (child.id or 0) - int((child.proposal or {}).get("slot", 0))


def _planned_graft(child: AgentNode) -> int | None:
    """The node whose change the child's slot was planned to receive (`loop.planning`)."""
    source = (child.proposal or {}).get("graft_of")
    return None if source is None else int(source)


def _planned_screen(child: AgentNode) -> tuple[str, str]:
    """(kind, description) of the capability the child's slot was planned to receive
    (`loop.planning`), or two empty strings."""
    screen = (child.proposal or {}).get("screen")
    if not isinstance(screen, list) or len(screen) != 2:
        return "", ""
    return str(screen[0]), str(screen[1])


def _preferred(child: AgentNode) -> tuple[str, ...]:
    """The proposal kinds the child's slot was planned for: a graft, or a screen's kind."""
    if _planned_graft(child) is not None:
        return ("graft",)
    kind, _ = _planned_screen(child)
    return (kind,) if kind else ()


def leads(parent_score: float, gain: float, best: float) -> bool:
    """Whether a graft could make a new best, were its gain to add to the parent's score. Why:
    a graft onto a weaker agent mostly rebuilds an agent the archive already has (a short run's
    few improvements sit in the best's lineage), and its evaluation finds nothing new; grafts
    onto the leaders combine improvements found on different branches."""
    return parent_score + gain > best + SCORE_EPSILON


def _summary(info: dict[str, Any]) -> str:
    for key in ("transformation", "improvement_proposal", "problem_description"):
        if info.get(key):
            return str(info[key]).splitlines()[0][:100]
    return str(info.get("kind", ""))
