"""Exports of a run's archive: successful trajectories as SFT chat JSONL, and accepted proposed
coding tasks as a SWE-bench JSONL that `godelbox run` can use (`evaluation.bench =
"swebench:FILE"`).

SFT sources: PAE attempts the judge called successful (unless ground truth says otherwise: a
judge's false positive is not a demonstration), and evolution evaluations that resolved their
task and left a trajectory in their log file.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from godelbox.archive.models import Outcome
from godelbox.archive.pae_models import ProposedStatus
from godelbox.archive.pae_store import PAEStore
from godelbox.archive.store import Archive
from godelbox.errors import UserError
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.swebench_format import SWEInstance
from godelbox.evaluator.workspace import git_env
from godelbox.proposer.pae.sft import chat_record, validate_record
from godelbox.proposer.pae.tasks import coding_instance
from godelbox.proposer.pae.trajectory import trajectory_from_log


def sft_records(archive: Archive) -> Iterator[dict[str, Any]]:
    """Every successful trajectory of the run as a validated chat record."""
    for attempt in PAEStore(archive.engine).attempts(judged_success=True):
        if attempt.ground_truth is False:
            continue
        record = chat_record(attempt.trajectory or [])
        if record is not None:
            yield record
    for node in archive.nodes():
        assert node.id is not None
        for row in archive.evaluations(node.id):
            if row.outcome is not Outcome.RESOLVED or not row.log_path:
                continue
            log_file = archive.run_dir / row.log_path
            if not log_file.is_file():
                continue
            messages = trajectory_from_log(log_file.read_text(encoding="utf-8", errors="replace"))
            record = chat_record(messages or [])
            if record is not None:
                yield record


def sft_jsonl(archive: Archive) -> str:
    lines = []
    for record in sft_records(archive):
        validate_record(record)
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines)


class NothingToExportError(UserError):
    """The archive holds nothing of the asked kind."""


def swebench_export(archive: Archive, output: Path) -> int:
    """Write the accepted proposed coding tasks to `output` (JSONL) with their repository
    snapshots under `<output stem>.workspaces/` (git repositories at the base commit, referenced
    by relative path, so the pair can be moved together). Returns the number of instances."""
    rows = PAEStore(archive.engine).tasks(kind="coding", status=ProposedStatus.ACCEPTED)
    if not rows:
        raise NothingToExportError(
            f"{archive.run_dir} has no accepted proposed coding tasks; run `godelbox pae` first"
        )
    workspaces = output.parent / f"{output.stem}.workspaces"
    benches: dict[str, dict[str, Any]] = {}
    lines = []
    for row in rows:
        spec = str((row.payload or {}).get("context_bench", ""))
        if spec not in benches:
            benches[spec] = {t.task_id: t for t in load_benchmark(spec).tasks()}
        base = benches[spec].get(row.context_id)
        if base is None:
            raise UserError(f"proposed task {row.id}: context {row.context_id} not in {spec}")
        dest = workspaces / row.context_id
        if not dest.exists():
            base.materialize(dest)
        instance = coding_instance(row, base_commit=_head(dest))
        lines.append(json.dumps(_row(instance, dest.relative_to(output.parent))) + "\n")
    output.write_text("".join(lines), encoding="utf-8")
    return len(lines)


def _head(repo: Path) -> str:
    done = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=repo,
        env=git_env(repo),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _row(instance: SWEInstance, workspace: Path) -> dict[str, Any]:
    return {
        "instance_id": instance.instance_id,
        "repo": instance.repo,
        "base_commit": instance.base_commit,
        "problem_statement": instance.problem_statement,
        "patch": instance.patch,
        "test_patch": instance.test_patch,
        "FAIL_TO_PASS": instance.FAIL_TO_PASS,
        "PASS_TO_PASS": instance.PASS_TO_PASS,
        "workspace": str(workspace),
        "split": instance.split,
        "metadata": instance.metadata,
    }
