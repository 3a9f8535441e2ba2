"""Prompts sized to a model's context window.

A prompt built from evidence (code, logs, patches) can be far longer than a small model's window
(the DGM diagnosis prompt is ~25k tokens at its default caps; SmolLM2 takes 8k). Builders here
take a *scale* in (0, 1] that multiplies every size cap, and `fit_messages` shrinks it until the
counted prompt leaves room for the answer (and, for JSON replies, for one repair round).

Counts come from litellm's token counter, exact for the models it knows and a generic tokenizer
(tiktoken) for the others, so a safety factor multiplies them: small for known models, large for
unknown ones. Measured here with SmolLM2 behind llama.cpp's chat endpoint: a code-heavy prompt
took 1.73x tiktoken's count (the server's own tokenizer said 1.2x; its chat formatting adds the
rest).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from godelbox.config import LLMSection
from godelbox.errors import UserError

KNOWN_TOKENIZER_SAFETY = 1.1
UNKNOWN_TOKENIZER_SAFETY = 2.0
"""Counted tokens are multiplied by one of these (see the module docstring)."""
MIN_SCALE = 0.02
SHRINK_TRIES = 8

Message = Mapping[str, Any]


class PromptTooLong(UserError):
    """Even the smallest version of a prompt does not fit the model's context window."""


def answer_tokens(window: int | None, max_output_tokens: int, share: int = 4) -> int:
    """The answer's max_tokens: the configured cap, at most 1/`share` of the window."""
    if window is None:
        return max_output_tokens
    return max(64, min(max_output_tokens, window // share))


def prompt_budget(window: int | None, answer: int, rounds: int = 1) -> int | None:
    """Tokens a prompt may use so that `rounds` answers (a JSON reply and its repair) still fit;
    None when the window is unknown (no sizing)."""
    if window is None:
        return None
    return max(256, window - rounds * answer - 128)


def fit_messages(
    build: Callable[[float], Sequence[Message]],
    count: Callable[[Sequence[Message]], int],
    budget: int | None,
    safety: float = UNKNOWN_TOKENIZER_SAFETY,
) -> tuple[list[Message], float]:
    """(messages, scale) for the largest scale whose prompt, counted and multiplied by
    `safety`, fits `budget` tokens."""
    scale = 1.0
    for _ in range(SHRINK_TRIES):
        messages = list(build(scale))
        if budget is None:
            return messages, scale
        used = count(messages) * safety
        if used <= budget:
            return messages, scale
        if scale <= MIN_SCALE:
            break
        scale = max(MIN_SCALE, scale * min(0.9, 0.95 * budget / used))
    raise PromptTooLong(
        f"the prompt needs ~{int(used)} tokens even cut down to {scale:.0%} of its evidence, "
        f"but only {budget} fit the model's context window; configure a model with a longer "
        "context (models.<role>.context_window)"
    )


CHARS_PER_TOKEN = 3.0
"""For prompts sized before they are built: a conservative characters-per-token ratio."""
FIXED_PROMPT_TOKENS = 800
"""Room kept for a prompt's fixed text (system prompt, instructions, JSON schema)."""


def evidence_chars(
    client: _Sized, role: str, default_chars: int, rounds: int, share: int = 4
) -> tuple[int, int]:
    """(characters of evidence, max_tokens of each answer) for a conversation of `rounds`
    answers with `role`'s model: the evidence shrinks so that everything fits its window."""
    window = client.context_window(role)
    answer = answer_tokens(window, client.llm.max_output_tokens, share)
    budget = prompt_budget(window, answer, rounds)
    if budget is None:
        return default_chars, answer
    room = max(0.0, budget / client.token_safety(role) - FIXED_PROMPT_TOKENS)
    return max(500, min(default_chars, int(room * CHARS_PER_TOKEN))), answer


class _Sized(Protocol):
    """What `model_limits` needs of an `LLMClient`."""

    @property
    def llm(self) -> LLMSection: ...

    def context_window(self, role: str) -> int | None: ...

    def token_safety(self, role: str) -> float: ...


def model_limits(client: _Sized, role: str) -> dict[str, int | None]:
    """The `EvalContext` fields that tell an agent its model's window and answer cap."""
    window = client.context_window(role)
    return {
        "llm_context_window": window,
        "llm_max_tokens": answer_tokens(window, client.llm.max_output_tokens),
    }
