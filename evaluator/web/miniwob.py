"""MiniWoB++ episodes in the web sandbox: the host side of `evaluator.web.contract`.

A batch of episodes runs in ONE fresh sandbox of the web image (one browser start, ≈ 1 s, then
≈ 0.1-0.2 s per scripted episode): the agent directory and the driver are copied in, the driver
runs every episode and prints one nonce-tagged result line each. Episodes a hung browser never
finished are reported as timeouts once the host kills the batch at its time limit. Several
batches run in parallel sandboxes (`workers`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from godelbox.agent_text import cap_text
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import Outcome, TaskResult
from godelbox.evaluator.web import contract
from godelbox.evaluator.web.tasks import parse_tasks
from godelbox.sandbox.base import GATEWAY_SOCKET, ExecResult, Limits, SandboxError
from godelbox.sandbox.image import WEB_RECIPE

DRIVER_SRC = Path(__file__).resolve().parent / "driver"
DRIVER_ARGV = ("python3", f"{contract.DRIVER_DIR}/miniwob_driver.py")
PER_EPISODE_SLACK_S = 6.0
"""Per episode on top of its time limit: browser reset, the agent's exit grace, the reward."""

EpisodeEnd = Literal["terminated", "done", "step_limit", "agent_exit", "timeout", "error"]
"""terminated: MiniWoB ended the episode (the reward is MiniWoB's); done: the agent gave up;
step_limit/agent_exit: the agent ran out of actions / exited; timeout: the episode's (or, for a
hung browser, the batch's) time limit; error: the sandbox or driver failed."""


@dataclass(frozen=True)
class WebSettings:
    step_limit: int = 10
    episode_timeout_s: float = 60.0
    """Wall time per episode (agent + browser); the agent is killed at this limit."""
    screenshots: bool = False
    """Save a PNG per observation in the sandbox and give its path to the agent (slower)."""
    trajectory_cap: int = 30
    """Steps kept per episode result (the last ones)."""
    startup_s: float = 30.0
    """Host allowance per batch for the container and the first browser start (≈ 1.3 s)."""


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
    """The agent's stderr tail (and, on errors, the driver's)."""
    goal_override: str | None = None
    """The goal the agent was shown instead of the environment's (see `Episode`)."""
    env_goal: str = ""
    """The environment's own goal on this page (what `raw_reward` grades)."""

    @property
    def episode(self) -> Episode:
        return Episode(self.task, self.seed, self.goal_override)

    @property
    def task_id(self) -> str:
        base = f"miniwob/{self.task}#{self.seed}"
        return base if self.goal_override is None else f"{base}+goal-{goal_digest(self.episode)}"

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
            log=self.log,
        )


