"""One daemon per run dir: an advisory `flock` on RUN_DIR/daemon.lock.

A kernel lock dies with its process, so a daemon killed with `kill -9` never leaves a lock that
blocks the next start (the stale-lock problem of pid files). The file also records who holds it,
so a second `godelbox run` can say which pid on which host to look at.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from godelbox.errors import UserError

LOCK_FILE = "daemon.lock"


class RunLocked(UserError):
    """Another live daemon holds the run dir."""


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    started: float

    def describe(self) -> str:
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        return f"pid {self.pid} on {self.host}, running since {since}"


class RunLock:
    """Context manager holding the run dir's daemon lock for the life of the process."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = read_holder(self.path)
            who = holder.describe() if holder else "another process"
            raise RunLocked(
                f"run dir {self.path.parent} is in use by {who}; stop that daemon first "
                "(Ctrl-C or kill -TERM PID), or watch it with `godelbox status`"
            ) from None
        os.ftruncate(fd, 0)
        record = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        os.write(fd, json.dumps(record).encode())
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_holder(path: Path) -> Holder | None:
    """The recorded holder of a lock file, or None when it is free or unreadable."""
    try:
        data = json.loads(path.read_text() or "null")
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return Holder(int(data["pid"]), str(data["host"]), float(data["started"]))


def is_locked(run_dir: Path) -> bool:
    """Whether a live process holds the run dir (probe without taking it for long)."""
    path = run_dir / LOCK_FILE
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
