"""The benchmark communities' own report formats, written from an evaluation's results.

- SWE-bench: the harness's run report (schema version 2: `total_instances`, `submitted_instances`,
  `completed_instances`, `resolved_instances`, ..., the id lists, `schema_version`), named
  `<model_name_or_path with / as __>.<run_id>.json`, and one `report.json` per instance under
  `<model>/<instance_id>/` (`patch_is_None`, `patch_exists`, `patch_successfully_applied`,
  `resolved`, `tests_status` with FAIL_TO_PASS/PASS_TO_PASS success and failure lists).
- Aider (Polyglot): one `.aider.results.json` per case in the benchmark's directory layout
  (`testcase`, `tests_outcomes`, `cost`, `duration`, ...) and the leaderboard row (`pass_rate_1`,
  `pass_rate_2`, `pass_num_*`, `percent_cases_well_formed`, `seconds_per_case`, `total_cost`, ...).
- HumanEval: `samples.jsonl` and `samples.jsonl_results.jsonl` (each sample with `result` and
  `passed`), and pass@k by the unbiased estimator of the HumanEval paper.

Each format is a pydantic model that forbids unknown fields, so what is written is checked
against the official field names, and reading a file back validates it the same way.
"""

from __future__ import annotations

import datetime
import json
import math
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from godelbox.evaluator.results import TaskResult


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- SWE-bench ---------------------------------------------------------------------------------


class SWEBenchRunReport(_Strict):
    """The harness's `make_run_report` output, schema version 2."""

    total_instances: int
    submitted_instances: int
    completed_instances: int
    resolved_instances: int
    unresolved_instances: int
    empty_patch_instances: int
    error_instances: int
    completed_ids: list[str]
    incomplete_ids: list[str]
    empty_patch_ids: list[str]
    submitted_ids: list[str]
    resolved_ids: list[str]
    unresolved_ids: list[str]
    error_ids: list[str]
    schema_version: int = 2


class SuccessFailure(_Strict):
    success: list[str]
    failure: list[str]


class TestsStatus(_Strict):
    FAIL_TO_PASS: SuccessFailure
    PASS_TO_PASS: SuccessFailure
    FAIL_TO_FAIL: SuccessFailure
    PASS_TO_FAIL: SuccessFailure


class SWEBenchInstanceReport(_Strict):
    """One instance's `report.json` value (keyed by instance id in the file)."""

    patch_is_None: bool
    patch_exists: bool
    patch_successfully_applied: bool
    resolved: bool
    tests_status: TestsStatus | None = None


def swebench_run_report(
    dataset_ids: Sequence[str],
    patches: Mapping[str, str | None],
    results: Mapping[str, TaskResult],
) -> SWEBenchRunReport:
    """`dataset_ids`: the whole benchmark; `patches`: the submitted predictions (id -> patch,
    None for a null patch); `results`: what was graded."""
    submitted = sorted(patches)
    empty = sorted(i for i in submitted if not patches[i])
    graded = [i for i in submitted if patches[i] and i in results]
    errors = sorted(i for i in graded if results[i].outcome in ("error", "timeout", "oom"))
    completed = sorted(i for i in graded if i not in errors)
    resolved = sorted(i for i in completed if results[i].resolved)
    unresolved = sorted(i for i in completed if not results[i].resolved)
    errors += sorted(i for i in submitted if patches[i] and i not in results)
    return SWEBenchRunReport(
        total_instances=len(dataset_ids),
        submitted_instances=len(submitted),
        completed_instances=len(completed),
        resolved_instances=len(resolved),
        unresolved_instances=len(unresolved),
        empty_patch_instances=len(empty),
        error_instances=len(errors),
        completed_ids=completed,
        incomplete_ids=sorted(set(dataset_ids) - set(submitted)),
        empty_patch_ids=empty,
        submitted_ids=submitted,
        resolved_ids=resolved,
        unresolved_ids=unresolved,
        error_ids=sorted(errors),
    )


