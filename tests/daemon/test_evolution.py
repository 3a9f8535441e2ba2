"""The daemon on the real stack (docker, git, SQLite, the offline agent and proposer): seeded
runs are identical whatever the worker count, and a run killed with -9 over and over resumes to
exactly the archive an uninterrupted run makes."""

from __future__ import annotations

import json
import random
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.daemon.runs import (
    check_invariants,
    fingerprint,
    leftover_containers,
    run_to_end,
    start_run,
    write_config,
)

# Each attempt is killed a random moment (up to a second) after the daemon reports its next
# state change, so every attempt moves the run on by at least one step and the kills land in
# every phase: proposing, validating, evaluating, planning, and the archive writes around them.
PROGRESS = {"seed.added", "child.valid", "child.invalid", "node.evaluated", "generation.finished"}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, agent_image) -> tuple[Path, Path]:
    """(config, run dir) of one uninterrupted seeded run, shared by the tests that compare
    other runs of the same config against it."""
    base = tmp_path_factory.mktemp("reference")
    config = write_config(base / "run.toml", agent_image, tasks=1, iterations=3)
    run_to_end(base / "run", "--config", str(config))
    check_invariants(base / "run")
    return config, base / "run"


def test_seeded_runs_are_identical_with_one_or_two_workers(tmp_path, reference) -> None:
    config, one = reference
    two_workers = config.read_text().replace("workers = 1", "workers = 2")
    assert two_workers != config.read_text()
    (tmp_path / "two.toml").write_text(two_workers)
    two = tmp_path / "two"
    run_to_end(two, "--config", str(tmp_path / "two.toml"))
    check_invariants(two)
    first = fingerprint(one)
    assert len(first) == 7  # seed + three generations of two children
    assert first == fingerprint(two)


def test_kill_9_at_random_moments_then_resume(tmp_path, reference, docker_engine) -> None:
    config, uninterrupted = reference
    crashed = tmp_path / "crashed"
    rng = random.Random(5)
    kills: list[str] = []
    attempt = 0
    while len(kills) < 10 and attempt < 40:
        args = ("--config", str(config)) if attempt == 0 else ()
        phase = _run_and_kill(crashed, args, rng)
        attempt += 1
        if phase is not None:
            kills.append(phase)
    assert len(kills) >= 10, f"only {len(kills)} kills landed: {kills}"
    assert any("proposing" in k or "validating" in k for k in kills), kills
    assert any("evaluating" in k for k in kills), kills

    run_to_end(crashed)
    check_invariants(crashed)
    assert fingerprint(crashed) == fingerprint(uninterrupted)
    assert leftover_containers(docker_engine, crashed) == []


def _run_and_kill(run_dir: Path, args: tuple[str, ...], rng: random.Random) -> str | None:
    """Start the daemon and kill -9 it soon after its next state change; returns what it was
    doing then, or None when the run ended first."""
    proc = start_run(run_dir, *args)
    doing = {"now": "starting"}
    progressed = threading.Event()

    def watch() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            record = json.loads(line)
            busy = record.get("busy")
            doing["now"] = "; ".join(busy.values()) if busy else record["kind"]
            if record["kind"] in PROGRESS:
                progressed.set()
        progressed.set()  # the daemon exited: nothing left to wait for

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    progressed.wait(timeout=120.0)
    time.sleep(rng.uniform(0.0, 1.0))
    if proc.poll() is not None:
        proc.wait()
        return None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.join(timeout=5)
    return doing["now"]
