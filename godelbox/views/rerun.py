"""`godelbox replay RUN_DIR NODE --rerun`: do the recorded scores of a lineage reproduce?

Every node from the seed to NODE is checked out of the git code store and evaluated again, in
fresh sandboxes, on exactly the tasks recorded for it (all of its stages, so no stage decision
can differ). The new score is computed the way the loop computes it (resolved / attempted) and
compared with the recorded one, task by task. With the offline proposer and the offline seed
agent an evaluation is deterministic, so every score must reproduce exactly; a difference names
the tasks that flipped, which is how flaky tasks or a changed environment show up.

Runs whose agents call models are replayed from their recordings (docs/replay.md): each task's
sandbox gets a playback gateway that answers the agent's calls with the recorded completions,
so the agent code runs for real and no model is called. A request that differs from the recorded
one is a divergence, reported with its node, task, call number and a diff; the replay then stops
(`stop`) or lets that sandbox call the live model from there on (`live`, with the gateway's
per-sandbox budget and `llm.run_budget_usd`).

The rerun only reads the archive; its sandboxes carry the labels `purpose=rerun` and the node id.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from rich.console import Console
from rich.text import Text

from godelbox.agent_text import cap_text, for_terminal
from godelbox.archive.codestore import CodeStore
from godelbox.archive.recordings import TapeReader
from godelbox.config import CONFIG_FILE_NAME, Config, StageSection, load_config
from godelbox.errors import UserError
from godelbox.evaluator.benchmark import Benchmark, Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import (
    AgentSolver,
    Solver,
    evaluate_benchmark,
)
from godelbox.evaluator.mixed import MixedBenchmark
from godelbox.evaluator.results import Solution, TaskResult
from godelbox.evaluator.runner import run_agent
from godelbox.llm.client import LLMClient
from godelbox.llm.playback import Divergence, Match, OnDivergence, Playback, PlaybackGateway
from godelbox.llm.recording import PURPOSE_TASK, StoredTape
from godelbox.views.reader import ArchiveReader
from godelbox.views.score_style import format_score
from godelbox.views.task_flips import RESOLVED

EXACT = 1e-9


class RerunUnsupportedError(UserError):
    """The run's configuration cannot be re-evaluated by `--rerun`."""


@dataclass(frozen=True)
class RerunStep:
    node_id: int
    recorded_score: float | None
    recorded: dict[str, str]
    """Task id -> outcome stored in the archive."""
    rerun: dict[str, str]
    """Task id -> outcome of the new evaluation (same tasks)."""
    weighted: float | None = None
    """The new score as the loop computes it for a mixed benchmark (weighted by part); None
    means the plain resolve rate."""
    divergences: tuple[Divergence, ...] = ()
    """Sandboxes whose agent asked something other than the recording (LLM runs)."""
    answered: int = 0
    """Calls answered from the recording (LLM runs)."""
    live_calls: int = 0
    """Calls sent to the live model after a divergence (`--on-divergence live`)."""

    @property
    def rerun_score(self) -> float | None:
        if not self.rerun:
            return None
        if self.weighted is not None:
            return self.weighted
        return sum(o == RESOLVED for o in self.rerun.values()) / len(self.rerun)

    @property
    def difference(self) -> float | None:
        if self.recorded_score is None or self.rerun_score is None:
            return None
        return self.rerun_score - self.recorded_score

    @property
    def flipped(self) -> tuple[str, ...]:
        """Tasks whose resolved state differs between the record and the rerun."""
        return tuple(
            t
            for t in self.recorded
            if (self.recorded[t] == RESOLVED) != (self.rerun.get(t) == RESOLVED)
        )

    @property
    def reproduced(self) -> bool:
        diff = self.difference
        return not self.flipped and (diff is None or abs(diff) < EXACT)


@dataclass(frozen=True)
class TaskProgress:
    """One rerun task finished: which node, which task, how it ended, how far the node is."""

    node_id: int
    task_id: str
    outcome: str
    done: int
    total: int


