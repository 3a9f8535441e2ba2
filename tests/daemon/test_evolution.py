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

from godelbox.archive.store import Archive
from tests.daemon.runs import (
    check_invariants,
    fingerprint,
    leftover_containers,
    run_to_end,
    start_run,
    write_config,
)

# Kill points, cycled: a kill comes shortly after the daemon's output shows the text, so kills
# land in every phase (a fresh seed, proposing, validating, evaluating, right after an archive
# write) and each such attempt moves the run on; "" kills at a random moment, often early.
PHASES = [
    "seed.added",
    "proposing",
    "validating",
    "child.valid",
    "tasks done",
    "node.evaluated",
    "generation.finished",
]
KILL_AT = [point for phase in PHASES for point in (phase, "")]


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
        phase = _run_and_kill(crashed, args, KILL_AT[attempt % len(KILL_AT)], rng)
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


def _run_and_kill(run_dir: Path, args: tuple[str, ...], kill_at: str, rng: random.Random):
    """Start the daemon and kill -9 it soon after `kill_at` shows in its output; returns what
    it was doing then, or None when the run ended first."""
    proc = start_run(run_dir, *args)
    doing = {"now": "starting"}
    hit = threading.Event()

    def watch() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            record = json.loads(line)
            busy = record.get("busy")
            doing["now"] = "; ".join(busy.values()) if busy else record["kind"]
            if kill_at and kill_at in line:
                hit.set()
        hit.set()  # the daemon exited: nothing left to wait for

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    hit.wait(timeout=60.0 if kill_at else rng.uniform(2.0, 5.0))
    time.sleep(rng.uniform(0.0, 1.0))
    if proc.poll() is not None:
        proc.wait()
        return None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.join(timeout=5)
    return doing["now"]


def test_async_schedule_overlaps_expansions_and_keeps_budget(tmp_path, agent_image) -> None:
    config = write_config(
        tmp_path / "async.toml",
        agent_image,
        workers=2,
        tasks=1,
        iterations=3,
        children=1,
        schedule="async",
    )
    run_dir = tmp_path / "async"
    run_to_end(run_dir, "--config", str(config))
    check_invariants(run_dir)
    with Archive.open(run_dir) as archive:
        nodes = archive.nodes()
        timeline = [
            (e.kind, (e.payload or {}).get("generation"))
            for e in archive.events()
            if e.kind in ("generation.planned", "generation.finished")
        ]
    assert len(nodes) == 4  # the seed and exactly `iterations` expansions
    planned_before_first_finished = timeline.index(("generation.finished", 1))
    assert planned_before_first_finished >= 2, f"expansions never overlapped: {timeline}"


def test_sigint_stops_gracefully_and_the_run_resumes(tmp_path, agent_image) -> None:
    config = write_config(tmp_path / "stop.toml", agent_image, tasks=4, iterations=1)
    run_dir = tmp_path / "stop"
    proc = start_run(run_dir, "--config", str(config))
    assert proc.stdout is not None
    for line in proc.stdout:
        if "1/32 tasks done" in line:
            break
    asked = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=120)
    waited = time.monotonic() - asked
    assert proc.returncode == 0
    assert '"kind": "run.stopped"' in out and "SIGINT" in out
    with Archive.open(run_dir) as archive:
        seed = archive.nodes()[0]
        assert str(seed.status) == "evaluating"
        assert 1 <= len(archive.evaluations(seed.id or 0)) < 4
    assert waited < 120
    run_to_end(run_dir)
    check_invariants(run_dir)
