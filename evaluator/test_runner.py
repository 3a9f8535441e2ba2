"""What one language's test runner provides to the grader (docs/integrity.md).

The grading core (`grading.grade_tests`) is language-agnostic: it lays out the answer and the
graded test files, runs a real and a control session under the grading supervisor in two fresh
sandboxes, and turns what it observed into a verdict (`verdict.decide`). A runner says which
tests the files declare, how to build their control versions, how to run them, and how to read
per-test outcomes and the runner's own finish record from what the supervisor captured.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from godelbox.evaluator.results import TestOutcome


@dataclass(frozen=True)
class Control:
    """One graded test made to fail whenever its original passes."""

    test_id: str
    description: str
    """Where and how it was inverted, for the evidence (`line 12: == 4 -> == 5`)."""


@dataclass(frozen=True)
class ControlSet:
    files: dict[str, str] = field(default_factory=dict)
    """Path -> control text, for every graded test file that holds a control."""
    controls: dict[str, Control] = field(default_factory=dict)
    """Test id -> its control; ids without one are graded uncontrolled."""


@dataclass(frozen=True)
class SessionSpec:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    events: bool = False
    """Open a pipe as fd 3 of the test process; its lines come back as `SessionResult.events`."""
    reports: tuple[str, ...] = ()
    """Files (relative to the repository, or absolute) read back after the run, e.g. a JUnit
    XML."""
    output_cap: int | None = None
    """Bytes of output kept, when the runner's default is too small (a log parser's input)."""
    report_cap: int | None = None
    """Bytes read of each report file, likewise."""


@dataclass(frozen=True)
class SessionResult:
    """What the supervisor observed of one test session."""

    ended: str
    """`exit`, or `timeout` when the supervisor stopped it at the time limit."""
    exit_status: int | None
    """The test process's exit status (negative: killed by that signal); None on timeout."""
    output: str
    events: str
    events_truncated: bool = False
    reports: dict[str, str | None] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    """Watched test files whose content differed after the run (rewritten or deleted)."""
    duration_s: float = 0.0


@dataclass(frozen=True)
class TestReport:
    """Per-test outcomes as the runner itself reported them (a claim, until the control run
    backs it), and its end-of-run record."""

    __test__ = False  # not a pytest test class, whatever its name

    outcomes: dict[str, TestOutcome]
    finished: bool
    """The runner's own end-of-session record was seen (a premature exit never writes it)."""
    exit_expected: int | None = None
    """The exit status that end record implies; a different process status is evidence."""
    collected: frozenset[str] | None = None
    """Ids the runner collected, when it says; a result for another id is evidence."""
    collect_errors: tuple[str, ...] = ()


class TestRunner(Protocol):
    __test__ = False

    name: str

    def expected_tests(self, files: Mapping[str, str]) -> list[str]:
        """Test ids declared in the graded test files (path -> text), found statically."""

    def controls(
        self,
        files: Mapping[str, str],
        test_ids: Sequence[str],
        rng: random.Random,
        seen: Mapping[str, str] | None = None,
    ) -> ControlSet:
        """Control versions of the test files: each listed test fails whenever its original
        passes, and nothing else about the files changes. `seen` holds the test files as the
        agent saw them (None: the tests are all visible anyway, e.g. Polyglot); a test whose
        source is there gets no control of its own."""

    def session(self, test_files: Sequence[str]) -> SessionSpec:
        """How to run the tests of `test_files` in the repository."""

    def read(self, session: SessionResult) -> TestReport:
        """Per-test outcomes and the finish record, from what the supervisor captured."""
