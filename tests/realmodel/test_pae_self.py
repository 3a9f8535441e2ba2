"""PAE's task proposer and judge, and a SELF refinement, with a real model: whatever the model
writes (valid JSON, broken JSON, prose), each ends in a recorded outcome with a reason, each
prompt fits the model's window, and every call is recorded with its token counts at no cost."""

from __future__ import annotations

import json

import pytest

from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.context import context_from_config
from godelbox.llm.fit import evidence_chars
from godelbox.loop.solvers import run_llm_client
from godelbox.proposer.llm import LLMCallRecord, LLMOutputError
from godelbox.proposer.pae.context import repo_context
from godelbox.proposer.pae.judge import Judge
from godelbox.proposer.pae.proposer import TaskProposer
from godelbox.proposer.self_refine.refine import SelfRefiner
from godelbox.sandbox.select import backend_for
from tests.realmodel.settings import answered, realmodel

TASK = "builtin__batcher-15"


def _calls_are_real(records: list[LLMCallRecord], roles: set[str]) -> None:
    ok = answered(records)
    assert {r.role for r in ok} == roles
    assert all(r.tokens_in > 0 and r.tokens_out > 0 and r.cost_usd == 0.0 for r in ok)


def test_a_pae_proposal_and_a_judge_call(local_model, agent_image) -> None:
    config = realmodel(local_model, agent_image)
    records: list[LLMCallRecord] = []
    llm = run_llm_client(config).with_on_call(records.append)
    [task] = [t for t in load_benchmark("builtin:dev").tasks() if t.task_id == TASK]

    # Sized as the PAE loop sizes it: the repository text fits the window with two answers.
    chars, _ = evidence_chars(llm, "task_proposer", config.pae.context_chars, rounds=2)
    try:
        drafts = TaskProposer(llm).coding(repo_context(task, chars), 1)
    except LLMOutputError as err:  # what the PAE loop records as "no tasks proposed (why)"
        assert "did not return valid CodingProposal JSON" in str(err)
        # the reply and its repair
        assert [r.role for r in answered(records)] == ["task_proposer"] * 2
    else:
        assert all(d.kind == "coding" and d.provenance.model == "openai/local" for d in drafts)

    verdict = Judge(llm).coding(task.problem(), "", "[assistant] I give up.")
    # A verdict, or no verdict with the reason (unusable JSON): never an exception.
    assert (verdict.success is not None) != bool(verdict.error)
    assert verdict.model == "openai/local"
    _calls_are_real(records, {"task_proposer", "judge"})


@pytest.mark.docker
def test_a_self_refinement_is_recorded_whatever_the_model_answers(
    local_model, docker_engine, agent_image
) -> None:
    config = realmodel(local_model, agent_image)
    records: list[LLMCallRecord] = []
    llm = run_llm_client(config).with_on_call(records.append)
    ctx = context_from_config(config, backend_for(config.sandbox), labels={"test": "realmodel"})
    bench = load_benchmark("builtin:dev", ctx)
    [task] = [t for t in bench.tasks() if t.task_id == TASK]

    record = SelfRefiner(llm, ctx, bench, config.pae.context_chars).refine(task)

    assert record.task_id == TASK and record.model == "openai/local"
    for text in (record.answer, record.refinement):
        shown = json.loads(text)  # an answer, or why there is none
        assert "files" in shown or shown["unusable_answer"]
    assert 0.0 <= record.answer_score <= 1.0 and 0.0 <= record.refinement_score <= 1.0
    assert record.kept == (record.refinement_score > record.answer_score)
    _calls_are_real(records, {"agent"})
    # answer (+ repair), critique, refinement (+ repair): each within the 8k window
    assert 3 <= len(answered(records)) <= 5
