"""Test helpers. `ScriptedModel` is this suite's double for the `Model` protocol (there is no
model and no network where the suite runs): it replays assistant messages, or raises errors, in
order, and records what the loop sent it."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

from model import Usage


def call(tool: str, args: dict[str, Any] | str, call_id: str = "call_1") -> dict[str, Any]:
    """An assistant message with one tool call (args as a dict, or raw text to test bad JSON)."""
    arguments = args if isinstance(args, str) else json.dumps(args)
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": tool, "arguments": arguments}}
        ],
    }


def say(content: str) -> dict[str, Any]:
    return {"role": "assistant", "content": content}


class ScriptedModel:
    def __init__(self, *replies: Any, tokens: tuple[int, int] = (10, 5)) -> None:
        self.replies = list(replies)
        self.tokens = tokens
        self.usage = Usage()
        self.requests: list[list[dict[str, Any]]] = []
        self.tools: list[dict[str, Any]] = []

    def query(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], timeout_s: float
    ) -> dict[str, Any]:
        self.requests.append(copy.deepcopy(messages))
        self.tools = tools
        if not self.replies:
            raise AssertionError("the loop asked for more replies than were scripted")
        reply = self.replies.pop(0)
        if callable(reply):
            reply = reply(messages)
        if isinstance(reply, BaseException):
            raise reply
        self.usage.add({"prompt_tokens": self.tokens[0], "completion_tokens": self.tokens[1]})
        return reply


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout
