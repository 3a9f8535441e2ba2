"""How the agent asks a model. The loop only sees the `Model` protocol; `GatewayModel` is the
real one, talking to the host's gateway through `godelbox_llm` (the sandbox has no network)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from errors import BudgetExhausted, ContextWindowExceeded, FormatError, ModelError

TRANSIENT = {0, 408, 429, 500, 502, 503, 504}
"""Gateway statuses worth another try (0: the socket could not be reached or timed out)."""


@dataclass
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, usage: dict[str, Any] | None) -> None:
        self.calls += 1
        self.prompt_tokens += int((usage or {}).get("prompt_tokens") or 0)
        self.completion_tokens += int((usage or {}).get("completion_tokens") or 0)

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "tokens": self.tokens}


class Model(Protocol):
    usage: Usage

    def query(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], timeout_s: float
    ) -> dict[str, Any]:
        """The assistant message (OpenAI format: role, content, tool_calls)."""
        ...


class GatewayModel:
    def __init__(
        self, role: str | None, retries: int = 2, backoff_s: float = 2.0, max_tokens: int = 1024
    ) -> None:
        import godelbox_llm  # only present inside the sandbox image (or on PYTHONPATH)

        self._llm = godelbox_llm
        self.role = role
        self.max_tokens = max_tokens
        self.retries = retries
        self.backoff_s = backoff_s
        self.usage = Usage()

    def query(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], timeout_s: float
    ) -> dict[str, Any]:
        """One answer within `timeout_s` in all, retries included: the run's time budget must
        hold even when a slow model times out again and again."""
        deadline = time.monotonic() + timeout_s
        for attempt in range(self.retries + 1):
            left = deadline - time.monotonic()
            if left < 1.0:
                raise ModelError(f"no answer from the model within {timeout_s:.0f} s")
            try:
                response = self._llm.chat(
                    messages,
                    tools=tools,
                    role=self.role,
                    timeout=left,
                    max_tokens=self.max_tokens,
                )
                break
            except self._llm.GatewayError as err:
                if err.status == 402:
                    raise BudgetExhausted(err.message) from None
                if err.status == 400 and "context" in err.message.lower():
                    raise ContextWindowExceeded(err.message) from None
                if err.status not in TRANSIENT or attempt == self.retries:
                    raise ModelError(f"gateway error {err.status}: {err.message}") from None
                time.sleep(self.backoff_s * 2**attempt)
        self.usage.add(response.get("usage"))
        return assistant_message(response)


def assistant_message(response: dict[str, Any]) -> dict[str, Any]:
    """The message of the first choice, reduced to what the conversation needs to carry."""
    try:
        message = response["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise FormatError(f"the model's response had no message: {str(response)[:200]}") from None
    kept = {"role": "assistant", "content": message.get("content") or ""}
    if message.get("tool_calls"):
        kept["tool_calls"] = message["tool_calls"]
    return kept
