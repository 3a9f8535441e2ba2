"""Is a child worth evaluating? The checks every child goes through, LLM-made or offline.

A child is valid when its diff against the parent is non-empty, touches the agent's code (not
only its tests or docs), every Python file compiles, its entry module imports, and its own test
suite (`contract.AGENT_SELF_TEST`, run from `AGENT_DIR`) passes inside a sandbox within a time
limit. An invalid child is stored with `Validation.reason` and never becomes a parent, so a
broken agent costs one validation, not a whole evaluation.

The diff is computed on the host between plain copies (no `.git`, no caches), like an agent's
answer; the code runs only in the sandbox, with no gateway: an agent's own tests need no model.

The sandbox checks are a function of the child's tree, the sandbox and the code that runs them,
like a task's evaluation, so the loop serves them from the evaluation cache too
(`cached_self_test`): a repeated or resumed run does not test the same child twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from godelbox.evaluator import contract
from godelbox.evaluator.cache import EvalCache
from godelbox.evaluator.cache_key import (
    OFFLINE,
    EvalKey,
    Uncacheable,
    agent_identity,
    code_version,
    grader_version,
    sandbox_identity,
)
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.patching import is_test_path, split_patch, touched_paths
from godelbox.evaluator.results import TaskResult
from godelbox.evaluator.workspace import diff_trees, plain_view
from godelbox.sandbox.base import ExecResult
from godelbox.trash import Trash

DOC_SUFFIXES = frozenset({".md", ".rst", ".txt"})
DOC_DIRS = frozenset({"docs", "doc"})
REASON_TAIL_CHARS = 1_500
"""How much of a failing command's output goes into the reason (its tail: where errors are)."""
SANDBOX_ENV = {"HOME": "/tmp", "TMPDIR": "/tmp"}
QUICK_TIMEOUT_S = 60.0
"""For the compile and import checks, which take well under a second on any healthy agent."""
SELF_TEST_ID = "self-test"
"""The task id a child's sandbox checks are cached under."""

SelfTest = Callable[[Path, EvalContext, float], str | None]
"""Runs a child's sandbox checks: the first failure, or None (`sandbox_problem`)."""


@dataclass(frozen=True)
class DiffStats:
    files: int
    insertions: int
    deletions: int
    paths: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Validation:
    ok: bool
    reason: str
    """"valid" when ok, else short and specific: what failed and the tail of its output."""
    diff_stats: DiffStats


def validate_child(
    parent_dir: Path,
    child_dir: Path,
    ctx: EvalContext,
    *,
    patch: str | None = None,
    timeout_s: float = 300.0,
    self_test: SelfTest | None = None,
) -> Validation:
    """Check `child_dir` against `parent_dir`; the self test gets `timeout_s` seconds.
    `patch` is the child's diff against the parent when the caller has it from the host (it
    is computed here otherwise); `self_test` runs the sandbox checks (`sandbox_problem`, or
    `cached_self_test`). A sandbox that cannot start raises SandboxError (the engine's fault,
    not the child's)."""
    if patch is None:
        patch = tree_diff(parent_dir, child_dir, ctx.trash)
    stats = diff_stats(patch)
    if not patch.strip():
        return Validation(False, "empty diff", stats)
    if not any(is_agent_code(path) for path in stats.paths):
        return Validation(False, f"diff only touches {_kinds(stats.paths)}", stats)
    problem = (self_test or sandbox_problem)(child_dir, ctx, timeout_s)
    return Validation(problem is None, problem or "valid", stats)


def is_agent_code(path: str) -> bool:
    pure = PurePosixPath(path)
    is_doc = pure.suffix in DOC_SUFFIXES or any(part in DOC_DIRS for part in pure.parts[:-1])
    return not (is_doc or is_test_path(path))


def tree_diff(parent_dir: Path, child_dir: Path, trash: Trash) -> str:
    with trash.temporary("godelbox-validate-") as tmp:
        plain_view(parent_dir, tmp / "a")
        plain_view(child_dir, tmp / "b")
        return diff_trees(tmp)


