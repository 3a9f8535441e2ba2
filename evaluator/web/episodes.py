"""What a MiniWoB++ episode is and what playing one produces, independent of how it is played.

An `Episode` is a task and a seed (plus, for PAE practice, a goal shown instead of the task's
own). An `EpisodeResult` is BrowserGym's episode summary and more: steps, reward and raw reward,
how it ended (terminated / truncated / error), the trajectory and the agent's stderr tail. It
becomes the loop's `TaskResult` with the summary in `episode` and a readable trajectory as its
log (the evidence a proposer diagnoses from).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from godelbox.evaluator.results import Outcome, TaskResult

EpisodeEnd = Literal["terminated", "done", "step_limit", "agent_exit", "timeout", "error"]
"""terminated: MiniWoB ended the episode (the reward is MiniWoB's); done: the agent gave up;
step_limit/agent_exit: the agent ran out of actions / exited; timeout: the episode's time limit
(or a browser that stopped answering); error: a sandbox or the driver failed."""

LOG_ELEMENTS = 25
"""Page elements shown per step in an episode's readable log."""
SEED_RANGE = 2**31
"""Episode seeds are drawn from [0, SEED_RANGE)."""


def episode_seeds(repeats: int, generator_seed: int = 0) -> tuple[int, ...]:
    """`repeats` distinct episode seeds from a fixed generator (BrowserGym's convention): the
    same for every task and every run with the same `generator_seed`."""
    rng = random.Random(f"godelbox-miniwob-seeds:{generator_seed}")
    return tuple(rng.sample(range(SEED_RANGE), repeats))


@dataclass(frozen=True)
class WebSettings:
    step_limit: int = 10
    episode_timeout_s: float = 60.0
    """Wall time per episode (agent + browser); the agent is killed at this limit."""
    screenshots: bool = False
    """Send a PNG per observation to the agent (its path in `screenshot`), and keep a copy
    on the host when the caller gives an artifacts directory (slower)."""
    trajectory_cap: int = 30
    """Steps kept per episode result (the last ones)."""
    startup_s: float = 60.0
    """Allowance for starting the sandboxes and the first browser of a session (≈ 2 s idle)."""
    image: str = ""
    """The browser sandbox's image; empty means `godelbox-web:latest`."""


@dataclass(frozen=True)
class Episode:
    task: str
    seed: int
    goal_override: str | None = None
    """Shown to the agent as the utterance INSTEAD of the environment's own goal (same page,
    same seed; MiniWoB's `fields`, which describe its own goal, are withheld). MiniWoB still
    computes its reward for its own goal, so that reward is no ground truth for this one: a
    PAE proposed goal is graded by the judge."""

    @property
    def episode_id(self) -> str:
        base = f"{self.task}-{self.seed}"
        return base if self.goal_override is None else f"{base}-goal-{goal_digest(self)}"

    @property
    def task_id(self) -> str:
        base = f"miniwob/{self.task}#{self.seed}"
        return base if self.goal_override is None else f"{base}+goal-{goal_digest(self)}"


def goal_digest(episode: Episode) -> str:
    """Tells apart episodes of one page (task, seed) played with different goal overrides."""
    return hashlib.sha256((episode.goal_override or "").encode()).hexdigest()[:12]


@dataclass(frozen=True)
class EpisodeResult:
    task: str
    seed: int
    reward: float
    """MiniWoB's time-decayed reward clipped to [0, 1] (decay relative to the episode limit)."""
    raw_reward: float
    """The task's reward without time decay, clipped to [0, 1]: the ground truth for judges."""
    success: bool
    """raw_reward > 0 (MiniWoB's binary reward for the environment's OWN goal)."""
    steps: int
    ended: EpisodeEnd
    reason: str = ""
    duration_s: float = 0.0
    trajectory: list[dict[str, Any]] = field(default_factory=list)
    """[{"observation": <obs sent to the agent>, "action": <action it answered or None>}, ...]"""
    final_observation: dict[str, Any] | None = None
    """The last observation the agent saw before the episode ended (what a judge reads)."""
    log: str = ""
    """The agent's stderr tail (and, on errors, the harness's reason)."""
    goal_override: str | None = None
    """The goal the agent was shown instead of the environment's (see `Episode`)."""
    env_goal: str = ""
    """The environment's own goal on this page (what `raw_reward` grades)."""

    @property
    def episode(self) -> Episode:
        return Episode(self.task, self.seed, self.goal_override)

    @property
    def task_id(self) -> str:
        return self.episode.task_id

    @property
    def ground_truth(self) -> bool | None:
        """Whether the goal the agent was shown was achieved, where MiniWoB knows: None under a
        goal override (MiniWoB graded a goal the agent never saw) or when the episode errored."""
        if self.goal_override is not None or self.ended == "error":
            return None
        return self.success

    @property
    def outcome(self) -> Outcome:
        """An overridden goal is never `resolved` here: only a judge can grade it."""
        if self.success and self.goal_override is None:
            return "resolved"
        if self.ended in ("timeout", "error"):
            return self.ended
        return "unresolved"

    def summary(self) -> dict[str, Any]:
        """BrowserGym's per-episode summary (n_steps, cum_reward, cum_raw_reward, err_msg,
        terminated, truncated) plus how it ended and the seed."""
        return {
            "task": self.task,
            "seed": self.seed,
            "n_steps": self.steps,
            "cum_reward": self.reward,
            "cum_raw_reward": self.raw_reward,
            "success": self.success,
            "terminated": self.ended == "terminated",
            "truncated": self.ended in ("step_limit", "timeout"),
            "ended": self.ended,
            "err_msg": self.reason if self.ended == "error" else "",
            "env_goal": self.env_goal,
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EpisodeResult:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def to_task_result(self) -> TaskResult:
        """The same outcome in the shape the loop stores for every benchmark."""
        why = f"reward {self.reward:.3f}, raw {self.raw_reward:.3f}; ended: {self.ended}"
        return TaskResult(
            task_id=self.task_id,
            outcome=self.outcome,
            reason=f"{why}; {self.reason}" if self.reason else why,
            duration_s=self.duration_s,
            log=self.readable(),
            episode=self.summary(),
        )

    def readable(self) -> str:
        """The episode as text: the goal, each observation (elements shown as the web agent
        renders them, capped), the action taken and any error, the reward, then the agent's
        stderr. This is what a proposer reads to diagnose a failed episode."""
        lines = [
            f"episode {self.task_id}: ended {self.ended}, reward {self.reward:.3f} "
            f"(raw {self.raw_reward:.3f}), {self.steps} step(s)",
            f"goal: {self.goal_override or self.env_goal}",
        ]
        if self.reason:
            lines.append(f"reason: {self.reason}")
        for step in self.trajectory:
            obs = step.get("observation") or {}
            lines.append(f"-- step {obs.get('step', '?')}: fields {obs.get('fields') or []}")
            if obs.get("error"):
                lines.append(f"   previous action failed: {obs['error']}")
            lines.extend(f"   {line}" for line in element_lines(obs))
            lines.append(f"   action: {json.dumps(step.get('action'))}")
        lines += ["== agent stderr ==", self.log]
        return "\n".join(lines)


def element_lines(obs: dict[str, Any], cap: int = LOG_ELEMENTS) -> list[str]:
    shown = []
    for e in obs.get("elements") or []:
        if e.get("tag") in ("body", "html", "head", "script", "style"):
            continue
        text = str(e.get("text") or "").strip()[:40]
        value = f" value={str(e['value'])[:40]!r}" if e.get("value") else ""
        shown.append(f"[{e.get('ref')}] {e.get('tag')} {text!r}{value}")
        if len(shown) >= cap:
            shown.append("...")
            break
    return shown
