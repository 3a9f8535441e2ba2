"""Where hostile agents are run: the real evaluator on a built-in task, in real docker, with the
host's memory and scratch disk watched while they do their worst.

`Arena.attempt(agent, task_id)` runs one agent on one task (through the loop's gateway solver
when a model client is given) and returns the task's result with what the host went through:
the peak RSS of this process above its level before (VmHWM, reset first) and the peak bytes
used on the scratch filesystem above its level before. The scratch filesystem is a tmpfs of its
own (every temporary tree of the evaluation lands there), so its `statvfs` is an exact and
cheap high-water mark that nothing else on the machine disturbs.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.builtin import load_builtin
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import AgentSolver, Solver, evaluate_tasks
from godelbox.evaluator.results import TaskResult

AGENTS = Path(__file__).resolve().parent / "agents"
HONEST_TASK = "builtin__backoff-11"
HOSTILE_TASK = "builtin__batcher-15"
MB = 1024 * 1024


@dataclass(frozen=True)
class Footprint:
    rss_mb: float
    """Peak resident memory of this process above its level before the attempt."""
    scratch_mb: float
    """Peak bytes used on the scratch filesystem above its level before the attempt."""
    threads: int
    """Peak number of threads of this process above its count before the attempt."""


class Watch:
    """Samples scratch usage and thread count every few ms; RSS peak from the kernel."""

    def __init__(self, scratch: Path) -> None:
        self._scratch = scratch
        self._stop = threading.Event()
        self._scratch_base = used_bytes(scratch)
        self._threads_base = threading.active_count()
        self._scratch_peak = self._scratch_base
        self._threads_peak = self._threads_base
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        self._rss_base = _status_kb("VmHWM")
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self._scratch_peak = max(self._scratch_peak, used_bytes(self._scratch))
            self._threads_peak = max(self._threads_peak, threading.active_count())

    def stop(self) -> Footprint:
        self._stop.set()
        self._thread.join()
        return Footprint(
            rss_mb=(_status_kb("VmHWM") - self._rss_base) / 1024,
            scratch_mb=(self._scratch_peak - self._scratch_base) / MB,
            threads=self._threads_peak - self._threads_base,
        )


def used_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return (st.f_blocks - st.f_bfree) * st.f_frsize


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


class Arena:
    def __init__(self, ctx: EvalContext, scratch: Path, agents_dir: Path) -> None:
        self.ctx = ctx
        self.scratch = scratch
        self._agents_dir = agents_dir
        self._bench = load_benchmark("builtin:dev", ctx)

    def agent(self, name: str, extra: dict[str, str] | None = None) -> Path:
        """The agent `agents/<name>.py` as an agent directory (its run.py), plus `extra`
        files next to it."""
        folder = self._agents_dir / name
        if not folder.exists():
            folder.mkdir(parents=True)
            shutil.copyfile(AGENTS / f"{name}.py", folder / "run.py")
            for file, text in (extra or {}).items():
                (folder / file).write_text(text, encoding="utf-8")
        return folder

    def honest_agent(self) -> Path:
        [instance] = [t for t in load_builtin("dev") if t.instance_id == HONEST_TASK]
        return self.agent("honest_fix", {"fix.patch": instance.patch})

    def attempt(
        self, agent_dir: Path, task_id: str = HOSTILE_TASK, solver: Solver | None = None
    ) -> tuple[TaskResult, Footprint]:
        [task] = [t for t in self._bench.tasks() if t.task_id == task_id]
        watch = Watch(self.scratch)
        try:
            [result] = evaluate_tasks(
                self.ctx, self._bench, [task], solver or AgentSolver(agent_dir)
            )
        finally:
            footprint = watch.stop()
        return result, footprint

    def honest_still_resolves(self) -> TaskResult:
        """The run goes on: an honest agent after the hostile one is graded as it should be."""
        result, _ = self.attempt(self.honest_agent(), HONEST_TASK)
        return result

    def scratch_left(self) -> list[str]:
        """What is left on the scratch filesystem once the trash has finished."""
        self.ctx.trash.close()
        return sorted(os.listdir(self.scratch))
