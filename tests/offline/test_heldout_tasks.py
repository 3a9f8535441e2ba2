"""The held-out SWE-format tasks (bench/heldout_swe): 16 tasks, half with a visible failing test,
each resolved by its gold patch and by nothing less, through the real harness."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from godelbox.config import StageSection
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import AgentSolver, OracleSolver, evaluate_benchmark
from godelbox.evaluator.swebench import load_jsonl

HELDOUT = Path(__file__).resolve().parents[2] / "bench" / "heldout_swe" / "instances.jsonl"
NOOP_AGENT = Path(__file__).resolve().parents[1] / "evaluator" / "fixtures" / "noop_agent"
ALL = [StageSection(tasks=None)]


def test_sixteen_tasks_half_with_a_visible_failing_test():
    tasks = load_jsonl(HELDOUT)
    assert len(tasks) == 16 == len({t.instance_id for t in tasks})
    visible_failing = [
        t
        for t in tasks
        if any(not i.startswith("tests/test_regression.py") for i in t.FAIL_TO_PASS)
    ]
    assert len(visible_failing) == 8
    for task in tasks:
        assert task.workspace is not None and task.workspace.is_dir()
        assert "tests/" not in "".join(
            line for line in task.patch.splitlines() if line.startswith("+++")
        )


@pytest.mark.docker
@pytest.mark.slow
def test_gold_resolves_every_task_and_doing_nothing_none(docker_backend, agent_image):
    ctx = EvalContext(
        backend=docker_backend,
        image=agent_image,
        labels={"run": "tests-heldout-swe"},
        task_timeout_s=120.0,
        grade_timeout_s=120.0,
    )
    bench = load_benchmark(f"swebench:{HELDOUT}", ctx)
    gold = evaluate_benchmark(ctx, bench, OracleSolver(), stages=ALL, workers=2)
    assert {k: r.reason for k, r in gold.results.items() if not r.resolved} == {}
    noop = evaluate_benchmark(ctx, bench, AgentSolver(NOOP_AGENT), stages=ALL, workers=2)
    assert Counter(r.outcome for r in noop.results.values()) == {"unresolved": 16}
