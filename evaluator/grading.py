"""Grade a patch in fresh sandboxes built from the pristine snapshot (docs/integrity.md).

Each grading sandbox gets the pristine workspace and the grader's own files; the answer, already
stripped of every change to tests or pytest control files (recorded as tampering), is applied
there with the lenient chain of `patching.APPLY_SCRIPT`; only then do the hidden tests arrive
(the task's `test_patch`), and the graded test files are written as the host computed them. The
grading supervisor does all of this and runs the tests; it is the only process whose output the
host reads. An untrusted answer is graded twice at once, in two sandboxes: the real run and the
control run, whose test files have one assertion per test inverted. `verdict.decide` turns both
into the grade. The agent never runs here, and nothing it wrote except its filtered diff is
present.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
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
from godelbox.evaluator.pytest_report import PytestRunner, grader_files, test_files
from godelbox.evaluator.results import Grade
from godelbox.evaluator.test_runner import ControlSet, SessionResult, SessionSpec, TestRunner
from godelbox.evaluator.verdict import Decision, RunView, decide
from godelbox.evaluator.workspace import full_view, git_env
from godelbox.sandbox.base import WORK_DIR, ExecResult, SandboxError

GRADE_ROOT = f"{WORK_DIR}/grade"
"""Copied in as one tree (one engine round trip): the workspace and the grader's files."""
REPO_DIR = f"{GRADE_ROOT}/repo"
GRADER_DIR = f"{GRADE_ROOT}/grader"
APPLY_TIMEOUT_S = 120.0
FEEDBACK_CAP = 6_000
OUTPUT_CAP = 24_000
EVENTS_CAP = 600_000
"""Event bytes kept per run: the verdict line must stay under the sandbox's output cap."""
REPORT_CAP = 200_000
VERDICT_MARK = "GODELBOX-VERDICT "

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
class _Job:
    name: str
    files: Mapping[str, str]


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
    control: bool = True,
) -> Grade:
    """Resolved when every FAIL_TO_PASS and PASS_TO_PASS test passes after the answer and the
    hidden tests are applied, and nothing shows the pass was forged. A repository of SWE-bench's
    own map (`swebench_harness.REPOS`) runs its official test command and log parser under the
    grading supervisor (`swebench_harness.HarnessRunner`); any other by pytest node ids."""
    ids = list(dict.fromkeys([*fail_to_pass, *pass_to_pass]))
    command = harness.test_command(repo, version, test_patch)
    runner: TestRunner = (
        PytestRunner(GRADER_DIR, REPO_DIR, python)
        if command is None
        else harness.HarnessRunner(
            repo, command, tuple(fail_to_pass), tuple(pass_to_pass), REPO_DIR
        )
    )
    grade = grade_tests(
        ctx,
        workspace,
        patch,
        guard=guard,
        runner=runner,
        test_files=test_files(ids) if command is None else harness.test_files(test_patch),
        required=ids,
        fail_to_pass=fail_to_pass,
        test_patch=test_patch,
        image=image,
        control=control,
    )
    if command is None or grade.outcome not in ("resolved", "unresolved"):
        return grade
    status = harness.resolution(
        harness.TestsReport(
            [t for t in fail_to_pass if grade.tests.get(t) == "passed"],
            [t for t in fail_to_pass if grade.tests.get(t) != "passed"],
            [t for t in pass_to_pass if grade.tests.get(t) == "passed"],
            [t for t in pass_to_pass if grade.tests.get(t) != "passed"],
        )
    )
    if grade.outcome == "resolved" and status is not harness.Resolution.FULL:
        return replace(grade, outcome="unresolved", reason=f"{status.value}: {grade.reason}")
    return replace(grade, reason=f"{status.value}: {grade.reason}")


def grade_test_files(
    ctx: EvalContext,
    workspace: Path,
    patch: str,
    *,
    guard: Guard,
    test_files: Sequence[str],
    image: str | None = None,
    control: bool = True,
) -> Grade:
    """Polyglot rule (Python track): resolved when every test the pristine `test_files`
    declare passes. The test files are the pristine ones: any change to them was dropped."""
    return grade_tests(
        ctx,
        workspace,
        patch,
        guard=guard,
        runner=PytestRunner(GRADER_DIR, REPO_DIR),
        test_files=list(test_files),
        image=image,
        control=control,
    )


