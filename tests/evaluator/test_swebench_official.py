"""An official SWE-bench row (no workspace) runs in the harness's prebuilt instance image by its
official name: a clear error naming the image while it is missing; once a local image of that
name exists (built here FROM the agent image with the repository at /testbed), the instance is
graded with the official test command and log parser and the FULL/NO rule."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from godelbox.config import StageSection
from godelbox.evaluator.benchmark import GradeItem
from godelbox.evaluator.evaluation import OracleSolver, evaluate_benchmark
from godelbox.evaluator.results import Solution
from godelbox.evaluator.swebench import swebench_benchmark
from godelbox.evaluator.swebench_harness import official_image
from tests.evaluator.eval_helpers import swebench_repo

pytestmark = pytest.mark.docker

INSTANCE = "godelbox__calc-7"


@pytest.fixture(scope="module")
def official_row(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("official")
    row = swebench_repo(root)
    official = {k: v for k, v in row.items() if k != "workspace"}
    official.update(
        instance_id=INSTANCE,
        repo="pytest-dev/pytest",  # graded with that repository's command and parser
        version="7.0",
        FAIL_TO_PASS=json.dumps(row["FAIL_TO_PASS"]),  # as published: JSON strings
        PASS_TO_PASS=json.dumps(row["PASS_TO_PASS"]),
    )
    path = root / "official.jsonl"
    path.write_text(json.dumps(official) + "\n")
    return path


def _build_testbed_image(client, repo_dir: Path, base: str, tag: str) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(repo_dir, arcname="testbed")
        dockerfile = f"FROM {base}\nCOPY testbed /testbed\n".encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    buf.seek(0)
    client.images.build(fileobj=buf, custom_context=True, tag=tag, network_mode="none", rm=True)


def test_official_row_needs_its_image_then_grades_like_the_harness(
    eval_ctx, docker_engine, agent_image, official_row, tmp_path
):
    path = official_row
    image = official_image(INSTANCE)
    bench = swebench_benchmark(path, eval_ctx)
    missing = evaluate_benchmark(eval_ctx, bench, OracleSolver(), stages=[StageSection()])
    result = missing.results[INSTANCE]
    assert result.outcome == "error" and image in result.reason
    assert "swebench/sweb.eval.x86_64.godelbox_1776_calc-7:latest" in result.reason
    _build_testbed_image(docker_engine, path.parent / "calc-repo", agent_image, image)
    try:
        bench = swebench_benchmark(path, eval_ctx)
        task = bench.task_list[0]
        assert task.image == image
        oracle = evaluate_benchmark(eval_ctx, bench, OracleSolver(), stages=[StageSection()])
        gold = oracle.results[INSTANCE]
        assert gold.outcome == "resolved", gold.reason
        assert gold.reason.startswith("RESOLVED_FULL")
        assert set(gold.tests.values()) == {"passed"} and len(gold.tests) == 4
        workspace = tmp_path / "ws"
        task.materialize(workspace)
        empty = bench.grade(eval_ctx, [GradeItem(task, workspace, Solution(""))])[0]
        assert empty.outcome == "unresolved" and empty.reason.startswith("RESOLVED_NO")
        assert empty.tests["tests/test_mean.py::test_mean_basic"] == "failed"
        assert empty.tests["tests/test_stats.py::test_total"] == "passed"
    finally:
        docker_engine.images.remove(image, force=True)
