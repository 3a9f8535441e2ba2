"""SWE-bench format against a local repository, graded in real docker sandboxes: the gold patch
resolves, the empty patch does not, patches needing --3way or fuzz still apply, garbage is
reported as a failed patch, and tampering with tests or pytest never turns a failure into a
pass."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from godelbox.evaluator.benchmark import GradeItem
from godelbox.evaluator.evaluation import AgentSolver, OracleSolver, evaluate_tasks
from godelbox.evaluator.results import Solution
from godelbox.evaluator.swebench import (
    SWEBenchTask,
    WorkspaceUnavailableError,
    load_jsonl,
    swebench_benchmark,
)
from godelbox.evaluator.swebench_format import SWEInstance
from tests.evaluator.eval_helpers import (
    CHEAT_AGENT,
    FIX_AGENT,
    FUZZ_PATCH,
    HIDDEN_TESTS,
    NOOP_AGENT,
    SLEEP_AGENT,
    SYMLINK_AGENT,
    file_diff,
    swebench_repo,
    three_way_patch,
)

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def bench_file(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("swebench")
    row = swebench_repo(root)
    path = root / "instances.jsonl"
    path.write_text(json.dumps(row) + "\n")
    return path


@pytest.fixture(scope="module")
def pristine(bench_file, tmp_path_factory) -> tuple[object, SWEBenchTask, Path]:
    bench = swebench_benchmark(bench_file)
    task = bench.task_list[0]
    workspace = tmp_path_factory.mktemp("ws") / "repo"
    task.materialize(workspace)
    return bench, task, workspace


def grade(eval_ctx, pristine, patch: str):
    bench, task, workspace = pristine
    return bench.grade(eval_ctx, [GradeItem(task, workspace, Solution(patch))])[0]


def test_gold_resolves_and_empty_does_not(eval_ctx, pristine):
    gold = grade(eval_ctx, pristine, pristine[1].oracle_patch())
    assert gold.outcome == "resolved", gold.reason
    assert set(gold.tests.values()) == {"passed"} and len(gold.tests) == 4
    empty = grade(eval_ctx, pristine, "")
    assert empty.outcome == "unresolved"
    assert empty.tests["tests/test_mean.py::test_mean_basic"] == "failed"
    assert empty.tests["tests/test_stats.py::test_total"] == "passed"
    assert "FAIL_TO_PASS" in empty.reason


def test_patches_needing_3way_or_fuzz_still_apply(eval_ctx, pristine, tmp_path):
    assert grade(eval_ctx, pristine, three_way_patch(tmp_path)).outcome == "resolved"
    assert grade(eval_ctx, pristine, FUZZ_PATCH).outcome == "resolved"


def test_garbage_patch_is_reported_not_raised(eval_ctx, pristine):
    result = grade(
        eval_ctx, pristine, "--- a/calc/stats.py\n+++ b/calc/stats.py\n@@ -1 +1 @@\n-no\n+x\n"
    )
    assert result.outcome == "patch_failed"
    assert result.reason.startswith("patch failed to apply")


def test_editing_tests_or_adding_a_conftest_cannot_fake_a_pass(eval_ctx, pristine, tmp_path):
    fake_conftest = (
        "import pytest\n\n@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n"
    )
    patch = (
        file_diff("conftest.py", None, fake_conftest, tmp_path / "c")
        + file_diff(
            "tests/test_mean.py", None, HIDDEN_TESTS.replace("== 4", "!= 4"), tmp_path / "t"
        )
        + file_diff("tests/conftest.py", None, fake_conftest, tmp_path / "tc")
    )
    result = grade(eval_ctx, pristine, patch)
    assert result.outcome == "unresolved"
    assert result.tests["tests/test_mean.py::test_mean_basic"] == "failed"
    assert any("conftest.py" in t for t in result.tampering)
    assert any("tests/test_mean.py: hidden test file" in t for t in result.tampering)


def test_library_code_patching_pytest_in_process_is_failed(eval_ctx, pristine, tmp_path):
    hack = "import _pytest.reports\n_pytest.reports.TestReport.failed = False\n"
    patch = file_diff("calc/__init__.py", "", hack, tmp_path / "h")
    result = grade(eval_ctx, pristine, patch)
    assert result.outcome == "unresolved"
    assert "reaches into pytest" in result.reason


def test_agents_end_to_end(eval_ctx, pristine, bench_file):
    bench, task, _ = pristine
    results = {}
    for name, agent in (("noop", NOOP_AGENT), ("cheat", CHEAT_AGENT), ("fix", FIX_AGENT)):
        [results[name]] = evaluate_tasks(eval_ctx, bench, [task], AgentSolver(agent))
    assert results["noop"].outcome == "unresolved" and results["noop"].patch == ""
    assert "noop agent" in results["noop"].log
    assert results["cheat"].outcome == "unresolved"
    assert any("conftest.py" in t for t in results["cheat"].tampering)
    # The fixer committed its change and poisoned .git, then exited 3: the diff is still taken
    # against the pristine tree and graded.
    fix = results["fix"]
    assert fix.outcome == "resolved", fix.reason
    assert "calc/stats.py" in fix.patch and ".git" not in fix.patch
    assert "exit=3" in fix.log and "mean([2, 4, 6])" in fix.log


def test_links_out_of_the_workspace_are_refused_not_followed(eval_ctx, pristine):
    bench, task, _ = pristine
    [result] = evaluate_tasks(eval_ctx, bench, [task], AgentSolver(SYMLINK_AGENT))
    assert result.outcome == "error"
    assert "could not copy the workspace out" in result.reason
    assert "link" in result.reason


def test_an_agent_past_its_budget_is_killed_and_reported_as_timeout(eval_ctx, pristine):
    from dataclasses import replace

    bench, task, _ = pristine
    short = replace(eval_ctx, task_timeout_s=2.0)
    [result] = evaluate_tasks(short, bench, [task], AgentSolver(SLEEP_AGENT))
    assert result.outcome == "timeout"
    assert result.duration_s < 15
    assert "thinking forever" in result.log


def test_tarball_workspace(eval_ctx, bench_file, tmp_path):
    row = json.loads(bench_file.read_text())
    tarball = tmp_path / "calc.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        source = bench_file.parent / "calc-repo"
        tar.add(source, arcname="calc", filter=lambda i: None if "/.git" in i.name else i)
    row.update(workspace=str(tarball), instance_id="calc__tar-1")
    jsonl = tmp_path / "tar.jsonl"
    jsonl.write_text(json.dumps(row) + "\n")
    bench = swebench_benchmark(jsonl)
    [gold] = evaluate_tasks(eval_ctx, bench, bench.tasks(), OracleSolver())
    assert gold.outcome == "resolved", gold.reason


def test_a_row_without_workspace_or_image_is_a_clear_error(tmp_path):
    inst = SWEInstance.from_dict(
        {
            "instance_id": "x-1",
            "repo": "r",
            "base_commit": "0" * 40,
            "problem_statement": "p",
            "patch": "",
            "test_patch": "",
            "FAIL_TO_PASS": "[]",
            "PASS_TO_PASS": [],
        }
    )
    with pytest.raises(WorkspaceUnavailableError, match="neither a `workspace`"):
        SWEBenchTask(inst).materialize(tmp_path / "ws")


def test_jsonl_errors_name_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"instance_id": "a"}\nnot json\n')
    with pytest.raises(Exception, match="lacks"):
        load_jsonl(path)
    path.write_text("\n\nnot json\n")
    with pytest.raises(Exception, match=r"bad.jsonl:3: not valid JSON"):
        load_jsonl(path)


@pytest.fixture
def prebuilt_image(agent_image, bench_file, tmp_path):
    """A SWE-bench style image: the repository at /testbed, built locally with no network."""
    import shutil

    from godelbox.sandbox.engine import require_client

    client = require_client()
    context = tmp_path / "image"
    shutil.copytree(bench_file.parent / "calc-repo", context / "calc-repo")
    (context / "Dockerfile").write_text(
        f"FROM {agent_image}\nUSER 0:0\nCOPY calc-repo /testbed\n"
        "RUN chown -R 1000:1000 /testbed\nUSER 1000:1000\n"
    )
    tag = "godelbox-test-swebench-calc:latest"
    client.images.build(path=str(context), tag=tag, network_mode="none", rm=True)
    yield tag
    client.images.remove(tag, force=True)


def test_prebuilt_local_image_instance(eval_ctx, bench_file, prebuilt_image, tmp_path):
    row = json.loads(bench_file.read_text())
    del row["workspace"]
    row.update(image=prebuilt_image, instance_id="calc__image-1")
    jsonl = tmp_path / "image.jsonl"
    jsonl.write_text(json.dumps(row) + "\n")
    bench = swebench_benchmark(jsonl, eval_ctx)
    [gold] = evaluate_tasks(eval_ctx, bench, bench.tasks(), OracleSolver())
    [noop] = evaluate_tasks(eval_ctx, bench, bench.tasks(), AgentSolver(NOOP_AGENT))
    assert gold.outcome == "resolved", gold.reason
    assert noop.outcome == "unresolved"
