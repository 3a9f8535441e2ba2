"""The agent's loop: ask the model, run what it asks for, feed back what happened, until it
submits or a limit ends the run. Everything else (prompts, tools, model, shell) is injected.

Control flow is two exception families (errors.py): recoverable ones go back to the model as an
observation, terminating ones end the run with a status. The trajectory is saved after every step
in a `finally`, so a crash or a kill between steps never loses what was done.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from config import AgentConfig, render
from environment import Environment
from errors import FormatError, LimitsExceeded, Recoverable, Submitted, Terminating, ToolError
from history import fit_history, prompt_budget
from model import Model
from recorder import Recorder
from self_refine import SelfRefiner
from tools import Action, Toolbox, parse_actions


class Agent:
    def __init__(
        self,
        model: Model,
        env: Environment,
        workspace: Path,
        config: AgentConfig,
        recorder: Recorder,
    ) -> None:
        self.model, self.config, self.recorder = model, config, recorder
        self.workspace = workspace
        self.toolbox = Toolbox(env, workspace, config)
        self.refiner = SelfRefiner(model, env, config)
        self.messages: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []
        self.status, self.exit_message = "running", ""
        self.started = time.monotonic()

    def run(self, problem: str) -> str:
        """Work on `problem` until the run ends; returns the exit status."""
        c = self.config
        system = render(
            c.system_template, workspace=self.workspace, command_timeout=f"{c.command_timeout_s:g}"
        )
        instance = render(c.instance_template, problem=problem, workspace=self.workspace)
        self.add({"role": "system", "content": system}, "system")
        self.add({"role": "user", "content": instance}, "task")
        try:
            while True:
                try:
                    self.step()
                except FormatError as err:
                    feedback = render(c.format_error_template, error=err)
                    self.add({"role": "user", "content": feedback}, "format error")
                except Submitted:
                    if not self.revise():
                        raise
        except Terminating as end:
            self.status, self.exit_message = end.status, str(end)
        except BaseException as exc:  # a bug or a signal: keep the evidence, then let it crash
            self.status, self.exit_message = "crashed", f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self.recorder.log(f"== end: {self.status}", self.exit_message)
            self.save()
        return self.status

    def step(self) -> None:
        """One model call and the actions it asks for."""
        self.check_limits()
        record: dict[str, Any] = {"step": len(self.steps) + 1, "actions": []}
        self.steps.append(record)
        elapsed, tokens = time.monotonic() - self.started, self.model.usage.tokens
        self.recorder.log(f"== step {record['step']} ({tokens} tokens, {elapsed:.0f} s so far)")
        try:
            timeout = self.remaining(self.config.model_timeout_s)
            tools = self.toolbox.schemas()
            budget = prompt_budget(self.config.context_window, self.config.max_tokens)
            sent, cut = fit_history(self.messages, budget, tools, self.config.keep_recent)
            if cut:
                record["history_cut"] = cut
            message = self.model.query(sent, tools, timeout)
            self.add(message, "assistant")
            record["usage"] = self.model.usage.as_dict()
            for action in parse_actions(message):
                entry = {"tool": action.tool, "arguments": action.arguments}
                record["actions"].append(entry)
                entry["observation"] = self.execute(action)
        except Recoverable as err:
            record["error"] = str(err)
            raise
        except Terminating as end:
            record["ended"] = end.status
            raise
        finally:
            record["elapsed_s"] = round(time.monotonic() - self.started, 3)
            self.save()

    def revise(self) -> bool:
        """The optional self-refine step: True when the model's review of its own diff found
        a problem, which then goes back into the conversation and the run continues."""
        if self.refiner.rounds >= self.config.self_refine_rounds:
            return False
        self.answer_pending_calls("Submission held for your review.")
        budget = prompt_budget(self.config.context_window, self.config.max_tokens)
        sent, _ = fit_history(self.messages, budget, None, self.config.keep_recent)
        critique = self.refiner.wants_revision(sent, self.remaining(self.config.model_timeout_s))
        if critique is None:
            return False
        self.steps[-1]["self_review"] = critique
        self.add({"role": "assistant", "content": critique}, "self review")
        self.add({"role": "user", "content": self.config.self_refine_continue_template}, "revise")
        return True

    def answer_pending_calls(self, text: str) -> None:
        """Answer the last assistant message's tool calls that have no tool reply yet (the
        submit call): a conversation with an unanswered call is rejected by providers."""
        last = max(i for i, m in enumerate(self.messages) if m["role"] == "assistant")
        answered = {m.get("tool_call_id") for m in self.messages[last + 1 :]}
        for call in self.messages[last].get("tool_calls") or []:
            if call.get("id") not in answered:
                self.add({"role": "tool", "tool_call_id": call.get("id"), "content": text}, "held")

    def execute(self, action: Action) -> str:
        """Run one action and answer it: a tool message for a tool call, else a user message."""
        self.recorder.log(f"-- action {action.tool}", action.arguments)
        try:
            observation = self.toolbox.run(action, self.remaining(self.config.command_timeout_s))
        except ToolError as err:
            observation = render(self.config.tool_error_template, error=err)
        if action.call_id is None:
            self.add({"role": "user", "content": observation}, "observation")
        else:
            reply = {"role": "tool", "tool_call_id": action.call_id, "content": observation}
            self.add(reply, "observation")
        return observation

    def check_limits(self) -> None:
        c, usage = self.config, self.model.usage
        if c.step_limit and len(self.steps) >= c.step_limit:
            raise LimitsExceeded(f"step limit of {c.step_limit} reached")
        if c.token_limit and usage.tokens >= c.token_limit:
            raise LimitsExceeded(f"token limit of {c.token_limit} reached ({usage.tokens} used)")
        if c.time_budget_s and self.remaining(c.time_budget_s, floor=0.0) <= 0:
            raise LimitsExceeded(f"time budget of {c.time_budget_s:g} s nearly spent")

    def remaining(self, cap: float, floor: float = 1.0) -> float:
        """Seconds left before the run must stop (minus a safety margin), capped at `cap`."""
        c = self.config
        if not c.time_budget_s:
            return cap
        margin = min(c.time_margin_s, 0.2 * c.time_budget_s)
        left = c.time_budget_s - margin - (time.monotonic() - self.started)
        return max(floor, min(cap, left))

    def add(self, message: dict[str, Any], title: str) -> None:
        self.messages.append(message)
        if message.get("content"):
            self.recorder.log(f"-- {title}", message["content"])

    def save(self) -> None:
        limits = {k: v for k, v in asdict(self.config).items() if not isinstance(v, str)}
        info = {
            "exit_status": self.status,
            "exit_message": self.exit_message,
            "steps": len(self.steps),
            "usage": self.model.usage.as_dict(),
            "elapsed_s": round(time.monotonic() - self.started, 3),
            "limits": limits,
        }
        self.recorder.save({"info": info, "messages": self.messages, "steps": self.steps})
