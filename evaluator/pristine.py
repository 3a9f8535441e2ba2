"""Pristine workspaces, laid out once and shared read-only by every run that starts from them.

Laying out a workspace (copy a tree, `git init`, `add`, `commit`) costs several processes and a
tree of files to write and later delete. A daemon starts from the same workspaces again and
again: every child is evaluated on the same tasks, and a parent chosen again is edited from
the same tree. The loop hands a `PristineCache` to evaluations and proposals (through
`EvalContext.pristine`), so each is laid out once per run.

A pristine workspace is never written to: agents get copies in their sandbox, graders copy
it, diffs compare against copies of it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from godelbox.evaluator.benchmark import Task
from godelbox.evaluator.evaluation import safe_name
from godelbox.evaluator.workspace import JUNK_DIRS, JUNK_SUFFIXES, commit_snapshot, plain_copy


class PristineCache:
    """Pristine workspaces under `root`, each built on first use.

    Thread-safe: concurrent users of the same workspace wait for the one that lays it out. A
    workspace that fails to build is not cached, so the next user tries again (and gets the
    same error)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def task(self, task: Task) -> Path:
        """The task's workspace: a git repository at its base commit."""
        # Readable, and unique: safe_name alone maps "a/b" and "a_b" to the same directory.
        digest = hashlib.sha256(task.task_id.encode()).hexdigest()[:12]
        return self._built(f"task-{safe_name(task.task_id)[:80]}-{digest}", task.materialize)

    def snapshot(self, tree: Path, message: str) -> Path:
        """A one-commit git repository (`commit_snapshot`) of a plain copy of `tree`.

        Keyed by what the copy would hold, so a changed tree is never served stale."""

        def build(dest: Path) -> None:
            commit_snapshot(plain_copy(tree, dest), message)

        return self._built(f"tree-{tree_digest(tree, message)}", build)

    def _built(self, name: str, build: Callable[[Path], object]) -> Path:
        dest = self.root / name
        with self._lock_for(name):
            if dest.is_dir():
                return dest
            self.root.mkdir(parents=True, exist_ok=True)
            # Built aside and renamed into place: a half-made tree is never served, even to a
            # later process reusing this directory after a crash.
            staging = Path(tempfile.mkdtemp(prefix=f".{name[:40]}-", dir=self.root))
            try:
                build(staging / "repo")
                (staging / "repo").rename(dest)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            return dest

    def _lock_for(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())


def tree_digest(tree: Path, salt: str = "") -> str:
    """A hash of everything `plain_copy(tree)` would copy: paths, file modes, contents and link
    targets, in a fixed order."""
    h = hashlib.sha256(salt.encode())
    _digest_into(h, tree, "")
    return h.hexdigest()[:32]


def _digest_into(h: Any, directory: Path, prefix: str) -> None:
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if entry.name in JUNK_DIRS or entry.name.endswith(JUNK_SUFFIXES):
            continue  # what plain_copy leaves out
        rel = (prefix + entry.name).encode("utf-8", "surrogateescape")
        if entry.is_symlink():
            target = os.readlink(entry.path).encode("utf-8", "surrogateescape")
            h.update(b"l\0" + rel + b"\0" + target + b"\0")
        elif entry.is_dir():
            h.update(b"d\0" + rel + b"\0")
            _digest_into(h, Path(entry.path), prefix + entry.name + "/")
        else:
            mode = oct(entry.stat().st_mode).encode()
            data = Path(entry.path).read_bytes()
            h.update(b"f\0" + rel + b"\0" + mode + b"\0" + str(len(data)).encode() + b"\0")
            h.update(data)
