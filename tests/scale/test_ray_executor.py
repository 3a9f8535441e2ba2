"""The evolution daemon on a real two-node Ray cluster (real docker, git, SQLite, the offline
agent and proposer): the same seeded run gives the same archive as the local executor, and a
Ray worker process killed with -9 in the middle of a unit loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from godelbox.archive.store import Archive
from tests.daemon.runs import check_invariants, fingerprint, run_to_end, start_run, write_config


def test_ray_run_equals_local_run_even_when_a_worker_dies(
    tmp_path: Path, agent_image: str, ray_cluster
) -> None:
    config = write_config(tmp_path / "run.toml", agent_image, children=1, tasks=2)
    local = tmp_path / "local"
    run_to_end(local, "--config", str(config))

    on_ray = tmp_path / "ray"
    proc = start_run(
        on_ray,
        "--config",
        str(config),
        "--set",
        "loop.executor=ray",
        "--set",
        f"loop.ray_address={ray_cluster.address}",
    )
    killed = _kill_first_busy_worker(ray_cluster, proc, timeout_s=240)
    _out, err = proc.communicate(timeout=400)
    assert proc.returncode == 0, f"godelbox run on Ray failed:\n{err[-3000:]}"
    assert killed, "no Ray worker was ever seen running a unit"

    check_invariants(on_ray)
    assert fingerprint(on_ray) == fingerprint(local)
    with Archive.open(on_ray) as archive:
        rows = [r for node in archive.nodes() for r in archive.evaluations(node.id or 0)]
    assert len(rows) == 2 * 2  # seed + one child, two tasks each, each recorded once
    assert all(r.outcome != "error" for r in rows), [r.details for r in rows]


def _kill_first_busy_worker(cluster, proc, timeout_s: float) -> int | None:
    """SIGKILL the first worker process of `cluster` seen running a unit, while the daemon
    `proc` is alive; returns its pid."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        busy = cluster.unit_workers()
        if busy:
            time.sleep(0.5)  # inside the unit: its sandbox is running
            try:
                os.kill(busy[0], signal.SIGKILL)
            except ProcessLookupError:
                continue
            return busy[0]
        time.sleep(0.1)
    return None
