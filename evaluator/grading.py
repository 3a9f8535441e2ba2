"""Grade a patch in a fresh sandbox built from the pristine snapshot.

Order inside the grading sandbox: the pristine workspace is copied in; the answer, already
stripped of every change to tests or pytest control files (recorded as tampering), is applied
with the lenient chain of `patching.APPLY_SCRIPT`; only then do the hidden tests arrive (the
task's `test_patch`); pytest runs with the grader's own configuration and reporting plugin.
The agent never runs here, and nothing it wrote except its filtered diff is present.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from godelbox.evaluator import swebench_harness as harness
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.patching import (
    APPLIED_MARK,
    APPLY_SCRIPT,
    Guard,
    drop_guarded,
    pytest_reach,
    split_patch,
)
from godelbox.evaluator.pytest_report import (
    grader_files,
    outcomes_for,
    parse_report,
    pytest_command,
    pytest_env,
)
from godelbox.evaluator.results import Grade, TestOutcome
from godelbox.evaluator.workspace import full_view
from godelbox.sandbox.base import WORK_DIR, ExecResult, SandboxError

GRADE_ROOT = f"{WORK_DIR}/grade"
"""Copied in as one tree (one engine round trip): the workspace and the grader's files."""
REPO_DIR = f"{GRADE_ROOT}/repo"
GRADER_DIR = f"{GRADE_ROOT}/grader"
APPLY_TIMEOUT_S = 120.0
FEEDBACK_CAP = 6_000

GIT_IN_SANDBOX_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "HOME": "/tmp",
    # The workspace was copied in by the grader, not cloned: trust it explicitly.
    "GIT_CONFIG_COUNT": "1",
    "GIT_CONFIG_KEY_0": "safe.directory",
    "GIT_CONFIG_VALUE_0": "*",
}


@dataclass(frozen=True)
class PytestRun:
    ended: str
    exit_code: int | None
    reported: dict[str, TestOutcome]
    output: str


def grade_swebench(
    ctx: EvalContext,
    workspace: Path,
    patch: str,
    *,
    guard: Guard,
    test_patch: str,
    fail_to_pass: Sequence[str],
    pass_to_pass: Sequence[str],
    image: str | None = None,
    python: str = "python3",
    repo: str = "",
    version: str = "",
) -> Grade:
    """Resolved when every FAIL_TO_PASS and PASS_TO_PASS test passes after the answer and the
    hidden tests are applied. A repository of SWE-bench's own map (`swebench_harness.REPOS`)
    is graded as the official harness grades it: its test command, its log parser, its
    FULL/PARTIAL/NO rule; any other repository by pytest node ids with the grader's plugin."""
    started = time.monotonic()
    filtered = drop_guarded(patch, guard)
    tampering = filtered.tampering + _ignored_config_notes(filtered.patch)
    ids = list(dict.fromkeys([*fail_to_pass, *pass_to_pass]))
    command = harness.test_command(repo, version, test_patch)
    if command is not None:
        return _grade_harness(
            ctx,
            workspace,
            filtered.patch,
            test_patch,
            command,
            repo,
            fail_to_pass,
            pass_to_pass,
            image=image,
            tampering=tampering,
            started=started,
        )
    reach = pytest_reach(filtered.patch)
    if reach:
        return Grade("unresolved", reach[0], tampering=tampering + reach)
    try:
        run = _apply_and_test(
            ctx, workspace, filtered.patch, test_patch, ids, image=image, python=python
        )
    except _Stop as stop:
        return Grade(stop.outcome, stop.reason, tampering=tampering, duration_s=_since(started))
    except SandboxError as err:
        return Grade(
            "error",
            f"sandbox error while grading: {err}",
            tampering=tampering,
            duration_s=_since(started),
            infra=True,
        )
    tests = outcomes_for(ids, run.reported)
    outcome, reason = _verdict(run, tests, fail_to_pass, pass_to_pass)
    return Grade(
        outcome,
        reason,
        tests=tests,
        tampering=tampering,
        feedback=_tail(run.output, FEEDBACK_CAP),
        duration_s=_since(started),
    )


