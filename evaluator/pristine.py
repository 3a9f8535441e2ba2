"""Pristine workspaces, laid out once and shared read-only by every run that starts from them.

Laying out a workspace (copy a tree, `git init`, `add`, `commit`) costs several processes and a
tree of files to write and later delete. A daemon starts from the same workspaces again and
again: every child is evaluated on the same tasks, and a parent chosen again is edited from
the same tree. The loop hands a `PristineCache` to evaluations and proposals (through
`EvalContext.pristine`), so each is laid out once and reused while it stays in the cache.

A pristine workspace is never written to: agents get copies in their sandbox, graders copy
it, diffs compare against copies of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

from godelbox.evaluator.benchmark import Task
from godelbox.evaluator.cache_key import task_identity
from godelbox.evaluator.evaluation import safe_name
from godelbox.evaluator.workspace import commit_snapshot, content_digest, is_junk, plain_copy
from godelbox.trash import Trash
from godelbox.treecache import TreeCache


class PristineCache:
    """Pristine workspaces under `root`, each built on first use, safe to share across threads.

    Every task's workspace is kept for the run (there are as many as the benchmark has tasks).
    Snapshots of agent trees are leased: one per parent would otherwise pile up over a run of
    thousands of nodes, so only the `keep` most recently used idle ones stay."""

    def __init__(self, root: Path, trash: Trash, keep: int = 64) -> None:
        self.root = root
        self._tasks = TreeCache(root / "tasks", trash, keep=None)
        self._snapshots = TreeCache(root / "trees", trash, keep=keep)
        self._identities: dict[str, str] = {}
        self._lock = threading.Lock()

    def identity(self, task: Task) -> str:
        """The task's part of an evaluation cache key (`cache_key.task_identity`), computed
        once: its workspace is never written to."""
        with self._lock:
            known = self._identities.get(task.task_id)
        if known is None:
            known = task_identity(task, self.task(task))
            with self._lock:
                self._identities[task.task_id] = known
        return known

    def task(self, task: Task) -> Path:
        """The task's workspace: a git repository at its base commit. Never write into it."""
        # Readable, and unique: safe_name alone maps "a/b" and "a_b" to the same directory.
        digest = hashlib.sha256(task.task_id.encode()).hexdigest()[:12]
        name = f"{safe_name(task.task_id)[:80]}-{digest}"
        with self._tasks.lease(name, task.materialize) as path:
            return path  # never evicted: the lease need not outlive the lookup

    @contextlib.contextmanager
    def snapshot(self, tree: Path, message: str) -> Iterator[Path]:
        """A one-commit git repository (`commit_snapshot`) of a plain copy of `tree`, kept at
        least until the block ends. Never write into it.

        Keyed by what the copy would hold, so a changed tree is never served stale."""

        def build(dest: Path) -> None:
            commit_snapshot(plain_copy(tree, dest), message)

        with self._snapshots.lease(tree_digest(tree, message), build) as path:
            yield path


def tree_digest(tree: Path, salt: str = "") -> str:
    """A digest of everything `plain_copy(tree)` would copy (`workspace.content_digest`)."""
    return content_digest(tree, leave_out=lambda rel: is_junk(rel.rsplit("/", 1)[-1]), salt=salt)
