"""How the loop runs an agent on a task: directly (offline agents) or behind its own gateway.

An LLM agent gets a fresh gateway for every task sandbox, so the per-sandbox token and dollar
budget holds per task, and every call it makes is recorded against the node being evaluated.
`godelbox eval` runs LLM agents the same way (see godelbox/cli/eval_llm.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from godelbox.config import Config
from godelbox.evaluator.benchmark import Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import Solution, TaskResult
from godelbox.evaluator.runner import run_agent
from godelbox.llm.fit import model_limits
from godelbox.proposer.base import LLMCallSink
from godelbox.proposer.llm import LLMClient, RunBudget
from godelbox.sandbox.gateway import Gateway
from godelbox.sandbox.gateway_server import WireLimits
from godelbox.sandbox.recording import PURPOSE_TASK, Recorder, recording_settings


@dataclass(frozen=True)
class GatewayAgentSolver:
    agent_dir: Path
    llm: LLMClient
    on_call: LLMCallSink
    name: str = "agent"
    wire: WireLimits | None = None
    """How the gateway reads requests (default `WireLimits()`)."""
    record: bool = False
    """Record the sandbox's exchanges: `on_call` then also gets one `Tape` per sandbox, after
    it ends (sandbox/recording.py)."""

    def solve(self, ctx: EvalContext, task: Task, workspace: Path, problem: str) -> Solution:
        recorder = self._recorder(task.task_id) if self.record else None
        try:
            with sandbox_gateway(self.llm, self.on_call, self.wire, recorder) as gateway:
                task_ctx = replace(
                    ctx,
                    gateway_socket=gateway.socket_path,
                    gateway_token=gateway.token,
                    **model_limits(self.llm, "agent"),
                )
                return run_agent(task_ctx, self.agent_dir, workspace, problem, image=task.image)
        finally:
            if recorder is not None:
                self.on_call(recorder.tape())

    def _recorder(self, task_id: str) -> Recorder:
        section = self.llm.llm
        settings = recording_settings(
            self.llm, AGENT_ROLES, section.sandbox_budget_usd, section.sandbox_budget_tokens
        )
        return Recorder(task_id, PURPOSE_TASK, settings, int(section.record_sandbox_mb * MB))

    def web_gateway(self, current: Callable[[], str]) -> Gateway:
        """One gateway per web session; its calls go to the node like the coding agent's (not
        recorded: replays cover coding tasks)."""
        return sandbox_gateway(self.llm, self.on_call, self.wire)

    def finish_episode(self, result: TaskResult) -> TaskResult:
        return result


AGENT_ROLES = ("agent",)
MB = 1024 * 1024


def sandbox_gateway(
    llm: LLMClient,
    on_call: LLMCallSink,
    wire: WireLimits | None = None,
    recorder: Recorder | None = None,
) -> Gateway:
    """An agent sandbox's gateway: the agent role only, with the configured per-sandbox budget
    (`llm.sandbox_budget_*`), recording its exchanges when given a `recorder`."""
    return Gateway(
        llm,
        on_call=on_call,
        budget_usd=llm.llm.sandbox_budget_usd,
        budget_tokens=llm.llm.sandbox_budget_tokens,
        roles=AGENT_ROLES,
        wire=wire,
        recorder=recorder,
    )


def run_llm_client(config: Config, spent_usd: float = 0.0) -> LLMClient:
    """The one LLM client of a run, whose `RunBudget` (llm.run_budget_usd) every call shares;
    `spent_usd` is what earlier sessions of the run already spent. It records nothing itself:
    each user rebinds `on_call` (a gateway, `with_on_call`) to a sink that knows what the call
    was for."""
    budget = RunBudget(config.llm.run_budget_usd)
    budget.add(spent_usd)
    return LLMClient(config.models, config.llm, on_call=lambda _record: None, run_budget=budget)
