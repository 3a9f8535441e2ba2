"""Accepted proposed coding tasks as SWE-bench instances: attempted by PAE, exported for
`godelbox run` (`evaluation.bench = "swebench:FILE"`)."""

from __future__ import annotations

from pathlib import Path

from godelbox.archive.pae_models import ProposedTask
from godelbox.evaluator.benchmark import Task
from godelbox.evaluator.evaluation import safe_name
from godelbox.evaluator.swebench import SWEBenchTask
from godelbox.evaluator.swebench_format import SWEInstance


def instance_id(row: ProposedTask) -> str:
    safe = safe_name(row.context_id)
    return f"pae__{safe}-{row.id}"


def coding_instance(row: ProposedTask, base_commit: str) -> SWEInstance:
    """`patch` is empty: nobody has written the fix yet (the oracle cannot solve these)."""
    payload = row.payload or {}
    return SWEInstance(
        instance_id=instance_id(row),
        repo=f"pae/{row.context_id}",
        base_commit=base_commit,
        problem_statement=row.text,
        patch="",
        test_patch=str(payload["test_patch"]),
        FAIL_TO_PASS=list(payload["FAIL_TO_PASS"]),
        PASS_TO_PASS=list(payload["PASS_TO_PASS"]),
        split="pae",
        metadata={
            "pae_task_id": row.id,
            "proposer_model": row.model,
            "prompt_hash": row.prompt_hash,
            "context_id": row.context_id,
            "context_bench": payload.get("context_bench", ""),
        },
    )


def coding_task(row: ProposedTask, base: Task) -> SWEBenchTask:
    """The proposed task on `base`'s repository snapshot (laid out by `base` itself)."""

    def materialize(_instance: SWEInstance, dest: Path) -> str:
        base.materialize(dest)
        return ""

    return SWEBenchTask(coding_instance(row, base_commit=""), materializer=materialize)
