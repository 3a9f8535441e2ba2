"""The built-in coding suite: small original Python repositories with one real bug each.

Each task lives in `tasks/<instance_id>/`: `repo/` (the buggy snapshot, tests included),
`task.json` (issue text, test ids, split, bug class), `gold.patch` (the fix) and `test.patch`
(the hidden tests). `materialize` turns a snapshot into a git repository whose commit sha is
the same on every machine, so `base_commit` in `task.json` can be checked, not trusted.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Literal

from godelbox.errors import UserError
from godelbox.evaluator.swebench_format import SWEInstance
from godelbox.evaluator.workspace import commit_snapshot

TASKS_DIR = Path(__file__).resolve().parent / "tasks"
SPLITS = ("dev", "heldout")
CLASS_SPLITS = ("seen", "unseen")
Split = Literal["dev", "heldout", "all", "seen", "unseen"]
UNSEEN_CLASSES = ("missing_negation", "wrong_arithmetic", "wrong_boolean", "wrong_index")
"""Bug classes nothing offline was written for: no template operator of the catalogue targets
them, so `unseen` (their 16 tasks) measures whether evolution found something general. Drawn
once, before any measurement, as sorted(random.Random("godelbox unseen bug classes").sample(C,
4)) over the ten classes C other than the seed's own (off_by_one, wrong_comparison)."""

SNAPSHOT_EMAIL = "builtin@godelbox.invalid"
"""Part of every base_commit in task.json: changing it changes every sha."""
COMMIT_MESSAGE = "snapshot"


class UnknownSplitError(UserError):
    """The split asked for is not one of dev, heldout, all."""


class SnapshotMismatchError(UserError):
    """A materialized snapshot does not hash to the base_commit recorded for the task."""


def load_builtin(split: Split = "all") -> list[SWEInstance]:
    """Every built-in task of `split`, ordered by instance id: `dev`/`heldout` as written in
    task.json, or `seen`/`unseen` by bug class (see UNSEEN_CLASSES; both take dev and heldout
    tasks)."""
    if split not in (*SPLITS, *CLASS_SPLITS, "all"):
        raise UnknownSplitError(
            f"unknown built-in split {split!r}; use dev, heldout, seen, unseen or all"
        )
    tasks = [_load_task(path) for path in sorted(TASKS_DIR.iterdir()) if path.is_dir()]
    if split in CLASS_SPLITS:
        unseen = split == "unseen"
        return [t for t in tasks if (t.metadata["bug_class"] in UNSEEN_CLASSES) == unseen]
    return [task for task in tasks if split == "all" or task.split == split]


def _load_task(task_dir: Path) -> SWEInstance:
    meta = json.loads((task_dir / "task.json").read_text(encoding="utf-8"))
    return SWEInstance(
        instance_id=meta["instance_id"],
        repo=meta["repo"],
        base_commit=meta["base_commit"],
        problem_statement=meta["problem_statement"],
        patch=(task_dir / "gold.patch").read_text(encoding="utf-8"),
        test_patch=(task_dir / "test.patch").read_text(encoding="utf-8"),
        FAIL_TO_PASS=list(meta["FAIL_TO_PASS"]),
        PASS_TO_PASS=list(meta["PASS_TO_PASS"]),
        workspace=task_dir / "repo",
        split=meta["split"],
        metadata={"bug_class": meta["bug_class"], "version": meta["version"]},
    )


def materialize(instance: SWEInstance, dest: Path) -> str:
    """Write the task's snapshot to `dest` as a one-commit git repository; return its sha.

    `dest` must not exist or be empty. Raises `SnapshotMismatchError` when the sha differs from
    `instance.base_commit` (an edited snapshot whose task.json was not regenerated).
    """
    if instance.workspace is None:
        raise UserError(f"task {instance.instance_id} has no snapshot directory to materialize")
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise UserError(f"{dest} is not empty; materialize a task into a new directory")
    for src in sorted(instance.workspace.rglob("*")):
        if src.is_file() and "__pycache__" not in src.parts:
            target = dest / src.relative_to(instance.workspace)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
    sha = commit_snapshot(dest, COMMIT_MESSAGE, email=SNAPSHOT_EMAIL)
    if instance.base_commit and sha != instance.base_commit:
        raise SnapshotMismatchError(
            f"task {instance.instance_id}: snapshot hashes to {sha}, task.json says "
            f"{instance.base_commit}; regenerate the task or restore its repo/ files"
        )
    return sha
