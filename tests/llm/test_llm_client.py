"""LLMClient through the real litellm against the fake OpenAI-compatible server."""

import pytest
from pydantic import BaseModel

from godelbox.config import ModelsSection
from godelbox.llm.client import (
    BudgetExceeded,
    LLMCallRecord,
    LLMClient,
    LLMConfigError,
    LLMOutputError,
    LLMUnavailable,
    model_problems,
    parse_json_reply,
)
from tests.fixtures.fake_llm import FAKE_API_KEY, FAKE_PRICE_IN, FAKE_PRICE_OUT

USER = [{"role": "user", "content": "hello"}]


class Diagnosis(BaseModel):
    problem_description: str
    confidence: float


def make_client(fake_llm, records: list[LLMCallRecord], sleeps: list[float] | None = None, **llm):
    return LLMClient(
        fake_llm.models(),
        fake_llm.llm_section(**llm),
        records.append,
        sleep=(sleeps.append if sleeps is not None else lambda _: None),
    )


def test_call_is_recorded_with_tokens_and_cost(fake_llm):
    fake_llm.script(fake_llm.text("hi there", tokens=(100, 20)))
    records: list[LLMCallRecord] = []
    reply = make_client(fake_llm, records).complete("diagnose", USER)

    assert reply.content == "hi there"
    expected_cost = 100 * FAKE_PRICE_IN + 20 * FAKE_PRICE_OUT
    assert reply.cost_usd == pytest.approx(expected_cost)
    [record] = records
    assert (record.role, record.model, record.tokens_in, record.tokens_out) == (
        "diagnose",
        "openai/fake-diagnose",
        100,
        20,
    )
    assert record.ok and record.cost_known and record.cost_usd == pytest.approx(expected_cost)
    assert record.latency_s > 0
    [request] = fake_llm.requests
    assert request.body["model"] == "fake-diagnose"
    assert request.body["messages"] == USER


def test_cost_from_litellms_cost_map_for_a_known_model(fake_llm):
    import litellm

    fake_llm.script(fake_llm.text("ok", tokens=(1000, 100)))
    records: list[LLMCallRecord] = []
    client = LLMClient(
        fake_llm.models(agent="openai/gpt-4o-mini"), fake_llm.llm_section(), records.append
    )
    reply = client.complete("agent", USER)
    cost_in, cost_out = litellm.cost_per_token(
        model="openai/gpt-4o-mini", prompt_tokens=1000, completion_tokens=100
    )
    assert reply.cost_usd == pytest.approx(cost_in + cost_out) and reply.cost_usd > 0
    assert records[0].cost_known


def test_tool_calls_round_trip(fake_llm):
    tools = [{"type": "function", "function": {"name": "bash", "parameters": {"type": "object"}}}]
    fake_llm.script(fake_llm.tool_call("bash", {"cmd": "ls -la"}, call_id="call_7"))
    reply = make_client(fake_llm, []).complete("agent", USER, tools)
    assert reply.finish_reason == "tool_calls"
    [call] = reply.tool_calls
    assert call["id"] == "call_7"
    assert call["function"] == {"name": "bash", "arguments": '{"cmd": "ls -la"}'}
    assert fake_llm.requests[0].body["tools"] == tools


def test_429_and_500_are_retried_with_backoff_honouring_retry_after(fake_llm):
    fake_llm.script(
        fake_llm.error(429, retry_after=0.3), fake_llm.error(500), fake_llm.text("finally")
    )
    records: list[LLMCallRecord] = []
    sleeps: list[float] = []
    reply = make_client(fake_llm, records, sleeps, backoff_s=0.01).complete("agent", USER)

    assert reply.content == "finally"
    assert sleeps == pytest.approx([0.3, 0.02])  # Retry-After wins, then 0.01 * 2
    assert [r.attempt for r in records] == [1, 2, 3]
    assert "RateLimitError" in records[0].error and "InternalServerError" in records[1].error
    assert records[2].ok and len(fake_llm.requests) == 3


def test_timeouts_are_retried_then_reported(fake_llm):
    fake_llm.script(fake_llm.slow(5), fake_llm.slow(5))
    records: list[LLMCallRecord] = []
    client = make_client(fake_llm, records, timeout_s=0.3, max_retries=1)
    with pytest.raises(LLMUnavailable, match=r"failed 2 times.*Timeout"):
        client.complete("agent", USER)
    assert [r.ok for r in records] == [False, False]
    assert all("Timeout" in r.error and r.latency_s >= 0.3 for r in records)
    assert len(fake_llm.requests) == 2


def test_truncated_response_body_is_retried(fake_llm):
    fake_llm.script(fake_llm.truncated(), fake_llm.text("whole"))
    records: list[LLMCallRecord] = []
    assert make_client(fake_llm, records).complete("agent", USER).content == "whole"
    assert [r.ok for r in records] == [False, True]


