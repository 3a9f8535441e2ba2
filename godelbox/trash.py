"""Deleting finished scratch trees off the critical path.

Every task a daemon evaluates leaves trees behind: copies of workspaces, diff views, the
grader's tree, the proposer's drafts. Deleting one costs milliseconds, more while the engine
tears a container down on the same disk, and nothing ever waits for the result. `Trash` moves
a tree aside with one rename and a background thread deletes it.

Moving aside first means the name is free at once (a draft directory can be made again under
the same name) and the thread never races with a new tree. Anything still queued is deleted
before the process exits normally; after a crash, trees left in a run's scratch directory go
with it on the next start, like everything else there.
"""

from __future__ import annotations

import atexit
import contextlib
import queue
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path


class Trash:
    """Trees to delete and the one thread that deletes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._queue: queue.SimpleQueue[Path | None] = queue.SimpleQueue()
        self._registered = False

    def discard(self, path: Path) -> None:
        """Delete `path` (a tree nobody uses any more) soon; its name is free on return."""
        # The old name stays in the new one: a tree left by a killed process says what it was.
        aside = path.with_name(f"{path.name}.trash-{uuid.uuid4().hex[:12]}")
        try:
            path.rename(aside)
        except FileNotFoundError:
            return
        except OSError:  # e.g. a mount point: cannot be moved, so delete it here and now
            shutil.rmtree(path, ignore_errors=True)
            return
        with self._lock:
            if self._worker is None:
                self._start()
            self._queue.put(aside)

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
                self._queue.put(None)  # after every path queued to this worker
        if worker is not None:
            worker.join()

    def _start(self) -> None:
        # Each worker gets its own queue: a worker started after a close() must not take the
        # stop sentinel meant for the one before.
        self._queue = queue.SimpleQueue()
        self._worker = threading.Thread(
            target=_empty, args=(self._queue,), name="godelbox-trash", daemon=True
        )
        self._worker.start()
        if not self._registered:
            atexit.register(self.close)
            self._registered = True


def _empty(paths: queue.SimpleQueue[Path | None]) -> None:
    while (path := paths.get()) is not None:
        shutil.rmtree(path, ignore_errors=True)