def grade_exit_code(
    ctx: EvalContext,
    workspace: Path,
    patch: str,
    *,
    guard: Guard,
    test_files: Sequence[str],
    image: str | None = None,
) -> Grade:
    """Polyglot rule: resolved when pytest over `test_files` exits 0 within the time limit.
    The test files are the pristine ones: any change to them was dropped from the answer."""
    started = time.monotonic()
    filtered = drop_guarded(patch, guard)
    reach = pytest_reach(filtered.patch)
    if reach:
        return Grade("unresolved", reach[0], tampering=filtered.tampering + reach)
    try:
        run = _apply_and_test(ctx, workspace, filtered.patch, "", list(test_files), image=image)
    except _Stop as stop:
        return Grade(
            stop.outcome, stop.reason, tampering=filtered.tampering, duration_s=_since(started)
        )
    except SandboxError as err:
        return Grade(
            "error",
            f"sandbox error while grading: {err}",
            tampering=filtered.tampering,
            duration_s=_since(started),
            infra=True,
        )
    if run.ended in ("timeout", "oom"):
        outcome, reason = _verdict(run, {}, [], [])
    elif run.exit_code == 0:
        outcome, reason = "resolved", f"pytest passed ({len(run.reported)} tests)"
    else:
        failing = sorted(k for k, v in run.reported.items() if v != "passed")
        shown = ", ".join(failing[:5]) or "no test reported"
        outcome, reason = "unresolved", f"pytest exit code {run.exit_code}: {shown}"
    return Grade(
        outcome,
        reason,
        tests=dict(run.reported),
        tampering=filtered.tampering,
        feedback=_tail(run.output, FEEDBACK_CAP),
        duration_s=_since(started),
    )


