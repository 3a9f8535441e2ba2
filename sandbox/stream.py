"""A conversation with a process in a sandbox: lines to its stdin, lines from its stdout.

`Sandbox.run` hands a command its whole stdin and returns its output at the end; the web harness
instead talks to long-lived processes (the browser server, the agent launcher) one message at a
time. Everything read here comes out of a sandbox, so it is bounded while it streams: a line
longer than `max_line` is dropped (and counted), stderr keeps only its last `STDERR_TAIL` bytes,
and every read has a deadline. Lines are whatever the process writes up to a newline, without
the newline; a process that never writes one cannot make the host hold more than `max_line`.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import subprocess
import time
from collections import deque
from collections.abc import Callable

MAX_LINE = 4 * 1024 * 1024
"""Default cap on one stdout line (a MiniWoB observation with a screenshot is ~100 kB)."""
STDERR_TAIL = 64 * 1024
READ_CHUNK = 65536

Chunks = list[tuple[int, bytes]]
"""(1 = stdout or 2 = stderr, bytes) pieces read from a process, in order."""


class LineStream:
    """Line-oriented, bounded I/O with one process. Use from one thread at a time."""

    def __init__(
        self,
        fds: list[int],
        read: Callable[[int], Chunks | None],
        write: Callable[[bytes, float], bool],
        close: Callable[[], None],
        *,
        max_line: int = MAX_LINE,
    ) -> None:
        self._fds = list(fds)
        self._read = read
        self._write = write
        self._close = close
        self._max_line = max_line
        self._partial = bytearray()
        self._skipping = False
        self._lines: deque[bytes] = deque()
        self._stderr = bytearray()
        self.dropped = 0
        """Lines longer than `max_line` that were thrown away."""
        self._closed = False

    @property
    def eof(self) -> bool:
        """The process closed its output (no line will ever come again)."""
        return not self._fds and not self._lines

    def send(self, line: bytes, timeout_s: float = 30.0) -> bool:
        """Write `line` and a newline to the process's stdin; False when it cannot take it
        (gone, or not reading within `timeout_s`)."""
        if self._closed:
            return False
        return self._write(line + b"\n", time.monotonic() + timeout_s)

    def read_line(self, deadline: float) -> bytes | None:
        """The next complete stdout line, or None at EOF or once `deadline` (monotonic) passes."""
        while not self._lines and self._fds:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select(self._fds, [], [], left)
            for fd in ready:
                chunks = self._read(fd)
                if chunks is None:
                    self._fds.remove(fd)
                    continue
                for kind, data in chunks:
                    self._take(kind, data)
        return self._lines.popleft() if self._lines else None

    def stderr(self) -> str:
        return bytes(self._stderr).decode("utf-8", errors="replace")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._close()

    def _take(self, kind: int, data: bytes) -> None:
        if kind == 2:
            self._stderr += data
            del self._stderr[:-STDERR_TAIL]
            return
        while data:
            cut = data.find(b"\n")
            piece, data = (data, b"") if cut < 0 else (data[:cut], data[cut + 1 :])
            if not self._skipping:
                self._partial += piece
            if len(self._partial) > self._max_line:
                self._partial.clear()
                self._skipping = True
            if cut < 0:
                return
            if self._skipping:
                self.dropped += 1
            else:
                self._lines.append(bytes(self._partial))
            self._partial.clear()
            self._skipping = False


def framed_stream(sock: socket.socket, on_close: Callable[[], None]) -> LineStream:
    """A stream over docker's multiplexed exec socket (8-byte frame headers, stdout and stderr
    interleaved; stdin is the raw socket)."""
    pending = bytearray()
    sock.setblocking(False)

    def read(_fd: int) -> Chunks | None:
        try:
            data = sock.recv(READ_CHUNK)
        except BlockingIOError:
            return []
        except OSError:
            return None
        if not data:
            return None
        pending.extend(data)
        out: Chunks = []
        while len(pending) >= 8:
            kind, size = struct.unpack(">BxxxL", pending[:8])
            if len(pending) < 8 + size:
                break
            out.append((2 if kind == 2 else 1, bytes(pending[8 : 8 + size])))
            del pending[: 8 + size]
        return out

    def write(data: bytes, deadline: float) -> bool:
        return _send_all(sock, data, deadline)

    return LineStream([sock.fileno()], read, write, on_close)


def pipe_stream(proc: subprocess.Popen[bytes], on_close: Callable[[], None]) -> LineStream:
    """A stream over a child process's pipes (the bubblewrap and unsafe local backends)."""
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    in_fd = proc.stdin.fileno()
    os.set_blocking(in_fd, False)

    def read(fd: int) -> Chunks | None:
        try:
            data = os.read(fd, READ_CHUNK)
        except OSError:
            return None
        return [(2 if fd == err_fd else 1, data)] if data else None

    def write(data: bytes, deadline: float) -> bool:
        view = memoryview(data)
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _, ready, _ = select.select([], [in_fd], [], left)
            if not ready:
                continue
            try:
                view = view[os.write(in_fd, view) :]
            except BlockingIOError:
                continue
            except OSError:
                return False
        return True

    return LineStream([out_fd, err_fd], read, write, on_close)


def _send_all(sock: socket.socket, data: bytes, deadline: float) -> bool:
    view = memoryview(data)
    while view:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        _, ready, _ = select.select([], [sock], [], left)
        if not ready:
            continue
        try:
            view = view[sock.send(view) :]
        except BlockingIOError:
            continue
        except OSError:
            return False
    return True


def end_process(proc: subprocess.Popen[bytes]) -> None:
    """Kill a stream's child process group (it was started as a session leader) and reap it."""
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, 9)
    proc.wait()
