"""The built-in suite through the real harness: the gold patches resolve every task of both
splits, an agent that does nothing resolves none."""

from __future__ import annotations

from collections import Counter

import pytest

from godelbox.config import StageSection
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.evaluation import AgentSolver, OracleSolver, evaluate_benchmark
from tests.evaluator.eval_helpers import NOOP_AGENT

pytestmark = [pytest.mark.docker, pytest.mark.slow]
ALL = [StageSection(tasks=None)]


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_oracle_resolves_every_task(eval_ctx, split):
    bench = load_benchmark(f"builtin:{split}", eval_ctx)
    outcome = evaluate_benchmark(eval_ctx, bench, OracleSolver(), stages=ALL, workers=2)
    unresolved = {k: r.reason for k, r in outcome.results.items() if not r.resolved}
    assert outcome.evaluated == len(bench.tasks()) > 0
    assert unresolved == {}


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_an_agent_that_does_nothing_resolves_none(eval_ctx, split):
    bench = load_benchmark(f"builtin:{split}", eval_ctx)
    outcome = evaluate_benchmark(eval_ctx, bench, AgentSolver(NOOP_AGENT), stages=ALL, workers=2)
    assert outcome.evaluated == len(bench.tasks())
    assert Counter(r.outcome for r in outcome.results.values()) == {
        "unresolved": len(bench.tasks())
    }
