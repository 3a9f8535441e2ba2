"""`godelbox eval` for agents that call models: the loop's gateway solver, metered per task.

Each task runs through `godelbox.loop.solvers.GatewayAgentSolver` (a fresh gateway per sandbox
holding the API key, the per-sandbox budget), sharing one `LLMClient` and so one `RunBudget`.
`MeteredSolver` adds what a command-line evaluation needs on top:
- every call attempt is tallied per task (`TaskUsage`), for the journal and the summary;
- once the run's dollar budget is spent, no further task starts (the ones refused are listed
  in `not_run` and never journaled, so a rerun with a higher budget does them);
- a task whose model calls all failed is the task's `error`, naming the model, the endpoint and
  what to check; if no call of the evaluation has ever succeeded, the endpoint is unusable and
  the evaluation stops (`endpoint_error`) instead of failing every task the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from godelbox.config import Config
from godelbox.errors import UserError
from godelbox.evaluator.benchmark import Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import Solution, TaskResult
from godelbox.llm.endpoints import EndpointError, api_base_of, check_budget_can_be_enforced
from godelbox.loop.solvers import GatewayAgentSolver, sandbox_gateway
from godelbox.proposer.llm import LLMCallRecord, LLMClient, cost_map_knows
from godelbox.sandbox.gateway import Gateway


class EvalModelError(UserError):
    """The evaluation's model settings cannot work (no agent model, unpriced model, ...)."""


class ModelEndpointError(UserError):
    """No model call of the evaluation succeeded: the endpoint or its key is unusable."""


@dataclass
class TaskUsage:
    """What one task's model calls cost. Every HTTP attempt counts, failed ones included."""

    calls: int = 0
    errors: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0
    last_error: str = ""

    def add(self, record: LLMCallRecord) -> None:
        self.calls += 1
        self.tokens_in += record.tokens_in
        self.tokens_out += record.tokens_out
        self.cost_usd += record.cost_usd
        self.latency_s += record.latency_s
        if record.error is not None:
            self.errors += 1
            self.last_error = record.error

    def merge(self, other: TaskUsage) -> None:
        for name in ("calls", "errors", "tokens_in", "tokens_out", "cost_usd", "latency_s"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.last_error = other.last_error or self.last_error

    def to_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["cost_usd"] = round(self.cost_usd, 10)
        row["latency_s"] = round(self.latency_s, 3)
        return row

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskUsage:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


def total_usage(usages: Iterable[TaskUsage]) -> TaskUsage:
    total = TaskUsage()
    for usage in usages:
        total.merge(usage)
    return total


def uses_models(config: Config) -> bool:
    """Whether agents call models: the loop's rule (not `offline`), or a model for the agent."""
    from godelbox.loop.setup import offline

    return not offline(config) or bool(config.models.agent)


def check_agent_model(config: Config) -> None:
    """A clear error when the agent has no model, or when a dollar budget is set while some
    configured model's cost is unknowable (the budget could never be reached: every call would
    cost 0); the loop applies the same rule (`godelbox.llm.endpoints`)."""
    model = config.models.agent
    if not model:
        raise EvalModelError(
            "models are configured but none for the agent: pass --model provider/name "
            "(e.g. --model openai/gpt-4o-mini) or set models.agent"
        )
    try:
        check_budget_can_be_enforced(config, cost_map_knows, "godelbox eval")
    except EndpointError as exc:
        raise EvalModelError(str(exc)) from None


class MeteredSolver:
    """A `Solver` running the agent through the gateway with per-task call tallies."""

    name = "agent"

    def __init__(self, agent_dir: Path, llm: LLMClient) -> None:
        self.agent_dir = agent_dir
        self.llm = llm
        self._lock = threading.Lock()
        self._usage: dict[str, TaskUsage] = {}
        self._not_run: set[str] = set()
        self._any_ok = False
        self._endpoint_error = ""

    @property
    def not_run(self) -> set[str]:
        """Tasks refused before their agent started (budget spent, endpoint unusable)."""
        with self._lock:
            return set(self._not_run)

    @property
    def endpoint_error(self) -> str:
        """Why the model endpoint is unusable ("" while it is fine)."""
        with self._lock:
            return self._endpoint_error

    def usage(self, task_id: str) -> TaskUsage:
        with self._lock:
            return replace(self._usage.get(task_id, TaskUsage()))

    def budget_spent(self) -> bool:
        budget = self.llm.run_budget
        return budget.limit_usd is not None and budget.spent_usd >= budget.limit_usd

    def should_stop(self) -> bool:
        return self.budget_spent() or bool(self.endpoint_error)

    def solve(self, ctx: EvalContext, task: Task, workspace: Path, problem: str) -> Solution:
        if self.should_stop():
            with self._lock:
                self._not_run.add(task.task_id)
            return Solution(patch="", ended="error", detail="not run", infra=True)
        attempt = TaskUsage()

        def on_call(record: LLMCallRecord) -> None:
            with self._lock:
                attempt.add(record)
                self._usage.setdefault(task.task_id, TaskUsage()).add(record)
                self._any_ok = self._any_ok or record.ok

        solver = GatewayAgentSolver(self.agent_dir, self.llm, on_call)
        solution = solver.solve(ctx, task, workspace, problem)
        with self._lock:
            if not attempt.calls or attempt.errors < attempt.calls:
                return solution
            why = self._failure(attempt)
            if not self._any_ok:
                # Nothing has ever worked: the endpoint, not this task, is the problem.
                self._endpoint_error = why
                self._not_run.add(task.task_id)
        return replace(solution, ended="error", detail=why, infra=True)

    def web_gateway(self, current: Callable[[], str]) -> Gateway:
        """A web session's gateway; each call is tallied to the episode being played."""

        def on_call(record: LLMCallRecord) -> None:
            with self._lock:
                self._usage.setdefault(current(), TaskUsage()).add(record)
                self._any_ok = self._any_ok or record.ok

        return sandbox_gateway(self.llm, on_call)

    def finish_episode(self, result: TaskResult) -> TaskResult:
        """An episode whose model calls all failed is an error, as a coding task is."""
        with self._lock:
            usage = self._usage.get(result.task_id, TaskUsage())
            if not usage.calls or usage.errors < usage.calls:
                return result
            why = self._failure(usage)
            if not self._any_ok:
                # Nothing has ever worked: the endpoint, not this episode, is the problem.
                self._endpoint_error = why
                self._not_run.add(result.task_id)
        return replace(result, outcome="error", reason=why, infra=True)

    def _failure(self, usage: TaskUsage) -> str:
        models = self.llm.models
        where = api_base_of(models, "agent") or "the provider's default endpoint"
        last = " ".join(usage.last_error.split())[:300]
        return (
            f"every model call failed ({usage.calls} attempts): agent model {models.agent} at "
            f"{where}: {last}; check that the server is running and reachable, models.api_base, "
            "and the provider's API key variable on the host"
        )
