"""The local model's process handling, without the model: clear errors for a missing file or a
server that dies while starting (with its last words), and stopping a whole process group."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from godelbox.llm.local import (
    LocalModelError,
    LocalServer,
    ServerSpec,
    free_port,
    stop_process_group,
    wait_ready,
)


def test_a_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    server = LocalServer(ServerSpec(tmp_path / "nope.gguf", port=free_port()), tmp_path / "log")
    with pytest.raises(LocalModelError, match="godelbox model fetch"):
        server.start()


def test_a_server_that_dies_while_starting_is_reported_with_its_log(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; print('illegal instruction in ggml'); sys.exit(3)"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    with pytest.raises(LocalModelError) as info:
        wait_ready(f"http://127.0.0.1:{free_port()}/v1", 30, proc, log)
    assert "exited with code 3" in str(info.value) and "illegal instruction" in str(info.value)


def test_stop_ends_the_whole_group_even_a_child_that_ignores_sigterm() -> None:
    script = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    child = int(proc.stdout.readline())
    started = time.monotonic()
    stop_process_group(proc.pid, 1.0, proc)
    assert proc.poll() is not None and time.monotonic() - started < 10
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists():
        state = Path(f"/proc/{child}/stat").read_text().split(")")[1].split()[0]
        if state == "Z":
            break
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists() or state == "Z"