def test_auth_error_fails_at_once_and_never_shows_the_key(fake_llm):
    leaky = f"Incorrect API key provided: {FAKE_API_KEY}"
    fake_llm.script(fake_llm.error(401, message=leaky))
    records: list[LLMCallRecord] = []
    with pytest.raises(LLMConfigError, match="rejected the API key") as info:
        make_client(fake_llm, records).complete("agent", USER)
    assert FAKE_API_KEY not in str(info.value)
    assert FAKE_API_KEY not in records[0].error and "<OPENAI_API_KEY>" in records[0].error
    assert len(fake_llm.requests) == 1


def test_unknown_model_says_which_setting_to_fix(fake_llm):
    fake_llm.script(fake_llm.error(404, message="model not found"))
    with pytest.raises(LLMConfigError, match=r"fix models\.judge"):
        make_client(fake_llm, []).complete("judge", USER)
    assert len(fake_llm.requests) == 1


def test_role_without_model_is_a_config_error(fake_llm):
    client = LLMClient(fake_llm.models(judge=""), fake_llm.llm_section(), lambda _: None)
    with pytest.raises(LLMConfigError, match="GODELBOX_MODELS__JUDGE"):
        client.complete("judge", USER)
    with pytest.raises(LLMConfigError, match="unknown model role"):
        client.complete("wizard", USER)
    assert fake_llm.requests == []


def test_complete_json_accepts_fenced_json(fake_llm):
    fake_llm.script(
        fake_llm.text('Here:\n```json\n{"problem_description": "x", "confidence": 0.5}\n```')
    )
    result = make_client(fake_llm, []).complete_json("diagnose", USER, Diagnosis)
    assert result == Diagnosis(problem_description="x", confidence=0.5)
    assert "problem_description" in fake_llm.requests[0].body["messages"][-1]["content"]


def test_complete_json_repairs_once(fake_llm):
    fake_llm.script(
        fake_llm.text('{"problem_description": "x", "confid'),
        fake_llm.text('{"problem_description": "fixed", "confidence": 1}'),
    )
    result = make_client(fake_llm, []).complete_json("diagnose", USER, Diagnosis)
    assert result.problem_description == "fixed"
    repair_prompt = fake_llm.requests[1].body["messages"]
    assert repair_prompt[-2] == {
        "role": "assistant",
        "content": '{"problem_description": "x", "confid',
    }
    assert "invalid JSON" in repair_prompt[-1]["content"]


def test_complete_json_gives_up_after_one_repair(fake_llm):
    fake_llm.script(fake_llm.text("not json at all"), fake_llm.empty())
    with pytest.raises(LLMOutputError, match="after one repair attempt: the reply was empty"):
        make_client(fake_llm, []).complete_json("diagnose", USER, Diagnosis)
    assert len(fake_llm.requests) == 2


def test_run_budget_stops_calls_before_they_are_sent(fake_llm):
    fake_llm.fallback = fake_llm.text("ok", tokens=(100, 20))  # $0.00014 per call
    records: list[LLMCallRecord] = []
    client = make_client(fake_llm, records, run_budget_usd=0.00015)
    sibling = client.with_on_call(records.append)
    client.complete("agent", USER)
    sibling.complete("agent", USER)  # spent 0.00014 < 0.00015: still allowed
    with pytest.raises(BudgetExceeded, match="run_budget_usd"):
        client.complete("agent", USER)
    with pytest.raises(BudgetExceeded):
        sibling.complete("agent", USER)  # the budget is shared by siblings
    assert len(fake_llm.requests) == 2 and len(records) == 2
    assert client.run_budget.spent_usd == pytest.approx(0.00028)


def test_parse_json_reply_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match="does not match Diagnosis"):
        parse_json_reply('{"problem_description": 3}', Diagnosis)
    with pytest.raises(ValueError, match="invalid JSON"):
        parse_json_reply("{nope}", Diagnosis)
    with pytest.raises(ValueError, match="no JSON object"):
        parse_json_reply("just words", Diagnosis)


def test_retry_after_is_capped_by_max_backoff(fake_llm):
    fake_llm.script(fake_llm.error(429, retry_after=100), fake_llm.text("ok"))
    sleeps: list[float] = []
    make_client(fake_llm, [], sleeps, max_backoff_s=0.5).complete("agent", USER)
    assert sleeps == [0.5]


def test_model_problems_name_the_missing_key_variable(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    models = ModelsSection(judge="anthropic/claude-3-5-sonnet-20241022")
    assert model_problems(models) == [
        "models.judge = anthropic/claude-3-5-sonnet-20241022: set ANTHROPIC_API_KEY on the host"
    ]
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-dummy")
    assert model_problems(models) == []


def test_a_bug_is_not_disguised_as_a_provider_error(fake_llm):
    with pytest.raises(TypeError):
        make_client(fake_llm, []).complete("agent", USER, options={"model": "twice"})
    assert fake_llm.requests == []
