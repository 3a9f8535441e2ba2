"""The web agent's own suite: offline, no model, no browser (`python3 -m pytest -q -x tests`
from the agent directory). The model is a scripted stand-in returning canned replies."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

AGENT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(AGENT_DIR))  # the agent's modules are flat files next to run.py

from config import AgentConfig  # noqa: E402
from errors import ModelError  # noqa: E402
from model import Usage  # noqa: E402


class ScriptedModel:
    """Replies in order; an Exception in the script is raised instead of replying."""

    def __init__(self, *replies: str | Exception) -> None:
        self.replies = list(replies)
        self.calls: list[list[dict[str, Any]]] = []
        self.usage = Usage()

    def query(self, messages: list[dict[str, Any]]) -> str:
        self.calls.append(messages)
        self.usage.add({"prompt_tokens": 10, "completion_tokens": 5})
        if not self.replies:
            raise ModelError("script exhausted")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def observation(step: int = 0, error: str | None = None) -> dict[str, Any]:
    return {
        "type": "observation",
        "task": "click-button",
        "step": step,
        "steps_left": 10 - step,
        "utterance": 'Click on the "ok" button.',
        "fields": [["target", "ok"]],
        "elements": [
            {
                "ref": 1,
                "parent": 0,
                "tag": "body",
                "text": "",
                "value": "",
                "id": "",
                "classes": "",
                "focused": False,
            },
            {
                "ref": 2,
                "parent": 1,
                "tag": "div",
                "text": "",
                "value": "",
                "id": "area",
                "classes": "",
                "focused": False,
            },
            {
                "ref": 3,
                "parent": 2,
                "tag": "button",
                "text": "cancel",
                "value": "",
                "id": "",
                "classes": "btn",
                "focused": False,
            },
            {
                "ref": 4,
                "parent": 2,
                "tag": "button",
                "text": "ok",
                "value": "",
                "id": "",
                "classes": "btn primary",
                "focused": False,
            },
            {
                "ref": 5,
                "parent": 2,
                "tag": "input_text",
                "text": "",
                "value": "abc",
                "id": "tt",
                "classes": "",
                "focused": True,
            },
        ],
        "screenshot": None,
        "error": error,
    }


@pytest.fixture
def config() -> AgentConfig:
    return AgentConfig()
