"""Everything an evaluation needs from its surroundings, passed explicitly (no globals).

The loop, the CLI and the tests each build one `EvalContext` from the configuration; adapters,
the runner and the grader read their sandbox settings and time limits from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from godelbox.config import Config
from godelbox.evaluator.web.episodes import WebSettings, episode_seeds
from godelbox.sandbox.base import Backend, Limits, SandboxSpec
from godelbox.sandbox.select import limits_for
from godelbox.trash import Trash

if TYPE_CHECKING:
    from godelbox.evaluator.pristine import PristineCache


@dataclass(frozen=True)
class EvalContext:
    backend: Backend
    image: str
    limits: Limits = field(default_factory=Limits)
    labels: Mapping[str, str] = field(default_factory=dict)
    task_timeout_s: float = 300.0
    """Time the agent gets per attempt; it is killed at this limit."""
    grade_timeout_s: float = 300.0
    """Time the hidden tests get."""
    log_cap_bytes: int = 200_000
    """How much of an agent's log is kept per task (head and tail)."""
    tries: int = 2
    """Attempts for benchmarks that feed failures back (Polyglot); others use one."""
    gateway_socket: Path | None = None
    gateway_token: str = ""
    """The secret the agent sends with every gateway request (see `Gateway.token`)."""
    llm_model: str = "agent"
    llm_context_window: int | None = None
    """Tokens the agent's model takes, told to the agent so it keeps its history within it."""
    llm_max_tokens: int | None = None
    """The answer cap the agent should ask for."""
    attempt_seed: int = 0
    """Given to the agent (`contract.ENV_ATTEMPT_SEED`); part of the evaluation cache's key."""
    trash: Trash = field(default_factory=Trash)
    """Deletes the evaluation's scratch trees in the background (shared by `replace` copies)."""
    pristine: PristineCache | None = None
    """Where tasks' pristine workspaces are kept between evaluations (a daemon sets one);
    without it every evaluation lays out its own."""
    web: WebSettings = field(default_factory=WebSettings)
    """How web episodes are played (step limit, time limit, browser image)."""
    web_seeds: tuple[int, ...] = (0,)
    """Episode seeds of every web task (`web.repeats` drawn from `web.seed`)."""

    def spec(self, image: str | None = None, *, gateway: bool = False) -> SandboxSpec:
        return SandboxSpec(
            image=image or self.image,
            limits=self.limits,
            labels=dict(self.labels),
            gateway_socket=self.gateway_socket if gateway else None,
        )


def context_from_config(
    config: Config,
    backend: Backend,
    *,
    labels: Mapping[str, str] | None = None,
    gateway_socket: Path | None = None,
) -> EvalContext:
    sandbox = config.sandbox
    return EvalContext(
        backend=backend,
        image=sandbox.image,
        limits=limits_for(sandbox),
        labels=dict(labels or {}),
        task_timeout_s=config.evaluation.task_timeout_s,
        grade_timeout_s=config.evaluation.task_timeout_s,
        tries=config.evaluation.polyglot_tries,
        gateway_socket=gateway_socket,
        web=WebSettings(
            step_limit=config.web.step_limit,
            episode_timeout_s=config.web.episode_timeout_s,
            screenshots=config.web.screenshots,
            image=config.web.image,
        ),
        web_seeds=episode_seeds(config.web.repeats, config.web.seed),
        attempt_seed=config.evaluation.attempt_seed,
    )
