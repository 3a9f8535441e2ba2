"""Grade a Polyglot answer: its tests' per-test report, checked against must-fail controls.

Inside one fresh sandbox of the Polyglot image: the pristine exercise (tests included) is copied
in, the answer (only solution files survived the guard) is applied, one must-fail control test
with a fresh name is added, and the track's runner writes its structured report. The verdict
reads only that report: resolved when at least one exercise test passed, none failed, and the
control test is reported failed. A control reported passed (or skipped), or missing while the
exercise's tests are there, means the report does not describe an honest run: never resolved,
recorded as tampering. The exit code is shown but decides nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.grading import APPLY_TIMEOUT_S, GIT_IN_SANDBOX_ENV
from godelbox.evaluator.patching import APPLIED_MARK, APPLY_SCRIPT, Guard, drop_guarded
from godelbox.evaluator.polyglot_tracks import (
    ControlFile,
    Track,
    control_name,
    decode_report,
    encode_report,
)
from godelbox.evaluator.results import Grade, TestOutcome
from godelbox.evaluator.workspace import full_view
from godelbox.sandbox.base import WORK_DIR, ExecResult, SandboxError

ROOT = f"{WORK_DIR}/grade"
GRADER_DIR = f"{ROOT}/grader"
REPORT_DIR = f"{GRADER_DIR}/report"
FEEDBACK_LINES = 50
"""Aider feeds the first 50 lines of the test output to the second try."""
OUTPUT_TAIL = 20_000

STAGE = "GODELBOX-POLYGLOT-STAGE"
REPORT = "GODELBOX-POLYGLOT-REPORT"

GRADE_SCRIPT = f"""\
# One exec: apply the answer, add the controls, run the track's tests, print the report.
# Output of the answer's code goes to files; only this script writes markers.
set -u
export G={GRADER_DIR} R={REPORT_DIR}
mkdir -p "$R"
echo "{STAGE} apply"
bash "$G/apply.sh" "$G/model.patch" > "$G/apply.out" 2>&1
if ! grep -q "{APPLIED_MARK}" "$G/apply.out"; then
  tail -c 2000 "$G/apply.out"; echo "{STAGE} apply-failed"; exit 0
