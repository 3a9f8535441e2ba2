"""The host-side LLM gateway: how agents in a network-less sandbox reach models.

One `Gateway` per sandbox serves OpenAI's `POST /v1/chat/completions` (non-streaming) on a unix
socket in a private host directory; the sandbox backend bind-mounts that directory at
/run/godelbox (see `GATEWAY_SOCKET`), and agents talk to it with `godelbox_llm.chat`.

Why a gateway: the API keys stay in the host process (litellm reads them from the host
environment; nothing secret is in the sandbox's environment or files), every call is recorded by
the `on_call` callback the loop provides (it knows the node being evaluated), and the sandbox's
own token and dollar budget is enforced here, before anything is sent upstream.

The request's "model" names a role ("agent", "implement", ...), an alias from `aliases`, or the
model a role is configured with; the gateway calls that role's model through `LLMClient`.

Budget rule: a call is refused (HTTP 402, no upstream request) when its prompt alone, or its
prompt plus the `max_tokens` it asks for, would pass the token budget, or when the dollars spent
plus its estimated cost would pass the dollar budget. When little budget is left the gateway
lowers `max_tokens` to what remains, so a call overshoots only when the model ignores it.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import socket
import socketserver
import tempfile
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any

from godelbox.proposer.llm import (
    ROLES,
    BudgetExceeded,
    LLMClient,
    LLMConfigError,
    LLMError,
    LLMRequestError,
    LLMUnavailable,
    OnCall,
)
from godelbox.sandbox.base import GATEWAY_SOCKET

SANDBOX_ENV = {"GODELBOX_LLM_SOCKET": GATEWAY_SOCKET}
"""What to add to a sandbox's environment so `godelbox_llm` finds the gateway (no secrets)."""

SANDBOX_UID = 1000
"""The uid agents run as inside every sandbox (see sandbox/docker.py and the image's user)."""

MAX_BODY_BYTES = 16 * 1024 * 1024
SMALL_MAX_TOKENS = 4096
"""Below this many remaining tokens the gateway sets max_tokens itself; every chat model accepts
a cap this small, while a cap of the whole remaining budget could be rejected as too large."""

FORWARDED_OPTIONS = (
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "seed",
)


