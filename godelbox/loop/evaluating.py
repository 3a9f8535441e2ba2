"""The evaluating phase: a node's agent runs the benchmark in stages, task by task.

Each finished task is written at once (with its log), so a stop or a crash loses at most the
tasks in flight: a resumed daemon skips every task already recorded for the node. Harness
failures (engine errors under load) are run again a few times before they count as errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from godelbox.archive import events
from godelbox.archive.models import AgentNode, NodeStatus, Outcome
from godelbox.config import StageSection
from godelbox.evaluator.cache import CacheScope
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import Solver, safe_name
from godelbox.evaluator.mixed import MixedBenchmark, bench_score
from godelbox.evaluator.results import TaskResult
from godelbox.evaluator.staged import StagedOutcome, effective_stages, plan_stages
from godelbox.loop.bookkeeping import Bookkeeper
from godelbox.loop.display import stage_progress

if TYPE_CHECKING:  # the loop's parts are assembled in evolution.py, which imports this module
    from godelbox.loop.evolution import LoopParts

INFRA_RETRIES = 2
"""Extra evaluation rounds for tasks whose harness failed (engine errors under load); after
them such a task is recorded as an error so the run always moves on."""
LOG_DIR = "logs"


@dataclass(frozen=True)
class EvaluationPlan:
    """How one node is evaluated: where its agent is, how it runs, each task's stage."""

    node_id: int
    agent_dir: Path
    ctx: EvalContext
    solver: Solver
    stages: tuple[StageSection, ...]
    """The configured stages with dynamic thresholds resolved for this node."""
    stage_of: Mapping[str, int]
    cache: CacheScope | None
    """The evaluation cache for this agent (`LoopParts.cache_for`), or None to run afresh."""


