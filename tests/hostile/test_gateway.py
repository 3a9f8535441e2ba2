"""Hostile model calls: agents in real docker attack their gateway (the loop's own solver, with
its own gateway per task) over the mounted socket. Each case asserts the host's memory and
threads stayed bounded, the agent got clear refusals (it reports them in report.json, which
reaches the task's log), nothing was sent upstream that should not have been, the run goes on,
and no scratch tree is left."""

from __future__ import annotations

import json

import pytest

from tests.hostile.arena import Arena, Footprint

pytestmark = pytest.mark.docker

RSS_BOUND_MB = 100
THREAD_BOUND = 16
"""The connection cap (4) plus the gateway's own and the evaluation's threads, with margin;
a flood without the cap makes one thread per connection (hundreds)."""


def _report(log: str) -> dict:
    start = log.index("== report.json ==\n") + len("== report.json ==\n")
    return json.loads(log[start:].split("\n", 1)[0])


def _contained(arena: Arena, footprint: Footprint) -> None:
    assert footprint.rss_mb < RSS_BOUND_MB, footprint
    assert footprint.threads < THREAD_BOUND, footprint
    assert arena.honest_still_resolves().outcome == "resolved"
    assert arena.scratch_left() == []


def test_a_connection_flood_gets_503s_and_costs_no_threads(arena, model_solver, fake_llm):
    fake_llm.fallback = fake_llm.text("yes")
    agent = arena.agent("gateway_flood")
    result, footprint = arena.attempt(agent, solver=model_solver(agent))
    report = _report(result.log)
    assert report["held"] + report["connect_failed"] == 400
    assert report["refused"] >= report["held"] - 4  # all but the cap's four got a 503 at once
    assert report["answer"] == "yes"  # the gateway still answers once the flood is gone
    assert [r.body["model"] for r in fake_llm.requests] == ["fake-agent"]
    _contained(arena, footprint)


def test_bad_content_lengths_are_refused_before_the_body_is_read(arena, model_solver, fake_llm):
    agent = arena.agent("gateway_lengths")
    result, footprint = arena.attempt(agent, solver=model_solver(agent))
    assert _report(result.log) == {
        "negative": 400,
        "huge": 413,
        "missing": 411,
        "not_a_number": 400,
        "short_body": 408,
        "no_token": 401,
    }
    assert fake_llm.requests == []
    _contained(arena, footprint)


def test_a_slowloris_request_is_cut_at_the_deadline(arena, model_solver, fake_llm):
    fake_llm.fallback = fake_llm.text("meanwhile")
    agent = arena.agent("slowloris")
    result, footprint = arena.attempt(agent, solver=model_solver(agent))
    report = _report(result.log)
    assert report["drip_status"] == 408
    assert report["drip_cut_after_s"] < 10  # the deadline is 3 s for the whole request
    assert report["honest"] == "meanwhile"
    _contained(arena, footprint)


def test_roles_the_sandbox_was_not_given_are_refused(arena, model_solver, fake_llm):
    fake_llm.fallback = fake_llm.text("ok")
    agent = arena.agent("wrong_roles")
    result, footprint = arena.attempt(agent, solver=model_solver(agent))
    assert _report(result.log) == {
        "judge": 400,
        "diagnose": 400,
        "implement": 400,
        "task_proposer": 400,
        "openai/fake-judge": 400,
        "agent": 200,
    }
    assert [r.body["model"] for r in fake_llm.requests] == ["fake-agent"]
    _contained(arena, footprint)


def test_a_megabyte_of_tools_is_charged_and_refused(arena, model_solver, fake_llm):
    fake_llm.fallback = fake_llm.text("small is fine")
    agent = arena.agent("big_tools")
    result, footprint = arena.attempt(agent, solver=model_solver(agent, budget_tokens=100_000))
    report = _report(result.log)
    assert report["tools_bytes"] > 1_000_000
    assert report["big"] == 402 and "token budget exceeded" in report["big_message"]
    assert report["small"] == "small is fine"
    [sent] = fake_llm.requests
    assert "tools" not in sent.body and sent.body["max_tokens"] == 5
    _contained(arena, footprint)
