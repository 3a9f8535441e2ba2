"""A scratch tree the daemon cannot delete is reported, not silently left, and not fatal."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from godelbox.loop.evolution import scratch_dir
from tests.daemon.runs import run_to_end, write_config

pytestmark = pytest.mark.docker


def test_an_undeletable_scratch_tree_is_reported_and_the_daemon_carries_on(tmp_path, agent_image):
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("needs root to mount a tmpfs in the scratch dir", pytrace=False)
        pytest.skip("needs root to mount a tmpfs in the scratch dir")
    config = write_config(tmp_path / "run.toml", agent_image, tasks=1, iterations=1, children=1)
    run_dir = tmp_path / "run"
    run_to_end(run_dir, "--config", str(config))
    stuck = scratch_dir(run_dir) / "stuck"
    stuck.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(stuck)], check=True)
    try:
        (stuck / "inside.txt").write_text("x")
        out = run_to_end(run_dir, "--iterations", "2")  # a mount point cannot be removed
    finally:
        subprocess.run(["umount", "-l", str(stuck)], check=False)
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    reported = [e["message"] for e in events if e["kind"] == "scratch.leftover"]
    assert reported and all("stuck" in message for message in reported)
    # The second generation ran: its child reached a final state (valid, invalid or failed:
    # which one depends on the proposal drawn, not on the leftover).
    assert any(e["kind"] in ("child.valid", "child.invalid", "child.failed") for e in events)
    assert any(
        e["kind"] == "generation.finished" and e["message"].startswith("generation 2:")
        for e in events
    )
