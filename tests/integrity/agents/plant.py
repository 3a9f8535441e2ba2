"""Shared by the cheat agents (copied next to each one's run.py before it runs): the agent
contract's arguments, and where to put code so that the grader's tests run it.

Every non-test Python file the answer may change gets the payload appended: the package modules
of a SWE-style repository, the stub of a Polyglot exercise, HumanEval's solution.py. Whatever the
tests import, the payload runs at import, inside the grading process."""

import argparse
from pathlib import Path

TEST_DIRS = {"tests", "test", "testing"}


def args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--problem", type=Path)
    parser.add_argument("--log-dir", type=Path)
    return parser.parse_args()


def is_test(path: Path) -> bool:
    return (
        bool(TEST_DIRS & set(path.parts))
        or path.name.startswith("test_")
        or path.name.endswith("_test.py")
        or path.name == "conftest.py"
    )


def targets(workspace: Path) -> list[Path]:
    return sorted(
        p
        for p in workspace.rglob("*.py")
        if ".git" not in p.parts and not is_test(p.relative_to(workspace))
    )


def plant(workspace: Path, payload: str, log_dir: Path, what: str) -> None:
    planted = targets(workspace)
    for path in planted:
        path.write_text(path.read_text() + "\n\n" + payload.strip() + "\n")
    names = ", ".join(str(p.relative_to(workspace)) for p in planted)
    (log_dir / "agent.log").write_text(f"cheat agent: {what}; planted in {names}\n")
