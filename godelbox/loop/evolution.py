"""The generational evolution loop (DGM's schedule): select → propose → validate → evaluate.

Crash safety comes from writing before acting. A generation is *planned* in one event that holds
its parents and the selection RNG state after drawing them; its children are then created as
`proposed` nodes in slot order. Everything after that is idempotent, so a resumed daemon finds
the last unfinished generation, creates any child it had not created, re-proposes children still
`proposed`, resumes evaluations without redoing finished tasks, and continues the same RNG stream.

Determinism: parents come from one seeded stream; each child gets its own generator derived from
the run seed and its node id; ids are assigned in slot order and results are written per node,
so the archive is the same whatever the worker count or the order in which work completes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from godelbox import trees
from godelbox.archive import events
from godelbox.archive.models import AgentNode, NodeStatus
from godelbox.archive.store import Archive
from godelbox.budget import exhausted
from godelbox.config import Config
from godelbox.evaluator.benchmark import Benchmark, hidden_tests
from godelbox.evaluator.cache import CacheScope
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import Solver
from godelbox.llm.client import BudgetExceeded
from godelbox.loop.bookkeeping import Bookkeeper
from godelbox.loop.display import Reporter, resumed_snapshot
from godelbox.loop.evaluating import Evaluating
from godelbox.loop.executors import Executor
from godelbox.loop.planning import GenerationPlan, Planner
from godelbox.loop.progress import ProgressReader
from godelbox.loop.proposing import Proposing
from godelbox.loop.stopping import StopRequest
from godelbox.proposer.base import LLMCallSink, Proposal, Proposer
from godelbox.proposer.validate import Validation
from godelbox.sandbox.select import release

Validator = Callable[[Path, Proposal], Validation]
"""(parent tree, proposal) -> whether the child is worth evaluating."""
"""(parent_dir, child_dir) -> verdict; runs the child's own tests in a sandbox."""

SolverFactory = Callable[[Path, LLMCallSink], Solver]
"""(agent_dir, sink for the agent's LLM calls) -> how to run that agent on a task."""


@dataclass(frozen=True)
class LoopParts:
    """Everything the loop needs, built by `godelbox.loop.setup` from the run's config."""

    archive: Archive
    config: Config
    proposer: Proposer
    solver_for: SolverFactory
    validate: Validator
    bench: Benchmark
    ctx: EvalContext
    seed_dir: Path
    seed_kind: str
    reporter: Reporter
    stop: StopRequest
    executor: Executor
    """Where evaluation units run (`loop.executor`); the loop closes it when it stops."""
    cache_for: Callable[[Path], CacheScope | None] = lambda _agent_dir: None
    """The evaluation cache for the agent in a directory, or None when it must run afresh."""


def scratch_dir(run_dir: Path) -> Path:
    """The daemon's working trees (checkouts, drafts, pristine workspaces): emptied whenever a
    daemon starts or stops."""
    return run_dir / "scratch"