fi
while IFS= read -r spec; do
  mode=${{spec%% *}}; path=${{spec#* }}
  mkdir -p "$(dirname "$path")"
  if [ "$mode" = append ]; then cat "$G/control/$path" >> "$path"
  else cp "$G/control/$path" "$path"; fi
done < "$G/controls"
echo "{STAGE} tests"
bash "$G/track.sh" > "$G/test.out" 2>&1 < /dev/null
code=$?
tail -c {OUTPUT_TAIL} "$G/test.out"
echo
echo "{STAGE} done $code"
printf '%s ' "{REPORT}"; {encode_report(f"{REPORT_DIR}/report")}; echo
"""


@dataclass(frozen=True)
class TrackRun:
    ended: str
    stage: str
    exit_code: int | None
    report: str
    output: str


def grade_polyglot(
    ctx: EvalContext,
    track: Track,
    workspace: Path,
    patch: str,
    *,
    slug: str,
    guard: Guard,
    test_files: tuple[str, ...],
    image: str,
) -> Grade:
    """`slug` names the exercise's directory in the sandbox: the C++ exercises' CMakeLists
    take the exercise's name from it."""
    started = time.monotonic()
    filtered = drop_guarded(patch, guard)
    name = control_name()
    controls = track.control(name, workspace)
    try:
        run = _run(ctx, track, workspace, filtered.patch, test_files, controls, image, slug)
    except SandboxError as err:
        return Grade(
            "error",
            f"sandbox error while grading: {err}",
            tampering=filtered.tampering,
            duration_s=_since(started),
            infra=True,
        )
    outcome, reason, tests, tampering = verdict(run, track, name)
    return Grade(
        outcome,
        reason,
        tests=tests,
        tampering=filtered.tampering + tampering,
        feedback=feedback(run.output, name),
        duration_s=_since(started),
    )


def verdict(
    run: TrackRun, track: Track, control: str
) -> tuple[str, str, dict[str, TestOutcome], list[str]]:
    """(outcome, reason, exercise tests, tampering) from a finished run."""
    if run.ended == "timeout":
        return "timeout", "the tests did not finish within the time limit", {}, []
    if run.ended == "oom":
        return "oom", "the tests ran out of memory", {}, []
    if run.ended == "output_cap":
        return "error", "the tests printed more output than the cap allows", {}, []
    if run.stage == "apply-failed":
        return "patch_failed", f"patch failed to apply: {_tail(run.output, 600)}", {}, []
    if not run.stage.startswith("done"):
        return "error", f"grading stopped at stage {run.stage or 'start'!r} ({run.ended})", {}, []
    reported = track.parse(run.report)
    cid = track.control_id(control)
    keys = [k for k in reported if k == cid or k.endswith("." + cid)]
    tests = {k: v for k, v in reported.items() if k not in keys}
    if not tests:
        why = "the tests did not build or run" if not reported else "no exercise test reported"
        return "unresolved", f"{why} (exit code {run.exit_code})", {}, []
    bad = sorted(k for k, v in tests.items() if v in ("failed", "error"))
    if not keys and bad:
        # e.g. a Go panic ends the test binary: the tests after it never report
        why = f"{len(bad)} of {len(tests)} tests fail and the run ended before all tests ran"
        return "unresolved", why, tests, []
    if not keys:
        note = "the harness's control test is missing from the report: it does not describe the run"
        return "unresolved", note, tests, [note]
    if any(reported[k] != "failed" for k in keys):
        note = f"the harness's must-fail control test was reported {reported[keys[0]]}"
        return "unresolved", note, tests, [note]
    passed = sum(v == "passed" for v in tests.values())
    if not bad and passed:
        return "resolved", f"all {passed} tests pass", tests, []
    shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
    return "unresolved", f"{len(bad)} of {len(tests)} tests fail: {shown}", tests, []


def feedback(output: str, control: str) -> str:
    """The test output as Aider shows it on the second try (its first 50 lines), without
    the lines about the harness's control test."""
    token = control.removeprefix("test_")
    lines = [line for line in output.strip().splitlines() if token not in line]
    return "\n".join(lines[:FEEDBACK_LINES])


def _run(
    ctx: EvalContext,
    track: Track,
    workspace: Path,
    patch: str,
    test_files: tuple[str, ...],
    controls: list[ControlFile],
    image: str,
    slug: str,
) -> TrackRun:
    slug = "".join(c if c.isalnum() or c in "-_" else "_" for c in slug) or "exercise"
    with ctx.trash.temporary("godelbox-polyglot-grade-") as tmp:
        root = tmp / "grade"
        full_view(workspace, root / slug)
        grader = root / "grader"
        (grader / "control").mkdir(parents=True)
        specs = []
        for control in controls:
            target = grader / "control" / control.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(control.text, encoding="utf-8")
            specs.append(f"{'append' if control.append else 'create'} {control.path}")
        (grader / "controls").write_text("".join(s + "\n" for s in specs), encoding="utf-8")
        created = [c.path for c in controls if not c.append]
        (grader / "tests").write_text(
            "".join(t + "\n" for t in (*test_files, *created)), encoding="utf-8"
        )
        (grader / "apply.sh").write_text(APPLY_SCRIPT, encoding="utf-8")
        (grader / "track.sh").write_text(track.script, encoding="utf-8")
        (grader / "grade.sh").write_text(GRADE_SCRIPT, encoding="utf-8")
        (grader / "model.patch").write_bytes(patch.encode("utf-8", "surrogateescape"))
        with ctx.backend.start(ctx.spec(image)) as box:
            box.copy_in(root, ROOT)
            result = box.run(
                ["bash", f"{GRADER_DIR}/grade.sh"],
                ctx.grade_timeout_s + APPLY_TIMEOUT_S,
                workdir=f"{ROOT}/{slug}",
                env={**GIT_IN_SANDBOX_ENV, "HOME": "/tmp", "TMPDIR": "/tmp"},
            )
    return read_run(result)


def read_run(result: ExecResult) -> TrackRun:
    """Split the grade script's stdout at its markers (the last of each kind counts: they are
    printed after the answer's code has finished)."""
    stage, report, body = "", "", []
    for line in result.stdout.splitlines():
        if line.startswith(STAGE):
            stage = line[len(STAGE) :].strip()
        elif line.startswith(REPORT):
            report = decode_report(line[len(REPORT) :])
        else:
            body.append(line)
    code = None
    if stage.startswith("done"):
        parts = stage.split()
        code = int(parts[1]) if len(parts) > 1 and parts[1].lstrip("-").isdigit() else None
    return TrackRun(result.ended, stage, code, report, "\n".join(body) + result.stderr)


def _tail(text: str, cap: int) -> str:
    text = text.strip()
    return text if len(text) <= cap else "..." + text[-cap:]


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)
