"""Authoring checks of the built-in suite, run on the host (the gold data is ours and trusted).

For every task: the snapshot materializes to its recorded sha, its visible tests pass, the hidden
tests fail without the fix (so the empty patch does not resolve it), the gold patch resolves it,
and the two patches stay on their side of the tests/ boundary. Sandboxed grading of agents is the
evaluator's job; this only proves the benchmark data is right.

Run as a script to check every task and print a summary:
    .venv/bin/python tests/builtin/builtin_checks.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from godelbox.evaluator.builtin import load_builtin, materialize
from godelbox.evaluator.swebench_format import SWEInstance

_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+)")


def run_tests(repo_dir: Path) -> dict[str, str]:
    """Run the repository's tests/ with pytest; map each node id to its outcome word."""
    # The task repositories need no plugins; autoloading the host venv's ones (hypothesis, ...)
    # costs about 1.5 s per run, which is most of the check's budget.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "-q", "tests"],
        cwd=repo_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    outcomes: dict[str, str] = {}
    for line in done.stdout.splitlines():
        match = _OUTCOME.match(line)
        if match:
            outcomes.setdefault(match.group(2), match.group(1))
    return outcomes


_FENCED = re.compile(r"```python\n(.*?)```", flags=re.DOTALL)


def reproduction_passes(repo_dir: Path, problem_statement: str) -> bool | None:
    """Run the issue's reproduction (fenced python blocks, else its doctest lines) in the repo.

    True when it runs clean, False when it fails, None when the issue is prose only.
    """
    blocks = _FENCED.findall(problem_statement)
    if blocks:
        code = "\n".join(blocks)
    elif ">>> " in problem_statement:
        code = (
            "import doctest, sys\n"
            "parser = doctest.DocTestParser()\n"
            f"test = parser.get_doctest({problem_statement!r}, {{}}, 'issue', None, 0)\n"
            "runner = doctest.DocTestRunner()\n"
            "sys.exit(1 if runner.run(test).failed else 0)\n"
        )
    else:
        return None
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=repo_dir, env=env, capture_output=True, timeout=60
    )
    return done.returncode == 0


def apply_patch(repo_dir: Path, patch: str) -> None:
    """`git apply` a unified diff (raises CalledProcessError when it does not apply)."""
    subprocess.run(
        ["git", "apply", "-p1", "-"],
        cwd=repo_dir,
        input=patch,
        text=True,
        check=True,
        capture_output=True,
    )


def patched_paths(patch: str) -> list[str]:
    """The b/ side paths a unified git diff touches."""
    return re.findall(r"^diff --git a/\S+ b/(\S+)$", patch, flags=re.MULTILINE)


def is_test_path(path: str) -> bool:
    return path.startswith("tests/") or Path(path).name.startswith("test_")


def verify_task(task: SWEInstance) -> list[str]:
    """Everything wrong with one task, as readable sentences (empty when it is sound)."""
    problems: list[str] = []
    if not task.FAIL_TO_PASS:
        problems.append("FAIL_TO_PASS is empty")
    if any(is_test_path(p) for p in patched_paths(task.patch)):
        problems.append("gold.patch touches a test file")
    if not patched_paths(task.test_patch) or not all(
        p.startswith("tests/") for p in patched_paths(task.test_patch)
    ):
        problems.append("test.patch must touch only files under tests/")
    with tempfile.TemporaryDirectory(prefix=f"{task.instance_id}-") as tmp:
        repo = Path(tmp) / "repo"
        materialize(task, repo)
        visible = run_tests(repo)
        if not visible or any(o != "PASSED" for o in visible.values()):
            problems.append(f"visible tests do not all pass: {visible}")
        if sorted(visible) != sorted(task.PASS_TO_PASS):
            problems.append("PASS_TO_PASS differs from the visible tests")
        if reproduction_passes(repo, task.problem_statement):
            problems.append("the issue's reproduction passes on the buggy snapshot")
        apply_patch(repo, task.test_patch)
        before = run_tests(repo)
        if resolved(task, before):
            problems.append("resolved without any fix (the empty patch resolves it)")
        still_passing = [t for t in task.FAIL_TO_PASS if before.get(t) == "PASSED"]
        if still_passing:
            problems.append(f"FAIL_TO_PASS tests pass before the fix: {still_passing}")
        broken = [t for t in task.PASS_TO_PASS if before.get(t) != "PASSED"]
        if broken:
            problems.append(f"PASS_TO_PASS tests fail before the fix: {broken}")
        apply_patch(repo, task.patch)
        after = run_tests(repo)
        if reproduction_passes(repo, task.problem_statement) is False:
            problems.append("the issue's reproduction still fails with the gold patch")
        if not resolved(task, after):
            failing = [t for t in task.FAIL_TO_PASS + task.PASS_TO_PASS if after.get(t) != "PASSED"]
            problems.append(f"gold patch does not resolve it; still failing: {failing}")
    return problems


def resolved(task: SWEInstance, outcomes: dict[str, str]) -> bool:
    return all(outcomes.get(t) == "PASSED" for t in task.FAIL_TO_PASS + task.PASS_TO_PASS)


def verify_all(tasks: list[SWEInstance], workers: int = 2) -> dict[str, list[str]]:
    """Problems per instance id, only for tasks that have some."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(verify_task, tasks))
    return {t.instance_id: p for t, p in zip(tasks, results, strict=True) if p}


def main() -> int:
    tasks = load_builtin("all")
    failures = verify_all(tasks)
    for instance_id, problems in failures.items():
        for problem in problems:
            print(f"FAIL {instance_id}: {problem}")
    for split in ("dev", "heldout"):
        chosen = [t for t in tasks if t.split == split]
        spread = Counter(t.metadata["bug_class"] for t in chosen)
        classes = ", ".join(f"{name}={count}" for name, count in sorted(spread.items()))
        print(f"{split}: {len(chosen)} tasks  {classes}")
    print(f"{len(tasks) - len(failures)}/{len(tasks)} tasks verified")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