def swebench_instance_report(
    result: TaskResult, patch: str | None, fail_to_pass: Sequence[str], pass_to_pass: Sequence[str]
) -> SWEBenchInstanceReport:
    applied = result.outcome not in ("patch_failed", "error", "timeout", "oom") and bool(patch)
    status = None
    if applied:
        ok = {t for t, o in result.tests.items() if o == "passed"}
        kept = ok | {t for t, o in result.tests.items() if o == "skipped"}
        status = TestsStatus(
            FAIL_TO_PASS=SuccessFailure(
                success=[t for t in fail_to_pass if t in ok],
                failure=[t for t in fail_to_pass if t not in ok],
            ),
            PASS_TO_PASS=SuccessFailure(
                success=[t for t in pass_to_pass if t in kept],
                failure=[t for t in pass_to_pass if t not in kept],
            ),
            FAIL_TO_FAIL=SuccessFailure(success=[], failure=[]),
            PASS_TO_FAIL=SuccessFailure(success=[], failure=[]),
        )
    return SWEBenchInstanceReport(
        patch_is_None=patch is None,
        patch_exists=bool(patch),
        patch_successfully_applied=applied,
        resolved=result.resolved,
        tests_status=status,
    )


def swebench_report_name(model: str, run_id: str) -> str:
    return f"{model.replace('/', '__')}.{run_id}.json"


# -- Aider -------------------------------------------------------------------------------------


class AiderCaseResult(_Strict):
    """A case's `.aider.results.json`."""

    testdir: str
    testcase: str
    model: str
    edit_format: str
    tests_outcomes: list[bool]
    cost: float
    duration: float
    test_timeouts: int
    commit_hash: str
    num_error_outputs: int
    num_user_asks: int
    num_exhausted_context_windows: int
    num_malformed_responses: int
    syntax_errors: int
    indentation_errors: int
    lazy_comments: int
    prompt_tokens: int
    completion_tokens: int
    chat_hashes: list[list[str]]


class AiderLeaderboardRow(_Strict):
    """A row of Aider's Polyglot leaderboard."""

    dirname: str
    test_cases: int
    model: str
    edit_format: str
    commit_hash: str
    pass_rate_1: float
    pass_rate_2: float
    pass_num_1: int
    pass_num_2: int
    percent_cases_well_formed: float
    error_outputs: int
    num_malformed_responses: int
    num_with_malformed_responses: int
    user_asks: int
    lazy_comments: int
    syntax_errors: int
    indentation_errors: int
    exhausted_context_windows: int
    prompt_tokens: int
    completion_tokens: int
    test_timeouts: int
    total_tests: int
    command: str
    date: str
    versions: str
    seconds_per_case: float
    total_cost: float


def aider_case_result(
    result: TaskResult,
    testdir: str,
    *,
    model: str,
    commit_hash: str,
    usage: Mapping[str, Any] | None = None,
) -> AiderCaseResult:
    """`tests_outcomes` is one bool per try, as Aider records it (a pass ends the tries)."""
    outcomes = [False] * (result.attempts - 1) + [result.resolved]
    usage = usage or {}
    return AiderCaseResult(
        testdir=testdir,
        testcase=Path(testdir).name,
        model=model,
        edit_format="diff",
        tests_outcomes=outcomes,
        cost=float(usage.get("cost_usd", 0.0)),
        duration=result.duration_s,
        test_timeouts=int(result.outcome == "timeout"),
        commit_hash=commit_hash,
        num_error_outputs=int(result.outcome == "error"),
        num_user_asks=0,
        num_exhausted_context_windows=0,
        num_malformed_responses=int(result.outcome == "patch_failed"),
        syntax_errors=0,
        indentation_errors=0,
        lazy_comments=0,
        prompt_tokens=int(usage.get("tokens_in", 0)),
        completion_tokens=int(usage.get("tokens_out", 0)),
        chat_hashes=[],
    )


