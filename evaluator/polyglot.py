"""Aider Polyglot format adapter (Python track).

A checkout laid out as `python/exercises/practice/<slug>/` holding the stub, `<slug>_test.py`,
`.docs/instructions*.md` and `.meta/config.json` (`files.solution`, `files.test`,
`files.example`). The agent sees the stub and the tests (never `.meta/`, which holds the
reference solution); it may change only the solution files; the test files are the pristine
ones when grading; the task passes when every test the test files declare is reported passed
and the control run shows no forgery (docs/integrity.md), never on an exit code alone. When it
fails, the agent gets a second try with the test output appended to the problem
(`EvalContext.tries`).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from godelbox.errors import UserError
from godelbox.evaluator.benchmark import GradeItem, Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.grading import grade_test_files
from godelbox.evaluator.patching import allowlist_guard
from godelbox.evaluator.results import Grade
from godelbox.evaluator.workspace import commit_snapshot, diff_trees

PRACTICE = Path("python") / "exercises" / "practice"
PROMPT_PARTS = ("introduction.md", "instructions.md", "instructions.append.md")
HIDDEN_DIRS = (".meta", ".docs")


class PolyglotLayoutError(UserError):
    """The path does not look like an Aider Polyglot checkout."""


@dataclass(frozen=True)
class PolyglotTask:
    exercise_dir: Path
    solution_files: tuple[str, ...]
    test_files: tuple[str, ...]
    example_files: tuple[str, ...]

    @property
    def task_id(self) -> str:
        return self.exercise_dir.name

    @property
    def image(self) -> str | None:
        return None

    def problem(self) -> str:
        docs = self.exercise_dir / ".docs"
        parts = [
            (docs / name).read_text(encoding="utf-8").strip()
            for name in PROMPT_PARTS
            if (docs / name).is_file()
        ]
        files = ", ".join(self.solution_files)
        parts.append(
            f"Change only {files} to solve this. Keep the names of existing functions and "
            "classes: the unit tests import them. Use only the Python standard library."
        )
        return "\n\n".join(parts) + "\n"

    def materialize(self, dest: Path) -> None:
        shutil.copytree(
            self.exercise_dir,
            dest,
            symlinks=True,
            ignore=lambda d, names: [
                n for n in names if n in HIDDEN_DIRS and Path(d) == self.exercise_dir
            ],
        )
        commit_snapshot(dest)

    def oracle_patch(self) -> str:
        """The diff from the stubs to `.meta/example*` (examples pair with solutions in order)."""
        with tempfile.TemporaryDirectory(prefix="godelbox-polyglot-") as tmp:
            before, after = Path(tmp) / "a", Path(tmp) / "b"
            for tree in (before, after):
                self.materialize(tree)
                shutil.rmtree(tree / ".git")
            for solution, example in zip(self.solution_files, self.example_files, strict=False):
                shutil.copyfile(self.exercise_dir / example, after / solution)
            return diff_trees(Path(tmp))


def load_exercise(exercise_dir: Path) -> PolyglotTask:
    config_path = exercise_dir / ".meta" / "config.json"
    try:
        files = json.loads(config_path.read_text(encoding="utf-8"))["files"]
        task = PolyglotTask(
            exercise_dir=exercise_dir,
            solution_files=tuple(files["solution"]),
            test_files=tuple(files["test"]),
            example_files=tuple(files.get("example", ())),
        )
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise PolyglotLayoutError(
            f"{config_path}: expected JSON with files.solution, files.test and files.example "
            f"lists ({type(err).__name__}: {err})"
        ) from None
    if not task.solution_files or not task.test_files:
        raise PolyglotLayoutError(f"{config_path}: files.solution and files.test must be non-empty")
    return task


def practice_dir(root: Path) -> Path:
    """Accept the checkout's root, its `python/` track or the practice directory itself."""
    for candidate in (root / PRACTICE, root / "exercises" / "practice", root):
        if candidate.is_dir() and any(candidate.glob("*/.meta/config.json")):
            return candidate
    raise PolyglotLayoutError(
        f"{root} is not an Aider Polyglot checkout: expected {PRACTICE}/<slug>/.meta/config.json"
    )


@dataclass
class PolyglotBenchmark:
    name: str
    task_list: list[PolyglotTask]
    max_tries: int = 2
    batch_size: int = 1
    control: bool = True
    """Grade untrusted answers with a control run (docs/integrity.md). Off only to measure
    what the control costs (bench/integrity.py)."""

    def tasks(self) -> list[Task]:
        return list(self.task_list)

    def grade(self, ctx: EvalContext, items: Sequence[GradeItem]) -> list[Grade]:
        grades = []
        for item in items:
            task = item.task
            assert isinstance(task, PolyglotTask)
            grades.append(
                grade_test_files(
                    ctx,
                    item.workspace,
                    item.solution.patch,
                    guard=allowlist_guard(task.solution_files),
                    test_files=task.test_files,
                    control=self.control,
                )
            )
        return grades

    def retry_problem(self, task: Task, grade: Grade) -> str | None:
        assert isinstance(task, PolyglotTask)
        files = ", ".join(task.solution_files)
        return (
            f"{task.problem()}\n## Your previous attempt failed the tests\n\n"
            f"```\n{grade.feedback}\n```\n\n"
            f"The tests are right; do not change them. Fix the code in {files} so they pass.\n"
        )


def polyglot_benchmark(root: Path, tries: int = 2) -> PolyglotBenchmark:
    practice = practice_dir(root)
    tasks = [
        load_exercise(path)
        for path in sorted(practice.iterdir())
        if (path / ".meta" / "config.json").is_file()
    ]
    return PolyglotBenchmark(name=f"polyglot:{root}", task_list=tasks, max_tries=tries)
