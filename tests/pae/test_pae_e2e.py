"""`godelbox pae` end to end: the real CLI, litellm against the fake server, the real docker
sandbox for validation, the agent's attempts and grading; then both exports."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqlmodel import select
from typer.testing import CliRunner

from godelbox.archive.models import LLMCall
from godelbox.archive.pae_models import ProposedStatus
from godelbox.archive.pae_store import PAEStore
from godelbox.archive.store import Archive
from godelbox.cli import app
from godelbox.evaluator.benchmark import GradeItem
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import Solution
from godelbox.evaluator.swebench import swebench_benchmark
from godelbox.proposer.pae.sft import validate_jsonl
from tests.fixtures.fake_llm import FakeLLM
from tests.pae import scenario

FIX_PATCH = """\
diff --git a/backoff/schedule.py b/backoff/schedule.py
--- a/backoff/schedule.py
+++ b/backoff/schedule.py
@@ -17,2 +17,4 @@ def delays(attempts: int, **kwargs: float) -> list[float]:
     \"\"\"The whole schedule for `attempts` retries.\"\"\"
+    if attempts < 0:
+        raise ValueError("attempts must be >= 0")
     return [exponential(i, **kwargs) for i in range(attempts)]
"""


def test_pae_proposes_validates_attempts_judges_and_audits(
    make_run: Callable[..., Path],
    fake_llm: FakeLLM,
    docker_backend,
    agent_image: str,
    tmp_path: Path,
) -> None:
    fake_llm.fallback = scenario.route
    run_dir = make_run(tasks_per_context=5)

    result = CliRunner().invoke(app, ["pae", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert "JUDGE FLAGGED" in result.output

    with Archive.open(run_dir) as archive:
        store = PAEStore(archive.engine)
        tasks = store.tasks()
        attempts = store.attempts()
        audits = store.audits()
        with archive._session() as session:
            roles = sorted(set(session.exec(select(LLMCall.role)).all()))

    status = {t.title: t for t in tasks}
    assert [t.status for t in tasks] == [
        ProposedStatus.ACCEPTED,
        ProposedStatus.ACCEPTED,
        ProposedStatus.DUPLICATE,
        ProposedStatus.REJECTED,
        ProposedStatus.REJECTED,
    ]
    fixed = status["delays accepts negative counts"]
    assert status["negative counts (again)"].duplicate_of == fixed.id
    assert "trivial" in (status["first delay"].reason or "")
    assert "not runnable" in (status["broken tests"].reason or "")
    assert fixed.payload["FAIL_TO_PASS"] == [
        "tests/test_delays_negative.py::test_delays_rejects_negative"
    ]
    assert fixed.payload["PASS_TO_PASS"] == ["tests/test_delays_negative.py::test_delays_zero"]
    assert fixed.model == "openai/fake-task-proposer" and len(fixed.prompt_hash) == 64
    assert fixed.context_id == "builtin__backoff-11"

    by_task = {a.proposed_task_id: a for a in attempts}
    solved, failed = by_task[fixed.id], by_task[status["jitter keyword"].id]
    assert (solved.outcome, solved.ground_truth, solved.judge_success) == ("resolved", True, True)
    assert (failed.ground_truth, failed.judge_success) == (False, True)
    assert "raise ValueError" in solved.patch
    assert solved.trajectory and solved.trajectory[0]["role"] == "system"

    [audit] = audits
    assert (audit.true_pos, audit.false_pos, audit.false_neg, audit.true_neg) == (1, 1, 0, 0)
    assert audit.agreement == 0.5 and audit.flagged
    assert {a.audit_id for a in attempts} == {audit.id}
    assert roles == ["agent", "judge", "task_proposer"]

    sft = CliRunner().invoke(app, ["export", str(run_dir), "--format", "sft"])
    assert sft.exit_code == 0, sft.output
    # The judge's false positive is contradicted by the tests, so only the real success is kept.
    assert validate_jsonl(sft.stdout) == 1
    record = json.loads(sft.stdout)
    roles_seen = [m["role"] for m in record["messages"]]
    assert roles_seen[:2] == ["system", "user"] and roles_seen[-1] == "assistant"
    assert "REJECT-NEGATIVE" in record["messages"][1]["content"]

    out = tmp_path / "export" / "pae.jsonl"
    out.parent.mkdir()
    exported = CliRunner().invoke(
        app, ["export", str(run_dir), "--format", "swebench", "--output", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    bench = swebench_benchmark(out)
    task = next(t for t in bench.tasks() if "REJECT-NEGATIVE" in t.problem())
    pristine = tmp_path / "pristine"
    task.materialize(pristine)
    ctx = EvalContext(backend=docker_backend, image=agent_image, grade_timeout_s=60)
    [grade] = bench.grade(ctx, [GradeItem(task, pristine, Solution(patch=FIX_PATCH))])
    assert grade.outcome == "resolved", grade.reason
