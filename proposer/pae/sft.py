"""Successful trajectories as chat-format fine-tuning records (OpenAI JSONL), validated.

A record is `{"messages": [...]}`: a system message, then user/assistant (and tool) turns, ending
with the assistant's last turn. Tool calls and tool results are kept in OpenAI's own format, so
a trainer that supports function calling learns the agent's actions, not a paraphrase of them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

ROLES = frozenset({"system", "user", "assistant", "tool"})


class InvalidRecordError(ValueError):
    """A record is not valid chat-format JSONL."""


def chat_record(messages: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The fine-tuning record for a trajectory, or None when it cannot make one (no system
    message first, no user turn, no assistant turn)."""
    kept = [_clean(m) for m in messages if m.get("role") in ROLES]
    while kept and kept[-1]["role"] != "assistant":
        kept.pop()
    record = {"messages": kept}
    try:
        validate_record(record)
    except InvalidRecordError:
        return None
    return record


def validate_record(record: Any) -> None:
    """Raise InvalidRecordError unless `record` is one valid chat-format record."""
    if not isinstance(record, dict) or set(record) != {"messages"}:
        raise InvalidRecordError('a record must be an object with exactly the key "messages"')
    messages = record["messages"]
    if not isinstance(messages, list) or len(messages) < 3:
        raise InvalidRecordError("messages must be a list of at least system, user, assistant")
    if messages[0].get("role") != "system":
        raise InvalidRecordError("the first message must be the system message")
    if messages[-1].get("role") != "assistant":
        raise InvalidRecordError("the last message must be the assistant's")
    if not any(m.get("role") == "user" for m in messages):
        raise InvalidRecordError("there must be at least one user message")
    for number, message in enumerate(messages):
        role = message.get("role")
        if role not in ROLES:
            raise InvalidRecordError(f"message {number}: unknown role {role!r}")
        if not isinstance(message.get("content"), str):
            raise InvalidRecordError(f"message {number}: content must be a string")
        if role == "tool" and not message.get("tool_call_id"):
            raise InvalidRecordError(f"message {number}: a tool message needs tool_call_id")


def validate_jsonl(text: str) -> int:
    """Validate every line of a JSONL export; returns the number of records."""
    count = 0
    for number, line in enumerate(text.splitlines(), 1):
        try:
            validate_record(json.loads(line))
        except (ValueError, AttributeError) as err:
            raise InvalidRecordError(f"line {number}: {err}") from None
        count += 1
    return count


def _clean(message: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message["role"], "content": message.get("content") or ""}
    if message.get("tool_calls"):
        out["tool_calls"] = message["tool_calls"]
    if message.get("tool_call_id"):
        out["tool_call_id"] = message["tool_call_id"]
    return out
