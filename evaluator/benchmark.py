"""What every benchmark adapter provides to the evaluator.

A `Task` can lay out its workspace (a clean git repository at the base commit), state its
problem and produce its reference answer. A `Benchmark` lists its tasks in a fixed order and
grades answers inside sandboxes; it may grade several trusted answers in one sandbox
(`batch_size`) and may offer a second try with the failure fed back (`retry_problem`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import Grade, Solution


class Task(Protocol):
    @property
    def task_id(self) -> str: ...

    @property
    def image(self) -> str | None:
        """A task-specific sandbox image (prebuilt SWE-bench images), else None."""

    def problem(self) -> str: ...

    def materialize(self, dest: Path) -> None:
        """Create `dest` as a git repository at the base commit with a clean tree."""

    def oracle_patch(self) -> str:
        """The reference answer as a unified diff against the workspace."""


def hidden_tests(task: Task) -> str:
    """The task's hidden tests as text, for the diagnosis model only (DGM shows its diagnoser
    the test patch; the agent never sees it). Adapters that keep tests as text offer a
    `hidden_tests()` method; the others have nothing to show."""
    method = getattr(task, "hidden_tests", None)
    return str(method()) if callable(method) else ""


@dataclass(frozen=True)
class GradeItem:
    task: Task
    workspace: Path
    """The pristine workspace (never touched by an agent)."""
    solution: Solution


class Benchmark(Protocol):
    name: str
    batch_size: int
    """How many trusted answers (oracle or empty) one grading sandbox may take."""
    max_tries: int
    """Attempts per task when failures are fed back; 1 for most benchmarks."""

    def tasks(self) -> list[Task]: ...

    def grade(self, ctx: EvalContext, items: Sequence[GradeItem]) -> list[Grade]:
        """One grade per item, in order. Untrusted answers are always graded alone."""

    def retry_problem(self, task: Task, grade: Grade) -> str | None:
        """The problem statement for another try after `grade`, or None for no retry."""