def aider_leaderboard_row(
    cases: Sequence[AiderCaseResult],
    *,
    dirname: str,
    total_tests: int,
    command: str,
    versions: str,
) -> AiderLeaderboardRow:
    """Aider's `summarize_results`: pass_rate_i counts the cases passed by try i (a case passed
    on try 1 counts for try 2 as well)."""
    done = len(cases) or 1
    pass_1 = sum(bool(c.tests_outcomes) and c.tests_outcomes[0] for c in cases)
    pass_2 = sum(bool(c.tests_outcomes) and c.tests_outcomes[-1] for c in cases)
    malformed = sum(c.num_malformed_responses > 0 for c in cases)
    first = cases[0] if cases else None
    return AiderLeaderboardRow(
        dirname=dirname,
        test_cases=len(cases),
        model=first.model if first else "",
        edit_format=first.edit_format if first else "",
        commit_hash=first.commit_hash if first else "",
        pass_rate_1=round(100 * pass_1 / done, 1),
        pass_rate_2=round(100 * pass_2 / done, 1),
        pass_num_1=pass_1,
        pass_num_2=pass_2,
        percent_cases_well_formed=round(100 * (1 - malformed / done), 1),
        error_outputs=sum(c.num_error_outputs for c in cases),
        num_malformed_responses=sum(c.num_malformed_responses for c in cases),
        num_with_malformed_responses=malformed,
        user_asks=sum(c.num_user_asks for c in cases),
        lazy_comments=sum(c.lazy_comments for c in cases),
        syntax_errors=sum(c.syntax_errors for c in cases),
        indentation_errors=sum(c.indentation_errors for c in cases),
        exhausted_context_windows=sum(c.num_exhausted_context_windows for c in cases),
        prompt_tokens=sum(c.prompt_tokens for c in cases),
        completion_tokens=sum(c.completion_tokens for c in cases),
        test_timeouts=sum(c.test_timeouts for c in cases),
        total_tests=total_tests,
        command=command,
        date=datetime.date.today().isoformat(),
        versions=versions,
        seconds_per_case=round(sum(c.duration for c in cases) / done, 1),
        total_cost=round(sum(c.cost for c in cases), 4),
    )


# -- HumanEval ---------------------------------------------------------------------------------


class HumanEvalSampleResult(_Strict):
    """A line of `samples.jsonl_results.jsonl`."""

    task_id: str
    completion: str
    result: str
    passed: bool


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k: 1 - C(n-c, k) / C(n, k), computed as a stable product."""
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def humaneval_pass_at_k(
    samples: Sequence[HumanEvalSampleResult], ks: Sequence[int] = (1, 10, 100)
) -> dict[str, float]:
    """Mean pass@k over problems, for each k every problem has at least k samples for."""
    per_task: dict[str, list[bool]] = {}
    for sample in samples:
        per_task.setdefault(sample.task_id, []).append(sample.passed)
    if not per_task:
        return {}
    counts = [(len(v), sum(v)) for v in per_task.values()]
    return {
        f"pass@{k}": sum(pass_at_k(n, c, k) for n, c in counts) / len(counts)
        for k in ks
        if all(n >= k for n, _ in counts)
    }


def humaneval_sample(result: TaskResult, prompt: str) -> HumanEvalSampleResult:
    """The completion is what the answer adds after the prompt (the whole program when the
    answer rewrote the prompt itself); `result` uses HumanEval's words."""
    program = apply_to_text(prompt, result.patch, "solution.py")
    completion = program[len(prompt) :] if program.startswith(prompt) else program
    if result.resolved:
        verdict = "passed"
    elif result.outcome == "timeout" or "timed out" in result.reason:
        verdict = "timed out"
    else:
        verdict = f"failed: {result.reason}"
    return HumanEvalSampleResult(
        task_id=result.task_id, completion=completion, result=verdict, passed=result.resolved
    )


def apply_to_text(text: str, patch: str, name: str) -> str:
    """`text` as file `name` with `patch` applied (git apply in a scratch directory: it
    refuses paths outside it); the text unchanged when the patch does not apply."""
    if not patch.strip():
        return text
    with tempfile.TemporaryDirectory(prefix="godelbox-apply-") as tmp:
        target = Path(tmp) / name
        target.write_text(text, encoding="utf-8")
        done = subprocess.run(
            ["git", "apply", "--whitespace=nowarn", "--include", name, "-"],
            cwd=tmp,
            input=patch.encode("utf-8", "surrogateescape"),
            capture_output=True,
            check=False,
        )
        return target.read_text(encoding="utf-8") if done.returncode == 0 else text


