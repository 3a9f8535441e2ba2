"""Bubblewrap specifics: leftovers of a dead owner (work dir tmpfs, cgroup) are swept; the
seccomp filter; the work dir's size and inode bound, or a clear refusal without one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from godelbox.sandbox import labels as lbl
from godelbox.sandbox.base import SandboxError, SandboxSpec
from godelbox.sandbox.bubblewrap import WORK_PREFIX, BubblewrapBackend, sweep_bubblewrap


def _dead_token() -> str:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return f"{proc.pid}-1"


def test_sweep_removes_dead_owners_leftovers_only(bwrap_backend, agent_image):
    dead = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{_dead_token()}-"))
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(dead)], check=True)
    with bwrap_backend.start(SandboxSpec(agent_image)) as live:
        live.run(["touch", "/work/mine"], timeout_s=10)
        removed = sweep_bubblewrap()
        assert str(dead) in removed and not dead.exists()
        assert live.run(["ls", "/work"], timeout_s=10).stdout == "mine\n"
    assert lbl.token_alive(lbl.owner_token())


def test_sweep_removes_a_dead_owners_cgroup(bwrap_backend):
    from godelbox.sandbox.cgroup import Cgroup

    group = Cgroup.create(64 * 1024 * 1024, 16, _dead_token()) if os.geteuid() == 0 else None
    if group is None:
        # CI runs as root on a host with cgroups: there the sweep must be shown, not skipped.
        if os.environ.get("CI"):
            pytest.fail("no writable cgroup (needs root and a cgroup v1/v2 hierarchy)")
        pytest.skip("needs root and a writable cgroup")
    assert all(d.exists() for d in group.dirs)
    removed = sweep_bubblewrap()
    assert all(str(d) in removed and not d.exists() for d in group.dirs)


SYSCALLS = """
import ctypes, errno, json
libc = ctypes.CDLL(None, use_errno=True)
def errno_of(nr, *args):
    ctypes.set_errno(0)
    libc.syscall(nr, *args)
    return errno.errorcode.get(ctypes.get_errno(), "ok")
print(json.dumps({
    "mode": open("/proc/self/status").read().split("Seccomp:")[1].split()[0],
    "keyctl": errno_of(250, 0, -3, 0),
    "io_uring_setup": errno_of(425, 1, 0),
    "unshare_mount_ns": errno_of(272, 0x20000),
    "perf_event_open": errno_of(298, 0, 0, -1, -1, 0),
}))
"""


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="syscall numbers are x86-64's")
def test_a_seccomp_filter_refuses_what_dockers_default_refuses(bwrap_backend, agent_image):
    with bwrap_backend.start(SandboxSpec(agent_image)) as box:
        res = box.run(["python3", "-c", SYSCALLS], timeout_s=30)
        forked = box.run(["sh", "-c", "echo a | cat; python3 -c 'import threading'"], 30)
    assert res.ok, res.stderr
    seen = json.loads(res.stdout)
    assert seen.pop("mode") == "2"  # a filter is installed
    assert set(seen.values()) == {"EPERM"}, seen
    assert forked.ok and forked.stdout == "a\n"  # clone for processes and threads still works


def test_without_a_bound_for_the_work_dir_it_refuses_unless_told_otherwise(rootfs, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(SandboxError, match=r"sandbox\.unbounded_work_dir = true"):
        BubblewrapBackend(rootfs, sweep=False)
    assert BubblewrapBackend(rootfs, sweep=False, unbounded_work_dir=True).rootfs == rootfs
