"""Bubblewrap specifics: leftovers of a dead owner (work dir tmpfs, cgroup) are swept."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from godelbox.sandbox import labels as lbl
from godelbox.sandbox.base import SandboxSpec
from godelbox.sandbox.bubblewrap import WORK_PREFIX, sweep_bubblewrap


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
