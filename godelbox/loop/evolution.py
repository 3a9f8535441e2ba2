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

import contextlib
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from godelbox import trees
from godelbox.archive.models import AgentNode, NodeStatus, Outcome
from godelbox.archive.store import Archive
from godelbox.budget import exhausted
from godelbox.config import Config, StageSection
from godelbox.evaluator.benchmark import Benchmark, hidden_tests
from godelbox.evaluator.cache import CacheScope
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import Solver, safe_name
from godelbox.evaluator.mixed import MixedBenchmark, bench_score
from godelbox.evaluator.results import TaskResult
from godelbox.evaluator.staged import StagedOutcome, effective_stages, plan_stages
from godelbox.loop import events
from godelbox.loop.display import Reporter, Snapshot, resumed_snapshot, stage_progress
from godelbox.loop.evidence import parent_evidence
from godelbox.loop.executors import Executor
from godelbox.loop.progress import ProgressReader
from godelbox.loop.stopping import StopRequest
from godelbox.proposer.base import LLMCallSink, Mate, Proposal, Proposer
from godelbox.proposer.llm import BudgetExceeded
from godelbox.proposer.validate import Validation
from godelbox.sandbox.recording import Tape
from godelbox.sandbox.select import release
from godelbox.treecache import TreeCache

SELECTION_RNG = "selection"
INFRA_RETRIES = 2
"""Extra evaluation rounds for tasks whose harness failed (engine errors under load); after
them such a task is recorded as an error so the run always moves on."""
LOG_DIR = "logs"

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


KEEP_CHECKOUTS = 128
"""Idle agent checkouts kept for reuse as parents; older ones are deleted (and checked out
again if picked later: a run of thousands of nodes must not keep thousands of trees)."""


def scratch_dir(run_dir: Path) -> Path:
    """The daemon's working trees (checkouts, drafts, pristine workspaces): emptied whenever a
    daemon starts or stops."""
    return run_dir / "scratch"


@dataclass(frozen=True)
class _Drafted:
    node_id: int
    proposal: Proposal | None
    validation: Validation | None
    error: str = ""


