"""MiniWoB++ as a benchmark of the loop and of `godelbox eval`: episodes played in web sessions.

A `MiniWoBBenchmark` is tasks × seeds. Its "tasks" (in the sense of `evaluator.benchmark`) are
episodes, ordered repeat by repeat (every task with its first seed, then every task with its
second, ...), so the first stage of a staged evaluation samples many tasks, not many seeds of
one. Episodes are played, not patched and graded: `players` opens up to `workers` web sessions
(each a browser sandbox and an agent sandbox, kept warm across the episodes it plays) and
returns the unit evaluator `run_staged` calls; results stream out one episode at a time.

Seeds follow BrowserGym's convention: `repeats` episodes per task (5 by default), seeds drawn
from a fixed generator (`episode_seeds`), success = raw reward > 0.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from godelbox.errors import UserError
from godelbox.evaluator.benchmark import GradeItem
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import Grade, TaskResult
from godelbox.evaluator.web.episodes import Episode, EpisodeResult, WebSettings
from godelbox.evaluator.web.session import WebSession
from godelbox.evaluator.web.tasks import parse_tasks


class NotPlayableError(UserError):
    """Something asked of a web benchmark that only coding benchmarks have (an oracle, a
    workspace, a grader)."""


@dataclass(frozen=True)
class EpisodeTask:
    """One episode as a task of the `Benchmark` protocol (what the loop lists and stages)."""

    episode: Episode

    @property
    def task_id(self) -> str:
        return self.episode.task_id

    @property
    def image(self) -> str | None:
        return None

    def problem(self) -> str:
        return (
            f"MiniWoB++ web task {self.episode.task} (episode seed {self.episode.seed}); the "
            "goal is the utterance of the page's first observation"
        )

    def materialize(self, dest: Path) -> None:
        raise NotPlayableError("a MiniWoB episode has no workspace: it is played in a browser")

    def oracle_patch(self) -> str:
        raise NotPlayableError(
            "MiniWoB has no reference solutions: evaluate an agent (e.g. agents/webrules)"
        )


class WebPlayer(Protocol):
    """What a solver offers to play web episodes (AgentSolver, the loop's gateway solver, the
    CLI's metered solver)."""

    agent_dir: Path

    def web_gateway(self, current: Callable[[], str]) -> AbstractContextManager[Any]:
        """A gateway (`sandbox.gateway.Gateway`) for one web session, or None without models;
        `current()` names the episode being played, so calls can be attributed to it."""

    def finish_episode(self, result: TaskResult) -> TaskResult:
        """The episode's result as the solver reports it (e.g. an error when every model call
        of the episode failed)."""


@dataclass(frozen=True)
class MiniWoBBenchmark:
    """Tasks × seeds; episodes are played in web sessions (see the module docstring)."""

    names: tuple[str, ...]
    seeds: tuple[int, ...] = (0,)
    settings: WebSettings = field(default_factory=WebSettings)
    name: str = "miniwob"
    batch_size: int = 1
    """Episodes per unit of the staged evaluator: one, so results stream out as they end (the
    sessions, not the units, keep the browser warm)."""
    max_tries: int = 1

    def episodes(self) -> list[Episode]:
        return [Episode(task, seed) for seed in self.seeds for task in self.names]

    def tasks(self) -> list[EpisodeTask]:
        return [EpisodeTask(e) for e in self.episodes()]

    def grade(self, ctx: EvalContext, items: Sequence[GradeItem]) -> list[Grade]:
        raise NotPlayableError("MiniWoB episodes are rewarded by MiniWoB, not graded")

    def retry_problem(self, task: Any, grade: Grade) -> str | None:
        return None

    @contextlib.contextmanager
    def players(
        self, ctx: EvalContext, solver: Any, workers: int
    ) -> Iterator[Callable[[list[str]], list[TaskResult]]]:
        """The unit evaluator for `run_staged`: each unit borrows one of up to `workers` web
        sessions of `solver`'s agent, opened on first use and closed when the block ends."""
        player = _as_player(solver)
        by_id = {task.task_id: task.episode for task in self.tasks()}
        with _SessionPool(ctx, player, self.settings, workers) as pool:

            def evaluate_unit(ids: list[str]) -> list[TaskResult]:
                with pool.session() as session:
                    return [
                        player.finish_episode(session.play(by_id[i]).to_task_result()) for i in ids
                    ]

            yield evaluate_unit

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
        """Play `episodes` (default: all) with the agent at `agent_dir`, in `workers` sessions
        in parallel; one result per episode, in order. The gateway, if any, is the one already
        in `ctx` (PAE's)."""
        todo = list(self.episodes() if episodes is None else episodes)
        if not todo:
            return []
        grouped = by_task(todo)
        size = -(-len(grouped) // max(1, workers))
        batches = [grouped[i : i + size] for i in range(0, len(grouped), size)]
        settings = replace(self.settings, image=image or self.settings.image)
        with ThreadPoolExecutor(max_workers=len(batches)) as pool:
            done = pool.map(
                lambda batch: run_episodes(ctx, agent_dir, batch, settings, artifacts=artifacts),
                batches,
            )
            found = {r.episode.episode_id: r for results in done for r in results}
        return [found[e.episode_id] for e in todo]


def by_task(episodes: Sequence[Episode]) -> list[Episode]:
    """Episodes of one task next to each other (tasks in first-seen order): the same page
    stays loaded between them."""
    first = {e.task: i for i, e in reversed(list(enumerate(episodes)))}
    return sorted(episodes, key=lambda e: first[e.task])


def run_episodes(
    ctx: EvalContext,
    agent_dir: Path,
    episodes: Sequence[Episode],
    settings: WebSettings | None = None,
    *,
    image: str | None = None,
    artifacts: Path | None = None,
) -> list[EpisodeResult]:
    """Play `episodes` in order in one web session (one browser sandbox, one agent sandbox);
    the gateway, if any, is `ctx.gateway_socket`. With `settings.screenshots` and
    `artifacts`, screenshots are kept as `artifacts/<episode id>/step-<n>.png`."""
    with WebSession(
        ctx,
        agent_dir,
        settings or WebSettings(),
        image=image,
        gateway_socket=ctx.gateway_socket,
        gateway_token=ctx.gateway_token,
        artifacts=artifacts,
    ) as session:
        return [session.play(episode) for episode in episodes]


def miniwob_benchmark(
    spec: str, seeds: Sequence[int] = (0,), settings: WebSettings | None = None
) -> MiniWoBBenchmark:
    """From the argument of a `miniwob:TASKS` spec: task and subset names, comma-separated."""
    return MiniWoBBenchmark(tuple(parse_tasks(spec)), tuple(seeds), settings or WebSettings())


def _as_player(solver: Any) -> WebPlayer:
    if not hasattr(solver, "web_gateway"):
        raise NotPlayableError(
            f"the {getattr(solver, 'name', 'given')} solver cannot play web episodes: MiniWoB has "
            "no reference solutions; evaluate an agent directory"
        )
    return solver


class _SessionPool:
    """Up to `size` web sessions of one agent, each with its own gateway (when the agent
    calls models), lent to one unit at a time."""

    def __init__(self, ctx: EvalContext, player: WebPlayer, settings: WebSettings, size: int):
        self._ctx = ctx
        self._player = player
        self._settings = settings
        self._size = max(1, size)
        self._idle: queue.Queue[WebSession] = queue.Queue()
        self._made = 0
        self._stack = contextlib.ExitStack()
        self._lock = threading.Lock()

    def __enter__(self) -> _SessionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @contextlib.contextmanager
    def session(self) -> Iterator[WebSession]:
        session = self._take()
        try:
            yield session
        finally:
            self._idle.put(session)

    def _take(self) -> WebSession:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._made >= self._size:
                make = False
            else:
                self._made += 1
                make = True
        if not make:
            return self._idle.get()
        return self._new()

    def _new(self) -> WebSession:
        current = [""]
        with self._lock:
            gateway = self._stack.enter_context(self._player.web_gateway(lambda: current[0]))
        allowance = _Allowance(gateway)

        def on_episode(task_id: str) -> None:
            current[0] = task_id
            allowance.renew()

        session = WebSession(
            self._ctx,
            self._player.agent_dir,
            self._settings,
            gateway_socket=None if gateway is None else gateway.socket_path,
            gateway_token="" if gateway is None else gateway.token,
            on_episode=on_episode,
        )
        with self._lock:
            self._stack.callback(session.close)
        return session


class _Allowance:
    """Each episode gets the gateway's per-sandbox budget afresh (an episode is the unit, as a
    coding task is): before every episode the limits are set to what the session has spent so
    far plus one allowance."""

    def __init__(self, gateway: Any) -> None:
        self._gateway = gateway
        self._usd = None if gateway is None else gateway.budget_usd
        self._tokens = None if gateway is None else gateway.budget_tokens

    def renew(self) -> None:
        if self._gateway is None:
            return
        self._gateway.budget_usd = self._gateway.spent_usd + self._usd
        self._gateway.budget_tokens = self._gateway.spent_tokens + self._tokens