class Evolution:
    """The daemon's life and its schedules; each phase of a generation is its own object
    (`Planner`, `Proposing`, `Evaluating`), sharing one `Bookkeeper`."""

    def __init__(self, parts: LoopParts) -> None:
        self.p = parts
        self.archive = parts.archive
        self.config = parts.config
        self.run_dir = parts.archive.run_dir
        self.scratch = scratch_dir(self.run_dir)
        self._books = Bookkeeper(
            parts.archive,
            parts.reporter,
            self.scratch,
            parts.ctx.trash,
            parts.stop,
            tape_limit=int(self.config.llm.record_run_mb * 1024 * 1024),
        )
        self._progress = ProgressReader(self.archive, session_started=time.monotonic())
        screens = getattr(parts.proposer, "screens", None)
        self._planner = Planner(
            self._books,
            self.config.run.seed,
            graft_best=self.config.loop.graft_best
            and int(getattr(parts.proposer, "grafts_wanted", 0)) > 0,
            screens=screens if self.config.loop.screen_best else None,
        )
        # Workers live as long as the daemon: no threads made and joined every generation.
        self._proposing_pool = ThreadPoolExecutor(
            self.config.loop.proposal_workers, thread_name_prefix="godelbox-propose"
        )
        self._evaluating_pool = ThreadPoolExecutor(
            self.config.loop.eval_workers, thread_name_prefix="godelbox-evaluate"
        )
        self._proposing = Proposing(
            parts,
            self._books,
            self.scratch,
            self._proposing_pool,
            problems={task.task_id: task.problem() for task in parts.bench.tasks()},
            test_patches={task.task_id: hidden_tests(task) for task in parts.bench.tasks()},
        )
        self._evaluating = Evaluating(parts, self._books, self._evaluating_pool)

    # -- the daemon's life -------------------------------------------------------------------

    def run(self) -> str:
        """Run until a budget or a stop request ends it; returns the reason, phrased for people."""
        self._books.write(self.archive.append_event, events.DAEMON_STARTED, None, {})
        self._clear_scratch()
        self._snapshot_from_archive()
        reason = "interrupted"
        try:
            reason = self._loop()
            return reason
        finally:
            self._books.phase(f"stopped: {reason}")
            self._proposing_pool.shutdown()
            self._evaluating_pool.shutdown()
            active = self._progress.mark_recorded()
            self._books.write(
                self.archive.append_event,
                events.DAEMON_STOPPED,
                None,
                {"active_s": active, "reason": reason},
            )
            self.p.ctx.trash.close()
            self._clear_scratch()
            self.p.executor.close()
            release(self.p.ctx.backend)

    def _clear_scratch(self) -> None:
        """Delete the scratch dir; say what could not be deleted (by the trash, or now) rather
        than leave it unnoticed on disk."""
        left = self.p.ctx.trash.leftovers
        try:
            trees.remove(self.scratch)
        except OSError as err:
            left.append(f"{self.scratch}: {err}")
        if left:
            self.p.reporter.event(
                "scratch.leftover",
                f"{len(left)} scratch tree(s) could not be deleted: {'; '.join(left[:5])}",
            )

    def _loop(self) -> str:
        try:
            self._ensure_seed()
            if self.config.loop.schedule == "async":
                return self._asynchronous()
            return self._generational()
        except BudgetExceeded as err:
            return f"budget reached: {err}"

    def _generational(self) -> str:
        """DGM: a generation of k children from parents drawn together, evaluated, then the
        next generation sees all of them."""
        for plan in self._planner.open_plans():
            self.p.reporter.event("generation.resumed", f"generation {plan.generation}")
            self._run_planned(plan, resumed=True)
        while not (reason := self._stop_reason()):
            self._run_planned(self._planner.plan(self.config.loop.children_per_generation))
        return reason

    def _asynchronous(self) -> str:
        """HGM-style: `workers` expansions in flight, and a worker that frees up expands at once
        the parent the policy picks from the archive as it is then (no generation barrier).
        Each expansion is recorded as a generation of one child, so budgets, resume and the
        views work unchanged. Which parent a worker gets depends on completion order, so only
        the generational schedule promises identical archives for any worker count."""
        workers = max(self.config.loop.proposal_workers, self.config.loop.eval_workers)
        pending = self._planner.open_plans()
        running: set[Future[None]] = set()
        reason = ""
        with ThreadPoolExecutor(workers, thread_name_prefix="godelbox-expand") as pool:
            while True:
                while len(running) < workers and not (reason := self._stop_reason(len(running))):
                    plan = pending.pop(0) if pending else self._planner.plan(1)
                    running.add(pool.submit(self._run_planned, plan))
                if not running:
                    return reason
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()

    def _stop_reason(self, in_flight: int = 0) -> str:
        """Why no new work may start, or "". `in_flight` expansions count as iterations already,
        so the async schedule never starts more than the iteration budget allows."""
        if self.p.stop.requested:
            return self.p.stop.reason
        progress = self._progress.read()
        self._books.snapshot.usd = progress.usd
        planned = replace(progress, iterations=progress.iterations + in_flight)
        return exhausted(self.config.budget, planned) or ""

    # -- seed ------------------------------------------------------------------------------

    def _ensure_seed(self) -> None:
        nodes = self.archive.nodes()
        if not nodes:
            sha = self.archive.code.add_root(self.p.seed_dir, message=f"seed: {self.p.seed_kind}")
            seed_id = self.archive.add_node(
                parent_id=None,
                commit_sha=sha,
                agent_kind=self.p.seed_kind,
                status=NodeStatus.EVALUATING,
                proposal={"seed": self.p.seed_kind},
            )
            self.p.reporter.event("seed.added", f"node {seed_id} from agents/{self.p.seed_kind}")
            nodes = [self.archive.node(seed_id)]
        seed = nodes[0]
        if seed.status == NodeStatus.EVALUATING:
            self._evaluating.run([seed])
        self._books.snapshot.seed_score = self.archive.node(seed.id or 0).score
        self._refresh_snapshot()

    # -- generations -----------------------------------------------------------------------

    def _run_planned(self, plan: GenerationPlan, resumed: bool = False) -> None:
        generation = plan.generation
        self._books.snapshot.generation = generation
        children = self._create_children(plan)
        again = " (resumed)" if resumed else ""

        self._books.phase(f"proposing{again}")
        self._proposing.run([c for c in children if c.status == NodeStatus.PROPOSED])
        if self.p.stop.requested:
            return  # the generation stays open; a resumed daemon evaluates its children
        self._books.phase(f"evaluating{again}")
        refreshed = [self.archive.node(c.id or 0) for c in children]
        self._evaluating.run([c for c in refreshed if c.status == NodeStatus.EVALUATING])
        if self.p.stop.requested:
            return
        best = self.archive.best_node()
        self._books.write(
            self.archive.append_event,
            events.GENERATION_FINISHED,
            None,
            {
                "generation": generation,
                "best_node": best.id if best else None,
                "best_score": best.score if best else None,
            },
        )
        with self._books.lock:
            active = self._progress.mark_recorded()
            self.archive.append_event(events.DAEMON_ACTIVE, None, {"active_s": active})
        self._books.show_best(best)
        self.p.reporter.event(
            events.GENERATION_FINISHED,
            f"generation {generation}: best {_fmt(best.score if best else None)} (node "
            f"{best.id if best else '-'})",
        )

    def _create_children(self, plan: GenerationPlan) -> list[AgentNode]:
        """The generation's child nodes, one per slot, creating those a crash left out."""
        generation = plan.generation
        # Only a generation planned before a crash can have children already.
        resumed = [] if self._planner.is_fresh(generation) else self.archive.nodes()
        existing = {
            int(n.proposal["slot"]): n
            for n in resumed
            if n.proposal and n.proposal.get("generation") == generation and "slot" in n.proposal
        }
        children = []
        for slot, parent_id in enumerate(plan.parents):
            if slot not in existing:
                proposal: dict[str, Any] = {"generation": generation, "slot": slot}
                source = plan.graft_of(slot)
                if source is not None:
                    proposal["graft_of"] = source
                screen = plan.screen_of(slot)
                if screen is not None:
                    proposal["screen"] = list(screen)
                node_id = self._books.write(
                    self.archive.add_node,
                    parent_id=parent_id,
                    commit_sha="",
                    agent_kind=self.archive.node(parent_id).agent_kind,
                    status=NodeStatus.PROPOSED,
                    proposal=proposal,
                )
                existing[slot] = self.archive.node(node_id)
            children.append(existing[slot])
        return children

    def _snapshot_from_archive(self) -> None:
        """A resumed run's panel starts where the archive is: its newest generation and the
        children of every session, not zeros."""
        newest = self._planner.newest()
        generation = newest.generation if newest is not None else 0
        self._books.snapshot = resumed_snapshot(str(self.run_dir), self.archive.nodes(), generation)
        self._books.phase("resuming" if newest is not None else "starting")

    def _refresh_snapshot(self) -> None:
        self._books.show_best(self.archive.best_node())


def _fmt(score: float | None) -> str:
    return "—" if score is None else f"{score:.3f}"
