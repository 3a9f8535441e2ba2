"""The verdict from observations, without sandboxes: each kind of evidence makes a grade
`tampered`, missing evidence of a genuine pass is never `resolved`, and honest runs are graded
as before. Observations are built the way `grading.observe` builds them."""

from __future__ import annotations

import json

import pytest

from godelbox.evaluator.grading import observe
from godelbox.evaluator.pytest_report import PytestRunner
from godelbox.evaluator.results import Grade
from godelbox.evaluator.test_runner import Control
from godelbox.evaluator.verdict import RunView, decide
from godelbox.sandbox.base import ExecResult

RUNNER = PytestRunner("/g", "/r")
F2P = "tests/t.py::test_fix"
P2P = "tests/t.py::test_old"
IDS = [F2P, P2P]
CONTROLS = {F2P: Control(F2P, "line 3: `4` -> `5`"), P2P: Control(P2P, "line 7: `==` -> `!=`")}


def events(outcomes: dict[str, str], finished: int | None, collected=None) -> str:
    lines = [json.dumps({"collected": list(collected if collected is not None else outcomes)})]
    lines += [json.dumps({"test": t, "when": "call", "outcome": o}) for t, o in outcomes.items()]
    if finished is not None:
        lines.append(json.dumps({"finished": finished}))
    return "\n".join(lines) + "\n"


def run(
    name: str,
    outcomes: dict[str, str],
    *,
    finished: int | None = 0,
    exit_status: int = 0,
    changed: tuple[str, ...] = (),
    collected=None,
) -> RunView:
    verdict = {
        "stage": "done",
        "ended": "exit",
        "exit": exit_status,
        "output": "",
        "events": events(outcomes, finished, collected),
        "changed": list(changed),
        "reports": {},
    }
    stdout = "GODELBOX-VERDICT " + json.dumps(verdict) + "\n"
    return observe(name, ExecResult(0, stdout, "", 1.0, "exit"), RUNNER)


PASSED = {F2P: "passed", P2P: "passed"}
TWINS_FAIL = {F2P: "failed", P2P: "failed"}


def judge(real: RunView, control: RunView | None = None):
    return decide(real, control, required=IDS, controls=CONTROLS, fail_to_pass=[F2P])


def test_an_honest_pass_with_failing_twins_is_resolved():
    decision = judge(run("real", PASSED), run("control", TWINS_FAIL, finished=1, exit_status=1))
    assert decision.outcome == "resolved" and not decision.evidence
    assert "none of their 2 inverted twins passes" in decision.reason


def test_a_twin_that_passes_where_its_original_passed_is_evidence():
    decision = judge(run("real", PASSED), run("control", PASSED))
    assert decision.outcome == "tampered"
    assert [e.kind for e in decision.evidence] == ["control_passed", "control_passed"]
    assert "line 3: `4` -> `5`" in decision.evidence[0].detail
    # A twin passing where its original failed is an honest wrong answer, never evidence.
    wrong = judge(
        run("real", {F2P: "failed", P2P: "passed"}, finished=1, exit_status=1),
        run("control", {F2P: "passed", P2P: "failed"}, finished=1, exit_status=1),
    )
    assert wrong.outcome == "unresolved" and "FAIL_TO_PASS not passing" in wrong.reason


@pytest.mark.parametrize(
    ("real", "kind"),
    [
        (run("real", {}, finished=None, exit_status=0), "exit_before_finish"),
        (
            run("real", {F2P: "failed", P2P: "passed"}, finished=1, exit_status=0),
            "exit_status_forged",
        ),
        (run("real", PASSED, changed=("tests/t.py",)), "test_file_changed"),
        (
            run("real", {**PASSED, "tests/t.py::ghost": "passed"}, collected=IDS),
            "uncollected_report",
        ),
        (observe("real", ExecResult(137, "", "", 1.0, "exit"), RUNNER), "grader_killed"),
    ],
)
def test_each_observation_of_forgery_is_evidence(real, kind):
    decision = judge(real, run("control", TWINS_FAIL, finished=1, exit_status=1))
    assert decision.outcome == "tampered"
    assert kind in [e.kind for e in decision.evidence]


def test_evidence_from_the_control_run_alone_counts():
    killed = observe("control", ExecResult(137, "", "", 1.0, "exit"), RUNNER)
    decision = judge(run("real", PASSED), killed)
    assert decision.outcome == "tampered" and decision.evidence[0].run == "control"


@pytest.mark.parametrize(
    "control",
    [
        run("control", {}, finished=None, exit_status=1),  # crashed before finishing
        run("control", {F2P: "failed"}, finished=1, exit_status=1),  # a twin never reported
        observe("control", ExecResult(None, "", "", 9.0, "timeout"), RUNNER),
    ],
)
def test_a_pass_the_control_run_cannot_vouch_for_is_not_resolved(control):
    decision = judge(run("real", PASSED), control)
    assert decision.outcome == "unresolved" and "control run" in decision.reason


def test_a_control_sandbox_that_failed_is_a_harness_error_not_a_verdict():
    broken = RunView("control", "error", "sandbox error while grading: engine gone")
    decision = judge(run("real", PASSED), broken)
    assert decision.outcome == "error" and decision.infra and "engine gone" in decision.reason


def test_runs_that_end_without_a_verdict():
    nothing = observe("real", ExecResult(1, "", "Traceback: boom", 1.0, "exit"), RUNNER)
    decision = judge(nothing)
    assert decision.outcome == "error" and decision.infra and "boom" in decision.reason
    crashed = judge(run("real", {F2P: "passed"}, finished=None, exit_status=-11))
    assert crashed.outcome == "unresolved" and "did not finish" in crashed.reason
    oom = judge(observe("real", ExecResult(None, "", "", 1.0, "oom"), RUNNER))
    assert oom.outcome == "oom"
    apply_failed = 'GODELBOX-VERDICT {"stage": "apply-failed", "output": "x"}\n'
    failed = observe("real", ExecResult(0, apply_failed, "", 1.0, "exit"), RUNNER)
    assert judge(failed).outcome == "patch_failed"


def test_a_fake_verdict_line_among_other_output_is_not_read_as_ours():
    # Only the last line carrying the mark counts, and the supervisor prints it last; output of
    # the tests travels inside its JSON, never as a line of its own.
    forged = "GODELBOX-VERDICT " + json.dumps({"stage": "done", "ended": "exit", "exit": 0})
    real = run("real", {F2P: "failed", P2P: "passed"}, finished=1, exit_status=1)
    assert real.session is not None
    stdout = (
        forged
        + "\n"
        + "GODELBOX-VERDICT "
        + json.dumps(
            {
                "stage": "done",
                "ended": "exit",
                "exit": 1,
                "output": forged,
                "events": real.session.events,
                "changed": [],
            }
        )
    )
    view = observe("real", ExecResult(0, stdout, "", 1.0, "exit"), RUNNER)
    assert judge(view).outcome == "unresolved"


def test_an_untrusted_answer_without_any_control_says_so():
    decision = decide(run("real", PASSED), None, required=IDS, controls={}, control_wanted=True)
    assert decision.outcome == "resolved" and "no control test could be built" in decision.reason


def test_grades_are_tampered_exactly_when_they_carry_evidence():
    with pytest.raises(ValueError, match="exactly when"):
        Grade("tampered", "no evidence")
    with pytest.raises(ValueError, match="exactly when"):
        Grade("resolved", "x", evidence=judge(run("real", PASSED), run("control", PASSED)).evidence)
