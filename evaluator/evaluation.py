"""Evaluate a group of tasks end to end: lay out workspaces, solve, grade, retry with feedback.

A `Solver` produces a `Solution` for a task: `AgentSolver` runs an agent in a sandbox (the
runner), `OracleSolver` returns the benchmark's reference answer (a self-check of the benchmark
and of this harness). Runs that ended by timeout, OOM or error are reported as such and not
graded; everything else is graded by the benchmark in fresh sandboxes.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from godelbox.config import StageSection
from godelbox.errors import UserError
from godelbox.evaluator.benchmark import Benchmark, GradeItem, Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import Grade, Solution, TaskResult, result_from
from godelbox.evaluator.runner import run_agent
from godelbox.evaluator.staged import StagedOutcome, run_staged
from godelbox.evaluator.workspace import diff_trees, git_env, plain_copy, plain_view
from godelbox.sandbox.base import SandboxError

if TYPE_CHECKING:
    from godelbox.evaluator.cache import CacheScope


class Solver(Protocol):
    name: str

    def solve(self, ctx: EvalContext, task: Task, workspace: Path, problem: str) -> Solution:
        """Answer `task` with a diff against `workspace` (a git repo at the base commit; on a
        retry it also holds the earlier attempt's changes, which the evaluator adds back)."""


@dataclass(frozen=True)
class AgentSolver:
    agent_dir: Path
    name: str = "agent"

    def solve(self, ctx: EvalContext, task: Task, workspace: Path, problem: str) -> Solution:
        return run_agent(ctx, self.agent_dir, workspace, problem, image=task.image)

    def web_gateway(self, current: Callable[[], str]) -> contextlib.AbstractContextManager[Any]:
        """No models: web sessions of this agent get no gateway."""
        return contextlib.nullcontext(None)

    def finish_episode(self, result: TaskResult) -> TaskResult:
        return result


@dataclass(frozen=True)
class OracleSolver:
    name: str = "oracle"

    def solve(self, ctx: EvalContext, task: Task, workspace: Path, problem: str) -> Solution:
        return Solution(patch=task.oracle_patch(), ended="oracle")


UNGRADED = {"timeout": "timeout", "oom": "oom", "error": "error", "output_cap": "error"}


def evaluate_tasks(
    ctx: EvalContext, bench: Benchmark, tasks: Sequence[Task], solver: Solver
) -> list[TaskResult]:
    """Results for `tasks`, in order. Never raises for a task's failure: it becomes an `error`
    result carrying the reason."""
    results: dict[str, TaskResult] = {}
    with ctx.trash.temporary("godelbox-eval-") as tmp:
        live: list[_Attempt] = []
        for task in tasks:
            try:
                pristine = _pristine(ctx, task, Path(tmp))
                live.append(_Attempt(task, pristine, task.problem(), 1))
            except Exception as err:  # a broken task must not stop the others
                results[task.task_id] = _error(task.task_id, "could not lay out workspace", err)
        while live:
            solved = [(a, _solve(ctx, solver, a, Path(tmp))) for a in live]
            gradable = [(a, s) for a, s in solved if s.ended not in UNGRADED]
            for attempt, solution in solved:
                if solution.ended in UNGRADED:
                    results[attempt.task.task_id] = _ungraded(attempt, solution)
            grades = _grade(ctx, bench, gradable)
            live = []
            for (attempt, solution), grade in zip(gradable, grades, strict=True):
                results[attempt.task.task_id] = result_from(
                    attempt.task.task_id, solution, grade, attempts=attempt.number
                )
                retry = (
                    bench.retry_problem(attempt.task, grade)
                    if grade.outcome == "unresolved"
                    and attempt.number < bench.max_tries
                    and solution.ended != "oracle"
                    else None
                )
                if retry is not None:
                    live.append(attempt.next(retry, solution.patch))
    return [results[task.task_id] for task in tasks]


@dataclass(frozen=True)
class _Attempt:
    task: Task
    pristine: Path
    problem: str
    number: int
    previous_patch: str = ""

    def next(self, problem: str, patch: str) -> _Attempt:
        return _Attempt(self.task, self.pristine, problem, self.number + 1, patch)


def _pristine(ctx: EvalContext, task: Task, tmp: Path) -> Path:
    if ctx.pristine is not None:
        return ctx.pristine.task(task)
    pristine = tmp / safe_name(task.task_id) / "pristine"
    task.materialize(pristine)
    return pristine


def _solve(ctx: EvalContext, solver: Solver, attempt: _Attempt, tmp: Path) -> Solution:
    try:
        if not attempt.previous_patch:
            return solver.solve(ctx, attempt.task, attempt.pristine, attempt.problem)
        workspace = tmp / safe_name(attempt.task.task_id) / f"try{attempt.number}"
        _with_patch(attempt.pristine, attempt.previous_patch, workspace)
        solution = solver.solve(ctx, attempt.task, workspace, attempt.problem)
        return _cumulative(solution, attempt.pristine, workspace, tmp)
    except SandboxError as err:
        return Solution(
            patch="", ended="error", exit_code=None, detail=f"sandbox error: {err}", infra=True
        )


def _cumulative(solution: Solution, pristine: Path, workspace: Path, tmp: Path) -> Solution:
    """A retry's answer is a diff against the retry workspace (earlier attempt included);
    grading starts from the pristine tree, so rebase it: apply it to a plain copy of that
    workspace and diff against the pristine tree. Both trees are ours, not the agent's."""
    if not solution.patch:
        return replace(solution, patch=_diff(pristine, workspace, tmp))
    scratch = tmp / f"rebase-{workspace.name}-{workspace.parent.name}"
    plain_copy(workspace, scratch / "b")
    applied = subprocess.run(
        ["git", "apply", "--whitespace=nowarn", "-"],
        cwd=scratch / "b",
        env=git_env(scratch),
        input=solution.patch.encode("utf-8", "surrogateescape"),
        capture_output=True,
        check=False,
    )
    if applied.returncode != 0:
        detail = applied.stderr.decode("utf-8", "replace").strip()
        return replace(solution, ended="error", detail=f"could not combine two tries: {detail}")
    plain_view(pristine, scratch / "a")
    return replace(solution, patch=diff_trees(scratch))


def _diff(pristine: Path, workspace: Path, tmp: Path) -> str:
    scratch = tmp / f"diff-{workspace.name}-{workspace.parent.name}"
    plain_view(pristine, scratch / "a")
    plain_view(workspace, scratch / "b")
    return diff_trees(scratch)


def _with_patch(pristine: Path, patch: str, dest: Path) -> None:
    """A copy of the pristine repository with an earlier attempt's answer in its work tree.

    Applied on the host with git's safe environment: only answers that passed the benchmark's
    guard are retried (Polyglot: solution files only), so the paths are known files."""
    shutil.copytree(pristine, dest, symlinks=True)
    subprocess.run(
        ["git", "apply", "--whitespace=nowarn", "-"],
        cwd=dest,
        env=git_env(dest),
        input=patch.encode("utf-8", "surrogateescape"),
        capture_output=True,
        check=False,
    )


def _grade(
    ctx: EvalContext, bench: Benchmark, gradable: list[tuple[_Attempt, Solution]]
) -> list[Grade]:
    """Grade in batches of trusted answers (oracle or empty); every other answer alone."""
    grades: dict[int, Grade] = {}
    trusted = [i for i, (_, s) in enumerate(gradable) if s.ended == "oracle" or not s.patch]
    untrusted = [i for i in range(len(gradable)) if i not in set(trusted)]
    batches = [trusted[k : k + bench.batch_size] for k in range(0, len(trusted), bench.batch_size)]
    batches += [[i] for i in untrusted]
    for batch in batches:
        items = [
            GradeItem(gradable[i][0].task, gradable[i][0].pristine, gradable[i][1]) for i in batch
        ]
        try:
            got = bench.grade(ctx, items)
        except Exception as err:  # the grader itself broke: report it per task, keep going
            got = [Grade("error", f"grader crashed: {_describe(err)}", infra=True) for _ in items]
        grades.update(zip(batch, got, strict=True))
    return [grades[i] for i in range(len(gradable))]


def _ungraded(attempt: _Attempt, solution: Solution) -> TaskResult:
    outcome = UNGRADED[solution.ended]
    reasons = {
        "timeout": "the agent did not finish within its time budget",
        "oom": "the agent ran out of memory",
        "output_cap": "the agent printed more output than the cap allows",
    }
    reason = solution.detail or reasons.get(solution.ended, "the agent run failed")
    return TaskResult(
        task_id=attempt.task.task_id,
        outcome=outcome,  # type: ignore[arg-type]
        reason=reason,
        duration_s=round(solution.duration_s, 3),
        patch=solution.patch,
        log=solution.log,
        attempts=attempt.number,
        infra=solution.infra,
    )


def _error(task_id: str, what: str, err: BaseException) -> TaskResult:
    return TaskResult(
        task_id=task_id,
        outcome="error",
        reason=f"{what}: {_describe(err)}",
        log="".join(traceback.format_exception(err)),
        infra=True,
    )


def _describe(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


def safe_name(text: str) -> str:
    """`text` (a task id, a context id) as a file name: anything but [A-Za-z0-9-_.] becomes _."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def evaluate_benchmark(
    ctx: EvalContext,
    bench: Benchmark,
    solver: Solver,
    *,
    stages: Sequence[StageSection],
    workers: int = 1,
    task_ids: Sequence[str] | None = None,
    done: Mapping[str, bool] | None = None,
    on_result: Callable[[TaskResult], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    cache: CacheScope | None = None,
) -> StagedOutcome:
    """Run `solver` on `bench` in stages (see `staged.run_staged`); `task_ids` restricts and
    keeps the benchmark's order; `done` (id -> resolved) is skipped, for resume; once
    `should_stop()` is true no further task starts. With `cache`, a task whose key is stored
    is served from it (`TaskResult.cache` says so) and every other result is stored."""
    tasks = select_tasks(bench, task_ids)
    by_id = {task.task_id: task for task in tasks}
    with contextlib.ExitStack() as scratch:
        if cache is not None and ctx.pristine is None:
            # Keys cover each task's workspace: lay it out once for the key and the run.
            from godelbox.evaluator.pristine import PristineCache  # it imports this module

            tmp = scratch.enter_context(ctx.trash.temporary("godelbox-pristine-"))
            ctx = replace(ctx, pristine=PristineCache(tmp, ctx.trash))
        unit_ctx = ctx

        # Played benchmarks (the web) bring their own units: episodes in long-lived sessions,
        # never cached (an episode's seed is in its id, but a session is not a workspace).
        players = getattr(bench, "players", None)

        def evaluate_unit(ids: list[str]) -> list[TaskResult]:
            return evaluate_tasks(unit_ctx, bench, [by_id[i] for i in ids], solver)

        if cache is not None and unit_ctx.pristine is not None and not players:
            evaluate_unit = cache.wrap(
                unit_ctx, by_id, unit_ctx.pristine.identity, evaluate_unit, should_stop
            )
        with players(ctx, solver, workers) if players else contextlib.nullcontext() as played:
            return run_staged(
                [task.task_id for task in tasks],
                played or evaluate_unit,
                stages=stages,
                workers=workers,
                unit_size=bench.batch_size,
                done=done,
                on_result=on_result,
                should_stop=should_stop,
            )


def select_tasks(bench: Benchmark, task_ids: Sequence[str] | None) -> list[Task]:
    tasks = bench.tasks()
    if task_ids is None:
        return tasks
    known = {task.task_id for task in tasks}
    unknown = [i for i in task_ids if i not in known]
    if unknown:
        raise UnknownTaskError(
            f"{bench.name} has no task {', '.join(unknown)}; "
            f"its first tasks are {', '.join(sorted(known)[:5])}"
        )
    wanted = set(task_ids)
    return [task for task in tasks if task.task_id in wanted]


class UnknownTaskError(UserError):
    """A --tasks id is not in the benchmark."""
