"""What evaluating one task produces, in a form that survives a JSON round trip.

`TaskResult` is the unit the staged evaluator reports through its callback, the journal writes
one line of, and the loop stores in the archive. Outcomes are a closed set so reports and
selection policies can count them without parsing free text; `reason` carries the detail.

`tampered` is the outcome of an answer caught forging or interfering with its own verdict; it
always carries `Evidence` (what the harness observed), is never counted as resolved, and a node
with one is never selected as a parent (docs/integrity.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from godelbox.agent_text import cap_text

Outcome = Literal["resolved", "unresolved", "patch_failed", "timeout", "oom", "error", "tampered"]
OUTCOMES: tuple[Outcome, ...] = (
    "resolved",
    "unresolved",
    "patch_failed",
    "timeout",
    "oom",
    "error",
    "tampered",
)

STORED_PATCH_CHARS = 256_000
STORED_LOG_CHARS = 256_000
STORED_REASON_CHARS = 4_000
STORED_NOTES = 50
"""Caps on what one task's result keeps (see `TaskResult.stored`)."""

TestOutcome = Literal["passed", "failed", "error", "skipped", "missing"]
"""Per-test outcome; `missing` means the test id was asked for but pytest never reported it."""


@dataclass(frozen=True)
class Evidence:
    """One observation, made outside the reach of the graded code, that the code forged or
    interfered with its own verdict. A grade carrying any is `tampered`.

    `kind` names the observation (known kinds: `EVIDENCE_KINDS`; other harnesses may add
    theirs), `detail` says what exactly was seen, `run` which grading run saw it (`real`,
    `control`, or empty when the distinction does not apply)."""

    kind: str
    detail: str
    run: str = ""

    def describe(self) -> str:
        where = f" ({self.run} run)" if self.run else ""
        return f"{self.kind}{where}: {self.detail}"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        return cls(str(data["kind"]), str(data.get("detail", "")), str(data.get("run", "")))


EVIDENCE_KINDS = {
    "control_passed": "a harness-injected must-fail control test was reported passed",
    "test_file_changed": "a test file was rewritten or deleted while the tests ran",
    "grader_killed": "the grading supervisor was killed from inside the sandbox",
    "exit_before_finish": "the test process exited 0 before its session finished",
    "exit_status_forged": "the test process exit status contradicts the session's own result",
    "uncollected_report": "a result was reported for a test that was never collected",
    "answer_exited": "the answer's process exited 0 while the checker waited for a result",
}
"""The kinds this harness records; web integrity (MiniWoB) adds its own."""


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
    evidence: list[Evidence] = field(default_factory=list)
    """Why the outcome is `tampered` (empty for every other outcome)."""

    def __post_init__(self) -> None:
        if (self.outcome == "tampered") != bool(self.evidence):
            raise ValueError("a grade is tampered exactly when it carries evidence")


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
    episode: dict[str, Any] | None = None
    """For a web episode: its summary (steps, rewards, terminated/truncated, error; see
    `godelbox.evaluator.web.episodes.EpisodeResult.summary`); None for coding tasks."""
    evidence: list[Evidence] = field(default_factory=list)
    """What the harness observed when the outcome is `tampered`."""
    eval_log: str = ""
    """The grader's test output (capped): shown to the diagnosis model, never to the agent."""
    cache: dict[str, Any] | None = None
    """Set when the result was served by the evaluation cache instead of being run: the entry's
    key digest, when it was stored and by which evaluation (`from`: run and node labels)."""

    @property
    def resolved(self) -> bool:
        return self.outcome == "resolved"

    @property
    def tampered(self) -> bool:
        return self.outcome == "tampered"

    def stored(self) -> TaskResult:
        """This result as the journal and the archive keep it: patch, log, reason, tampering
        notes and a web episode's texts capped, each with a visible marker where something was
        cut. (The answer was graded in full; a capped patch is a record, not something to
        apply.)"""
        return replace(
            self,
            patch=cap_text(self.patch, STORED_PATCH_CHARS),
            log=cap_text(self.log, STORED_LOG_CHARS),
            reason=cap_text(self.reason, STORED_REASON_CHARS),
            tampering=[cap_text(t, STORED_REASON_CHARS) for t in self.tampering[:STORED_NOTES]],
            episode=None
            if self.episode is None
            else {
                k: cap_text(v, STORED_REASON_CHARS) if isinstance(v, str) else v
                for k, v in self.episode.items()
            },
        )

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
            episode=dict(data["episode"]) if data.get("episode") else None,
            evidence=[Evidence.from_dict(e) for e in data.get("evidence") or []],
            eval_log=str(data.get("eval_log", "")),
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
        evidence=list(grade.evidence),
        eval_log=grade.feedback,
    )
