"""`godelbox replay RUN_DIR NODE --rerun`: do the recorded scores of a lineage reproduce?

Every node from the seed to NODE is checked out of the git code store and evaluated again, in
fresh sandboxes, on exactly the tasks recorded for it (all of its stages, so no stage decision
can differ). The new score is computed the way the loop computes it (resolved / attempted) and
compared with the recorded one, task by task. With the offline proposer and the offline seed
agent an evaluation is deterministic, so every score must reproduce exactly; a difference names
the tasks that flipped, which is how flaky tasks or a changed environment show up.

The rerun only reads the archive; its sandboxes carry the labels `purpose=rerun` and the node id.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console
from rich.text import Text

from godelbox.agent_text import for_terminal
from godelbox.archive.codestore import CodeStore
from godelbox.config import CONFIG_FILE_NAME, Config, StageSection, load_config
from godelbox.errors import UserError
from godelbox.evaluator.benchmark import Benchmark
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import AgentSolver, evaluate_benchmark
from godelbox.evaluator.mixed import MixedBenchmark
from godelbox.evaluator.results import TaskResult
from godelbox.tui.archive_reader import ArchiveReader
from godelbox.tui.score_style import format_score
from godelbox.tui.task_flips import RESOLVED

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


def rerun_lineage(
    reader: ArchiveReader,
    ctx: EvalContext,
    bench: Benchmark,
    node_id: int,
    on_step: Callable[[RerunStep], None] | None = None,
    on_task: Callable[[TaskProgress], None] | None = None,
) -> list[RerunStep]:
    """Re-evaluate every node of the lineage seed → `node_id` on its recorded tasks; `on_task`
    hears of each task as it finishes (a lineage of ten nodes on ten tasks is a hundred
    sandboxes: minutes of silence otherwise)."""
    store = CodeStore(reader.code_dir)
    steps: list[RerunStep] = []
    for step_id in reader.lineage(node_id):
        recorded = reader.task_outcomes(step_id)
        rerun: dict[str, str] = {}
        weighted = None
        if recorded:
            sha = reader.commits([step_id])[step_id]
            with tempfile.TemporaryDirectory(prefix="godelbox-rerun-") as tmp:
                agent_dir = Path(tmp) / "agent"
                store.checkout(sha, agent_dir)
                node_ctx = replace(ctx, labels={**ctx.labels, "node": str(step_id)})
                outcome = evaluate_benchmark(
                    node_ctx,
                    bench,
                    AgentSolver(agent_dir),
                    stages=[StageSection(tasks=None)],
                    task_ids=list(recorded),
                    on_result=_reporter(step_id, len(recorded), on_task),
                )
            rerun = {r.task_id: r.outcome for r in outcome.results.values()}
            if isinstance(bench, MixedBenchmark):
                weighted = bench.score((t, o == RESOLVED) for t, o in rerun.items()).combined
        step = RerunStep(step_id, reader.node(step_id).score, recorded, rerun, weighted)
        steps.append(step)
        if on_step is not None:
            on_step(step)
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
) -> list[RerunStep]:
    """Rerun with the sandbox and benchmark of the run's own config snapshot."""
    from godelbox.evaluator.bench_spec import load_benchmark
    from godelbox.evaluator.context import context_from_config
    from godelbox.sandbox.select import backend_for

    config = load_config(reader.run_dir / CONFIG_FILE_NAME, env={}).config
    _require_offline(config)
    backend = backend_for(config.sandbox)
    labels = {"run": str(reader.run_dir.resolve()), "purpose": "rerun"}
    ctx = context_from_config(config, backend, labels=labels)
    return rerun_lineage(
        reader, ctx, load_benchmark(config.evaluation.bench, ctx), node_id, on_step, on_task
    )


def print_rerun_step(step: RerunStep, console: Console) -> None:
    recorded, rerun = format_score(step.recorded_score), format_score(step.rerun_score)
    head = f"#{step.node_id}: recorded {recorded.strip()}  rerun {rerun.strip()}"
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
    if not differ:
        return f"all {len(steps)} recorded scores reproduce"
    ids = ", ".join(f"#{s.node_id}" for s in differ)
    return f"{len(differ)} of {len(steps)} scores do not reproduce: {ids}"


def _require_offline(config: Config) -> None:
    """Agents of an LLM run need the model gateway, which a rerun does not start."""
    mode = config.proposer.mode
    offline = mode == "operators" or (
        mode == "auto" and not (config.models.diagnose or config.models.implement)
    )
    if not offline:
        raise RerunUnsupportedError(
            "--rerun re-evaluates offline runs only (this run's agents call models, and a "
            "rerun gives them no gateway); replay it without --rerun"
        )