class Evolution:
    def __init__(self, parts: LoopParts) -> None:
        self.p = parts
        self.archive = parts.archive
        self.config = parts.config
        self.run_dir = parts.archive.run_dir
        self.scratch = scratch_dir(self.run_dir)
        self._checkouts = TreeCache(self.scratch / "agents", parts.ctx.trash, keep=KEEP_CHECKOUTS)
        self._lock = threading.Lock()
        self._progress = ProgressReader(self.archive, session_started=time.monotonic())
        self._snapshot = Snapshot(run_dir=str(self.run_dir))
        self._problems = {task.task_id: task.problem() for task in parts.bench.tasks()}
        self._test_patches = {task.task_id: hidden_tests(task) for task in parts.bench.tasks()}
        self._plans_seq = 0
        self._newest_plan: dict[str, Any] | None = None
        self._unfinished: dict[int, dict[str, Any]] = {}
        """Plans without a `generation.finished` event: only these and the newest are kept (a
        plan holds the whole RNG state, and a daemon plans thousands of generations)."""
        self._fresh: set[int] = set()
        """Generations planned by this session: they cannot have children from a crash."""
        # Workers live as long as the daemon: no threads made and joined every generation.
        self._proposing = ThreadPoolExecutor(
            self.config.loop.proposal_workers, thread_name_prefix="godelbox-propose"
        )
        self._evaluating = ThreadPoolExecutor(
            self.config.loop.eval_workers, thread_name_prefix="godelbox-evaluate"
        )

    # -- the daemon's life -------------------------------------------------------------------

    def run(self) -> str:
        """Run until a budget or a stop request ends it; returns the reason, phrased for people."""
        self._write(self.archive.append_event, events.DAEMON_STARTED, None, {})
        self._clear_scratch()
        self._snapshot_from_archive()
        reason = "interrupted"
        try:
            reason = self._loop()
            return reason
        finally:
            self._phase(f"stopped: {reason}")
            self._proposing.shutdown()
            self._evaluating.shutdown()
            active = self._progress.mark_recorded()
            self._write(
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
        for plan in self._open_plans():
            self.p.reporter.event("generation.resumed", f"generation {plan['generation']}")
            self._run_planned(plan, resumed=True)
        while not (reason := self._stop_reason()):
            self._run_planned(self._plan(self.config.loop.children_per_generation))
        return reason

    def _asynchronous(self) -> str:
        """HGM-style: `workers` expansions in flight, and a worker that frees up expands at once
        the parent the policy picks from the archive as it is then (no generation barrier).
        Each expansion is recorded as a generation of one child, so budgets, resume and the
        views work unchanged. Which parent a worker gets depends on completion order, so only
        the generational schedule promises identical archives for any worker count."""
        workers = max(self.config.loop.proposal_workers, self.config.loop.eval_workers)
        pending = self._open_plans()
        running: set[Future[None]] = set()
        reason = ""
        with ThreadPoolExecutor(workers, thread_name_prefix="godelbox-expand") as pool:
            while True:
                while len(running) < workers and not (reason := self._stop_reason(len(running))):
                    plan = pending.pop(0) if pending else self._plan(1)
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
        self._snapshot.usd = progress.usd
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
            self._evaluate_nodes([seed])
        self._snapshot.seed_score = self.archive.node(seed.id or 0).score
        self._refresh_snapshot()

    # -- generations -----------------------------------------------------------------------

    def _plans(self) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The newest planned generation's payload, and the generations planned but not
        finished, oldest first. Read incrementally: only events newer than the last call are
        fetched."""
        for event in self.archive.events(after_seq=self._plans_seq):
            self._plans_seq = event.seq or self._plans_seq
            if event.kind == events.GENERATION_PLANNED and event.payload:
                self._newest_plan = event.payload
                self._unfinished[int(event.payload["generation"])] = event.payload
            elif event.kind == events.GENERATION_FINISHED and event.payload:
                self._unfinished.pop(int(event.payload["generation"]), None)
        return self._newest_plan, [self._unfinished[g] for g in sorted(self._unfinished)]

    def _open_plans(self) -> list[dict[str, Any]]:
        """Generations planned but not finished when the last daemon stopped. The selection
        RNG is put back to the state after the newest plan, in case the crash came between
        writing the plan and saving the RNG."""
        newest, unfinished = self._plans()
        if newest is not None:
            self._write(self.archive.save_rng, SELECTION_RNG, _rng_from(newest["rng"]))
        return unfinished

    def _plan(self, children: int) -> dict[str, Any]:
        """Draw the parents of the next generation and write the plan before acting on it."""
        with self._lock:
            newest, _ = self._plans()
            generation = int(newest["generation"]) + 1 if newest is not None else 1
            rng = self.archive.load_rng(SELECTION_RNG) or random.Random(self.config.run.seed)
            parents = self.archive.select_parents(rng, children)
            version, internal, gauss = rng.getstate()
            plan = {
                "generation": generation,
                "parents": parents,
                "rng": {"version": version, "internal": list(internal), "gauss_next": gauss},
            }
            self.archive.append_event(events.GENERATION_PLANNED, None, plan)
            self.archive.save_rng(SELECTION_RNG, rng)
            self._fresh.add(generation)
        return plan

    def _run_planned(self, plan: dict[str, Any], resumed: bool = False) -> None:
        generation = int(plan["generation"])
        self._snapshot.generation = generation
        children = self._create_children(generation, [int(p) for p in plan["parents"]])
        again = " (resumed)" if resumed else ""

        self._phase(f"proposing{again}")
        self._propose([c for c in children if c.status == NodeStatus.PROPOSED])
        if self.p.stop.requested:
            return  # the generation stays open; a resumed daemon evaluates its children
        self._phase(f"evaluating{again}")
        refreshed = [self.archive.node(c.id or 0) for c in children]
        self._evaluate_nodes([c for c in refreshed if c.status == NodeStatus.EVALUATING])
        if self.p.stop.requested:
            return
        best = self.archive.best_node()
        self._write(
            self.archive.append_event,
            events.GENERATION_FINISHED,
            None,
            {
                "generation": generation,
                "best_node": best.id if best else None,
                "best_score": best.score if best else None,
            },
        )
        with self._lock:
            active = self._progress.mark_recorded()
            self.archive.append_event(events.DAEMON_ACTIVE, None, {"active_s": active})
        self._show_best(best)
        self.p.reporter.event(
            "generation.finished",
            f"generation {generation}: best {_fmt(best.score if best else None)} (node "
            f"{best.id if best else '-'})",
        )

    def _create_children(self, generation: int, parents: list[int]) -> list[AgentNode]:
        """The generation's child nodes, one per slot, creating those a crash left out."""
        # Only a generation planned before a crash can have children already.
        resumed = [] if generation in self._fresh else self.archive.nodes()
        existing = {
            int(n.proposal["slot"]): n
            for n in resumed
            if n.proposal and n.proposal.get("generation") == generation and "slot" in n.proposal
        }
        children = []
        for slot, parent_id in enumerate(parents):
            if slot not in existing:
                node_id = self._write(
                    self.archive.add_node,
                    parent_id=parent_id,
                    commit_sha="",
                    agent_kind=self.archive.node(parent_id).agent_kind,
                    status=NodeStatus.PROPOSED,
                    proposal={"generation": generation, "slot": slot},
                )
                existing[slot] = self.archive.node(node_id)
            children.append(existing[slot])
        return children

    # -- proposing and validating ----------------------------------------------------------

    def _propose(self, children: list[AgentNode]) -> None:
        if not children:
            return
        with contextlib.ExitStack() as held:
            jobs = [(c, held.enter_context(self._checkout(c.parent_id or 0))) for c in children]
            mates = [self._mates(c, held) for c in children]
            futures = [
                self._proposing.submit(self._draft, c, parent_dir, m)
                for (c, parent_dir), m in zip(jobs, mates, strict=True)
            ]
            try:
                # Results are written in slot order, not completion order (determinism).
                for (child, parent_dir), future in zip(jobs, futures, strict=True):
                    self._record_draft(child, parent_dir, future.result())
            finally:
                wait(futures)  # no draft outlives the checkouts it reads

    def _mates(self, child: AgentNode, held: contextlib.ExitStack) -> tuple[Mate, ...]:
        """The best members of earlier generations other than the parent, checked out while
        the generation is proposed, for proposers that recombine two agents."""
        wanted = int(getattr(self.p.proposer, "mates_wanted", 0))
        if not wanted:
            return ()
        with self._lock:
            nodes = self.archive.top_nodes(wanted, _first_child_id(child), child.parent_id or 0)
        return tuple(
            Mate(n.id or 0, n.score, held.enter_context(self._checkout(n.id or 0))) for n in nodes
        )

    def _checkout(self, node_id: int) -> contextlib.AbstractContextManager[Path]:
        """The agent's code, checked out while the block runs (and kept a while after, for the
        next generation that picks it as a parent)."""
        sha = self.archive.node(node_id).commit_sha
        return self._checkouts.lease(
            f"agent-{node_id}", lambda dest: self.archive.code.checkout(sha, dest)
        )

    def _draft(self, child: AgentNode, parent_dir: Path, mates: tuple[Mate, ...]) -> _Drafted:
        node_id = child.id or 0
        self._busy(f"propose-{node_id}", f"proposing node {node_id} from {child.parent_id}")
        try:
            evidence = parent_evidence(
                self.archive,
                child.parent_id or 0,
                parent_dir,
                self._problems,
                self._lock,
                generation=int((child.proposal or {}).get("generation", 0)),
                first_child_id=_first_child_id(child),
                mates=mates,
                test_patches=self._test_patches,
            )
            workdir = self._draft_dir(node_id)
            self.p.ctx.trash.discard(workdir)
            workdir.mkdir(parents=True)
            rng = random.Random(f"{self.config.run.seed}:{node_id}")
            proposal = self.p.proposer.propose(
                evidence, workdir, rng, lambda record: self._llm_call(node_id, record)
            )
            self._busy(f"propose-{node_id}", f"validating node {node_id}")
            validation = self.p.validate(parent_dir, proposal)
            return _Drafted(node_id, proposal, validation)
        except BudgetExceeded:
            raise  # not this child's fault: the run stops, the child is proposed again on resume
        except Exception as err:  # any other proposer failure is the child's, and recorded
            return _Drafted(node_id, None, None, error=f"{type(err).__name__}: {err}")
        finally:
            self._busy(f"propose-{node_id}", None)

    def _record_draft(self, child: AgentNode, parent_dir: Path, drafted: _Drafted) -> None:
        node_id = child.id or 0
        info = dict(child.proposal or {})
        if drafted.proposal is None:
            self._write(
                self.archive.set_status, node_id, NodeStatus.FAILED, drafted.error, proposal=info
            )
            self._snapshot.failed += 1
            self.p.reporter.event("child.failed", f"node {node_id}: {drafted.error}")
            return
        proposal = drafted.proposal
        info.update(proposal.info)
        info["kind"] = proposal.kind
        parent_sha = self.archive.node(child.parent_id or 0).commit_sha
        sha = self._write(self.archive.code.add_child, parent_sha, proposal.child_dir)
        validation = drafted.validation
        assert validation is not None
        stats = validation.diff_stats  # the child's change as validation saw it
        status = NodeStatus.EVALUATING if validation.ok else NodeStatus.INVALID
        self._write(
            self.archive.set_status,
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
            self._snapshot.valid += 1
            self.p.reporter.event("child.valid", f"node {node_id}: {_summary(info)}")
        else:
            self._snapshot.invalid += 1
            self.p.reporter.event("child.invalid", f"node {node_id}: {validation.reason}")
        self.p.ctx.trash.discard(self._draft_dir(node_id))

    def _draft_dir(self, node_id: int) -> Path:
        """Where the proposer makes the child (wherever inside it the child's tree ends up)."""
        return self.scratch / f"draft-{node_id}"

    def _llm_call(self, node_id: int, record: Any) -> None:
        if isinstance(record, Tape):
            limit = int(self.config.llm.record_run_mb * 1024 * 1024)
            self._write(self.archive.record_tape, node_id, record, limit)
            return
        self._write(
            self.archive.record_llm_call,
            node_id=node_id,
            role=record.role,
            model=record.model,
            tokens_in=record.tokens_in,
            tokens_out=record.tokens_out,
            cost_usd=record.cost_usd,
            latency_s=record.latency_s,
            error=record.error,
        )

    # -- evaluating ------------------------------------------------------------------------

    def _evaluate_nodes(self, nodes: list[AgentNode]) -> None:
        if not nodes:
            return
        futures = [self._evaluating.submit(self._evaluate, node) for node in nodes]
        try:
            for future in futures:
                future.result()
        finally:
            wait(futures)  # like leaving a pool's `with`: nothing still running on return

    def _evaluate(self, node: AgentNode) -> None:
        with self._checkout(node.id or 0) as agent_dir:
            self._evaluate_agent(node, agent_dir)

    def _evaluate_agent(self, node: AgentNode, agent_dir: Path) -> None:
        node_id = node.id or 0
        tasks = [t.task_id for t in self.p.bench.tasks()]
        stages = effective_stages(self.config.evaluation.stages, self._earlier_scores(node))
        stage_of = {
            task_id: index
            for index, ids in enumerate(plan_stages(tasks, stages))
            for task_id in ids
        }
        ctx = replace(self.p.ctx, labels={**self.p.ctx.labels, "node": str(node_id)})
        solver = self.p.solver_for(agent_dir, lambda record: self._llm_call(node_id, record))
        cache = self.p.cache_for(agent_dir)
        reached = 0
        for attempt in range(1, self.config.evaluation.attempts + 1):
            # Each attempt is a sample of its own: the agent gets the next seed (and the cache,
            # whose key holds the seed, another entry).
            round_ctx = replace(ctx, attempt_seed=ctx.attempt_seed + attempt - 1)
            outcome = self._evaluate_round(
                node_id, attempt, round_ctx, solver, agent_dir, stages, stage_of, cache
            )
            if outcome is None:
                return  # stays `evaluating`; a resumed daemon finishes it from the recorded tasks
            reached = max(reached, len(outcome.stages))
        rows = self.archive.evaluations(node_id)
        resolved = sum(1 for r in rows if r.outcome == Outcome.RESOLVED)
        pairs = [(r.task_id, r.outcome == Outcome.RESOLVED) for r in rows]
        score = bench_score(self.p.bench, self.config.evaluation.bench, pairs).combined
        made_patch = None
        # Web episodes answer with actions, never a patch: the rule reads coding tasks only.
        coding = [r for r in rows if not (r.details or {}).get("episode")]
        if self.config.selection.require_patch and node.parent_id is not None and coding:
            made_patch = any(str((r.details or {}).get("patch") or "").strip() for r in coding)
        self._write(
            self.archive.set_status,
            node_id,
            NodeStatus.EVALUATED,
            score=score,
            stage_reached=reached,
            made_patch=made_patch,
        )
        note = " (no non-empty patch: not a parent)" if made_patch is False else ""
        cached = sum(1 for r in rows if r.cached)
        from_cache = f", {cached} from the cache" if cached else ""
        self.p.reporter.event(
            "node.evaluated",
            f"node {node_id}: {resolved}/{len(rows)} resolved ({score:.3f}){from_cache}{note}",
        )
        tampered = [r.task_id for r in rows if r.outcome == Outcome.TAMPERED]
        if tampered:
            self._write(self.archive.append_event, "node.tampered", node_id, {"tasks": tampered})
            self.p.reporter.event(
                "node.tampered",
                f"node {node_id} forged its grade on {len(tampered)} task(s) "
                f"({', '.join(tampered[:3])}): it will never be a parent",
            )

    def _earlier_scores(self, node: AgentNode) -> list[float]:
        """Scores of the parents eligible from earlier generations than `node`'s, for dynamic
        stage thresholds: never this generation's siblings, whose evaluation may finish in any
        order, so a seeded run gates the same way with any worker count and after a resume."""
        if not any(stage.dynamic for stage in self.config.evaluation.stages):
            return []
        generation = _generation(node)
        with self._lock:
            ids = [int(i) for i in self.archive.graph().candidates().ids]
            earlier = [self.archive.node(i) for i in ids]
        return [float(n.score or 0.0) for n in earlier if _generation(n) < generation]

    def _evaluate_round(
        self,
        node_id: int,
        attempt: int,
        ctx: EvalContext,
        solver: Solver,
        agent_dir: Path,
        stages: list[StageSection],
        stage_of: dict[str, int],
        cache: CacheScope | None,
    ) -> StagedOutcome | None:
        """Attempt `attempt` of every task (evaluation.attempts); the tasks that already have
        that many recorded rows are done. None when a stop request interrupted it."""
        rows_of: dict[str, list[bool]] = {}
        for row in self.archive.evaluations(node_id):
            rows_of.setdefault(row.task_id, []).append(row.outcome == Outcome.RESOLVED)
        done = {t: got[attempt - 1] for t, got in rows_of.items() if len(got) >= attempt}
        label = f"evaluate-{node_id}"
        tag = f" (attempt {attempt})" if self.config.evaluation.attempts > 1 else ""
        self._busy(label, f"evaluating node {node_id}{tag}: {stage_progress(done, stage_of)}")

        def record(result: TaskResult) -> None:
            self._record_result(node_id, stage_of.get(result.task_id, 0), result, attempt)
            done[result.task_id] = result.resolved
            with self._lock:
                self._snapshot.tasks_run += result.cache is None
                self._snapshot.tasks_cached += result.cache is not None
            self._busy(label, f"evaluating node {node_id}{tag}: {stage_progress(done, stage_of)}")

        for retry in range(INFRA_RETRIES + 1):
            failed: list[TaskResult] = []
            keep_failed = retry == INFRA_RETRIES
            try:
                outcome = self.p.executor.evaluate(
                    ctx,
                    self.p.bench,
                    solver,
                    agent_dir,
                    stages=stages,
                    workers=self.config.evaluation.workers,
                    done=done,
                    on_result=_record_once(done, record, None if keep_failed else failed),
                    should_stop=lambda: self.p.stop.requested,
                    cache=cache,
                )
            finally:
                self._busy(label, None)
            if outcome.interrupted:
                return None
            if not failed:
                break
            self.p.reporter.event(
                "sandbox.error",
                f"node {node_id}: {len(failed)} task(s) hit a harness failure, running them "
                f"again: {failed[0].reason[:200]}",
            )
        return outcome

    def _record_result(
        self, node_id: int, stage: int, result: TaskResult, attempt: int = 1
    ) -> None:
        result = result.stored()
        suffix = f".attempt-{attempt}" if attempt > 1 else ""
        log_rel = Path(LOG_DIR) / f"node-{node_id}" / f"{safe_name(result.task_id)}{suffix}.log"
        log_file = self.run_dir / log_rel
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text(result.log, encoding="utf-8")
        details = result.to_dict()
        details.pop("log")
        if isinstance(self.p.bench, MixedBenchmark):
            details["bench"] = self.p.bench.part_of(result.task_id).spec
        if attempt > 1:
            details["attempt"] = attempt
        self._write(
            self.archive.record_evaluation,
            node_id,
            stage=stage,
            task_id=result.task_id,
            outcome=_archive_outcome(result),
            duration_s=result.duration_s,
            details=details,
            log_path=str(log_rel),
            cached=result.cache is not None,
        )

    # -- bookkeeping -----------------------------------------------------------------------

    def _write(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Every archive write goes through here: one writer at a time, from any thread."""
        with self._lock:
            return method(*args, **kwargs)

    def _busy(self, worker: str, doing: str | None) -> None:
        with self._lock:
            if self.p.stop.requested and not self._snapshot.phase.startswith("stop"):
                self._snapshot.phase = f"stopping ({self.p.stop.reason})"
            if doing is None:
                self._snapshot.busy.pop(worker, None)
            else:
                self._snapshot.busy[worker] = doing
            self.p.reporter.status(self._snapshot)

    def _phase(self, phase: str) -> None:
        if self.p.stop.requested and not phase.startswith("stop"):
            phase = f"stopping ({self.p.stop.reason})"
        self._snapshot.phase = phase
        self.p.reporter.status(self._snapshot)

    def _snapshot_from_archive(self) -> None:
        """A resumed run's panel starts where the archive is: its newest generation and the
        children of every session, not zeros."""
        newest, _ = self._plans()
        generation = int(newest["generation"]) if newest is not None else 0
        self._snapshot = resumed_snapshot(str(self.run_dir), self.archive.nodes(), generation)
        self._phase("resuming" if newest is not None else "starting")

    def _refresh_snapshot(self) -> None:
        self._show_best(self.archive.best_node())

    def _show_best(self, best: AgentNode | None) -> None:
        self._snapshot.best_node = best.id if best else None
        self._snapshot.best_score = best.score if best else None
        self.p.reporter.status(self._snapshot)


def _record_once(
    done: dict[str, bool],
    record: Callable[[TaskResult], None],
    failed: list[TaskResult] | None,
) -> Callable[[TaskResult], None]:
    """The `on_result` of one evaluation round: each task is recorded once per node (a unit
    retried by an executor may report it again), and when `failed` is given, results whose
    harness failed go there instead of into the archive, to be run again."""

    def on_result(result: TaskResult) -> None:
        if result.task_id in done:
            return
        if result.infra and failed is not None:
            failed.append(result)
            return
        record(result)

    return on_result


def _first_child_id(child: AgentNode) -> int:
    """The lowest node id of the child's generation (children get ids in slot order): what
    is below it was finished before the generation was planned."""
    return (child.id or 0) - int((child.proposal or {}).get("slot", 0))


def _generation(node: AgentNode) -> int:
    """The generation that made `node` (the seed: 0)."""
    return int((node.proposal or {}).get("generation", 0))


def _rng_from(state: dict[str, Any]) -> random.Random:
    rng = random.Random()
    rng.setstate((state["version"], tuple(state["internal"]), state["gauss_next"]))
    return rng


def _archive_outcome(result: TaskResult) -> Outcome:
    """The evaluator's outcomes mapped onto the archive's (a patch that did not apply is an
    unresolved task; its reason keeps the detail)."""
    if result.outcome == "patch_failed":
        return Outcome.UNRESOLVED
    return Outcome(result.outcome)


def _summary(info: dict[str, Any]) -> str:
    for key in ("transformation", "improvement_proposal", "problem_description"):
        if info.get(key):
            return str(info[key]).splitlines()[0][:100]
    return str(info.get("kind", ""))


def _fmt(score: float | None) -> str:
    return "—" if score is None else f"{score:.3f}"
