"""Sandbox validation of a proposed coding task, and the SWE-bench instance it becomes.

A proposed task is kept only when its tests run and FAIL on the unmodified repository: a test
file that cannot be collected is not a task, and one that already passes is trivial. The tests
run in a fresh sandbox through the grader (the proposer's text is as untrusted as an agent's).
The failing tests become FAIL_TO_PASS, the ones that already pass PASS_TO_PASS, and the test
file becomes the instance's hidden `test_patch`.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from godelbox.evaluator.benchmark import Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.grading import grade_test_files
from godelbox.evaluator.patching import allowlist_guard, is_test_path
from godelbox.evaluator.workspace import diff_trees, plain_copy
from godelbox.proposer.pae.proposer import Draft

TEST_CONTENT_CAP = 50_000


@dataclass(frozen=True)
class Validation:
    accepted: bool
    reason: str
    test_patch: str = ""
    fail_to_pass: list[str] = field(default_factory=list)
    pass_to_pass: list[str] = field(default_factory=list)


def validate_coding(ctx: EvalContext, base: Task, draft: Draft) -> Validation:
    path = str(draft.payload.get("test_path", ""))
    content = str(draft.payload.get("test_content", ""))
    problem = _bad_path(path) or _bad_content(content, draft.text)
    if problem:
        return Validation(False, problem)
    with tempfile.TemporaryDirectory(prefix="godelbox-pae-validate-") as tmp:
        root = Path(tmp)
        pristine = root / "pristine"
        base.materialize(pristine)
        scratch = root / "diff"
        plain_copy(pristine, scratch / "a")
        plain_copy(pristine, scratch / "b")
        (scratch / "b" / path).parent.mkdir(parents=True, exist_ok=True)
        (scratch / "b" / path).write_text(content, encoding="utf-8")
        test_patch = diff_trees(scratch)
        with_tests = root / "with-tests"
        shutil.copytree(pristine, with_tests, symlinks=True)
        (with_tests / path).parent.mkdir(parents=True, exist_ok=True)
        (with_tests / path).write_text(content, encoding="utf-8")
        grade = grade_test_files(
            ctx, with_tests, "", guard=allowlist_guard(()), test_files=[path], image=base.image
        )
    # Reported node ids only: a declared test pytest never ran (the file did not import) is
    # "missing", not a failing test to make pass.
    tests = {
        test_id: outcome
        for test_id, outcome in grade.tests.items()
        if "::" in test_id and outcome != "missing"
    }
    if grade.outcome in ("timeout", "oom", "error") or not tests:
        return Validation(False, f"tests not runnable on the repository: {grade.reason}")
    failing = sorted(t for t, outcome in tests.items() if outcome != "passed")
    passing = sorted(t for t, outcome in tests.items() if outcome == "passed")
    if not failing:
        return Validation(False, f"trivial: all {len(passing)} tests already pass unmodified")
    return Validation(
        True,
        f"{len(failing)} of {len(tests)} tests fail on the unmodified repository",
        test_patch=test_patch,
        fail_to_pass=failing,
        pass_to_pass=passing,
    )


def _bad_path(path: str) -> str:
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or pure.suffix != ".py":
        return f"test path {path!r} must be a relative .py path inside the repository"
    if not is_test_path(path):
        return f"test path {path!r} is not a test file (use tests/test_*.py)"
    return ""


def _bad_content(content: str, problem: str) -> str:
    if not content.strip():
        return "the test file is empty"
    if len(content) > TEST_CONTENT_CAP:
        return f"the test file is longer than {TEST_CONTENT_CAP} characters"
    if not problem.strip():
        return "the problem statement is empty"
    return ""
