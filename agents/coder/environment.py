"""Where commands run. The loop only sees the `Environment` protocol, so another backend (a
remote shell, a container) can replace `LocalEnvironment` without touching it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# Keep the workspace diff clean: tests run by the agent must not leave bytecode or pytest caches
# that would end up in its answer. Pagers and colour would only waste tokens.
QUIET_ENV = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTEST_ADDOPTS": "-p no:cacheprovider",
    "PAGER": "cat",
    "GIT_PAGER": "cat",
    "TERM": "dumb",
    "NO_COLOR": "1",
}

# After the command exits, wait this long for its output pipe to close. A background process
# still holding the pipe after that is killed, so a stray `server &` cannot hang the agent.
PIPE_GRACE_S = 0.5


@dataclass(frozen=True)
class Output:
    text: str
    exit_code: int | None
    """None when the command was killed on timeout."""
    timed_out: bool = False


class Environment(Protocol):
    def execute(self, command: str, timeout_s: float) -> Output: ...


class LocalEnvironment:
    """Runs each command in a fresh `bash -c` in the workspace, in its own process group."""

    def __init__(self, cwd: Path, output_limit_chars: int = 10_000) -> None:
        self.cwd = cwd
        self.output_limit_chars = output_limit_chars

    def execute(self, command: str, timeout_s: float) -> Output:
        proc = subprocess.Popen(
            ["bash", "-c", command],
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **QUIET_ENV},
        )
        capture = _Capture(self.output_limit_chars // 2)
        reader = threading.Thread(target=capture.drain, args=(proc.stdout,), daemon=True)
        reader.start()
        try:
            exit_code: int | None = proc.wait(timeout=timeout_s)
            reader.join(PIPE_GRACE_S)
        except subprocess.TimeoutExpired:
            exit_code = None
        except BaseException:  # interrupted (SIGTERM): leave no command running behind us
            _kill_group(proc)
            raise
        if exit_code is None or reader.is_alive():
            _kill_group(proc)
            reader.join(PIPE_GRACE_S)
        if not reader.is_alive() and proc.stdout is not None:
            proc.stdout.close()
        return Output(capture.text(), exit_code, timed_out=exit_code is None)


def truncate(text: str, limit: int) -> str:
    """Keep the head and the tail of `text` within about `limit` characters, saying what was cut."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + _elision(len(text) - 2 * half, "characters") + text[-half:]


def _elision(count: int, unit: str) -> str:
    return f"\n\n[... {count} {unit} omitted from the middle of this output ...]\n\n"


class _Capture:
    """Keeps only the first and last `keep` bytes of a stream, so a command that prints gigabytes
    costs bounded memory."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def drain(self, stream) -> None:  # type: ignore[no-untyped-def]
        while chunk := stream.read1(65536):
            self.total += len(chunk)
            room = self.keep - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            self.tail += chunk
            del self.tail[: max(0, len(self.tail) - self.keep)]

    def text(self) -> str:
        omitted = self.total - len(self.head) - len(self.tail)
        if omitted == 0:
            return (self.head + self.tail).decode(errors="replace")
        head, tail = self.head.decode(errors="replace"), self.tail.decode(errors="replace")
        return head + _elision(omitted, "bytes") + tail


def _kill_group(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    with contextlib.suppress(ProcessLookupError):  # the group may already be gone
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