@dataclass(frozen=True)
class MiniWoBBenchmark:
    """Tasks × seeds; `run` plays them with an agent directory in web sandboxes."""

    tasks: tuple[str, ...]
    seeds: tuple[int, ...] = (0,)
    settings: WebSettings = field(default_factory=WebSettings)
    name: str = "miniwob"

    def episodes(self) -> list[Episode]:
        return [Episode(t, s) for t in self.tasks for s in self.seeds]

    def run(
        self,
        ctx: EvalContext,
        agent_dir: Path,
        episodes: Sequence[Episode] | None = None,
        *,
        image: str | None = None,
        workers: int = 1,
        artifacts: Path | None = None,
    ) -> list[EpisodeResult]:
        """One result per episode, in order; `workers` sandboxes run in parallel. With
        `settings.screenshots`, the PNGs are copied to `artifacts/<episode id>/` when given."""
        todo = list(self.episodes() if episodes is None else episodes)
        if not todo:
            return []
        grouped = by_task(todo)
        size = -(-len(grouped) // max(1, workers))
        batches = [grouped[i : i + size] for i in range(0, len(grouped), size)]
        with ThreadPoolExecutor(max_workers=max(1, len(batches))) as pool:
            done = pool.map(
                lambda batch: run_episodes(
                    ctx, agent_dir, batch, self.settings, image=image, artifacts=artifacts
                ),
                batches,
            )
            by_episode = {r.episode.episode_id: r for results in done for r in results}
        return [by_episode[e.episode_id] for e in todo]


def miniwob_benchmark(
    spec: str, seeds: Sequence[int] = (0,), settings: WebSettings | None = None
) -> MiniWoBBenchmark:
    """From the argument of a `miniwob:TASKS` spec: task and subset names, comma-separated."""
    return MiniWoBBenchmark(tuple(parse_tasks(spec)), tuple(seeds), settings or WebSettings())


def by_task(episodes: Sequence[Episode]) -> list[Episode]:
    """Episodes of one task next to each other (tasks in first-seen order): the driver keeps a
    task's browser across its episodes and starts a new one only when the task changes."""
    first = {e.task: i for i, e in reversed(list(enumerate(episodes)))}
    return sorted(episodes, key=lambda e: first[e.task])


def web_limits(limits: Limits) -> Limits:
    """Chromium needs ≥ 256 pids (one browser uses ~125) and ≥ 300 MB; 1 GB leaves headroom."""
    return replace(
        limits,
        memory_mb=max(limits.memory_mb, 1024),
        pids=max(limits.pids, 256),
        tmp_mb=max(limits.tmp_mb, 256),
    )


def batch_timeout_s(n_episodes: int, settings: WebSettings) -> float:
    return settings.startup_s + n_episodes * (settings.episode_timeout_s + PER_EPISODE_SLACK_S)


def run_episodes(
    ctx: EvalContext,
    agent_dir: Path,
    episodes: Sequence[Episode],
    settings: WebSettings = WebSettings(),
    *,
    image: str | None = None,
    artifacts: Path | None = None,
) -> list[EpisodeResult]:
    """Play `episodes` (grouped by task) in one fresh web sandbox; one result per episode, in
    the order given. With `settings.screenshots` and `artifacts`, the screenshots are copied to
    `artifacts/<episode id>/step-<n>.png` and the results point there (the sandbox is gone)."""
    nonce = secrets.token_hex(16)
    config = driver_config(nonce, by_task(episodes), settings, ctx)
    gateway = ctx.gateway_socket is not None
    spec = replace(
        ctx.spec(image or WEB_RECIPE.latest, gateway=gateway), limits=web_limits(ctx.limits)
    )
    started = time.monotonic()
    try:
        with ctx.backend.start(spec) as box:
            box.copy_in(agent_dir, contract.AGENT_DIR)
            box.copy_in(DRIVER_SRC, contract.DRIVER_DIR)
            result = box.run(
                list(DRIVER_ARGV),
                batch_timeout_s(len(episodes), settings),
                workdir=contract.DRIVER_DIR,
                env={"HOME": "/tmp", "TMPDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"},
                stdin=json.dumps(config).encode(),
            )
            if settings.screenshots and artifacts is not None:
                # Best effort: a killed batch may have left none.
                with contextlib.suppress(SandboxError, OSError):
                    box.copy_out(contract.EPISODES_DIR, artifacts)
    except SandboxError as err:
        took = time.monotonic() - started
        return [_missing(e, "error", f"sandbox error: {err}", took) for e in episodes]
    results = collect(nonce, episodes, result, ctx.log_cap_bytes)
    if settings.screenshots and artifacts is not None:
        results = [_relocate_screenshots(r, artifacts) for r in results]
    return results


def _relocate_screenshots(result: EpisodeResult, artifacts: Path) -> EpisodeResult:
    """Point screenshot paths at the host copies (None where no copy exists)."""

    def moved(obs: dict[str, Any] | None) -> dict[str, Any] | None:
        if not obs or not obs.get("screenshot"):
            return obs
        rel = PurePosixPath(obs["screenshot"]).relative_to(contract.EPISODES_DIR)
        host = artifacts / rel
        return {**obs, "screenshot": str(host) if host.is_file() else None}

    steps = [{**s, "observation": moved(s.get("observation"))} for s in result.trajectory]
    return replace(result, trajectory=steps, final_observation=moved(result.final_observation))


def driver_config(
    nonce: str, episodes: Sequence[Episode], settings: WebSettings, ctx: EvalContext
) -> dict[str, Any]:
    agent_env = {
        contract.ENV_TIME_BUDGET: str(int(settings.episode_timeout_s)),
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "LANG": "C.UTF-8",
    }
    if ctx.gateway_socket is not None:
        agent_env[contract.ENV_LLM_SOCKET] = GATEWAY_SOCKET
        agent_env[contract.ENV_LLM_MODEL] = ctx.llm_model
        agent_env[contract.ENV_LLM_TOKEN] = ctx.gateway_token
    return {
        "nonce": nonce,
        "episodes": [_driver_episode(e) for e in episodes],
        "step_limit": settings.step_limit,
        "episode_timeout_s": settings.episode_timeout_s,
        "screenshots": settings.screenshots,
        "trajectory_cap": settings.trajectory_cap,
        # The driver appends `--log-dir LOG_DIR/<id>`.
        "agent_argv": list(contract.web_entrypoint("x")[:-2]),
        "agent_dir": contract.AGENT_DIR,
        "agent_env": agent_env,
        "log_dir": contract.LOG_DIR,
        "episodes_dir": contract.EPISODES_DIR,
    }


def _driver_episode(episode: Episode) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": episode.episode_id, "task": episode.task, "seed": episode.seed}
    if episode.goal_override is not None:
        entry["goal_override"] = episode.goal_override
    return entry


def collect(
    nonce: str, episodes: Sequence[Episode], result: ExecResult, log_cap: int
) -> list[EpisodeResult]:
    """Results from the driver's nonce-tagged lines; episodes without one failed as a whole."""
    found: dict[str, EpisodeResult] = {}
    prefix = nonce + " "
    for line in result.stdout.splitlines():
        if not line.startswith(prefix):
            continue
        try:
            data = json.loads(line[len(prefix) :])
            found[data["id"]] = _from_driver(data, log_cap)
        except (ValueError, KeyError, TypeError):
            continue
    ended: EpisodeEnd = "timeout" if result.ended == "timeout" else "error"
    why = (
        "the batch passed its time limit (hung browser or agent) and was killed"
        if ended == "timeout"
        else f"the driver ended ({result.ended}, exit {result.exit_code}) before this episode"
    )
    detail = cap_text(f"{why}\n== driver stderr ==\n{result.stderr}", log_cap)
    # The episode (and its goal override) is the host's own, never read back from the driver.
    return [
        replace(found[e.episode_id], goal_override=e.goal_override)
        if e.episode_id in found
        else _missing(e, ended, why, result.duration_s, detail)
        for e in episodes
    ]


def _from_driver(data: dict[str, Any], log_cap: int) -> EpisodeResult:
    raw = float(data["raw_reward"])
    return EpisodeResult(
        task=str(data["task"]),
        seed=int(data["seed"]),
        reward=float(data["reward"]),
        raw_reward=raw,
        success=raw > 0,
        steps=int(data["steps"]),
        ended=data["ended"],
        reason=str(data.get("reason") or ""),
        duration_s=float(data.get("duration_s") or 0.0),
        trajectory=list(data.get("trajectory") or []),
        final_observation=data.get("final_observation"),
        log=cap_text(str(data.get("agent_stderr") or ""), log_cap),
        env_goal=str(data.get("env_goal") or ""),
    )


def _missing(
    episode: Episode, ended: EpisodeEnd, why: str, duration_s: float, log: str = ""
) -> EpisodeResult:
    return EpisodeResult(
        task=episode.task,
        seed=episode.seed,
        reward=0.0,
        raw_reward=0.0,
        success=False,
        steps=0,
        ended=ended,
        reason=why,
        duration_s=round(duration_s, 3),
        log=log or why,
        goal_override=episode.goal_override,
    )