class Evaluating:
    def __init__(self, parts: LoopParts, books: Bookkeeper, workers: ThreadPoolExecutor) -> None:
        self.p = parts
        self._books = books
        self._archive = parts.archive
        self._workers = workers

    def run(self, nodes: list[AgentNode]) -> None:
        if not nodes:
            return
        futures = [self._workers.submit(self._evaluate, node) for node in nodes]
        try:
            for future in futures:
                future.result()
        finally:
            wait(futures)  # like leaving a pool's `with`: nothing still running on return

    def _evaluate(self, node: AgentNode) -> None:
        with self._books.checkout(node.id or 0) as agent_dir:
            self._evaluate_agent(node, agent_dir)

    def _plan(self, node: AgentNode, agent_dir: Path) -> EvaluationPlan:
        node_id = node.id or 0
        tasks = [t.task_id for t in self.p.bench.tasks()]
        stages = effective_stages(self.p.config.evaluation.stages, self._earlier_scores(node))
        return EvaluationPlan(
            node_id=node_id,
            agent_dir=agent_dir,
            ctx=replace(self.p.ctx, labels={**self.p.ctx.labels, "node": str(node_id)}),
            solver=self.p.solver_for(
                agent_dir, lambda record: self._books.llm_call(node_id, record)
            ),
            stages=tuple(stages),
            stage_of={
                task_id: index
                for index, ids in enumerate(plan_stages(tasks, stages))
                for task_id in ids
            },
            cache=self.p.cache_for(agent_dir),
        )

    def _evaluate_agent(self, node: AgentNode, agent_dir: Path) -> None:
        node_id = node.id or 0
        plan = self._plan(node, agent_dir)
        reached = 0
        for attempt in range(1, self.p.config.evaluation.attempts + 1):
            # Each attempt is a sample of its own: the agent gets the next seed (and the cache,
            # whose key holds the seed, another entry).
            seed = plan.ctx.attempt_seed + attempt - 1
            outcome = self._evaluate_round(
                replace(plan, ctx=replace(plan.ctx, attempt_seed=seed)), attempt
            )
            if outcome is None:
                return  # stays `evaluating`; a resumed daemon finishes it from the recorded tasks
            reached = max(reached, len(outcome.stages))
        rows = self._archive.evaluations(node_id)
        resolved = sum(1 for r in rows if r.outcome == Outcome.RESOLVED)
        pairs = [(r.task_id, r.outcome == Outcome.RESOLVED) for r in rows]
        score = bench_score(self.p.bench, self.p.config.evaluation.bench, pairs).combined
        made_patch = None
        # Web episodes answer with actions, never a patch: the rule reads coding tasks only.
        coding = [r for r in rows if not (r.details or {}).get("episode")]
        if self.p.config.selection.require_patch and node.parent_id is not None and coding:
            made_patch = any(str((r.details or {}).get("patch") or "").strip() for r in coding)
        self._books.write(
            self._archive.set_status,
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
            self._books.write(
                self._archive.append_event, events.NODE_TAMPERED, node_id, {"tasks": tampered}
            )
            self.p.reporter.event(
                events.NODE_TAMPERED,
                f"node {node_id} forged its grade on {len(tampered)} task(s) "
                f"({', '.join(tampered[:3])}): it will never be a parent",
            )

    def _earlier_scores(self, node: AgentNode) -> list[float]:
        """Scores of the parents eligible from earlier generations than `node`'s, for dynamic
        stage thresholds: never this generation's siblings, whose evaluation may finish in any
        order, so a seeded run gates the same way with any worker count and after a resume."""
        if not any(stage.dynamic for stage in self.p.config.evaluation.stages):
            return []
        generation = generation_of(node)
        with self._books.lock:
            ids = [int(i) for i in self._archive.graph().candidates().ids]
            earlier = [self._archive.node(i) for i in ids]
        return [float(n.score or 0.0) for n in earlier if generation_of(n) < generation]

    def _evaluate_round(self, plan: EvaluationPlan, attempt: int) -> StagedOutcome | None:
        """Attempt `attempt` of every task (evaluation.attempts); the tasks that already have
        that many recorded rows are done. None when a stop request interrupted it."""
        node_id = plan.node_id
        rows_of: dict[str, list[bool]] = {}
        for row in self._archive.evaluations(node_id):
            rows_of.setdefault(row.task_id, []).append(row.outcome == Outcome.RESOLVED)
        done = {t: got[attempt - 1] for t, got in rows_of.items() if len(got) >= attempt}
        label = f"evaluate-{node_id}"
        tag = f" (attempt {attempt})" if self.p.config.evaluation.attempts > 1 else ""
        self._books.busy(
            label, f"evaluating node {node_id}{tag}: {stage_progress(done, plan.stage_of)}"
        )

        def record(result: TaskResult) -> None:
            self._record_result(node_id, plan.stage_of.get(result.task_id, 0), result, attempt)
            done[result.task_id] = result.resolved
            with self._books.lock:
                self._books.snapshot.tasks_run += result.cache is None
                self._books.snapshot.tasks_cached += result.cache is not None
            self._books.busy(
                label, f"evaluating node {node_id}{tag}: {stage_progress(done, plan.stage_of)}"
            )

        for retry in range(INFRA_RETRIES + 1):
            failed: list[TaskResult] = []
            keep_failed = retry == INFRA_RETRIES
            try:
                outcome = self.p.executor.evaluate(
                    plan.ctx,
                    self.p.bench,
                    plan.solver,
                    plan.agent_dir,
                    stages=plan.stages,
                    workers=self.p.config.evaluation.workers,
                    done=done,
                    on_result=_record_once(done, record, None if keep_failed else failed),
                    should_stop=lambda: self.p.stop.requested,
                    cache=plan.cache,
                )
            finally:
                self._books.busy(label, None)
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
        log_file = self._archive.run_dir / log_rel
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text(result.log, encoding="utf-8")
        details = result.to_dict()
        details.pop("log")
        if isinstance(self.p.bench, MixedBenchmark):
            details["bench"] = self.p.bench.part_of(result.task_id).spec
        if attempt > 1:
            details["attempt"] = attempt
        self._books.write(
            self._archive.record_evaluation,
            node_id,
            stage=stage,
            task_id=result.task_id,
            outcome=_archive_outcome(result),
            duration_s=result.duration_s,
            details=details,
            log_path=str(log_rel),
            cached=result.cache is not None,
        )


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


def generation_of(node: AgentNode) -> int:
    """The generation that made `node` (the seed: 0)."""
    return int((node.proposal or {}).get("generation", 0))


def _archive_outcome(result: TaskResult) -> Outcome:
    """The evaluator's outcomes mapped onto the archive's (a patch that did not apply is an
    unresolved task; its reason keeps the detail)."""
    if result.outcome == "patch_failed":
        return Outcome.UNRESOLVED
    return Outcome(result.outcome)
