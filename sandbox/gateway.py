"""The host-side LLM gateway: how agents in a network-less sandbox reach models.

One `Gateway` per sandbox serves OpenAI's `POST /v1/chat/completions` (non-streaming) on a unix
socket in a private host directory; the sandbox backend bind-mounts that directory at
/run/godelbox (see `GATEWAY_SOCKET`), and agents talk to it with `godelbox_llm.chat`, sending the
gateway's token (`sandbox_env()` puts both in the agent's environment).

Why a gateway: the API keys stay in the host process (litellm reads them from the host
environment; nothing secret is in the sandbox's environment or files), every call is recorded by
the `on_call` callback the loop provides (it knows the node being evaluated), and the sandbox's
own token and dollar budget is enforced here, before anything is sent upstream.

Two layers: `gateway_server.WireServer` decides who may connect and reads each request with
bounds (size, time, connections, token); this module decides what a valid request may do
(which roles, how much budget) and forwards it.

The request's "model" names one of the roles this sandbox was given (`roles`), an alias from
`aliases`, or the model such a role is configured with; anything else is refused, so an agent
cannot reach the judge's or the diagnoser's model. The gateway calls that role's model through
`LLMClient`.

Budget rule: a call is charged for its whole prompt (messages and the tools list) plus the
`max_tokens` the gateway sets on every call: the agent's own value, else `default_max_tokens`,
lowered to what the budget has left. A call is refused (HTTP 402, no upstream request) when its
prompt alone, or prompt plus the `max_tokens` it asks for, would pass the token budget, or when
the dollars spent plus its estimated cost would pass the dollar budget. Concurrent calls hold
their share until they end, so a call overshoots only when the model ignores `max_tokens`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
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
from godelbox.sandbox.gateway_server import Refusal, WireLimits, WireServer
from godelbox.sandbox.recording import Recorder, Refused

SOCKET_ENV = "GODELBOX_LLM_SOCKET"
TOKEN_ENV = "GODELBOX_LLM_TOKEN"

DEFAULT_MAX_TOKENS = 4096
"""The output cap set on calls that ask for none: every chat model accepts one this small, and
without one a call could overshoot the budget by a whole context window."""

COUNT_SLICE_CHARS = 256 * 1024
"""Requests longer than this (as JSON) are counted in slices of this size (see `_count`)."""

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


@dataclass(frozen=True)
class ChatCall:
    """One validated request: which role, what to send, and the options to send it with."""

    role: str
    messages: list[Any]
    tools: list[Any] | None
    options: dict[str, Any]


class Gateway:
    """Start with `with Gateway(...) as gw:`; mount `gw.socket_path.parent` into the sandbox
    and give the agent `gw.sandbox_env()`."""

    def __init__(
        self,
        client: LLMClient,
        *,
        on_call: OnCall,
        budget_usd: float,
        budget_tokens: int,
        roles: Collection[str] = ("agent",),
        aliases: Mapping[str, str] | None = None,
        max_concurrent: int = 4,
        default_max_tokens: int = DEFAULT_MAX_TOKENS,
        wire: WireLimits | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self._client = client.with_on_call(on_call)
        self._recorder = recorder
        """Keeps every exchange for replay (sandbox/recording.py); None records nothing."""
        self.budget_usd = budget_usd
        self.budget_tokens = budget_tokens
        self._names = self._names_for(client, roles, aliases or {})
        self._default_role = next(iter(self._names.values()), "agent")
        """What a request naming no model gets: the first role given that is configured."""
        self._default_max_tokens = default_max_tokens
        self._wire = wire or WireLimits()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self.spent_usd = 0.0
        self.spent_tokens = 0
        self.refused = 0
        self._reserved_usd = 0.0
        self._reserved_tokens = 0
        self._server: WireServer | None = None

    @property
    def socket_path(self) -> Path:
        return self._started().socket_path

    @property
    def token(self) -> str:
        """The secret every request must carry; it lives only as long as this gateway."""
        return self._started().token

    def sandbox_env(self) -> dict[str, str]:
        """What an agent needs in its environment to use this gateway from inside a sandbox
        (the socket's path there, and the token). No API key, ever."""
        return {SOCKET_ENV: GATEWAY_SOCKET, TOKEN_ENV: self.token}

    def _started(self) -> WireServer:
        if self._server is None:
            raise RuntimeError("the gateway is not started")
        return self._server

    def start(self) -> Gateway:
        self._client.warm_up()  # an agent's first call must not pay litellm's import
        self._server = WireServer(PurePosixPath(GATEWAY_SOCKET).name, self.handle, self._wire)
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def handle(self, body: Any) -> dict[str, Any]:
        """Answer one chat-completion request body; raises `Refusal` for any error reply."""
        if self._recorder is None:
            return self._answer(body)
        seq = self._recorder.begin(body)
        try:
            response = self._answer(body)
        except Refusal as refusal:
            self._recorder.end(seq, refusal=Refused(refusal.status, refusal.kind, refusal.message))
            raise
        except Exception as exc:  # the wire layer answers 500; the replay must answer the same
            failed = Refused(500, "gateway_error", f"the gateway failed: {type(exc).__name__}")
            self._recorder.end(seq, refusal=failed)
            raise
        self._recorder.end(seq, response=response)
        return response

    def _answer(self, body: Any) -> dict[str, Any]:
        call = self._parse(body)
        reserved = self._reserve(call)
        try:
            with self._slots:
                reply = self._client.complete(
                    call.role, call.messages, call.tools, options=call.options
                )
        except BudgetExceeded as exc:
            raise Refusal(402, "budget_exceeded", str(exc)) from None
        except LLMRequestError as exc:
            raise Refusal(400, "invalid_request", str(exc)) from None
        except LLMUnavailable as exc:
            raise Refusal(502, "upstream_error", str(exc)) from None
        except LLMConfigError as exc:
            raise Refusal(503, "gateway_misconfigured", str(exc)) from None
        except LLMError as exc:
            raise Refusal(502, "upstream_error", str(exc)) from None
        finally:
            self._release(*reserved)
        with self._lock:
            self.spent_tokens += reply.tokens_in + reply.tokens_out
            self.spent_usd += reply.cost_usd
        return reply.response

    def _parse(self, body: Any) -> ChatCall:
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            raise Refusal(400, "invalid_request", "the body must be a JSON object with messages")
        if body.get("stream"):
            raise Refusal(400, "invalid_request", "streaming is not supported; omit stream")
        tools = body.get("tools") or None
        if tools is not None and not isinstance(tools, list):
            raise Refusal(400, "invalid_request", "tools must be a list")
        options = {k: body[k] for k in FORWARDED_OPTIONS if body.get(k) is not None}
        for key in ("max_tokens", "max_completion_tokens"):
            value = options.get(key)
            if value is not None and (type(value) is not int or value < 1):
                raise Refusal(400, "invalid_request", f"{key} must be a positive integer")
        return ChatCall(self._role(body.get("model")), body["messages"], tools, options)

    def _role(self, name: Any) -> str:
        if not name and self._names:
            return self._default_role
        if isinstance(name, str) and name in self._names:
            return self._names[name]
        raise Refusal(
            400,
            "invalid_request",
            f"unknown model {str(name)[:100]!r}; this sandbox may ask for one of "
            f"{sorted(self._names)}",
        )

    def _reserve(self, call: ChatCall) -> tuple[int, float]:
        """Refuse the call if it would pass the budget; otherwise set its output cap and hold
        its share until it ends, so concurrent calls cannot pass the budget together."""
        prompt_tokens = self._count(call)
        key = "max_completion_tokens" if "max_completion_tokens" in call.options else "max_tokens"
        asked = call.options.get(key)
        with self._lock:
            left_tokens = self.budget_tokens - self.spent_tokens - self._reserved_tokens
            if prompt_tokens + (asked or 1) > left_tokens:
                self.refused += 1
                raise Refusal(
                    402,
                    "budget_exceeded",
                    f"token budget exceeded: this call needs ~{prompt_tokens} prompt tokens"
                    f"{f' + {asked} max_tokens' if asked else ''}, {max(left_tokens, 0)} of "
                    f"{self.budget_tokens} left for this sandbox",
                )
            out_cap = min(asked or self._default_max_tokens, left_tokens - prompt_tokens)
            call.options[key] = out_cap
            cost = self._client.estimate_usd(call.role, prompt_tokens, out_cap)
            left_usd = self.budget_usd - self.spent_usd - self._reserved_usd
            if cost > left_usd or left_usd <= 0:
                self.refused += 1
                raise Refusal(
                    402,
                    "budget_exceeded",
                    f"dollar budget exceeded: this call costs ~${cost:.6f}, "
                    f"${max(left_usd, 0):.6f} of ${self.budget_usd:.6f} left for this sandbox",
                )
            reserved = (prompt_tokens + out_cap, cost)
            self._reserved_tokens += reserved[0]
            self._reserved_usd += reserved[1]
        return reserved

    def _release(self, tokens: int, usd: float) -> None:
        with self._lock:
            self._reserved_tokens -= tokens
            self._reserved_usd -= usd

    def _count(self, call: ChatCall) -> int:
        """Prompt tokens of the whole request: the tools list is sent (and billed) too. A
        large request is counted slice by slice of its JSON (a little above the exact count),
        so counting never holds more than a slice's tokens: a tokenizer's list for 8 MiB of
        text would be ~70 MB."""
        sent: list[Any] = list(call.messages)
        if call.tools:
            sent.append({"role": "system", "content": json.dumps(call.tools)})
        text = json.dumps(sent)
        try:
            if len(text) <= COUNT_SLICE_CHARS:
                return self._client.count_tokens(call.role, sent)
            return sum(
                self._client.count_tokens(
                    call.role, [{"role": "user", "content": text[i : i + COUNT_SLICE_CHARS]}]
                )
                for i in range(0, len(text), COUNT_SLICE_CHARS)
            )
        except Exception:
            return len(text) // 4  # odd message shapes: a rough upper-ish guess

    @staticmethod
    def _names_for(
        client: LLMClient, roles: Collection[str], aliases: Mapping[str, str]
    ) -> dict[str, str]:
        """Every name an agent may ask for -> role: the roles it was given that are
        configured, their model names, and the explicit aliases (which must name one)."""
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise LLMConfigError(f"gateway roles {unknown} are not roles; use some of {ROLES}")
        names: dict[str, str] = {}
        for role in roles:
            model = getattr(client.models, role)
            if model:
                names.setdefault(model, role)
                names[role] = role
        for alias, role in aliases.items():
            if role not in names:
                raise LLMConfigError(
                    f"gateway alias {alias!r} names role {role!r}, which this sandbox was not "
                    "given or which has no model configured"
                )
            names[alias] = role
        return names
