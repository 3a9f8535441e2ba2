"""Deleting finished scratch trees off the critical path.

Every task a daemon evaluates leaves trees behind: copies of workspaces, diff views, the
grader's tree, the proposer's drafts. Deleting one costs milliseconds, more while the engine
tears a container down on the same disk, and nothing ever waits for the result. `Trash` moves
a tree aside with one rename and a background thread deletes it.

Moving aside first means the name is free at once (a draft directory can be made again under
the same name) and the thread never races with a new tree. The thread lives only while there
is work: it ends after `IDLE_S` without any, so a process that makes many short-lived
contexts (a Ray worker runs thousands of units) never piles up threads. It is not a daemon
thread, so a process that exits normally first finishes deleting what it was given; after a
crash, trees left in a run's scratch directory go with it on the next start.

The trees are agent-shaped (any depth, any modes): deletion is `trees.remove`, which never
recurses, and whatever one tree raises is caught, logged and remembered (`leftovers`), so the
thread carries on with the next tree instead of dying and leaving every later tree on disk.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from godelbox import trees

log = logging.getLogger(__name__)

IDLE_S = 0.5
"""How long the deleting thread waits for more work before it ends (and so how long it can
hold up the exit of a process that has just discarded something)."""


class Trash:
    """Trees to delete, and the thread that deletes them while there are any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._leftovers: list[str] = []

    @property
    def leftovers(self) -> list[str]:
        """Trees that could not be deleted, each with why (`path: error`)."""
        with self._lock:
            return list(self._leftovers)

    def _failed(self, path: Path, err: BaseException) -> None:
        log.warning("could not delete scratch tree %s: %s", path, err)
        with self._lock:
            self._leftovers.append(f"{path}: {type(err).__name__}: {err}")

    def discard(self, path: Path) -> None:
        """Delete `path` (a tree nobody uses any more) soon; its name is free on return."""
        # The old name stays in the new one: a tree left by a killed process says what it was.
        aside = path.with_name(f"{path.name}.trash-{uuid.uuid4().hex[:12]}")
        try:
            path.rename(aside)
        except FileNotFoundError:
            return
        except OSError:  # e.g. a mount point: cannot be moved, so delete it here and now
            self.delete(path)
            return
        with self._lock:
            if self._worker is None or not self._worker.give(aside):
                self._worker = _Worker(self.delete)
                self._worker.give(aside)

    def delete(self, path: Path) -> None:
        """Delete `path` now, in this thread; a failure is logged and kept in `leftovers`."""
        try:
            trees.remove(path)
        except Exception as err:  # one tree's trouble must not stop the others' deletion
            self._failed(path, err)

    @contextlib.contextmanager
    def temporary(self, prefix: str, parent: Path | None = None) -> Iterator[Path]:
        """A fresh temporary directory (in `parent`, default the system's), handed to the
        trash when the block ends."""
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        try:
            yield path
        finally:
            self.discard(path)

    def close(self) -> None:
        """Wait until everything discarded so far is deleted. The trash stays usable."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.finish()


class _Worker:
    """One deleting thread and its queue; it stops taking work once it has decided to end."""

    def __init__(self, delete: Callable[[Path], None]) -> None:
        self._delete = delete
        self._paths: queue.SimpleQueue[Path | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._open = True
        self._thread = threading.Thread(target=self._run, name="godelbox-trash")
        self._thread.start()

    def give(self, path: Path | None) -> bool:
        """Queue `path` (None: end after the queued ones); False if this worker has ended."""
        with self._lock:
            if not self._open:
                return False
            self._paths.put(path)
            self._open = path is not None
            return True

    def finish(self) -> None:
        self.give(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            try:
                path = self._paths.get(timeout=IDLE_S)
            except queue.Empty:
                with self._lock:
                    if not self._paths.empty():
                        continue  # given something just as the wait ran out
                    self._open = False
                    return
            if path is None:
                return
            self._delete(path)