def grade_tests(
    ctx: EvalContext,
    workspace: Path,
    patch: str,
    *,
    guard: Guard,
    runner: TestRunner,
    test_files: Sequence[str],
    required: Sequence[str] | None = None,
    fail_to_pass: Sequence[str] = (),
    test_patch: str = "",
    image: str | None = None,
    control: bool = True,
    rng: random.Random | None = None,
    repo_dir: str = REPO_DIR,
    enable: Callable[[str, str], str] | None = None,
) -> Grade:
    """The grading core, for any `TestRunner`. `required` are the test ids a pass needs (None:
    every test the files declare). A non-empty answer gets a control run unless `control` is
    False (only for measuring what the control costs: never for untrusted answers).
    `repo_dir`: where the repository sits in the sandbox (a C++ exercise takes its name from
    its directory). `enable(path, text)`: the benchmark's own edits to its test files (Aider
    turns skipped tests on), made here so the tests run from exactly the hashed files."""
    started = time.monotonic()
    filtered = drop_guarded(patch, guard)
    tampering = filtered.tampering + _ignored_config_notes(filtered.patch)
    reach = pytest_reach(filtered.patch) if isinstance(runner, PytestRunner) else []
    graded = graded_files(workspace, test_patch, test_files)
    if enable is not None:
        graded = {path: enable(path, text) for path, text in graded.items()}
    declared = required is None
    ids = runner.expected_tests(graded) if required is None else list(required)
    wanted = control and bool(filtered.patch.strip())
    controls = (
        _controls(runner, workspace, graded, ids, test_patch, test_files, rng)
        if wanted
        else ControlSet()
    )
    jobs = [_Job("real", graded)]
    if controls.controls:
        jobs.append(_Job("control", {**graded, **controls.files}))
    spec = runner.session(test_files)
    with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="godelbox-grade") as pool:
        runs = [
            pool.submit(
                _run,
                ctx,
                workspace,
                filtered.patch,
                test_patch,
                job,
                test_files,
                spec,
                runner,
                image,
                repo_dir,
            )
            for job in jobs
        ]
        views = [run.result() for run in runs]
    decision = decide(
        views[0],
        views[1] if len(views) > 1 else None,
        required=ids,
        controls=controls.controls,
        declared=declared,
        fail_to_pass=fail_to_pass,
        control_wanted=wanted,
    )
    if reach and decision.outcome != "tampered":
        decision = Decision("unresolved", reach[0], decision.tests)
        tampering += reach
    session = views[0].session
    return Grade(
        decision.outcome,  # type: ignore[arg-type]
        decision.reason,
        tests=decision.tests,
        tampering=tampering,
        feedback=_tail(session.output, FEEDBACK_CAP) if session else views[0].detail,
        duration_s=_since(started),
        infra=decision.infra,
        evidence=decision.evidence,
    )


def _controls(
    runner: TestRunner,
    workspace: Path,
    graded: Mapping[str, str],
    ids: Sequence[str],
    test_patch: str,
    test_files: Sequence[str],
    rng: random.Random | None,
) -> ControlSet:
    """The control run's test files, drawn from `rng` (default: `os.urandom`, per grading).
    With hidden tests the agent saw the pristine test files: only what it never saw gets a
    control (the inverted twin of a remembered test would be recognisable)."""
    seen = graded_files(workspace, "", test_files) if test_patch.strip() else None
    return runner.controls(graded, ids, rng or random.Random(os.urandom(32)), seen)


def graded_files(workspace: Path, test_patch: str, paths: Sequence[str]) -> dict[str, str]:
    """The graded test files as the tests will see them: the pristine files with the hidden
    tests (`test_patch`, trusted benchmark data) applied, computed here on the host so the
    sandbox gets their exact text (and the control run its inverted twin). Files that exist in
    neither are left out."""
    with tempfile.TemporaryDirectory(prefix="godelbox-graded-") as name:
        tmp = Path(name)
        for rel in paths:
            source = workspace / rel
            if source.is_file() and not source.is_symlink():
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, tmp / rel)
        touched = {p for section in split_patch(test_patch) for p in section.paths}
        mine = [p for p in paths if p in touched]
        if mine:
            subprocess.run(
                ["git", "apply", "--whitespace=nowarn", *(f"--include={p}" for p in mine), "-"],
                cwd=tmp,
                env=git_env(tmp),
                input=test_patch.encode("utf-8", "surrogateescape"),
                capture_output=True,
                check=False,
            )
        return {
            rel: (tmp / rel).read_bytes().decode("utf-8", "surrogateescape")
            for rel in paths
            if (tmp / rel).is_file()
        }


