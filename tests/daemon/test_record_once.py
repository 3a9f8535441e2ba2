"""A task is recorded once per node, and a harness failure is held back to be run again."""

from godelbox.config import StageSection
from godelbox.evaluator.results import TaskResult
from godelbox.evaluator.staged import run_staged
from godelbox.loop.evaluating import _record_once


def test_harness_failures_are_held_back_and_duplicates_dropped() -> None:
    done: dict[str, bool] = {"old": True}
    recorded: list[str] = []
    failed: list[TaskResult] = []

    def record(result: TaskResult) -> None:
        recorded.append(result.task_id)
        done[result.task_id] = result.resolved

    on_result = _record_once(done, record, failed)
    on_result(TaskResult("old", "resolved", ""))
    on_result(TaskResult("a", "unresolved", "wrong answer"))
    on_result(TaskResult("a", "resolved", "a retried unit reports again"))
    on_result(TaskResult("b", "error", "sandbox error: engine timeout", infra=True))
    on_result(TaskResult("c", "error", "the agent's own crash"))
    assert recorded == ["a", "c"]
    assert [r.task_id for r in failed] == ["b"]

    last_round = _record_once(done, record, None)
    last_round(TaskResult("b", "error", "sandbox error again", infra=True))
    assert recorded == ["a", "c", "b"]


def test_a_crashing_unit_is_marked_as_a_harness_failure() -> None:
    def broken(ids: list[str]) -> list[TaskResult]:
        raise RuntimeError("engine went away")

    outcome = run_staged(["t1"], broken, stages=[StageSection(tasks=None)])
    assert outcome.results["t1"].infra and outcome.results["t1"].outcome == "error"
