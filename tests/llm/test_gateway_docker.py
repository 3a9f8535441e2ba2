"""Inside a real hardened container (network none, uid 1000): the agent reaches models only
through the mounted gateway socket, reads a budget refusal, and finds no API key anywhere."""

import json
import os

import pytest

from godelbox.proposer.llm import LLMCallRecord, LLMClient
from godelbox.sandbox.base import SandboxSpec
from godelbox.sandbox.gateway import Gateway
from tests.fixtures.fake_llm import FAKE_API_KEY

pytestmark = pytest.mark.docker

AGENT_SCRIPT = """
import json, urllib.request, godelbox_llm
first = godelbox_llm.chat([{"role": "user", "content": "list files"}],
                          tools=[{"type": "function", "function": {"name": "bash"}}])
try:
    godelbox_llm.chat([{"role": "user", "content": "and again"}])
    second = None
except godelbox_llm.GatewayError as err:
    second = [err.status, err.message]
try:
    urllib.request.urlopen(%r, timeout=3)
    direct = "reachable"
except OSError as err:
    direct = type(err).__name__
print(json.dumps({"first": first, "second": second, "direct": direct}))
"""

LEAK_CHECK = (
    "env; tr '\\0' '\\n' < /proc/self/environ; tr '\\0' '\\n' < /proc/1/environ; "
    "echo godelbox-grep-control > /work/control.txt; "
    'grep -rlsF -e "$1" -e godelbox-grep-control / '
    "--exclude-dir=proc --exclude-dir=sys --exclude-dir=dev; true"
)


def test_agent_reaches_the_gateway_and_sees_no_key(fake_llm, docker_backend, agent_image):
    assert os.environ["OPENAI_API_KEY"] == FAKE_API_KEY  # the host does hold the key
    records: list[LLMCallRecord] = []
    client = LLMClient(fake_llm.models(), fake_llm.llm_section(), lambda _: None)
    fake_llm.script(fake_llm.tool_call("bash", {"cmd": "ls"}, tokens=(40, 15)))
    with Gateway(client, on_call=records.append, budget_usd=1.0, budget_tokens=60) as gateway:
        spec = SandboxSpec(
            image=agent_image, gateway_socket=gateway.socket_path, env=gateway.sandbox_env()
        )
        with docker_backend.start(spec) as box:
            agent = box.run(["python3", "-c", AGENT_SCRIPT % fake_llm.url], timeout_s=120)
            leak = box.run(["sh", "-c", LEAK_CHECK, "sh", FAKE_API_KEY], timeout_s=300)

    assert agent.ok, agent.stderr
    seen = json.loads(agent.stdout)
    assert seen["first"]["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "bash"
    status, message = seen["second"]
    assert status == 402 and "token budget exceeded" in message
    assert seen["direct"] in ("URLError", "ConnectionRefusedError")  # only the socket leads out

    assert leak.ended == "exit", leak.stderr
    assert "GODELBOX_LLM_SOCKET=/run/godelbox/llm.sock" in leak.stdout  # the env was dumped
    assert "/work/control.txt" in leak.stdout  # the grep did search the sandbox's files
    assert FAKE_API_KEY not in leak.stdout
    assert "OPENAI_API_KEY" not in leak.stdout

    [request] = fake_llm.requests  # the refused call never went upstream
    assert request.headers["authorization"] == f"Bearer {FAKE_API_KEY}"  # the host added the key
    [record] = records
    assert (record.tokens_in, record.tokens_out, record.ok) == (40, 15, True)
    assert record.cost_usd > 0
