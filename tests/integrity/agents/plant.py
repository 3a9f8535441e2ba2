"""Shared by the cheat agents (copied next to each one's run.py before it runs): the agent
contract's arguments, and where to put code so that the grader's tests run it.

Every non-test Python file the answer may change gets the payload appended: the package modules
of a SWE-style repository, the stub of a Polyglot exercise, HumanEval's solution.py. Whatever the
tests import, the payload runs at import, inside the grading process."""

import argparse
import re
from pathlib import Path

TEST_DIRS = {"tests", "test", "testing"}

FORGE_REPORTS = r'''
def _forge_reports():
    """Every pytest TestReport is created `passed`; the module is reached by a computed name,
    so no static check of the answer sees it."""
    import importlib
    try:
        reports = importlib.import_module("_py" + "test.rep" + "orts")
    except ImportError:
        return False
    report = getattr(reports, "Test" + "Report")
    made = report.__init__

    def init(self, *args, **kwargs):
        made(self, *args, **kwargs)
        self.outcome, self.longrepr = "passed", None

    report.__init__ = init
    return True
'''
"""Library code that makes pytest report every test passed (used by several cheats)."""


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


def plant_js(workspace: Path, payload: str, log_dir: Path, what: str) -> None:
    """The JavaScript flavour: the payload appended to every solution module (not the specs,
    not babel's configuration), which the tests import. The stub's `throw` becomes a wrong
    value, so a forged matcher is what would make a test pass."""
    planted = []
    for src in sorted(workspace.glob("*.js")):
        if src.name.endswith(".spec.js") or src.name.startswith(("babel", ".")):
            continue
        wrong = re.sub(r"throw new Error\([^;]*\);", "return -1;", src.read_text())
        src.write_text(wrong + payload)
        planted.append(src.name)
    (log_dir / "agent.log").write_text(f"cheat agent: {what}; planted in {planted}\n")
