"""The web agent: one model call per observation, one action back.

The conversation is the system prompt plus the last few (observation, reply) turns, so a long
episode never outgrows the context; the full story goes to the recorder.
"""

from __future__ import annotations

from string import Template
from typing import Any

from actions import parse_action
from config import AgentConfig
from errors import BudgetExhausted, FormatError, ModelError
from model import Model
from observation import render
from recorder import Recorder


class WebAgent:
    def __init__(self, model: Model, config: AgentConfig, recorder: Recorder) -> None:
        self.model = model
        self.config = config
        self.recorder = recorder
        self.turns: list[dict[str, Any]] = []
        """One record per observation: prompt, replies, the action sent."""
        self.stopped = ""
        """Why the agent stopped asking the model (budget, model failure), else empty."""

    def act(self, obs: dict[str, Any]) -> dict[str, Any]:
        """The action for observation `obs`; {"action": "done"} once the model is unusable."""
        prompt = render(obs, self.config)
        turn: dict[str, Any] = {"step": obs.get("step"), "prompt": prompt, "replies": []}
        self.turns.append(turn)
        messages = [*self._history(), {"role": "user", "content": prompt}]
        action: dict[str, Any] = {"action": "done"}
        for _ in range(self.config.format_retries + 1):
            if self.stopped:
                break
            try:
                reply = self.model.query(messages)
            except (BudgetExhausted, ModelError) as err:
                self.stopped = f"{type(err).__name__}: {err}"
                self.recorder.log("model unusable, giving up", self.stopped)
                break
            turn["replies"].append(reply)
            try:
                action = parse_action(reply)
                break
            except FormatError as err:
                turn.setdefault("format_errors", []).append(str(err))
                messages += [
                    {"role": "assistant", "content": reply},
                    {"role": "user", "content": self._format_error(err)},
                ]
        turn["action"] = action
        self.recorder.log(f"step {obs.get('step')}: {action}", prompt)
        return action

    def _format_error(self, err: FormatError) -> str:
        return Template(self.config.format_error_template).substitute(error=str(err))

    def _history(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = [{"role": "system", "content": self.config.system_prompt}]
        for turn in self.turns[-1 - self.config.history_turns : -1]:
            if turn["replies"]:
                messages.append({"role": "user", "content": turn["prompt"]})
                messages.append({"role": "assistant", "content": turn["replies"][-1]})
        return messages

    def trajectory(self, ended: str) -> dict[str, Any]:
        return {
            "ended": ended,
            "stopped": self.stopped,
            "usage": self.model.usage.as_dict(),
            "turns": self.turns,
        }
