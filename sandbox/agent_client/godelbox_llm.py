"""How an agent inside a godelbox sandbox talks to a model: standard library only.

The sandbox has no network. The host runs an OpenAI-compatible gateway on a unix socket mounted
into the sandbox; it holds the API keys, picks the configured model for the role you ask for, and
enforces this sandbox's token and dollar budget. Usage:

    import godelbox_llm
    reply = godelbox_llm.chat([{"role": "user", "content": "hi"}], tools=[...])
    message = reply["choices"][0]["message"]   # content and/or tool_calls, OpenAI format

`chat` returns the full OpenAI chat-completion response (a dict). Any refusal or failure raises
`GatewayError(status, message)`: 402 means the sandbox's budget is spent (stop asking), 400 a bad
request, 502/504 that the model provider failed after the gateway's retries.

Environment: GODELBOX_LLM_SOCKET (socket path, default /run/godelbox/llm.sock),
GODELBOX_LLM_TOKEN (this sandbox's gateway secret, sent with every request) and
GODELBOX_LLM_MODEL (the role to ask for, default "agent"). Requests larger than the gateway
accepts (`MAX_BODY_BYTES`) fail here with status 413, before anything is sent.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
from typing import Any

DEFAULT_SOCKET = "/run/godelbox/llm.sock"
DEFAULT_ROLE = "agent"
PATH = "/v1/chat/completions"
MAX_BODY_BYTES = 8 * 1024 * 1024


class GatewayError(Exception):
    """The gateway refused or failed the call; `status` is the HTTP status (0: unreachable)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message

    @property
    def budget_exceeded(self) -> bool:
        return self.status == 402


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, socket_path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def chat(
    messages: list[dict[str, Any]],
    *,
    tools: list[dict[str, Any]] | None = None,
    role: str | None = None,
    timeout: float = 300.0,
    **params: Any,
) -> dict[str, Any]:
    """One chat completion through the gateway. `params` (temperature, max_tokens, tool_choice,
    ...) are passed on as OpenAI request fields."""
    body: dict[str, Any] = {
        "model": role or os.environ.get("GODELBOX_LLM_MODEL") or DEFAULT_ROLE,
        "messages": messages,
        **params,
    }
    if tools:
        body["tools"] = tools
    return _post(PATH, body, timeout)


def _post(path: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
    socket_path = os.environ.get("GODELBOX_LLM_SOCKET") or DEFAULT_SOCKET
    data = json.dumps(body).encode("utf-8")
    if len(data) > MAX_BODY_BYTES:
        raise GatewayError(413, f"request of {len(data)} bytes is larger than the gateway takes")
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {os.environ.get('GODELBOX_LLM_TOKEN', '')}",
    }
    conn = _UnixHTTPConnection(socket_path, timeout)
    try:
        conn.request("POST", path, data, headers)
        response = conn.getresponse()
        status, raw = response.status, response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise GatewayError(0, f"cannot reach the LLM gateway at {socket_path}: {exc}") from exc
    finally:
        conn.close()
    try:
        data = json.loads(raw)
    except ValueError:
        raise GatewayError(status, raw[:500].decode("utf-8", "replace")) from None
    if status >= 400:
        error = data.get("error") if isinstance(data, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        raise GatewayError(status, message or str(data)[:500])
    return data
