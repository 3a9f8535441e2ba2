"""Reading a child process's stdout/stderr with a deadline and a byte cap (bubblewrap, local).

The cap is enforced while reading: past it we stop and the caller kills the process, so a
flood never grows host memory beyond the cap.
"""

from __future__ import annotations

import os
import select
import subprocess
import time

from godelbox.sandbox.base import EndReason


def read_capped(
    proc: subprocess.Popen[bytes], deadline: float, cap: int
) -> tuple[bytes, bytes, EndReason]:
    """Read both pipes until EOF, the deadline or `cap` bytes; never hold more than the cap."""
    assert proc.stdout is not None and proc.stderr is not None
    bufs = {proc.stdout.fileno(): bytearray(), proc.stderr.fileno(): bytearray()}
    open_fds = set(bufs)
    total = 0
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(bufs[proc.stdout.fileno()]), bytes(bufs[proc.stderr.fileno()]), "timeout"
        ready, _, _ = select.select(list(open_fds), [], [], left)
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.discard(fd)
                continue
            bufs[fd] += chunk[: cap - total]
            total += len(chunk)
            if total > cap:
                out, err = bufs[proc.stdout.fileno()], bufs[proc.stderr.fileno()]
                return bytes(out), bytes(err), "output_cap"
    return bytes(bufs[proc.stdout.fileno()]), bytes(bufs[proc.stderr.fileno()]), "exit"


def wait_until(proc: subprocess.Popen[bytes], deadline: float) -> EndReason:
    """After EOF on its pipes: "exit" if `proc` ends by `deadline`, else "timeout" (a process
    can close its output and keep running)."""
    try:
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return "timeout"
    return "exit"
