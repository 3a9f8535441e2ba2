"""How the agent asks a model. The agent only sees the `Model` protocol; `GatewayModel` is the
real one, talking to the host's gateway through `godelbox_llm` (the sandbox has no network)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from errors import BudgetExhausted, ModelError

TRANSIENT = {0, 408, 429, 500, 502, 503, 504}
"""Gateway statuses worth another try (0: the socket could not be reached or timed out)."""


@dataclass
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, usage: dict[str, Any] | None) -> None:
        self.calls += 1
        self.prompt_tokens += int((usage or {}).get("prompt_tokens") or 0)
        self.completion_tokens += int((usage or {}).get("completion_tokens") or 0)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Model(Protocol):
    usage: Usage

    def query(self, messages: list[dict[str, Any]]) -> str:
        """The assistant's reply text."""
        ...


class GatewayModel:
    def __init__(
        self,
        role: str | None,
        *,
        retries: int = 2,
        backoff_s: float = 1.0,
        temperature: float = 0.0,
        max_tokens: int = 300,
    ) -> None:
        import godelbox_llm  # only present inside the sandbox image (or on PYTHONPATH)

        self._llm = godelbox_llm
        self.role = role
        self.retries = retries
        self.backoff_s = backoff_s
        self.params = {"temperature": temperature, "max_tokens": max_tokens}
        self.usage = Usage()

    def query(self, messages: list[dict[str, Any]]) -> str:
        for attempt in range(self.retries + 1):
            try:
                response = self._llm.chat(messages, role=self.role, timeout=120, **self.params)
                break
            except self._llm.GatewayError as err:
                if err.status == 402:
                    raise BudgetExhausted(err.message) from None
                if err.status not in TRANSIENT or attempt == self.retries:
                    raise ModelError(f"gateway error {err.status}: {err.message}") from None
                time.sleep(self.backoff_s * 2**attempt)
        self.usage.add(response.get("usage"))
        try:
            return str(response["choices"][0]["message"].get("content") or "")
        except (KeyError, IndexError, TypeError, AttributeError):
            raise ModelError(
                f"the model's response had no message: {str(response)[:200]}"
            ) from None
