"""The LLM path on a real Ray cluster (real docker, the fake OpenAI server for determinism): a
unit of an LLM agent runs on a Ray worker behind a gateway of the worker's own, and every call,
with its tokens and cost, comes back to the daemon's sink and run budget."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from godelbox.config import MODEL_ROLES, Config, StageSection
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.context import context_from_config
from godelbox.loop.executors import RayExecutor
from godelbox.loop.solvers import GatewayAgentSolver, run_llm_client
from godelbox.paths import seed_agent_dir
from godelbox.proposer.llm import LLMCallRecord
from godelbox.sandbox.select import backend_for
from tests.fixtures.fake_llm import FAKE_PRICE_IN, FAKE_PRICE_OUT

NODE_KEY_ENV = "GODELBOX_TEST_NODE_KEY"
NODE_KEY = "sk-node-own-key-7f3a"


@pytest.fixture(scope="module", autouse=True)
def _node_key() -> Iterator[None]:
    """The key lives in the nodes' environment (set before the cluster starts, so its worker
    processes inherit it), as an operator would export it on each machine."""
    os.environ[NODE_KEY_ENV] = NODE_KEY
    yield
    os.environ.pop(NODE_KEY_ENV, None)


def test_an_llm_agents_unit_on_a_ray_worker_reports_every_call(
    tmp_path: Path, agent_image: str, ray_cluster, fake_llm
) -> None:
    # The agent submits at once: one call per task, from inside the worker's sandbox.
    fake_llm.fallback = fake_llm.tool_call("submit", {"summary": "nothing"}, tokens=(120, 30))
    tables = {
        role: {"model": f"openai/fake-{role.replace('_', '-')}", "api_base": fake_llm.url}
        | {"api_key_env": NODE_KEY_ENV, "local": False}
        for role in MODEL_ROLES
    }
    config = Config.model_validate(
        {
            "models": tables,
            "llm": fake_llm.llm_section().model_dump(),
            "sandbox": {"backend": "docker", "image": agent_image},
            "evaluation": {"bench": "builtin:dev", "task_timeout_s": 120},
            "loop": {"executor": "ray", "ray_address": ray_cluster.address},
        }
    )
    records: list[LLMCallRecord] = []
    llm = run_llm_client(config)
    solver = GatewayAgentSolver(seed_agent_dir("coder"), llm, records.append)
    ctx = context_from_config(config, backend_for(config.sandbox), labels={"test": "ray-llm"})
    bench = load_benchmark(config.evaluation.bench, ctx)
    executor = RayExecutor(config, ray_cluster.address)
    try:
        results = []
        outcome = executor.evaluate(
            ctx,
            bench,
            solver,
            seed_agent_dir("coder"),
            stages=[StageSection(tasks=2, min_score_to_continue=1.0)],
            workers=2,
            done={},
            on_result=results.append,
        )
    finally:
        executor.close()

    assert len(results) == 2 and not outcome.interrupted
    assert all(not r.infra for r in results), [r.reason for r in results]
    # Every call made on the worker reached the daemon's sink, with real usage and cost.
    assert len(records) == 2 and all(r.ok and r.role == "agent" for r in records)
    assert all((r.tokens_in, r.tokens_out) == (120, 30) for r in records)
    expected = 2 * (120 * FAKE_PRICE_IN + 30 * FAKE_PRICE_OUT)
    assert abs(sum(r.cost_usd for r in records) - expected) < 1e-12
    assert abs(llm.run_budget.spent_usd - expected) < 1e-12
    # No key travelled: the unit's config names the key's variable, and the worker read the
    # key from its own node's environment.
    assert NODE_KEY not in str(config.model_dump())
    assert {req.headers.get("authorization") for req in fake_llm.requests} == {f"Bearer {NODE_KEY}"}
