"""The communities' report formats: written with the official field names, read back through
the same strict schema (unknown or missing fields refused), and counted as the originals count."""

from __future__ import annotations

import json
import math

import pytest
from pydantic import ValidationError

from godelbox.evaluator import native_reports as nr
from godelbox.evaluator.results import TaskResult

SWE_V2_FIELDS = {
    "total_instances", "submitted_instances", "completed_instances", "resolved_instances",
    "unresolved_instances", "empty_patch_instances", "error_instances", "completed_ids",
    "incomplete_ids", "empty_patch_ids", "submitted_ids", "resolved_ids", "unresolved_ids",
    "error_ids", "schema_version",
}  # fmt: skip
AIDER_ROW_FIELDS = {
    "dirname", "test_cases", "model", "edit_format", "commit_hash", "pass_rate_1", "pass_rate_2",
    "pass_num_1", "pass_num_2", "percent_cases_well_formed", "error_outputs",
    "num_malformed_responses", "num_with_malformed_responses", "user_asks", "lazy_comments",
    "syntax_errors", "indentation_errors", "exhausted_context_windows", "prompt_tokens",
    "completion_tokens", "test_timeouts", "total_tests", "command", "date", "versions",
    "seconds_per_case", "total_cost",
}  # fmt: skip


def result(task_id: str, outcome: str, attempts: int = 1, **tests: str) -> TaskResult:
    return TaskResult(task_id, outcome, "r", tests=dict(tests), attempts=attempts, patch="p")


def test_swebench_run_report_round_trip(tmp_path):
    results = {
        "a__a-1": result("a__a-1", "resolved"),
        "a__a-2": result("a__a-2", "unresolved"),
        "a__a-3": result("a__a-3", "error"),
        "a__a-5": result("a__a-5", "resolved"),
    }
    patches = {"a__a-1": "diff", "a__a-2": "diff", "a__a-3": "diff", "a__a-4": "", "a__a-5": None}
    report = nr.swebench_run_report(["a__a-1", "a__a-2", "a__a-3", "a__a-4", "a__a-5", "a__a-6"],
                                     patches, results)  # fmt: skip
    path = nr.write_json(tmp_path / nr.swebench_report_name("org/model", "run1"), report)
    assert path.name == "org__model.run1.json"
    data = json.loads(path.read_text())
    assert set(data) == SWE_V2_FIELDS and data["schema_version"] == 2
    assert data["total_instances"] == 6 and data["submitted_instances"] == 5
    assert data["resolved_ids"] == ["a__a-1"] and data["unresolved_ids"] == ["a__a-2"]
    assert data["error_ids"] == ["a__a-3"] and data["empty_patch_ids"] == ["a__a-4", "a__a-5"]
    assert data["incomplete_ids"] == ["a__a-6"] and data["completed_instances"] == 2
    assert nr.read_swebench_run_report(path) == report
    data["surprise"] = 1
    path.write_text(json.dumps(data))
    with pytest.raises(ValidationError):
        nr.read_swebench_run_report(path)


def test_swebench_instance_report_lists_success_and_failure():
    graded = result("x", "unresolved", t1="passed", t2="failed", t3="skipped")
    one = nr.swebench_instance_report(graded, "diff", ["t1", "t2"], ["t3"])
    status = one.tests_status
    assert status is not None and not one.resolved and one.patch_successfully_applied
    assert status.FAIL_TO_PASS.success == ["t1"] and status.FAIL_TO_PASS.failure == ["t2"]
    assert status.PASS_TO_PASS.success == ["t3"]  # a skipped PASS_TO_PASS test is kept
    failed = nr.swebench_instance_report(result("x", "patch_failed"), "diff", ["t1"], [])
    assert not failed.patch_successfully_applied and failed.tests_status is None
    assert nr.swebench_instance_report(result("x", "unresolved"), None, [], []).patch_is_None


def test_aider_cases_and_leaderboard_row(tmp_path):
    cases = [
        nr.aider_case_result(result("go/a", "resolved"), "r/go/exercises/practice/a",
                             model="m", commit_hash="h", usage={"cost_usd": 0.5,
                                                                "tokens_in": 10})
        ,
        nr.aider_case_result(result("go/b", "resolved", attempts=2), "r/go/exercises/practice/b",
                             model="m", commit_hash="h"),
        nr.aider_case_result(result("go/c", "unresolved", attempts=2), "r/go/exercises/practice/c",
                             model="m", commit_hash="h"),
        nr.aider_case_result(result("go/d", "patch_failed"), "r/go/exercises/practice/d",
                             model="m", commit_hash="h"),
    ]  # fmt: skip
    assert [c.tests_outcomes for c in cases] == [[True], [False, True], [False, False], [False]]
    path = nr.write_json(tmp_path / "a" / ".aider.results.json", cases[0])
    assert nr.read_aider_case(path) == cases[0] and cases[0].testcase == "a"
    row = nr.aider_leaderboard_row(cases, dirname="r", total_tests=225, command="c", versions="v")
    data = row.model_dump()
    assert set(data) == AIDER_ROW_FIELDS
    assert (row.pass_num_1, row.pass_num_2) == (1, 2)
    assert (row.pass_rate_1, row.pass_rate_2) == (25.0, 50.0)
    assert row.percent_cases_well_formed == 75.0 and row.total_cost == 0.5
    assert row.prompt_tokens == 10 and row.test_cases == 4 and row.total_tests == 225
    with pytest.raises(ValidationError):
        nr.AiderLeaderboardRow.model_validate({**data, "pass_rate_3": 1.0})


def test_unbiased_pass_at_k():
    assert nr.pass_at_k(10, 0, 1) == 0.0
    assert nr.pass_at_k(10, 10, 5) == 1.0
    assert math.isclose(nr.pass_at_k(10, 3, 1), 0.3)
    # 1 - C(7,2)/C(10,2) = 1 - 21/45
    assert math.isclose(nr.pass_at_k(10, 3, 2), 1 - 21 / 45)
    samples = [
        nr.HumanEvalSampleResult(task_id="t/0", completion="", result="passed", passed=True),
        nr.HumanEvalSampleResult(task_id="t/0", completion="", result="failed: x", passed=False),
        nr.HumanEvalSampleResult(task_id="t/1", completion="", result="failed: x", passed=False),
        nr.HumanEvalSampleResult(task_id="t/1", completion="", result="failed: x", passed=False),
    ]
    got = nr.humaneval_pass_at_k(samples, ks=(1, 2, 10))
    assert got == {"pass@1": 0.25, "pass@2": 0.5}  # no k above the sample count


def test_humaneval_sample_is_the_completion_after_the_prompt(tmp_path):
    prompt = 'def add(a, b):\n    """Add."""\n'
    patch = (
        "diff --git a/solution.py b/solution.py\n--- a/solution.py\n+++ b/solution.py\n"
        '@@ -1,2 +1,3 @@\n def add(a, b):\n     """Add."""\n+    return a + b\n'
    )
    sample = nr.humaneval_sample(TaskResult("HumanEval/0", "resolved", "ok", patch=patch), prompt)
    assert sample.completion == "    return a + b\n" and sample.result == "passed"
    failed = nr.humaneval_sample(TaskResult("HumanEval/0", "unresolved", "AssertionError"), prompt)
    assert failed.completion == "" and failed.result == "failed: AssertionError"
    path = nr.write_jsonl(tmp_path / "samples.jsonl_results.jsonl", [sample, failed])
    assert nr.read_humaneval_results(path) == [sample, failed]
