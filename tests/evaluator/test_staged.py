"""Stage planning, thresholds, parallel units, resume and harness errors (no sandbox needed:
the unit evaluator is a plain function of task ids)."""

from __future__ import annotations

import threading
import time

from godelbox.config import StageSection
from godelbox.evaluator.results import TaskResult
from godelbox.evaluator.staged import effective_stages, plan_stages, run_staged

IDS = [f"t{i:02d}" for i in range(30)]
DGM_LIKE = [
    StageSection(tasks=5, min_score_to_continue=0.4),
    StageSection(tasks=10, min_score_to_continue=0.6),
    StageSection(tasks=None, min_score_to_continue=1.0),
]


def evaluator(resolved: set[str], calls: list[list[str]] | None = None):
    def evaluate(ids: list[str]) -> list[TaskResult]:
        if calls is not None:
            calls.append(list(ids))
        return [TaskResult(i, "resolved" if i in resolved else "unresolved", "") for i in ids]

    return evaluate


def test_plan_takes_consecutive_slices_and_none_means_the_rest():
    plan = plan_stages(IDS, DGM_LIKE)
    assert [len(s) for s in plan] == [5, 10, 15]
    assert [t for s in plan for t in s] == IDS
    assert plan_stages(IDS[:7], DGM_LIKE) == [IDS[:5], IDS[5:7]]


def test_every_stage_runs_when_scores_clear_the_thresholds():
    seen: list[str] = []
    outcome = run_staged(
        IDS,
        evaluator(set(IDS)),
        stages=DGM_LIKE,
        workers=2,
        on_result=lambda r: seen.append(r.task_id),
    )
    assert len(outcome.stages) == 3 and not outcome.stopped_early
    assert sorted(seen) == IDS and outcome.resolved == 30


def test_a_low_first_stage_stops_the_evaluation():
    outcome = run_staged(IDS, evaluator({"t00"}), stages=DGM_LIKE, workers=2)
    assert [s.score_so_far for s in outcome.stages] == [0.2]
    assert outcome.stopped_early and outcome.evaluated == 5


def test_the_second_threshold_uses_the_cumulative_score():
    # 3/5 in stage 1 (0.6 >= 0.4), then 5/15 overall (0.33 < 0.6): stop before stage 3.
    resolved = {"t00", "t01", "t02", "t05", "t06"}
    outcome = run_staged(IDS, evaluator(resolved), stages=DGM_LIKE, workers=1)
    assert [round(s.score_so_far, 2) for s in outcome.stages] == [0.6, 0.33]
    assert outcome.stopped_early and outcome.evaluated == 15


def test_resume_skips_done_tasks_but_counts_them():
    calls: list[list[str]] = []
    done = {"t00": True, "t01": True, "t02": False}
    outcome = run_staged(
        IDS[:5], evaluator({"t03"}, calls), stages=[StageSection(tasks=None)], done=done
    )
    assert sorted(i for c in calls for i in c) == ["t03", "t04"]
    assert set(outcome.results) == {"t03", "t04"}
    assert outcome.resolved == 3 and outcome.evaluated == 5


def test_units_run_in_parallel_up_to_workers():
    active, peak, lock = [0], [0], threading.Lock()

    def slow(ids: list[str]) -> list[TaskResult]:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        return [TaskResult(i, "resolved", "") for i in ids]

    run_staged(IDS[:8], slow, stages=[StageSection()], workers=2, unit_size=2)
    assert peak[0] == 2


def test_a_crashing_unit_becomes_error_results_and_the_rest_goes_on():
    def flaky(ids: list[str]) -> list[TaskResult]:
        if "t01" in ids:
            raise RuntimeError("harness bug")
        return [TaskResult(i, "resolved", "") for i in ids]

    outcome = run_staged(IDS[:4], flaky, stages=[StageSection()], workers=2)
    assert outcome.results["t01"].outcome == "error"
    assert "harness bug" in outcome.results["t01"].reason
    assert outcome.resolved == 3


def test_groups_shrink_so_every_worker_gets_some_of_a_small_stage():
    calls: list[list[str]] = []
    run_staged(IDS[:10], evaluator(set(), calls), stages=[StageSection()], workers=2, unit_size=41)
    assert sorted(len(c) for c in calls) == [5, 5]


def test_a_stop_request_skips_units_not_started_and_reports_none_of_them():
    seen: list[str] = []
    stop = threading.Event()

    def on_result(result: TaskResult) -> None:
        seen.append(result.task_id)
        if len(seen) == 3:
            stop.set()

    outcome = run_staged(
        IDS,
        evaluator(set(IDS)),
        stages=DGM_LIKE,
        workers=1,
        on_result=on_result,
        should_stop=stop.is_set,
    )
    assert outcome.interrupted
    # Units already running when the stop came may finish; nothing else starts.
    assert sorted(seen) == IDS[: len(seen)] and 3 <= len(seen) <= 5
    assert outcome.evaluated == len(seen) < len(IDS)
    resumed = run_staged(IDS, evaluator(set(IDS)), stages=DGM_LIKE, done=dict.fromkeys(seen, True))
    assert not resumed.interrupted and resumed.evaluated == 30


def test_a_dynamic_stage_gates_on_the_archives_second_best_with_its_own_floor() -> None:
    stages = [
        StageSection(tasks=10, min_score_to_continue=0.4, dynamic=True),
        StageSection(tasks=None, min_score_to_continue=0.3),
    ]
    raised = effective_stages(stages, [0.2, 0.9, 0.7])
    assert [s.min_score_to_continue for s in raised] == [0.7, 0.3]  # second best; fixed stays
    floor = effective_stages(stages, [0.1, 0.3])
    assert floor[0].min_score_to_continue == 0.4  # DGM's floor: never below the stage's own
    assert effective_stages(stages, [0.6])[0].min_score_to_continue == 0.6  # one parent: its
    assert effective_stages(stages, []) == stages  # no parent yet: as configured
