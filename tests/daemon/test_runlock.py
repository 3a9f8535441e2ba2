"""One daemon per run dir, and a lock that dies with its holder (kill -9 leaves nothing stale)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from godelbox.runlock import RunLock, RunLocked, is_locked, read_holder

HOLD = """
import sys, time
from pathlib import Path
from godelbox.runlock import RunLock
with RunLock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def _hold_in_child(run_dir: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(run_dir)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_second_holder_is_refused_and_told_who(tmp_path: Path) -> None:
    proc = _hold_in_child(tmp_path)
    try:
        assert is_locked(tmp_path)
        with pytest.raises(RunLocked, match=f"pid {proc.pid}"):
            RunLock(tmp_path).acquire()
    finally:
        proc.kill()
        proc.wait()


def test_kill_9_leaves_no_stale_lock(tmp_path: Path) -> None:
    proc = _hold_in_child(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not is_locked(tmp_path)
    with RunLock(tmp_path):
        holder = read_holder(tmp_path / "daemon.lock")
        assert holder is not None and holder.pid == os.getpid()
    assert read_holder(tmp_path / "daemon.lock") is None