@dataclass
class PlaybackSolver:
    """Runs an agent with a playback gateway per task sandbox (see the module docstring)."""

    agent_dir: Path
    tapes: dict[str, list[StoredTape]]
    """Task id -> its recorded sandboxes not yet replayed, in recording order."""
    llm: LLMClient
    """The run's models: the window and answer cap the agent is told, and (`live`) the model
    called after a divergence. In `stop` mode nothing is ever sent to it."""
    match: Match = "normalized"
    on_divergence: OnDivergence = "stop"
    divergences: list[Divergence] = field(default_factory=list)
    answered: int = 0
    live_calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def solve(self, ctx: EvalContext, task: Task, workspace: Path, problem: str) -> Solution:
        from godelbox.llm.fit import model_limits
        from godelbox.llm.gateway import Gateway

        section = self.llm.llm
        live = None
        if self.on_divergence == "live":
            live = Gateway(
                self.llm,
                on_call=lambda _record: None,
                budget_usd=section.sandbox_budget_usd,
                budget_tokens=section.sandbox_budget_tokens,
                roles=("agent",),
            ).handle
        with self._lock:
            tapes = self.tapes.setdefault(task.task_id, [])
        playback = Playback(
            task.task_id, tapes, match=self.match, on_divergence=self.on_divergence, live=live
        )
        try:
            with PlaybackGateway(playback) as gateway:
                task_ctx = replace(
                    ctx,
                    gateway_socket=gateway.socket_path,
                    gateway_token=gateway.token,
                    **model_limits(self.llm, "agent"),
                )
                return run_agent(task_ctx, self.agent_dir, workspace, problem, image=task.image)
        finally:
            divergence = playback.finish()
            with self._lock:
                self.answered += playback.answered
                self.live_calls += playback.live_calls
                if divergence is not None:
                    self.divergences.append(divergence)


@dataclass(frozen=True)
class Playing:
    """How an LLM run is replayed: its recordings, its models, and what a divergence does."""

    tapes: TapeReader
    llm: LLMClient
    match: Match = "normalized"
    on_divergence: OnDivergence = "stop"

    def solver(self, node_id: int, agent_dir: Path) -> PlaybackSolver:
        tapes: dict[str, list[StoredTape]] = {}
        for tape in self.tapes.tapes(node_id, purpose=PURPOSE_TASK):
            tapes.setdefault(tape.task_id, []).append(tape)
        return PlaybackSolver(
            agent_dir, tapes, self.llm, match=self.match, on_divergence=self.on_divergence
        )


def rerun_lineage(
    reader: ArchiveReader,
    ctx: EvalContext,
    bench: Benchmark,
    node_id: int,
    on_step: Callable[[RerunStep], None] | None = None,
    on_task: Callable[[TaskProgress], None] | None = None,
    *,
    playing: Playing | None = None,
    agent_override: Path | None = None,
) -> list[RerunStep]:
    """Re-evaluate every node of the lineage seed → `node_id` on its recorded tasks; with
    `playing`, from the recorded exchanges (stopping after the first node that diverged when
    divergences stop the replay). `agent_override` replaces `node_id`'s own code. `on_task`
    hears of each task as it finishes (a lineage of ten nodes on ten tasks is a hundred
    sandboxes: minutes of silence otherwise)."""
    store = CodeStore(reader.code_dir)
    steps: list[RerunStep] = []
    for step_id in reader.lineage(node_id):
        recorded = reader.task_outcomes(step_id)
        rerun: dict[str, str] = {}
        weighted = None
        played: PlaybackSolver | None = None
        if recorded:
            sha = reader.commits([step_id])[step_id]
            with tempfile.TemporaryDirectory(prefix="godelbox-rerun-") as tmp:
                agent_dir = Path(tmp) / "agent"
                if agent_override is not None and step_id == node_id:
                    agent_dir = agent_override
                else:
                    store.checkout(sha, agent_dir)
                solver: Solver = AgentSolver(agent_dir)
                if playing is not None:
                    solver = played = playing.solver(step_id, agent_dir)
                node_ctx = replace(ctx, labels={**ctx.labels, "node": str(step_id)})
                outcome = evaluate_benchmark(
                    node_ctx,
                    bench,
                    solver,
                    stages=[StageSection(tasks=None)],
                    task_ids=list(recorded),
                    on_result=_reporter(step_id, len(recorded), on_task),
                )
            rerun = {r.task_id: r.outcome for r in outcome.results.values()}
            if isinstance(bench, MixedBenchmark):
                weighted = bench.score((t, o == RESOLVED) for t, o in rerun.items()).combined
        step = RerunStep(
            step_id,
            reader.node(step_id).score,
            recorded,
            rerun,
            weighted,
            divergences=tuple(sorted(played.divergences, key=lambda d: (d.task_id, d.call)))
            if played
            else (),
            answered=played.answered if played else 0,
            live_calls=played.live_calls if played else 0,
        )
        steps.append(step)
        if on_step is not None:
            on_step(step)
        if step.divergences and playing is not None and playing.on_divergence == "stop":
            break
    return steps


def _reporter(
    node_id: int, total: int, on_task: Callable[[TaskProgress], None] | None
) -> Callable[[TaskResult], None] | None:
    """`on_task` fed from each finished task of one node, counting them."""
    if on_task is None:
        return None
    finished: list[str] = []

    def report(result: TaskResult) -> None:
        finished.append(result.task_id)
        on_task(TaskProgress(node_id, result.task_id, result.outcome, len(finished), total))

    return report


