"""Helpers shared by the proposer tests: the seed coding agent and a parent's evidence."""

from __future__ import annotations

from pathlib import Path

from godelbox.evaluator.context import EvalContext
from godelbox.paths import seed_agent_dir
from godelbox.proposer.base import ParentEvidence, TaskEvidence

CODER = seed_agent_dir("coder")


def evidence(agent_dir: Path, tasks: list[TaskEvidence] | None = None) -> ParentEvidence:
    """A parent evaluated on three tasks: one solved, one with an empty patch after a long log,
    one wrong patch with its failing test."""
    tasks = tasks or [
        TaskEvidence("builtin__slugger-23", "resolved", problem="slugify drops digits"),
        TaskEvidence(
            "builtin__romanize-2",
            "unresolved",
            problem="to_roman(4) returns IIII; it must return IV",
            patch="",
            log="step 1: ls\nstep 2: cat roman.py\n" + "step n: grep again\n" * 50,
            tests={"tests/test_roman.py::test_four": "failed"},
        ),
        TaskEvidence(
            "builtin__thermo-6",
            "unresolved",
            problem="celsius() rounds wrongly",
            patch="--- a/thermo.py\n+++ b/thermo.py\n@@ -1 +1 @@\n-x\n+y\n",
            tests={"tests/test_thermo.py::test_round": "failed"},
        ),
    ]
    return ParentEvidence(node_id=1, agent_dir=agent_dir, score=1 / 3, tasks=tasks)


def no_sandbox() -> EvalContext:
    """For paths that must end before any sandbox starts: using it fails loudly (no backend)."""
    return EvalContext(backend=None, image="unused")  # type: ignore[arg-type]