class _Stop(Exception):
    def __init__(self, outcome: str, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


STAGE_MARK = "GODELBOX-GRADE-STAGE"
REPORT_MARK = "GODELBOX-GRADE-REPORT"

GRADE_SCRIPT = f"""\
# The whole grading sequence in one exec (each exec costs a round trip to the engine). Output of
# the answer's code goes to files; only this script writes markers to its own stdout.
set -u
g={GRADER_DIR}
echo "{STAGE_MARK} apply"
bash "$g/apply.sh" "$g/model.patch" > "$g/apply.out" 2>&1
if ! grep -q "{APPLIED_MARK}" "$g/apply.out"; then
  tail -c 2000 "$g/apply.out"; echo "{STAGE_MARK} apply-failed"; exit 0
fi
if [ -s "$g/test.patch" ]; then
  if ! git apply --whitespace=nowarn "$g/test.patch" > "$g/hidden.out" 2>&1; then
    tail -c 2000 "$g/hidden.out"; echo "{STAGE_MARK} test-patch-failed"; exit 0
  fi
fi
echo "{STAGE_MARK} tests"
"$@" > "$g/pytest.out" 2>&1 < /dev/null
code=$?
tail -c 20000 "$g/pytest.out"
echo
echo "{STAGE_MARK} done $code"
printf '%s ' "{REPORT_MARK}"; cat "$g/report.json" 2>/dev/null; echo
"""


def _apply_and_test(
    ctx: EvalContext,
    workspace: Path,
    patch: str,
    test_patch: str,
    test_ids: list[str],
    *,
    image: str | None,
    python: str = "python3",
) -> PytestRun:
    with ctx.trash.temporary("godelbox-grade-") as tmp:
        root = tmp / "grade"
        full_view(workspace, root / "repo")
        grader = root / "grader"
        grader_files(grader, REPO_DIR)
        (grader / "apply.sh").write_text(APPLY_SCRIPT, encoding="utf-8")
        (grader / "grade.sh").write_text(GRADE_SCRIPT, encoding="utf-8")
        _write(grader / "model.patch", patch)
        _write(grader / "test.patch", test_patch)
        cmd = pytest_command(GRADER_DIR, REPO_DIR, _test_targets(test_ids))
        if python != "python3":
            cmd[0] = python
        with ctx.backend.start(ctx.spec(image)) as box:
            box.copy_in(root, GRADE_ROOT)
            result = box.run(
                ["bash", f"{GRADER_DIR}/grade.sh", *cmd],
                ctx.grade_timeout_s + APPLY_TIMEOUT_S,
                workdir=REPO_DIR,
                env={**GIT_IN_SANDBOX_ENV, **pytest_env(GRADER_DIR)},
            )
    return _read_grade_output(result)


def _read_grade_output(result: ExecResult) -> PytestRun:
    """Split the grade script's stdout at its stage markers (the last marker of each kind
    counts: markers are printed by the script after the answer's code has finished)."""
    stages: list[str] = []
    report = ""
    body: list[str] = []
    for line in result.stdout.splitlines():
        if line.startswith(STAGE_MARK):
            stages.append(line[len(STAGE_MARK) :].strip())
        elif line.startswith(REPORT_MARK):
            report = line[len(REPORT_MARK) :].strip()
        else:
            body.append(line)
    output = "\n".join(body)
    last = stages[-1] if stages else ""
    if last == "apply-failed":
        raise _Stop(
            "patch_failed",
            "patch failed to apply (git apply, git apply --3way and patch --fuzz=5 all "
            f"refused it): {_tail(output, 600)}",
        )
    if last == "test-patch-failed":
        raise _Stop(
            "error",
            f"the task's test_patch does not apply to the patched workspace: {_tail(output, 600)}",
        )
    if last in ("", "apply") or (last != "tests" and not last.startswith("done")):
        raise _Stop("error", f"grading stopped while applying the patch ({result.ended})")
    if last == "tests":
        return PytestRun(result.ended, None, {}, output + result.stderr)
    code = int(last.split()[1])
    return PytestRun(result.ended, code, parse_report(report), output + result.stderr)


def _test_targets(test_ids: list[str]) -> list[str]:
    """Whole files for node ids, so one id that no longer exists cannot abort the run."""
    return list(dict.fromkeys(test_id.split("::", 1)[0] for test_id in test_ids))


def _verdict(
    run: PytestRun,
    tests: dict[str, TestOutcome],
    fail_to_pass: Sequence[str],
    pass_to_pass: Sequence[str],
) -> tuple[str, str]:
    if run.ended == "timeout":
        return "timeout", "the tests did not finish within the time limit"
    if run.ended == "oom":
        return "oom", "the tests ran out of memory"
    if run.ended == "output_cap":
        return "error", "the tests printed more output than the cap allows"
    if not tests:
        return "error", "no tests to run"
    if not run.reported and run.exit_code not in (0, 1):
        return "error", f"pytest exit code {run.exit_code}: {_tail(run.output, 600)}"
    if all(outcome == "passed" for outcome in tests.values()):
        return "resolved", f"all {len(tests)} tests pass"
    bad_f2p = [t for t in fail_to_pass if tests.get(t) != "passed"]
    bad_p2p = [t for t in pass_to_pass if tests.get(t) != "passed"]
    parts = []
    if bad_f2p:
        parts.append(f"FAIL_TO_PASS not passing: {_names(bad_f2p, tests)}")
    if bad_p2p:
        parts.append(f"PASS_TO_PASS broken: {_names(bad_p2p, tests)}")
    return "unresolved", "; ".join(parts)


def _names(ids: list[str], tests: dict[str, TestOutcome]) -> str:
    shown = ", ".join(f"{i} ({tests.get(i, 'missing')})" for i in ids[:5])
    return shown + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def _ignored_config_notes(patch: str) -> list[str]:
    """Config files the grader ignores anyway (it passes its own -c): note attempts to set
    pytest options in them, since an honest fix rarely needs to."""
    notes = []
    for section in split_patch(patch):
        name = (section.new_path or section.old_path or "").rsplit("/", 1)[-1]
        if name in ("setup.cfg", "pyproject.toml") and "pytest" in section.text:
            notes.append(f"{name}: pytest settings changed (ignored: the grader uses its own)")
    return notes


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8", "surrogateescape"))


def _tail(text: str, cap: int) -> str:
    text = text.strip()
    return text if len(text) <= cap else "..." + text[-cap:]


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


HARNESS_LOG_CAP = 800_000
"""Bytes of an official test log read back (the sandbox's output cap is larger)."""

HARNESS_SCRIPT = f"""\
# The official harness's test step: markers around the repository's own test command, then its
# exit code. An official image's conda environment is activated; PYTHONPATH puts this copy of
# the repository ahead of the image's editable install of /testbed.
set -u
g={GRADER_DIR}
echo "{STAGE_MARK} apply"
bash "$g/apply.sh" "$g/model.patch" > "$g/apply.out" 2>&1
if ! grep -q "{APPLIED_MARK}" "$g/apply.out"; then
  tail -c 2000 "$g/apply.out"; echo "{STAGE_MARK} apply-failed"; exit 0
fi
if [ -s "$g/test.patch" ]; then
  if ! git apply -v --whitespace=nowarn "$g/test.patch" > "$g/hidden.out" 2>&1; then
    tail -c 2000 "$g/hidden.out"; echo "{STAGE_MARK} test-patch-failed"; exit 0
  fi
fi
echo "{STAGE_MARK} tests"
{{
  if [ -f /opt/miniconda3/bin/activate ]; then
    . /opt/miniconda3/bin/activate && conda activate testbed
  fi
  echo "{harness.START_TEST_OUTPUT}"
  bash "$g/test.sh" < /dev/null
  code=$?
  echo "{harness.END_TEST_OUTPUT}"
  echo "{harness.TEST_EXIT_CODE}: $code"
}} > "$g/test.log" 2>&1
head -c {HARNESS_LOG_CAP} "$g/test.log"
echo
echo "{STAGE_MARK} done 0"
"""


def _grade_harness(
    ctx: EvalContext,
    workspace: Path,
    patch: str,
    test_patch: str,
    command: str,
    repo: str,
    fail_to_pass: Sequence[str],
    pass_to_pass: Sequence[str],
    *,
    image: str | None,
    tampering: list[str],
    started: float,
) -> Grade:
    try:
        with ctx.trash.temporary("godelbox-grade-") as tmp:
            root = tmp / "grade"
            full_view(workspace, root / "repo")
            grader = root / "grader"
            grader.mkdir(parents=True)
            (grader / "apply.sh").write_text(APPLY_SCRIPT, encoding="utf-8")
            (grader / "grade.sh").write_text(HARNESS_SCRIPT, encoding="utf-8")
            (grader / "test.sh").write_text(command + "\n", encoding="utf-8")
            _write(grader / "model.patch", patch)
            _write(grader / "test.patch", test_patch)
            with ctx.backend.start(ctx.spec(image)) as box:
                box.copy_in(root, GRADE_ROOT)
                result = box.run(
                    ["bash", f"{GRADER_DIR}/grade.sh"],
                    ctx.grade_timeout_s + APPLY_TIMEOUT_S,
                    workdir=REPO_DIR,
                    env={**GIT_IN_SANDBOX_ENV, "PYTHONPATH": REPO_DIR, "TMPDIR": "/tmp"},
                )
        run = _read_grade_output(result)
    except _Stop as stop:
        return Grade(stop.outcome, stop.reason, tampering=tampering, duration_s=_since(started))
    except SandboxError as err:
        return Grade(
            "error",
            f"sandbox error while grading: {err}",
            tampering=tampering,
            duration_s=_since(started),
            infra=True,
        )
    ids = list(dict.fromkeys([*fail_to_pass, *pass_to_pass]))
    if run.ended in ("timeout", "oom", "output_cap"):
        outcome, reason = _verdict(run, {}, [], [])
        return Grade(outcome, reason, tampering=tampering, duration_s=_since(started))
    statuses, valid = harness.read_log(run.output, repo)
    tests = harness.outcomes(statuses, ids)
    report = harness.tests_report(statuses, fail_to_pass, pass_to_pass)
    status = harness.resolution(report) if valid else harness.Resolution.NO
    if not valid:
        reason = "the test log holds no result the harness accepts (tests did not run)"
    elif status is harness.Resolution.FULL:
        reason = f"{status.value}: all {len(ids)} tests pass"
    else:
        parts = []
        if report.f2p_failure:
            parts.append(f"FAIL_TO_PASS not passing: {_names(report.f2p_failure, tests)}")
        if report.p2p_failure:
            parts.append(f"PASS_TO_PASS broken: {_names(report.p2p_failure, tests)}")
        reason = f"{status.value}: " + "; ".join(parts)
    return Grade(
        "resolved" if status is harness.Resolution.FULL else "unresolved",
        reason,
        tests=tests,
        tampering=tampering,
        feedback=_tail(run.output, FEEDBACK_CAP),
        duration_s=_since(started),
    )
