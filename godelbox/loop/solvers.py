"""How the loop runs an agent on a task: directly (offline agents) or behind its own gateway.

An LLM agent gets a fresh gateway for every task sandbox, so the per-sandbox token and dollar
budget holds per task, and every call it makes is recorded against the node being evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from godelbox.evaluator.benchmark import Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import Solution
from godelbox.evaluator.runner import run_agent
from godelbox.proposer.base import LLMCallSink
from godelbox.proposer.llm import LLMClient
from godelbox.sandbox.gateway import Gateway


@dataclass(frozen=True)
class GatewayAgentSolver:
    agent_dir: Path
    llm: LLMClient
    on_call: LLMCallSink
    name: str = "agent"

    def solve(self, ctx: EvalContext, task: Task, workspace: Path, problem: str) -> Solution:
        section = self.llm.llm
        with Gateway(
            self.llm,
            on_call=self.on_call,
            budget_usd=section.sandbox_budget_usd,
            budget_tokens=section.sandbox_budget_tokens,
        ) as gateway:
            task_ctx = replace(ctx, gateway_socket=gateway.socket_path)
            return run_agent(task_ctx, self.agent_dir, workspace, problem, image=task.image)
