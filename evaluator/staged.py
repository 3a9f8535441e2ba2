"""Staged evaluation: run tasks in stages, stop early when a stage's score is too low.

Stages come from `godelbox.config.EvaluationSection.stages`: stage k takes the next `tasks` task
ids in the benchmark's fixed order (None = all the rest) and the evaluation continues past it
only if the score so far (resolved / evaluated, over every stage up to it) is at least its
`min_score_to_continue`. DGM ran 10 tasks, then 50 more at >= 40 %; here every stage is wired.

Tasks run in parallel on a thread pool of `workers` threads; each unit of work (one task, or a
group of tasks a benchmark grades together) uses its own sandboxes. Results are reported through
`on_result` as they finish, on the calling thread, so a callback may write a journal or the
archive without locking. Tasks in `done` (id -> resolved) are skipped but count in the scores,
so an interrupted evaluation resumes with the same stage decisions.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from godelbox.config import StageSection
from godelbox.evaluator.results import TaskResult

EvaluateUnit = Callable[[list[str]], list[TaskResult]]
"""Evaluates a group of task ids; returns one result per id, in order."""


@dataclass(frozen=True)
class StageReport:
    index: int
    task_ids: list[str]
    resolved: int
    """Resolved tasks of this stage (including ones finished in an earlier run)."""
    score_so_far: float
    """Resolved / evaluated over this stage and all before it."""
    threshold: float
    passed: bool


@dataclass
class StagedOutcome:
    stages: list[StageReport] = field(default_factory=list)
    results: dict[str, TaskResult] = field(default_factory=dict)
    """Results produced by this run (skipped tasks are not in here)."""
    resolved_by_id: dict[str, bool] = field(default_factory=dict)
    """Every evaluated task, this run's and earlier ones'."""
    stopped_early: bool = False
    """A stage missed its threshold while later stages had tasks left."""
    interrupted: bool = False
    """The caller asked to stop: units not yet started were skipped (and not reported), so the
    evaluation is incomplete and resumes later from `done`."""

    @property
    def evaluated(self) -> int:
        return len(self.resolved_by_id)

    @property
    def resolved(self) -> int:
        return sum(self.resolved_by_id.values())

    @property
    def score(self) -> float:
        return self.resolved / self.evaluated if self.evaluated else 0.0


def plan_stages(task_ids: Sequence[str], stages: Sequence[StageSection]) -> list[list[str]]:
    """Split ordered `task_ids` into consecutive stages; empty stages are left out."""
    plan: list[list[str]] = []
    start = 0
    for stage in stages:
        end = len(task_ids) if stage.tasks is None else min(len(task_ids), start + stage.tasks)
        if end > start:
            plan.append(list(task_ids[start:end]))
        start = end
    return plan


def run_staged(
    task_ids: Sequence[str],
    evaluate: EvaluateUnit,
    *,
    stages: Sequence[StageSection],
    workers: int = 1,
    unit_size: int = 1,
    done: Mapping[str, bool] | None = None,
    on_result: Callable[[TaskResult], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> StagedOutcome:
    """Evaluate `task_ids` stage by stage; see the module docstring for the rules.
    `should_stop` is asked before each unit starts; once it says yes, running units finish and
    the rest are skipped (`outcome.interrupted`)."""
    if len(set(task_ids)) != len(task_ids):
        raise ValueError("task ids must be unique")
    done = dict(done or {})
    outcome = StagedOutcome()
    plan = plan_stages(task_ids, stages)
    thresholds = [s.min_score_to_continue for s in stages]

    def guarded(unit: list[str]) -> list[TaskResult]:
        if should_stop is not None and should_stop():
            raise Skipped
        return evaluate(unit)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="godelbox-eval") as pool:
        for index, stage_ids in enumerate(plan):
            for task_id in stage_ids:
                if task_id in done:
                    outcome.resolved_by_id[task_id] = done[task_id]
            todo = [t for t in stage_ids if t not in done]
            # Groups no larger than needed to keep every worker busy on this stage.
            size = max(1, min(unit_size, -(-len(todo) // workers)))
            units = [todo[k : k + size] for k in range(0, len(todo), size)]
            _run_units(pool, guarded, units, outcome, on_result)
            if outcome.interrupted:
                break
            evaluated = [t for stage in plan[: index + 1] for t in stage]
            resolved_so_far = sum(outcome.resolved_by_id.get(t, False) for t in evaluated)
            score = resolved_so_far / len(evaluated)
            threshold = thresholds[index] if index < len(thresholds) else 0.0
            report = StageReport(
                index=index,
                task_ids=stage_ids,
                resolved=sum(outcome.resolved_by_id.get(t, False) for t in stage_ids),
                score_so_far=score,
                threshold=threshold,
                passed=score >= threshold,
            )
            outcome.stages.append(report)
            if not report.passed:
                outcome.stopped_early = index + 1 < len(plan)
                break
    return outcome


class Skipped(Exception):
    """A unit that was not started because the caller asked to stop (an `EvaluateUnit` may
    raise it too, e.g. while waiting for something before its work starts)."""


def _run_units(
    pool: ThreadPoolExecutor,
    evaluate: EvaluateUnit,
    units: list[list[str]],
    outcome: StagedOutcome,
    on_result: Callable[[TaskResult], None] | None,
) -> None:
    pending: dict[Future[list[TaskResult]], list[str]] = {
        pool.submit(evaluate, unit): unit for unit in units
    }
    try:
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                unit = pending.pop(future)
                if isinstance(future.exception(), Skipped):
                    outcome.interrupted = True
                    continue
                for result in _unit_results(future, unit):
                    outcome.results[result.task_id] = result
                    outcome.resolved_by_id[result.task_id] = result.resolved
                    if on_result is not None:
                        on_result(result)
    except BaseException:
        for future in pending:
            future.cancel()
        raise


def _unit_results(future: Future[list[TaskResult]], unit: list[str]) -> list[TaskResult]:
    """A unit that raised (a harness bug) yields error results instead of killing the run;
    a unit that returned the wrong ids is a bug and is reported the same way."""
    try:
        results = future.result()
    except Exception as err:
        text = "".join(traceback.format_exception(err))
        return [
            TaskResult(
                task_id,
                "error",
                f"harness error: {type(err).__name__}: {err}",
                log=text,
                infra=True,
            )
            for task_id in unit
        ]
    if [r.task_id for r in results] != unit:
        return [
            TaskResult(
                task_id, "error", "harness error: results do not match the task ids", infra=True
            )
            for task_id in unit
        ]
    return results


def effective_stages(
    stages: Sequence[StageSection], parent_scores: Sequence[float]
) -> list[StageSection]:
    """`stages` with each `dynamic` threshold raised to the second-best of `parent_scores`
    (the best when there is only one), as DGM gates its full evaluation on the archive's
    second-best score with a floor (here the stage's own `min_score_to_continue`)."""
    ranked = sorted(parent_scores, reverse=True)
    bar = ranked[1] if len(ranked) > 1 else (ranked[0] if ranked else None)
    if bar is None:
        return list(stages)
    return [
        stage.model_copy(
            update={"min_score_to_continue": max(stage.min_score_to_continue, min(bar, 1.0))}
        )
        if stage.dynamic
        else stage
        for stage in stages
    ]