def _run(
    ctx: EvalContext,
    workspace: Path,
    patch: str,
    test_patch: str,
    job: _Job,
    watch: Sequence[str],
    spec: SessionSpec,
    runner: TestRunner,
    image: str | None,
    repo_dir: str = REPO_DIR,
) -> RunView:
    """One grading sandbox under the supervisor; its observation."""
    supervisor_job = {
        "repo": repo_dir,
        "apply_script": f"{GRADER_DIR}/apply.sh",
        "applied_mark": APPLIED_MARK,
        "patch": f"{GRADER_DIR}/model.patch" if patch.strip() else "",
        "test_patch": f"{GRADER_DIR}/test.patch" if test_patch.strip() else "",
        "git_env": GIT_IN_SANDBOX_ENV,
        "files": dict(job.files),
        "watch": list(watch),
        "argv": spec.argv,
        "env": spec.env,
        "events": spec.events,
        "reports": list(spec.reports),
        "timeout_s": ctx.grade_timeout_s,
        "output_cap": spec.output_cap or OUTPUT_CAP,
        "events_cap": EVENTS_CAP,
        "report_cap": spec.report_cap or REPORT_CAP,
        "sweep": True,
    }
    stdin = json.dumps(supervisor_job).encode("utf-8", "surrogateescape")
    try:
        with ctx.trash.temporary("godelbox-grade-") as tmp:
            root = tmp / "grade"
            full_view(workspace, root / repo_dir.rsplit("/", 1)[-1])
            grader = root / "grader"
            grader_files(grader, REPO_DIR)
            (grader / "apply.sh").write_text(APPLY_SCRIPT, encoding="utf-8")
            _write(grader / "model.patch", patch)
            _write(grader / "test.patch", test_patch)
            with ctx.backend.start(ctx.spec(image)) as box:
                box.copy_in(root, GRADE_ROOT)
                result = box.run(
                    ["python3", "-I", "-B", f"{GRADER_DIR}/supervise.py"],
                    ctx.grade_timeout_s + APPLY_TIMEOUT_S + 30.0,
                    workdir=repo_dir,
                    env=GIT_IN_SANDBOX_ENV,
                    stdin=stdin,
                )
    except SandboxError as err:
        return RunView(job.name, "error", f"sandbox error while grading: {err}")
    return observe(job.name, result, runner)


def observe(name: str, result: ExecResult, runner: TestRunner) -> RunView:
    """A grading sandbox's exec, read: the supervisor's verdict line, or why there is none."""
    if result.ended in ("timeout", "oom"):
        return RunView(name, result.ended, f"the grading run ended: {result.ended}")
    if result.ended == "output_cap":
        return RunView(name, "error", "the grading supervisor printed more than the output cap")
    verdict = _verdict_line(result.stdout)
    if verdict is None:
        signal = observe_signal(result.exit_code)
        if signal is not None:
            return RunView(
                name,
                "killed",
                f"the grading supervisor died by signal {signal} (exit status "
                f"{result.exit_code}) before its verdict; only a process inside the sandbox "
                "could have sent it",
            )
        return RunView(
            name,
            "error",
            f"the grading supervisor ended (exit {result.exit_code}) without a verdict: "
            f"{_tail(result.stderr, 600)}",
        )
    stage = str(verdict.get("stage", ""))
    if stage in ("apply-failed", "test-patch-failed"):
        return RunView(name, stage, str(verdict.get("output", "")))
    if stage != "done":
        return RunView(name, "error", f"grading supervisor failed: {verdict.get('error', stage)}")
    session = SessionResult(
        ended=str(verdict["ended"]),
        exit_status=verdict.get("exit"),
        output=str(verdict.get("output", "")),
        events=str(verdict.get("events", "")),
        events_truncated=bool(verdict.get("events_truncated")),
        reports=dict(verdict.get("reports") or {}),
        changed=[str(p) for p in verdict.get("changed") or []],
        duration_s=float(verdict.get("test_s", 0.0)),
    )
    return RunView(name, "done", session=session, report=runner.read(session))


def _verdict_line(stdout: str) -> dict | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(VERDICT_MARK):
            try:
                data = json.loads(line[len(VERDICT_MARK) :])
            except json.JSONDecodeError:
                return None
            return data if isinstance(data, dict) else None
    return None


def observe_signal(code: int | None) -> int | None:
    """The signal that ended a process, from its exit status as an exec reports it (128+N from
    docker and bwrap, -N from a plain subprocess)."""
    if code is None:
        return None
    if code < 0:
        return -code
    if 128 < code <= 128 + 64:
        return code - 128
    return None


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
