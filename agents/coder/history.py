"""Keeping the conversation within the model's context window.

A long run's history (every command output, every file view) outgrows a small model's window
long before the run ends: a local 8k-token model fills it in a handful of steps. Before each model
call the agent sends a fitted *copy* of its history; the full history stays in the trajectory.

The rule, oldest first, until the estimate fits:
1. the system prompt, the task statement and the newest `keep_recent` messages are never cut;
2. older observations (tool outputs, and user messages after the task) are replaced by a one-line
   note saying how many characters were cut;
3. then older assistant texts are shortened the same way (their tool calls stay, so every call
   still has its answer, which providers require);
4. if it still does not fit, the run ends with `context_length_exceeded` (the proposer's
   diagnosis recognises that status and can propose a better strategy).

Sizes are estimated from characters (`CHARS_PER_TOKEN`), since the sandbox has no tokenizer:
a slight over-estimate for English and code, which is the safe side.
"""

from __future__ import annotations

import json
from typing import Any

from errors import ContextWindowExceeded

CHARS_PER_TOKEN = 3.0
CUT_NOTE = "[{chars} characters of this older message were cut to fit the context window]"
PROTECTED_HEAD = 2
"""The system prompt and the task statement."""


def estimate_tokens(
    messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
) -> int:
    chars = sum(len(json.dumps(m)) for m in messages) + len(json.dumps(tools or []))
    return int(chars / CHARS_PER_TOKEN) + 4 * len(messages)


def fit_history(
    messages: list[dict[str, Any]],
    budget_tokens: int | None,
    tools: list[dict[str, Any]] | None = None,
    keep_recent: int = 4,
) -> tuple[list[dict[str, Any]], int]:
    """(messages to send, how many were cut) so that the estimate is within `budget_tokens`;
    None means no limit. Raises ContextWindowExceeded when nothing more can be cut."""
    if budget_tokens is None or estimate_tokens(messages, tools) <= budget_tokens:
        return messages, 0
    fitted = [dict(m) for m in messages]
    last_cuttable = max(PROTECTED_HEAD, len(fitted) - keep_recent)
    cut = 0
    for roles in (("tool", "user"), ("assistant",)):
        for index in range(PROTECTED_HEAD, last_cuttable):
            message = fitted[index]
            content = message.get("content") or ""
            if message["role"] not in roles or len(content) < 200:
                continue
            message["content"] = CUT_NOTE.format(chars=len(content))
            cut += 1
            if estimate_tokens(fitted, tools) <= budget_tokens:
                return fitted, cut
    raise ContextWindowExceeded(
        f"the conversation needs ~{estimate_tokens(fitted, tools)} tokens even with older "
        f"messages cut, but the model's window leaves {budget_tokens}"
    )


def prompt_budget(window: int | None, answer_tokens: int) -> int | None:
    """Tokens the prompt may use in a window of `window` with room for the answer."""
    if window is None:
        return None
    return max(256, window - answer_tokens - 64)