# -- files -------------------------------------------------------------------------------------


def write_json(path: Path, model: BaseModel | Mapping[str, Any]) -> Path:
    data = model.model_dump(mode="json") if isinstance(model, BaseModel) else dict(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=4) + "\n", encoding="utf-8")
    return path


def write_jsonl(path: Path, rows: Sequence[BaseModel]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(row.model_dump(mode="json")) + "\n" for row in rows)
    path.write_text(text, encoding="utf-8")
    return path


def read_swebench_run_report(path: Path) -> SWEBenchRunReport:
    return SWEBenchRunReport.model_validate_json(path.read_text(encoding="utf-8"))


def read_aider_case(path: Path) -> AiderCaseResult:
    return AiderCaseResult.model_validate_json(path.read_text(encoding="utf-8"))


def read_humaneval_results(path: Path) -> list[HumanEvalSampleResult]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [HumanEvalSampleResult.model_validate_json(line) for line in lines if line.strip()]


def write_native_reports(
    bench: object,
    results: Mapping[str, TaskResult],
    out_dir: Path,
    *,
    run_id: str,
    model: str,
    patches: Mapping[str, str | None] | None = None,
    usage: Mapping[str, Mapping[str, Any]] | None = None,
    command: str = "",
) -> list[Path]:
    """The community's report for `bench` (SWE-bench format, Polyglot, HumanEval), in
    `out_dir`; nothing for a benchmark without one. `patches`: the submitted predictions (by
    default every finished task's own patch)."""
    from godelbox import __version__
    from godelbox.evaluator.humaneval import HumanEvalBenchmark, HumanEvalTask
    from godelbox.evaluator.polyglot import PolyglotBenchmark, PolyglotTask
    from godelbox.evaluator.swebench import SWEBenchmark, SWEBenchTask

    usage = usage or {}
    written: list[Path] = []
    if isinstance(bench, SWEBenchmark):
        tasks = [t for t in bench.tasks() if isinstance(t, SWEBenchTask)]
        submitted = (
            dict(patches) if patches is not None else {i: r.patch for i, r in results.items()}
        )
        report = swebench_run_report([t.task_id for t in tasks], submitted, results)
        written.append(write_json(out_dir / swebench_report_name(model, run_id), report))
        for task in tasks:
            if task.task_id in results and task.task_id in submitted:
                inst = task.instance
                one = swebench_instance_report(
                    results[task.task_id],
                    submitted[task.task_id],
                    inst.FAIL_TO_PASS,
                    inst.PASS_TO_PASS,
                )
                path = out_dir / model.replace("/", "__") / task.task_id / "report.json"
                written.append(write_json(path, {task.task_id: one.model_dump(mode="json")}))
    elif isinstance(bench, PolyglotBenchmark):
        cases = []
        for task in bench.tasks():
            if isinstance(task, PolyglotTask) and task.task_id in results:
                lang, slug = task.task_id.split("/", 1)
                testdir = f"{run_id}/{lang}/exercises/practice/{slug}"
                case = aider_case_result(
                    results[task.task_id],
                    testdir,
                    model=model,
                    commit_hash=__version__,
                    usage=usage.get(task.task_id),
                )
                cases.append(case)
                written.append(write_json(out_dir / testdir / ".aider.results.json", case))
        row = aider_leaderboard_row(
            cases,
            dirname=run_id,
            total_tests=len(bench.tasks()),
            command=command,
            versions=__version__,
        )
        written.append(write_json(out_dir / "aider_leaderboard_row.json", row))
    elif isinstance(bench, HumanEvalBenchmark):
        samples = [
            humaneval_sample(results[t.task_id], t.prompt)
            for t in bench.tasks()
            if isinstance(t, HumanEvalTask) and t.task_id in results
        ]
        plain = [{"task_id": s.task_id, "completion": s.completion} for s in samples]
        path = out_dir / "samples.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(p) + "\n" for p in plain), encoding="utf-8")
        written.append(path)
        written.append(write_jsonl(out_dir / "samples.jsonl_results.jsonl", samples))
        written.append(write_json(out_dir / "pass_at_k.json", humaneval_pass_at_k(samples)))
    return written
