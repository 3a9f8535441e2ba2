"""Aider Polyglot format on our own three-exercise fixture, graded in real docker sandboxes:
reference solutions pass, stubs fail, an edited test file is restored before grading, and a
failing first try gets a second one with the test output."""

from __future__ import annotations

from dataclasses import replace

import pytest

from godelbox.config import StageSection
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.evaluation import AgentSolver, OracleSolver, evaluate_benchmark
from godelbox.evaluator.polyglot import PolyglotLayoutError, polyglot_benchmark
from tests.evaluator.eval_helpers import FIXTURES, NOOP_AGENT, POLYGLOT

ALL = [StageSection(tasks=None)]
SLUGS = ["clock-angle", "run-length", "word-tally"]


def test_layout_prompt_and_hidden_reference(tmp_path):
    bench = polyglot_benchmark(POLYGLOT)
    assert [t.task_id for t in bench.tasks()] == SLUGS
    tally = bench.task_list[2]
    problem = tally.problem()
    assert problem.index("newsroom") < problem.index("Count how often") < problem.index("`dict`")
    assert "word_tally.py" in problem
    tally.materialize(tmp_path / "ws")
    names = {p.name for p in (tmp_path / "ws").iterdir()}
    assert names == {".git", "word_tally.py", "word_tally_test.py"}  # no .meta, no example
    assert "+import re" in tally.oracle_patch()
    with pytest.raises(PolyglotLayoutError, match="not an Aider Polyglot checkout"):
        polyglot_benchmark(tmp_path)


@pytest.mark.docker
def test_reference_solutions_pass_and_stubs_fail(eval_ctx):
    bench = load_benchmark(f"polyglot:{POLYGLOT}", eval_ctx)
    oracle = evaluate_benchmark(eval_ctx, bench, OracleSolver(), stages=ALL, workers=2)
    assert oracle.resolved == 3, [r.reason for r in oracle.results.values()]
    tally = oracle.results["word-tally"].tests
    assert len(tally) == 5 and set(tally.values()) == {"passed"}
    one_try = replace(eval_ctx, tries=1)
    stubs = evaluate_benchmark(
        one_try,
        load_benchmark(f"polyglot:{POLYGLOT}", one_try),
        AgentSolver(NOOP_AGENT),
        stages=ALL,
        workers=2,
    )
    assert stubs.resolved == 0 and stubs.evaluated == 3
    assert {r.attempts for r in stubs.results.values()} == {1}
    for result in stubs.results.values():  # per-test evidence, not an exit code
        assert "tests not passing" in result.reason
        assert result.tests and "failed" in result.tests.values()
        assert all("::" in test_id for test_id in result.tests)


@pytest.mark.docker
def test_an_edited_test_file_is_restored_before_grading(eval_ctx):
    bench = polyglot_benchmark(POLYGLOT, tries=1)
    outcome = evaluate_benchmark(
        eval_ctx, bench, AgentSolver(FIXTURES / "test_edit_agent"), stages=ALL, workers=2
    )
    assert outcome.resolved == 0
    for slug in SLUGS:
        result = outcome.results[slug]
        assert "_test.py: not a solution file" in " ".join(result.tampering)
        assert "_test.py" in result.patch  # the agent's edit is kept as evidence


@pytest.mark.docker
def test_second_try_gets_the_failure_output(eval_ctx):
    bench = polyglot_benchmark(POLYGLOT, tries=2)
    agent = AgentSolver(FIXTURES / "second_try_agent")
    outcome = evaluate_benchmark(
        eval_ctx, bench, agent, stages=ALL, task_ids=["word-tally"], workers=1
    )
    result = outcome.results["word-tally"]
    assert result.outcome == "resolved", result.reason
    assert result.attempts == 2
    assert "second try: True" in result.log
    single = evaluate_benchmark(
        eval_ctx,
        polyglot_benchmark(POLYGLOT, tries=1),
        agent,
        stages=ALL,
        task_ids=["word-tally"],
    )
    assert single.results["word-tally"].outcome == "unresolved"
