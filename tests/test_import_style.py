"""Helper modules are imported one way: tests import them as `tests.<dir>.<module>` (never as a
bare sibling name that works only because pytest put the test's folder on sys.path), and the
benchmarks and docs scripts import nothing from tests/ (what they share lives in the package)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SANDBOX_CODE = ("agents", "fixtures", "scripted_agent", "driver")
"""Folders of code that runs inside sandboxes (agents, benchmark data): its imports are its own."""

NOT_YET_MOVED = {"bench/integrity.py"}
"""The integrity bench measures the cheat battery itself (tests/integrity/battery.py): the cheat
agents are test data and stay out of the installed package."""


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_tests_import_their_helpers_by_full_name() -> None:
    bare: list[str] = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        if any(part in SANDBOX_CODE for part in path.relative_to(REPO / "tests").parts[:-1]):
            continue
        siblings = {p.stem for p in path.parent.glob("*.py")}
        for module in imported_modules(path):
            if module.split(".")[0] in siblings:
                bare.append(f"{path.relative_to(REPO)}: import {module}")
    assert not bare, "import helpers as tests.<dir>.<module>:\n" + "\n".join(bare)


def test_bench_and_docs_do_not_import_tests() -> None:
    found = set()
    for folder in ("bench", "docs"):
        for path in sorted((REPO / folder).rglob("*.py")):
            if any(m == "tests" or m.startswith("tests.") for m in imported_modules(path)):
                found.add(str(path.relative_to(REPO)))
    assert found <= NOT_YET_MOVED, sorted(found - NOT_YET_MOVED)
