"""The seed web agent (agents/web) in the real web sandbox, reaching the model only through the
gateway socket; the model is the fake server with scripted replies that read the prompt the
agent actually sent (the button's ref is only known from the observation)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest

from godelbox.evaluator.web.episodes import Episode, WebSettings
from godelbox.evaluator.web.miniwob import run_episodes
from godelbox.paths import seed_agent_dir
from godelbox.proposer.llm import LLMCallRecord, LLMClient
from godelbox.sandbox.gateway import Gateway
from tests.fixtures.fake_llm import FAKE_API_KEY

pytestmark = pytest.mark.docker

BUTTON = re.compile(r'\[(\d+)\] button "Click Me!"')


def test_seed_agent_solves_click_test_through_the_gateway(fake_llm, web_ctx) -> None:
    def reads_the_page(body: dict[str, Any]):
        prompt = "\n".join(m["content"] for m in body["messages"])
        ref = BUTTON.search(prompt)
        assert ref, prompt  # the observation reached the model as the agent renders it
        return fake_llm.text(
            f'The button says Click Me!\n```json\n{{"action": "click", "ref": {ref[1]}}}\n```'
        )

    fake_llm.script(fake_llm.text("I am not sure what to do."), reads_the_page)
    records: list[LLMCallRecord] = []
    client = LLMClient(fake_llm.models(), fake_llm.llm_section(), lambda _: None)
    with Gateway(client, on_call=records.append, budget_usd=1.0, budget_tokens=100_000) as gw:
        ctx = replace(web_ctx, gateway_socket=gw.socket_path, gateway_token=gw.token)
        settings = WebSettings(step_limit=3, episode_timeout_s=60)
        [result] = run_episodes(ctx, seed_agent_dir("web"), [Episode("click-test", 0)], settings)

    assert result.ended == "terminated", (result.reason, result.log)
    assert result.success and result.reward > 0
    # One observation, two model calls: the unreadable first reply was asked again.
    assert result.steps == 1 and result.trajectory[0]["action"]["action"] == "click"
    assert len(records) == 2 == len(fake_llm.requests) and all(r.ok for r in records)
    first = fake_llm.requests[0].body
    assert first["model"] == "fake-agent"
    assert first["messages"][0]["role"] == "system"
    assert "Task: Click the button." in first["messages"][-1]["content"]
    retry = fake_llm.requests[1].body["messages"][-1]["content"]
    assert "could not read an action" in retry
    assert FAKE_API_KEY not in json.dumps(result.to_dict())
