"""What evaluating one task produces, in a form that survives a JSON round trip.

`TaskResult` is the unit the staged evaluator reports through its callback, the journal writes
one line of, and the loop stores in the archive. Outcomes are a closed set so reports and
selection policies can count them without parsing free text; `reason` carries the detail.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Outcome = Literal["resolved", "unresolved", "patch_failed", "timeout", "oom", "error"]
OUTCOMES: tuple[Outcome, ...] = (
    "resolved",
    "unresolved",
    "patch_failed",
    "timeout",
    "oom",
    "error",
)

TestOutcome = Literal["passed", "failed", "error", "skipped", "missing"]
"""Per-test outcome; `missing` means the test id was asked for but pytest never reported it."""


@dataclass(frozen=True)
class Solution:
    """What an agent (or the oracle) left: a unified diff against the pristine workspace."""

    patch: str
    log: str = ""
    duration_s: float = 0.0
    ended: Literal["exit", "timeout", "oom", "output_cap", "oracle", "error"] = "exit"
    exit_code: int | None = 0
    detail: str = ""
    """Why the run ended abnormally (sandbox error text, ...); empty on a normal exit."""
    infra: bool = False
    """The sandbox itself failed (engine error): the run says nothing about the agent."""


@dataclass(frozen=True)
class Grade:
    """The grader's verdict on one patch."""

    outcome: Outcome
    reason: str
    tests: dict[str, TestOutcome] = field(default_factory=dict)
    tampering: list[str] = field(default_factory=list)
    feedback: str = ""
    """Test output worth showing an agent on a second try (Polyglot)."""
    duration_s: float = 0.0
    infra: bool = False
    """The grader could not run (engine error, harness bug), so the verdict is no verdict."""


@dataclass(frozen=True)
class TaskResult:
    task_id: str
    outcome: Outcome
    reason: str
    tests: dict[str, TestOutcome] = field(default_factory=dict)
    duration_s: float = 0.0
    patch: str = ""
    log: str = ""
    tampering: list[str] = field(default_factory=list)
    attempts: int = 1
    infra: bool = False
    """The harness, not the agent, failed (sandbox engine, grader, workspace layout): the loop
    retries such a task instead of counting it against the agent."""
    cache: dict[str, Any] | None = None
    """Set when the result was served by the evaluation cache instead of being run: the entry's
    key digest, when it was stored and by which evaluation (`from`: run and node labels)."""

    @property
    def resolved(self) -> bool:
        return self.outcome == "resolved"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskResult:
        outcome = data["outcome"]
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        return cls(
            task_id=str(data["task_id"]),
            outcome=outcome,
            reason=str(data.get("reason", "")),
            tests=dict(data.get("tests") or {}),
            duration_s=float(data.get("duration_s", 0.0)),
            patch=str(data.get("patch", "")),
            log=str(data.get("log", "")),
            tampering=list(data.get("tampering") or []),
            attempts=int(data.get("attempts", 1)),
            infra=bool(data.get("infra", False)),
            cache=dict(data["cache"]) if data.get("cache") else None,
        )


def result_from(task_id: str, solution: Solution, grade: Grade, attempts: int = 1) -> TaskResult:
    return TaskResult(
        task_id=task_id,
        outcome=grade.outcome,
        reason=grade.reason,
        tests=dict(grade.tests),
        duration_s=round(solution.duration_s + grade.duration_s, 3),
        patch=solution.patch,
        log=solution.log,
        tampering=list(grade.tampering),
        attempts=attempts,
        infra=grade.infra,
    )