def diff_stats(patch: str) -> DiffStats:
    insertions = deletions = 0
    for section in split_patch(patch):
        in_hunks = False
        for line in section.text.splitlines():
            if line.startswith("@@"):
                in_hunks = True
            elif in_hunks and line.startswith("+"):
                insertions += 1
            elif in_hunks and line.startswith("-"):
                deletions += 1
    paths = touched_paths(patch)
    return DiffStats(len(paths), insertions, deletions, paths)


def sandbox_problem(child_dir: Path, ctx: EvalContext, timeout_s: float) -> str | None:
    """Compile, import the entry module, run the own tests; the first failure, or None."""
    return _checked(child_dir, ctx, timeout_s)[0]


def cached_self_test(store: EvalCache) -> SelfTest:
    """`sandbox_problem` with its answers stored in and served from the evaluation cache, under
    a key of the child's tree, the sandbox (image content id, limits), the time limit and the
    code that runs and judges the checks. A check that timed out (load, not the tree, may have
    decided it) is never stored, nor a sandbox that failed to start (it raises)."""

    def check(child_dir: Path, ctx: EvalContext, timeout_s: float) -> str | None:
        try:
            key = EvalKey(
                agent=agent_identity(child_dir),
                task=f"{SELF_TEST_ID}@{timeout_s:g}",
                sandbox=sandbox_identity(ctx, None),
                grader=f"{grader_version()}+{code_version([('validate', Path(__file__))])}",
                model=OFFLINE,
                seed=0,
            )
        except Uncacheable:
            return sandbox_problem(child_dir, ctx, timeout_s)
        with store.claim([key]) as claim:
            stored = claim.get(key)
            if stored is not None:
                return stored.result.reason or None
            problem, ended = _checked(child_dir, ctx, timeout_s)
            outcome = "resolved" if problem is None else "unresolved"
            outcome = "timeout" if ended == "timeout" else outcome
            claim.put(key, TaskResult(SELF_TEST_ID, outcome, problem or ""), dict(ctx.labels))
            return problem

    return check


def _checked(child_dir: Path, ctx: EvalContext, timeout_s: float) -> tuple[str | None, str]:
    """(the first failure or None, how its command ended)."""
    entry = PurePosixPath(contract.ENTRYPOINT[1]).stem
    import_entry = f"import sys; sys.path.insert(0, '.'); import {entry}"
    checks = (
        ("does not compile", ("python3", "-m", "compileall", "-q", "."), QUICK_TIMEOUT_S),
        (f"{entry}.py does not import", ("python3", "-c", import_entry), QUICK_TIMEOUT_S),
        ("own tests failed", contract.AGENT_SELF_TEST, timeout_s),
    )
    with ctx.backend.start(ctx.spec()) as box:
        box.copy_in(child_dir, contract.AGENT_DIR)
        for what, argv, limit in checks:
            result = box.run(argv, limit, workdir=contract.AGENT_DIR, env=SANDBOX_ENV)
            if not result.ok:
                return _failure(what, result, limit), result.ended
    return None, "exit"


def _failure(what: str, result: ExecResult, limit: float) -> str:
    if result.ended == "timeout":
        return f"{what}: timed out after {limit:g}s"
    if result.ended in ("oom", "output_cap"):
        return f"{what}: stopped ({result.ended})"
    output = f"{result.stdout}\n{result.stderr}".strip()
    tail = output[-REASON_TAIL_CHARS:] if output else f"exit code {result.exit_code}"
    return f"{what}: {tail}"


def _kinds(paths: list[str]) -> str:
    tests = [p for p in paths if is_test_path(p)]
    shown = ", ".join(paths[:5]) + (f" (+{len(paths) - 5} more)" if len(paths) > 5 else "")
    if len(tests) == len(paths):
        return f"tests: {shown}"
    if not tests:
        return f"docs: {shown}"
    return f"tests and docs: {shown}"
