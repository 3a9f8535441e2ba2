"""Labels on every docker object godelbox creates, and how to tell whether its owner is alive.

The owner is the process that started the sandbox: its pid, its start time (so a recycled pid
is not mistaken for a live owner) and the host name (a shared engine may serve several hosts).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping

RUN = "godelbox.run"
NODE = "godelbox.node"
OWNER_PID = "godelbox.owner-pid"
OWNER_START = "godelbox.owner-start"
OWNER_HOST = "godelbox.owner-host"


def process_start_time(pid: int) -> str | None:
    """Start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def owner_labels(extra: Mapping[str, str], pid: int | None = None) -> dict[str, str]:
    """Labels naming this process as owner, plus the caller's (run id, node id, ...)."""
    pid = os.getpid() if pid is None else pid
    labels = {RUN: "", NODE: ""}
    labels.update(
        {k if k.startswith("godelbox.") else f"godelbox.{k}": v for k, v in extra.items()}
    )
    labels.update(
        {
            OWNER_PID: str(pid),
            OWNER_START: process_start_time(pid) or "",
            OWNER_HOST: socket.gethostname(),
        }
    )
    return labels


def owner_alive(labels: Mapping[str, str]) -> bool:
    """True unless the labels name an owner on this host that is gone.

    Objects owned from another host are left alone: we cannot see that process."""
    if labels.get(OWNER_HOST, socket.gethostname()) != socket.gethostname():
        return True
    try:
        pid = int(labels[OWNER_PID])
    except (KeyError, ValueError):
        return True
    start = process_start_time(pid)
    return start is not None and start == labels.get(OWNER_START, start)


def owner_token(pid: int | None = None) -> str:
    """`<pid>-<start time>`: names host-side leftovers (bubblewrap dirs, cgroups) by owner."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}-{process_start_time(pid) or 0}"


def token_alive(token: str) -> bool:
    pid, _, start = token.partition("-")
    try:
        return process_start_time(int(pid)) == start
    except ValueError:
        return True  # not one of ours: leave it