def rerun_from_snapshot(
    reader: ArchiveReader,
    node_id: int,
    on_step: Callable[[RerunStep], None] | None = None,
    on_task: Callable[[TaskProgress], None] | None = None,
    *,
    match: Match = "normalized",
    on_divergence: OnDivergence = "stop",
    agent_override: Path | None = None,
) -> list[RerunStep]:
    """Rerun with the sandbox and benchmark of the run's own config snapshot; an LLM run is
    replayed from its recordings."""
    from godelbox.evaluator.bench_spec import load_benchmark
    from godelbox.evaluator.context import context_from_config
    from godelbox.sandbox.select import backend_for

    config = load_config(reader.run_dir / CONFIG_FILE_NAME, env={}).config
    playing = None if _offline(config) else _playing(reader, config, match, on_divergence)
    backend = backend_for(config.sandbox)
    labels = {"run": str(reader.run_dir.resolve()), "purpose": "rerun"}
    ctx = context_from_config(config, backend, labels=labels)
    return rerun_lineage(
        reader,
        ctx,
        load_benchmark(config.evaluation.bench, ctx),
        node_id,
        on_step,
        on_task,
        playing=playing,
        agent_override=agent_override,
    )


def _playing(
    reader: ArchiveReader, config: Config, match: Match, on_divergence: OnDivergence
) -> Playing:
    from godelbox.loop.solvers import run_llm_client

    tapes = TapeReader(reader.engine)
    if not tapes.has_recordings():
        raise RerunUnsupportedError(
            "this run's agents call models and it holds no recorded exchanges (recorded since "
            "archive v6 when llm.record_exchanges is on); replay it without --rerun"
        )
    return Playing(tapes, run_llm_client(config), match, on_divergence)


def print_rerun_step(step: RerunStep, console: Console) -> None:
    recorded, rerun = format_score(step.recorded_score), format_score(step.rerun_score)
    head = f"#{step.node_id}: recorded {recorded.strip()}  rerun {rerun.strip()}"
    if step.answered or step.divergences:
        head += f"  ({step.answered} calls from the recording"
        head += f", {step.live_calls} live)" if step.live_calls else ")"
    if not step.recorded:
        console.print(f"{head}  (no recorded tasks: nothing to rerun)", soft_wrap=True)
    elif step.reproduced:
        console.print(f"{head}  reproduced ({len(step.recorded)} tasks)", soft_wrap=True)
    else:
        flips = ", ".join(
            f"{t} {step.recorded[t]}->{step.rerun.get(t, 'missing')}" for t in step.flipped
        )
        console.print(
            f"{head}  DIFFERS by {step.difference:+.3f}: {flips}",
            soft_wrap=True,
            style="bold red",
        )
    for divergence in step.divergences:
        print_divergence(step.node_id, divergence, console)


DIVERGENCE_CHARS = 12_000
"""The diff printed per divergence (the request text is the agent's: bounded and escaped)."""


def print_divergence(node_id: int, divergence: Divergence, console: Console) -> None:
    task = for_terminal(divergence.task_id)
    console.print(
        f"  DIVERGED at node #{node_id}, task {task}, call {divergence.call}: "
        f"{for_terminal(divergence.reason)}",
        soft_wrap=True,
        style="bold yellow",
        markup=False,
    )
    diff = for_terminal(cap_text(divergence.diff, DIVERGENCE_CHARS))
    for line in diff.splitlines():
        console.print(f"    {line}", soft_wrap=True, markup=False, highlight=False)


def print_task_progress(progress: TaskProgress, console: Console) -> None:
    console.print(
        Text(
            f"   #{progress.node_id} {progress.done}/{progress.total} "
            f"{for_terminal(progress.task_id)}: {progress.outcome}",
            style="dim",
        ),
        soft_wrap=True,
    )


def summary(steps: list[RerunStep]) -> str:
    differ = [s for s in steps if s.recorded and not s.reproduced]
    diverged = [s for s in steps if s.divergences]
    parts = []
    if not differ:
        parts.append(f"all {len(steps)} recorded scores reproduce")
    else:
        ids = ", ".join(f"#{s.node_id}" for s in differ)
        parts.append(f"{len(differ)} of {len(steps)} scores do not reproduce: {ids}")
    if diverged:
        first = diverged[0]
        d = first.divergences[0]
        parts.append(
            f"first divergence: node #{first.node_id}, task {for_terminal(d.task_id)}, "
            f"call {d.call}"
        )
    return "; ".join(parts)


def _offline(config: Config) -> bool:
    """Whether the run's agents work without a model (then no recording is needed)."""
    mode = config.proposer.mode
    return mode == "operators" or (
        mode == "auto" and not (config.models.diagnose or config.models.implement)
    )
