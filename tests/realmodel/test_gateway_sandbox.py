"""A real language model reached from inside a hardened sandbox: the agent's standard-library
client talks to the host gateway over the mounted unix socket, the gateway calls the local
llama.cpp server through litellm, and the call is recorded with the server's token counts and
no cost (a local model is free)."""

from __future__ import annotations

import json

import pytest

from godelbox.config import Config
from godelbox.proposer.llm import LLMCallRecord, LLMClient
from godelbox.sandbox.base import SandboxSpec
from godelbox.sandbox.gateway import Gateway
from tests.realmodel.settings import realmodel

pytestmark = pytest.mark.docker

AGENT_SCRIPT = """
import json, godelbox_llm
reply = godelbox_llm.chat([{"role": "user", "content": "Name one prime number."}], max_tokens=24)
print(json.dumps(reply))
"""


def test_a_sandboxed_agent_gets_a_real_completion_through_the_gateway(
    local_model, docker_backend, agent_image
) -> None:
    config: Config = realmodel(local_model, agent_image)
    records: list[LLMCallRecord] = []
    client = LLMClient(config.models, config.llm, lambda _record: None)
    with Gateway(client, on_call=records.append, budget_usd=0.01, budget_tokens=5_000) as gateway:
        env = gateway.sandbox_env()
        spec = SandboxSpec(image=agent_image, gateway_socket=gateway.socket_path, env=env)
        with docker_backend.start(spec) as box:
            run = box.run(["python3", "-c", AGENT_SCRIPT], timeout_s=240)

    assert run.ok, run.stderr
    reply = json.loads(run.stdout)
    text = reply["choices"][0]["message"]["content"]
    assert isinstance(text, str) and text.strip()
    [record] = records
    assert record.ok and record.model == "openai/local"
    # The server's own counts: a prompt of a few dozen tokens, an answer of at most 24.
    assert 5 < record.tokens_in < 200 and 0 < record.tokens_out <= 24
    assert reply["usage"]["completion_tokens"] == record.tokens_out
    # Free, and known to be free (no price configured: the endpoint is local).
    assert record.cost_usd == 0.0 and record.cost_known
