"""A fake OpenAI-compatible model server on loopback, so every LLM path in the tests runs the
real litellm (and real HTTP) code, with scripted replies and injected faults.

It lives in the package, not under tests/, because benchmarks drive it too (bench/loop_overhead.py,
bench/hostile.py); the tests get it through the `fake_llm` fixture (tests/fixtures/fake_llm.py).

Usage:

    def test_something(fake_llm):
        fake_llm.script(
            fake_llm.error(429, retry_after=0.1),        # first request: rate limited
            fake_llm.text("hello", tokens=(12, 3)),      # second: 12 prompt, 3 completion tokens
            fake_llm.tool_call("bash", {"cmd": "ls"}),   # third: an assistant tool call
        )
        models = fake_llm.models()      # every role -> "openai/fake-<role>" at this server
        llm = fake_llm.llm_section()    # LLMSection: short timeout/backoff, fixed fake prices
        ...
        assert [r.body["model"] for r in fake_llm.requests] == ["fake-agent", ...]

Replies are consumed in order, one per request. Faults: `error(status, retry_after=)`,
`slow(seconds)` (sleeps before answering, to trip the client's timeout), `truncated()` (a body
cut in half: invalid JSON with a correct Content-Length), `empty()` (content "" and no tool
calls). A script entry may also be a callable `request_body -> ScriptedReply` for replies that
depend on the request. When the script runs out, `fallback` (if set) answers, otherwise the server
replies 500 "script exhausted" so a test that sends more requests than it scripted fails loudly.

`fake_llm.requests` records every request received (path, headers, parsed body), including ones
answered with faults, so tests can assert what was sent (model, messages, that no key leaked).
The fixture sets OPENAI_API_KEY to `FAKE_API_KEY`, a recognisable dummy value.
Loopback only: the server binds 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from godelbox.config import LLMSection, ModelPrice, ModelsSection

FAKE_API_KEY = "sk-godelbox-fake-4f1c9e2a7b"
"""A dummy key the fixture puts in OPENAI_API_KEY; grep for it to prove it leaked nowhere."""

FAKE_PRICE_IN = 1e-6
FAKE_PRICE_OUT = 2e-6
"""Dollars per token for every fake model in `llm_section()`: costs are non-zero and exact."""

ROLES = ("diagnose", "implement", "agent", "judge", "task_proposer")


@dataclass
class ScriptedReply:
    """One scripted answer. `status` != 200 sends `error_body` instead of a completion."""

    content: str | None = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    prompt_tokens: int = 10
    completion_tokens: int = 5
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    truncate: bool = False
    finish_reason: str | None = None


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    """Header names lower-cased (HTTP clients differ in case)."""
    body: Any
    """The parsed JSON body (or the raw text when it is not JSON)."""


Responder = ScriptedReply | Callable[[Any], ScriptedReply]


def text(content: str, tokens: tuple[int, int] = (10, 5)) -> ScriptedReply:
    return ScriptedReply(content=content, prompt_tokens=tokens[0], completion_tokens=tokens[1])


def tool_call(
    name: str,
    arguments: Mapping[str, Any],
    *,
    call_id: str = "call_1",
    content: str | None = None,
    tokens: tuple[int, int] = (10, 5),
) -> ScriptedReply:
    """An assistant message asking for one tool call (OpenAI format, arguments as JSON text)."""
    return tool_calls([(name, arguments, call_id)], content=content, tokens=tokens)


def tool_calls(
    calls: list[tuple[str, Mapping[str, Any], str]],
    *,
    content: str | None = None,
    tokens: tuple[int, int] = (10, 5),
) -> ScriptedReply:
    return ScriptedReply(
        content=content,
        tool_calls=[
            {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(dict(arguments))},
            }
            for name, arguments, call_id in calls
        ],
        prompt_tokens=tokens[0],
        completion_tokens=tokens[1],
        finish_reason="tool_calls",
    )


def error(status: int, *, retry_after: float | None = None, message: str = "") -> ScriptedReply:
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
    return ScriptedReply(content=message or f"fake error {status}", status=status, headers=headers)


def slow(seconds: float, content: str = "too late") -> ScriptedReply:
    return ScriptedReply(content=content, delay_s=seconds)


def truncated(content: str = "cut off") -> ScriptedReply:
    return ScriptedReply(content=content, truncate=True)


def empty() -> ScriptedReply:
    return ScriptedReply(content="")


class FakeLLM:
    """A running fake server: `.url` is the api_base to configure (ends in /v1)."""

    text = staticmethod(text)
    tool_call = staticmethod(tool_call)
    tool_calls = staticmethod(tool_calls)
    error = staticmethod(error)
    slow = staticmethod(slow)
    truncated = staticmethod(truncated)
    empty = staticmethod(empty)

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.fallback: Responder | None = None
        self._queue: deque[Responder] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, *replies: Responder) -> None:
        """Append replies to the queue; each request consumes the next one."""
        with self._lock:
            self._queue.extend(replies)

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def models(self, **roles: str) -> ModelsSection:
        """Every role on `openai/fake-<role>` at this server, unless overridden."""
        names = {role: f"openai/fake-{role.replace('_', '-')}" for role in ROLES}
        return ModelsSection(**{**names, **roles}, api_base=self.url)

    def llm_section(self, **overrides: Any) -> LLMSection:
        """Short timeouts and backoff for tests, and exact prices for every fake model."""
        prices = [
            ModelPrice(
                model=f"openai/fake-{role.replace('_', '-')}",
                input_usd_per_token=FAKE_PRICE_IN,
                output_usd_per_token=FAKE_PRICE_OUT,
            )
            for role in ROLES
        ]
        values: dict[str, Any] = {
            "timeout_s": 2.0,
            "max_retries": 2,
            "backoff_s": 0.01,
            "prices": prices,
        }
        return LLMSection(**{**values, **overrides})

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _next(self, body: Any) -> ScriptedReply:
        with self._lock:
            responder = self._queue.popleft() if self._queue else self.fallback
        if responder is None:
            return ScriptedReply(content="fake_llm: script exhausted", status=500)
        return responder(body) if callable(responder) else responder

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)


def _completion_body(reply: ScriptedReply, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = reply.tool_calls
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": reply.finish_reason or "stop",
            }
        ],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        },
    }


def _handler_for(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body: Any = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            headers = {name.lower(): value for name, value in self.headers.items()}
            fake._record(RecordedRequest(self.path, headers, body))
            if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}"}}, {})
                return
            reply = fake._next(body)
            if reply.delay_s and fake._stopping.wait(reply.delay_s):
                return
            if reply.status != 200:
                error_body = {"error": {"message": reply.content, "type": "fake_error"}}
                self._send(reply.status, error_body, reply.headers)
                return
            model = body.get("model", "") if isinstance(body, dict) else ""
            self._send(200, _completion_body(reply, model), reply.headers, reply.truncate)

        def _send(
            self, status: int, body: Any, headers: Mapping[str, str], truncate: bool = False
        ) -> None:
            data = json.dumps(body).encode()
            if truncate:
                data = data[: len(data) // 2]
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): nothing left to tell it

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest output clean; tests read `fake.requests` instead

    return Handler
