"""The seed coding agent with a real (tiny) model on three built-in tasks, in real docker
sandboxes behind the gateway. A 135M model rarely fixes anything; what must hold is that every
answer it gives (tool calls, rambling text, cut-off code blocks) is handled: each run ends on
its own with a recorded status, each task gets a graded outcome with a reason, and every call
is recorded with the server's token counts and no cost."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.context import context_from_config
from godelbox.evaluator.evaluation import evaluate_tasks, select_tasks
from godelbox.evaluator.results import OUTCOMES
from godelbox.loop.solvers import GatewayAgentSolver, run_llm_client
from godelbox.paths import seed_agent_dir
from godelbox.proposer.llm import LLMCallRecord
from godelbox.sandbox.select import backend_for
from tests.realmodel.settings import answered, realmodel

pytestmark = pytest.mark.docker

TASKS = ["builtin__backoff-11", "builtin__batcher-15", "builtin__budgeteer-29"]
ENDINGS = (
    "submitted",
    "limits_exceeded",
    "budget_exhausted",
    "context_length_exceeded",
    "model_error",
)


def test_the_coder_agent_survives_a_real_model_on_three_tasks(
    local_model, docker_engine, agent_image
) -> None:
    config = realmodel(local_model, agent_image)
    records: list[LLMCallRecord] = []
    solver = GatewayAgentSolver(seed_agent_dir("coder"), run_llm_client(config), records.append)
    ctx = context_from_config(config, backend_for(config.sandbox), labels={"test": "realmodel"})
    bench = load_benchmark("builtin:dev", ctx)

    # Side by side: the server answers one call at a time, so their time budgets overlap
    # instead of adding up.
    with ThreadPoolExecutor(len(TASKS)) as pool:
        runs = [
            pool.submit(evaluate_tasks, ctx, bench, [t], solver) for t in select_tasks(bench, TASKS)
        ]
        results = [run.result()[0] for run in runs]

    assert [r.task_id for r in results] == TASKS
    for result in results:
        assert result.outcome in OUTCOMES and not result.infra, result.reason
        assert result.resolved or result.reason, result
        # The agent ended its own run (inside its time budget) and said how.
        ending = result.log.rsplit("== end: ", 1)[-1].split()[0] if "== end: " in result.log else ""
        assert ending in ENDINGS, result.log[-2000:]
    ok = answered(records)
    assert len(ok) >= len(TASKS)
    assert all(r.tokens_in > 0 and r.tokens_out > 0 for r in ok)
    assert all(r.cost_usd == 0.0 and r.cost_known for r in records)
    # Every answer was bounded by the configured cap (the server honoured max_tokens).
    assert max(r.tokens_out for r in ok) <= config.llm.max_output_tokens
    assert json.dumps([r.role for r in records]).count("agent") == len(records)
