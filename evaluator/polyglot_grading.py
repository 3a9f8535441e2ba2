"""Grade a Polyglot answer with its track's runner under the grading core (docs/integrity.md).

Every track is a `TestRunner`: the pristine exercise's test files (with Aider's switches that
turn every test on, applied on the host) are what the grading supervisor writes and hashes;
the answer (only solution files survived the guard) is applied; a real and a control session
(one assertion per test inverted) run in two fresh sandboxes at once; the verdict needs every
declared test reported passed, the runner's own finish record, and no twin passing. The exit
code decides nothing by itself.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.grading import GRADE_ROOT, GRADER_DIR, REPO_DIR, grade_tests
from godelbox.evaluator.patching import Guard
from godelbox.evaluator.polyglot_tracks import Track
from godelbox.evaluator.pytest_report import PytestRunner
from godelbox.evaluator.results import Grade
from godelbox.evaluator.test_runner import TestRunner

FEEDBACK_LINES = 50
"""Aider feeds the first 50 lines of the test output to the second try."""


def grade_polyglot(
    ctx: EvalContext,
    track: Track,
    workspace: Path,
    patch: str,
    *,
    slug: str,
    guard: Guard,
    test_files: tuple[str, ...],
    image: str,
    control: bool = True,
) -> Grade:
    """`slug` names the exercise's directory in the sandbox: the C++ exercises' CMakeLists
    take the exercise's name from it."""
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in slug) or "exercise"
    runner: TestRunner = PytestRunner(GRADER_DIR, REPO_DIR) if track.name == "python" else track
    grade = grade_tests(
        ctx,
        workspace,
        patch,
        guard=guard,
        runner=runner,
        test_files=list(test_files),
        image=image,
        control=control,
        repo_dir=REPO_DIR if track.name == "python" else f"{GRADE_ROOT}/{name}",
        enable=None if track.name == "python" else track.enable,
    )
    lines = grade.feedback.strip().splitlines()
    return replace(grade, feedback="\n".join(lines[:FEEDBACK_LINES]))
