"""The task's repository: a scratch copy to experiment in, and the one write-back of the fix.

Candidates are tried only in the copy, so the workspace is never left holding a half-tried
mutant when the agent is killed, and no test artefact can leak into the answer's diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

IGNORED = shutil.ignore_patterns(".git", "__pycache__", ".pytest_cache", "*.pyc")
TEST_DIRS = {"test", "tests", "testing"}


def scratch_copy(workspace: Path, dest: Path) -> Path:
    shutil.copytree(workspace, dest, ignore=IGNORED)
    return dest


def source_files(repo: Path) -> set[str]:
    """Python files that may hold the bug: everything except tests and packaging."""
    found = set()
    for path in sorted(repo.rglob("*.py")):
        rel = path.relative_to(repo)
        name = rel.name
        if TEST_DIRS & set(rel.parts[:-1]) or any(p.startswith(".") for p in rel.parts):
            continue
        if name.startswith("test_") or name.endswith("_test.py"):
            continue
        if name in ("conftest.py", "setup.py"):
            continue
        found.add(rel.as_posix())
    return found


def write_fix(workspace: Path, path: str, source: str) -> None:
    (workspace / path).write_text(source, encoding="utf-8")
