"""Agent client -> unix socket -> Gateway -> LLMClient (litellm) -> fake server, on the host."""

import importlib.util
import json
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from godelbox.paths import PROJECT_ROOT
from godelbox.proposer.llm import LLMCallRecord, LLMClient
from godelbox.sandbox.gateway import Gateway
from tests.fixtures.fake_llm import FAKE_API_KEY, FAKE_PRICE_IN, FAKE_PRICE_OUT

CLIENT_DIR = PROJECT_ROOT / "sandbox" / "agent_client"
HELLO = [{"role": "user", "content": "hello"}]  # 8 prompt tokens by litellm's count
TOOLS = [{"type": "function", "function": {"name": "bash", "parameters": {"type": "object"}}}]


def _load_client():
    spec = importlib.util.spec_from_file_location("godelbox_llm", CLIENT_DIR / "godelbox_llm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


godelbox_llm = _load_client()


@pytest.fixture
def records() -> list[LLMCallRecord]:
    return []


@pytest.fixture
def open_gateway(fake_llm, records, monkeypatch) -> Iterator:
    """Start a gateway with the given budgets; point the client module at its socket."""
    gateways: list[Gateway] = []

    def start(
        budget_usd: float = 1.0,
        budget_tokens: int = 100_000,
        roles: tuple[str, ...] = ("agent",),
        **llm,
    ) -> Gateway:
        client = LLMClient(fake_llm.models(), fake_llm.llm_section(**llm), lambda _: None)
        gateway = Gateway(
            client,
            on_call=records.append,
            budget_usd=budget_usd,
            budget_tokens=budget_tokens,
            roles=roles,
        ).start()
        gateways.append(gateway)
        monkeypatch.setenv("GODELBOX_LLM_SOCKET", str(gateway.socket_path))
        monkeypatch.setenv("GODELBOX_LLM_TOKEN", gateway.token)
        return gateway

    yield start
    for gateway in gateways:
        gateway.close()


def test_round_trip_with_tool_calls_is_recorded(fake_llm, open_gateway, records):
    gateway = open_gateway()
    fake_llm.script(fake_llm.tool_call("bash", {"cmd": "pytest -q"}, tokens=(30, 12)))

    response = godelbox_llm.chat(HELLO, tools=TOOLS, temperature=0.2)

    [call] = response["choices"][0]["message"]["tool_calls"]
    assert call["function"] == {"name": "bash", "arguments": '{"cmd": "pytest -q"}'}
    assert response["usage"]["total_tokens"] == 42
    [request] = fake_llm.requests
    assert request.body["model"] == "fake-agent"
    assert request.body["tools"] == TOOLS and request.body["temperature"] == 0.2
    [record] = records
    assert (record.role, record.tokens_in, record.tokens_out) == ("agent", 30, 12)
    assert record.cost_usd == pytest.approx(30 * FAKE_PRICE_IN + 12 * FAKE_PRICE_OUT)
    assert gateway.spent_tokens == 42 and gateway.spent_usd == pytest.approx(record.cost_usd)


@pytest.mark.skipif(
    os.geteuid() != 0 and not os.environ.get("CI"),
    reason="handing the socket to uid 1000 needs root (CI runs as root: there it must run)",
)
def test_socket_belongs_to_the_sandbox_user_only(open_gateway):
    gateway = open_gateway()
    info = gateway.socket_path.stat()
    assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (1000, 0o600)
    folder = gateway.socket_path.parent.stat()
    assert (folder.st_uid, stat.S_IMODE(folder.st_mode)) == (1000, 0o700)
    assert gateway.socket_path.name == "llm.sock"


def test_client_needs_only_the_standard_library(fake_llm, open_gateway):
    gateway = open_gateway(roles=("implement",))
    fake_llm.script(fake_llm.text("from a bare python"))
    code = (
        f"import sys; sys.path.insert(0, {str(CLIENT_DIR)!r}); import godelbox_llm; "
        "r = godelbox_llm.chat([{'role': 'user', 'content': 'hi'}], role='implement'); "
        "print(r['choices'][0]['message']['content'])"
    )
    env = {"PATH": "/usr/bin:/bin", **gateway.sandbox_env()}
    env["GODELBOX_LLM_SOCKET"] = str(gateway.socket_path)
    # -S: no site-packages at all, -E: ignore PYTHON* variables.
    out = subprocess.run(
        [sys.executable, "-S", "-E", "-c", code], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "from a bare python"
    assert fake_llm.requests[0].body["model"] == "fake-implement"


def test_model_names_roles_and_aliases(fake_llm, open_gateway):
    open_gateway(roles=("judge", "diagnose"))
    fake_llm.fallback = fake_llm.text("ok")
    godelbox_llm.chat(HELLO, role="judge")
    godelbox_llm.chat(HELLO, role="openai/fake-diagnose")
    with pytest.raises(godelbox_llm.GatewayError) as info:
        godelbox_llm.chat(HELLO, role="gpt-17")
    assert info.value.status == 400 and "ask for one of" in info.value.message
    assert [r.body["model"] for r in fake_llm.requests] == ["fake-judge", "fake-diagnose"]


def test_roles_the_sandbox_was_not_given_are_refused(fake_llm, open_gateway):
    open_gateway(roles=("agent",))
    fake_llm.fallback = fake_llm.text("ok")
    for name in ("judge", "diagnose", "openai/fake-judge", "implement"):
        with pytest.raises(godelbox_llm.GatewayError) as info:
            godelbox_llm.chat(HELLO, role=name)
        assert info.value.status == 400 and "['agent', 'openai/fake-agent']" in info.value.message
    godelbox_llm.chat(HELLO, role="agent")
    assert [r.body["model"] for r in fake_llm.requests] == ["fake-agent"]


def test_token_budget_refuses_the_call_that_would_exceed_it(fake_llm, open_gateway, records):
    gateway = open_gateway(budget_tokens=60)
    fake_llm.script(fake_llm.text("first", tokens=(40, 15)), fake_llm.text("never sent"))

    godelbox_llm.chat(HELLO)  # 55 of 60 spent; the next prompt alone needs 8
    with pytest.raises(godelbox_llm.GatewayError) as info:
        godelbox_llm.chat(HELLO)

    assert info.value.status == 402 and info.value.budget_exceeded
    assert "token budget exceeded" in info.value.message and "5 of 60 left" in info.value.message
    assert len(fake_llm.requests) == 1 and len(records) == 1
    assert gateway.refused == 1


def test_small_remaining_budget_caps_max_tokens(fake_llm, open_gateway):
    open_gateway(budget_tokens=100)
    fake_llm.script(fake_llm.text("short"))
    godelbox_llm.chat(HELLO)
    assert fake_llm.requests[0].body["max_tokens"] == 100 - 8


def test_asking_for_more_max_tokens_than_left_is_refused(fake_llm, open_gateway):
    open_gateway(budget_tokens=100)
    with pytest.raises(godelbox_llm.GatewayError, match="402"):
        godelbox_llm.chat(HELLO, max_tokens=500)
    assert fake_llm.requests == []


def test_dollar_budget_refuses_once_spent(fake_llm, open_gateway):
    open_gateway(budget_usd=0.0001)
    fake_llm.script(fake_llm.text("pricey", tokens=(100, 20)))  # $0.00014
    godelbox_llm.chat(HELLO, max_tokens=20)
    with pytest.raises(godelbox_llm.GatewayError, match="dollar budget exceeded"):
        godelbox_llm.chat(HELLO, max_tokens=20)
    assert len(fake_llm.requests) == 1


def test_every_call_gets_a_max_tokens_and_is_charged_for_it(fake_llm, open_gateway):
    """Without one, a call's output would count as zero and could overshoot the budget by a
    whole context window."""
    open_gateway(budget_usd=0.0001)
    with pytest.raises(godelbox_llm.GatewayError, match="dollar budget exceeded"):
        godelbox_llm.chat(HELLO)  # 8 prompt tokens + the default 4096 output tokens
    fake_llm.script(fake_llm.text("fits"))
    godelbox_llm.chat(HELLO, max_tokens=20)
    assert fake_llm.requests[0].body["max_tokens"] == 20


def test_the_tools_list_is_charged_as_prompt(fake_llm, open_gateway):
    open_gateway(budget_tokens=500)
    big_tools = [
        {"type": "function", "function": {"name": f"tool_{i}", "description": "word " * 50}}
        for i in range(20)
    ]
    with pytest.raises(godelbox_llm.GatewayError) as info:
        godelbox_llm.chat(HELLO, tools=big_tools, max_tokens=10)
    assert info.value.status == 402 and "prompt tokens" in info.value.message
    assert fake_llm.requests == []


def test_run_budget_is_a_402_too(fake_llm, open_gateway):
    open_gateway(run_budget_usd=0.0)
    with pytest.raises(godelbox_llm.GatewayError, match="run_budget_usd") as info:
        godelbox_llm.chat(HELLO)
    assert info.value.status == 402 and fake_llm.requests == []


def test_upstream_failures_are_retried_then_reported_as_502(fake_llm, open_gateway, records):
    open_gateway(max_retries=1)
    fake_llm.script(fake_llm.error(500), fake_llm.error(503))
    with pytest.raises(godelbox_llm.GatewayError) as info:
        godelbox_llm.chat(HELLO)
    assert info.value.status == 502 and "failed 2 times" in info.value.message
    assert [r.attempt for r in records] == [1, 2] and not any(r.ok for r in records)


def test_auth_failure_reaches_the_agent_without_the_key(fake_llm, open_gateway):
    open_gateway()
    fake_llm.script(fake_llm.error(401, message=f"Incorrect API key provided: {FAKE_API_KEY}"))
    with pytest.raises(godelbox_llm.GatewayError) as info:
        godelbox_llm.chat(HELLO)
    assert info.value.status == 503 and FAKE_API_KEY not in info.value.message


def test_bad_requests_get_readable_errors(open_gateway):
    gateway = open_gateway()
    with pytest.raises(godelbox_llm.GatewayError, match="streaming is not supported"):
        godelbox_llm.chat(HELLO, stream=True)
    raw = _raw_post(gateway.socket_path, "/v1/chat/completions", b"{not json", gateway.token)
    assert raw["error"]["code"] == 400 and "not JSON" in raw["error"]["message"]
    raw = _raw_post(gateway.socket_path, "/v1/embeddings", b"{}", gateway.token)
    assert raw["error"]["code"] == 404


def test_close_removes_the_socket_dir(open_gateway):
    gateway = open_gateway()
    directory = gateway.socket_path.parent
    gateway.close()
    assert not directory.exists()
    with pytest.raises(godelbox_llm.GatewayError) as info:
        godelbox_llm.chat(HELLO)
    assert info.value.status == 0 and "cannot reach the LLM gateway" in info.value.message


def _raw_post(socket_path: Path, path: str, body: bytes, token: str = "") -> dict:
    conn = godelbox_llm._UnixHTTPConnection(str(socket_path), 5.0)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    conn.request("POST", path, body, headers)
    return json.loads(conn.getresponse().read())


def test_calls_in_flight_hold_their_share_of_the_budget(fake_llm, open_gateway):
    open_gateway(budget_tokens=100)
    fake_llm.script(fake_llm.slow(0.5, content="slow but fine"))
    results: list[str] = []
    first = threading.Thread(
        target=lambda: results.append(_content(godelbox_llm.chat(HELLO, max_tokens=50)))
    )
    first.start()
    while not fake_llm.requests:  # the first call is now upstream, holding 8 + 50 tokens
        time.sleep(0.01)
    with pytest.raises(godelbox_llm.GatewayError, match="42 of 100 left"):
        godelbox_llm.chat(HELLO, max_tokens=50)
    first.join()
    assert results == ["slow but fine"] and len(fake_llm.requests) == 1


def _content(response: dict) -> str:
    return response["choices"][0]["message"]["content"]


def test_oversized_body_is_refused_readably(open_gateway):
    gateway = open_gateway()
    huge = b" " * (8 * 1024 * 1024 + 1)
    raw = _raw_post(gateway.socket_path, "/v1/chat/completions", huge, gateway.token)
    assert raw["error"]["code"] == 413
    with pytest.raises(godelbox_llm.GatewayError) as info:  # the client does not even send it
        godelbox_llm.chat([{"role": "user", "content": "x" * (8 * 1024 * 1024)}])
    assert info.value.status == 413


PROBE = """
import socket, sys
conn = socket.socket(socket.AF_UNIX)
try:
    conn.connect(sys.argv[1])
except OSError as err:
    print(type(err).__name__)
    raise SystemExit
auth = f"Authorization: Bearer {sys.argv[2]}\\r\\n" if sys.argv[2] else ""
head = f"POST /v1/chat/completions HTTP/1.1\\r\\n{auth}Content-Length: 2\\r\\n\\r\\n"
conn.sendall(head.encode() + b"{}")
print(conn.recv(100).split()[1].decode())
"""


@pytest.mark.skipif(
    os.geteuid() != 0 and not os.environ.get("CI"),
    reason="probing as other uids needs root (CI runs as root: there it must run)",
)
def test_other_users_cannot_reach_it_and_the_sandbox_uid_needs_the_token(fake_llm, open_gateway):
    gateway = open_gateway()
    sock = str(gateway.socket_path)

    def probe(uid: int, token: str) -> str:
        argv = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
        done = subprocess.run(
            [*argv, "/usr/bin/python3", "-c", PROBE, sock, token],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return done.stdout.strip() or done.stderr

    assert probe(1001, gateway.token) == "PermissionError"  # the 0700 dir stops it
    assert probe(1000, "") == "401"
    assert probe(1000, "a-guess") == "401"
    assert probe(1000, gateway.token) == "400"  # in: the body "{}" has no messages
    assert fake_llm.requests == []