class _Refusal(Exception):
    """An error reply for the agent: HTTP status, OpenAI-style error type, readable message."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


class Gateway:
    """Start with `with Gateway(...) as gw:`; mount `gw.socket_path.parent` into the sandbox."""

    def __init__(
        self,
        client: LLMClient,
        *,
        on_call: OnCall,
        budget_usd: float,
        budget_tokens: int,
        aliases: Mapping[str, str] | None = None,
        max_concurrent: int = 4,
    ) -> None:
        self._client = client.with_on_call(on_call)
        self.budget_usd = budget_usd
        self.budget_tokens = budget_tokens
        self._aliases = self._names(client, aliases or {})
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self.spent_usd = 0.0
        self.spent_tokens = 0
        self.refused = 0
        self._reserved_usd = 0.0
        self._reserved_tokens = 0
        self._dir: Path | None = None
        self._server: _UnixHTTPServer | None = None
        self._serving: threading.Thread | None = None

    @property
    def socket_path(self) -> Path:
        if self._dir is None:
            raise RuntimeError("the gateway is not started")
        return self._dir / PurePosixPath(GATEWAY_SOCKET).name

    def start(self) -> Gateway:
        self._client.warm_up()  # an agent's first call must not pay litellm's import
        self._dir = Path(tempfile.mkdtemp(prefix="godelbox-gw-"))
        self._dir.chmod(0o755)  # the sandbox's uid must traverse it
        self._server = _UnixHTTPServer(str(self.socket_path), _handler_for(self))
        _let_only_the_sandbox_user_connect(self.socket_path)
        self._serving = threading.Thread(target=self._server.serve_until_stopped, daemon=True)
        self._serving.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            if self._serving is not None:
                self._serving.join()
            self._server.server_close()
            self._server = None
            self._serving = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def handle(self, body: Any) -> dict[str, Any]:
        """Answer one chat-completion request body; raises `_Refusal` for any error reply."""
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            raise _Refusal(400, "invalid_request", "the body must be a JSON object with messages")
        if body.get("stream"):
            raise _Refusal(400, "invalid_request", "streaming is not supported; omit stream")
        role = self._role(body.get("model"))
        options = {k: body[k] for k in FORWARDED_OPTIONS if body.get(k) is not None}
        tools = body.get("tools") or None
        reserved = self._reserve(role, body["messages"], options)
        try:
            with self._slots:
                reply = self._client.complete(role, body["messages"], tools, options=options)
        except BudgetExceeded as exc:
            raise _Refusal(402, "budget_exceeded", str(exc)) from None
        except LLMRequestError as exc:
            raise _Refusal(400, "invalid_request", str(exc)) from None
        except LLMUnavailable as exc:
            raise _Refusal(502, "upstream_error", str(exc)) from None
        except LLMConfigError as exc:
            raise _Refusal(503, "gateway_misconfigured", str(exc)) from None
        except LLMError as exc:
            raise _Refusal(502, "upstream_error", str(exc)) from None
        finally:
            self._release(*reserved)
        with self._lock:
            self.spent_tokens += reply.tokens_in + reply.tokens_out
            self.spent_usd += reply.cost_usd
        return reply.response

    def _role(self, name: Any) -> str:
        if not name:
            return "agent"
        if isinstance(name, str) and name in self._aliases:
            return self._aliases[name]
        raise _Refusal(
            400,
            "invalid_request",
            f"unknown model {name!r}; ask for one of {sorted(self._aliases)}",
        )

    def _reserve(
        self, role: str, messages: list[Any], options: dict[str, Any]
    ) -> tuple[int, float]:
        """Refuse the call if it would pass the budget; otherwise hold its share until it ends,
        so concurrent calls cannot pass the budget together."""
        prompt_tokens = self._count(role, messages)
        asked = options.get("max_tokens") or options.get("max_completion_tokens")
        with self._lock:
            left_tokens = self.budget_tokens - self.spent_tokens - self._reserved_tokens
            if prompt_tokens + (asked or 0) > left_tokens:
                self.refused += 1
                raise _Refusal(
                    402,
                    "budget_exceeded",
                    f"token budget exceeded: this call needs ~{prompt_tokens} prompt tokens"
                    f"{f' + {asked} max_tokens' if asked else ''}, {max(left_tokens, 0)} of "
                    f"{self.budget_tokens} left for this sandbox",
                )
            out_cap = left_tokens - prompt_tokens
            if asked is None and out_cap < SMALL_MAX_TOKENS:
                options["max_tokens"] = asked = out_cap
            cost = self._client.estimate_usd(role, prompt_tokens, asked or 0)
            left_usd = self.budget_usd - self.spent_usd - self._reserved_usd
            if cost > left_usd or left_usd <= 0:
                self.refused += 1
                raise _Refusal(
                    402,
                    "budget_exceeded",
                    f"dollar budget exceeded: this call costs ~${cost:.6f}, "
                    f"${max(left_usd, 0):.6f} of ${self.budget_usd:.6f} left for this sandbox",
                )
            reserved = (prompt_tokens + (asked or 0), cost)
            self._reserved_tokens += reserved[0]
            self._reserved_usd += reserved[1]
        return reserved

    def _release(self, tokens: int, usd: float) -> None:
        with self._lock:
            self._reserved_tokens -= tokens
            self._reserved_usd -= usd

    def _count(self, role: str, messages: list[Any]) -> int:
        try:
            return self._client.count_tokens(role, messages)
        except Exception:
            return len(json.dumps(messages)) // 4  # odd message shapes: a rough upper-ish guess

    @staticmethod
    def _names(client: LLMClient, aliases: Mapping[str, str]) -> dict[str, str]:
        """Every name an agent may ask for -> role: configured roles, their model names, and
        the explicit aliases."""
        names: dict[str, str] = {}
        for role in ROLES:
            model = getattr(client.models, role)
            if model:
                names.setdefault(model, role)
                names[role] = role
        for alias, role in aliases.items():
            if role not in names:
                raise LLMConfigError(f"gateway alias {alias!r} names unconfigured role {role!r}")
            names[alias] = role
        return names


def _let_only_the_sandbox_user_connect(path: Path) -> None:
    """connect() needs write permission on the socket: give it to the sandbox's uid (and root),
    not to every local user, whenever this process can."""
    if os.geteuid() == 0:
        os.chown(path, SANDBOX_UID, SANDBOX_UID)
        path.chmod(0o600)
    elif os.geteuid() == SANDBOX_UID:
        path.chmod(0o600)
    else:
        path.chmod(0o666)  # we cannot hand it to uid 1000, so it must be open to it


class _UnixHTTPServer(ThreadingHTTPServer):
    """The HTTP server on the unix socket, stopped by a wake-up rather than by polling.

    `serve_forever` notices `shutdown` only at its next poll, and every sandbox run closes a
    gateway: a poll interval would be paid per agent run. Here the serving thread sleeps in
    select on the socket and a pipe, and `stop` writes to the pipe."""

    address_family = socket.AF_UNIX
    daemon_threads = True
    timeout = 0  # handle_request never blocks: it is only called when a client is waiting

    def __init__(self, path: str, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(path, handler)
        self._wake_r, self._wake_w = os.pipe()

    def server_bind(self) -> None:
        # HTTPServer.server_bind would treat the path as (host, port) and resolve it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "godelbox-gateway", 0

    def serve_until_stopped(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select()}
                if self._wake_r in ready:
                    return
                self.handle_request()

    def stop(self) -> None:
        os.write(self._wake_w, b"x")

    def server_close(self) -> None:
        super().server_close()
        os.close(self._wake_r)
        os.close(self._wake_w)


def _handler_for(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            try:
                raw = self._read_body()
                if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                    raise _Refusal(404, "not_found", f"no route {self.path}")
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise _Refusal(400, "invalid_request", "the body is not JSON") from None
                self._send(200, gateway.handle(body))
            except _Refusal as refusal:
                error = {"message": refusal.message, "type": refusal.kind, "code": refusal.status}
                self._send(refusal.status, {"error": error})

        def _read_body(self) -> bytes:
            """The whole body is always consumed, even for a refusal: answering before the
            client finished sending would break its pipe and hide the answer."""
            length = int(self.headers.get("Content-Length") or 0)
            if length <= MAX_BODY_BYTES:
                return self.rfile.read(length)
            while length > 0:
                chunk = self.rfile.read(min(length, 1 << 16))
                if not chunk:
                    break
                length -= len(chunk)
            raise _Refusal(413, "invalid_request", "request body larger than 16 MiB")

        def _send(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the agent went away (killed on timeout): nobody to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # every call is recorded through on_call; no stderr noise per request

    return Handler
