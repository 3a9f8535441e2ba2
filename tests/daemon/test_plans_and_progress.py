"""Typed generation plans read what earlier daemons wrote, and the event log has one progress
reading: the daemon's budgets and the views report the same generations, time and state."""

from __future__ import annotations

import io
import random
from pathlib import Path

from godelbox.archive import events
from godelbox.archive.events import LogTally
from godelbox.archive.models import NodeStatus
from godelbox.archive.store import Archive
from godelbox.config import Config, dump_toml
from godelbox.loop.bookkeeping import Bookkeeper
from godelbox.loop.display import JsonReporter
from godelbox.loop.planning import GenerationPlan, Planner, RngState
from godelbox.loop.progress import ProgressReader
from godelbox.loop.stopping import StopRequest
from godelbox.trash import Trash
from godelbox.views.reader import ArchiveReader


def test_a_plan_written_as_a_dict_reads_back_and_resumes_the_same_rng_stream() -> None:
    rng = random.Random(11)
    rng.random()
    version, internal, gauss = rng.getstate()
    # The payload exactly as daemons wrote it before plans were typed (archives must resume).
    written = {
        "generation": 3,
        "parents": [1, 1, 2],
        "rng": {"version": version, "internal": list(internal), "gauss_next": gauss},
    }

    plan = GenerationPlan.from_payload(written)

    assert plan.generation == 3
    assert plan.parents == (1, 1, 2)
    assert plan.payload() == written
    restored = plan.rng.restore()
    assert [restored.random() for _ in range(5)] == [rng.random() for _ in range(5)]
    assert RngState.of(restored) == RngState.of(rng)


def test_the_tally_counts_generations_time_stagnation_and_daemon_state() -> None:
    tally = LogTally()
    assert tally.daemon_state == "daemon never ran"
    tally.add(events.DAEMON_STARTED, {})
    assert tally.daemon_state == "daemon running"
    for best in (0.2, 0.5, 0.5, 0.4):
        tally.add(events.GENERATION_FINISHED, {"best_score": best})
        tally.add(events.DAEMON_ACTIVE, {"active_s": 10.0})
    tally.add(events.NODE_ADDED, {"parent_id": 1})  # not a progress event: ignored
    tally.add(events.DAEMON_STOPPED, {"active_s": 2.5, "reason": "budget reached"})

    assert tally.generations == 4
    assert tally.active_s == 42.5
    assert tally.generations_since_improvement == 2
    assert tally.daemon_state == "daemon stopped: budget reached"


def test_the_daemon_and_the_views_read_the_same_progress(tmp_path: Path) -> None:
    archive = Archive.create(tmp_path / "run", dump_toml(Config()))
    try:
        archive.append_event(events.DAEMON_STARTED)
        for generation, best in enumerate((0.3, 0.6, 0.6), start=1):
            archive.append_event(events.GENERATION_PLANNED, payload={"generation": generation})
            archive.append_event(
                events.GENERATION_FINISHED, payload={"generation": generation, "best_score": best}
            )
            archive.append_event(events.DAEMON_ACTIVE, payload={"active_s": 7.0})
        archive.append_event(events.DAEMON_STOPPED, payload={"active_s": 1.0, "reason": "stop"})
        daemon = ProgressReader(archive).read()
    finally:
        archive.close()

    reader = ArchiveReader.open(tmp_path / "run")
    try:
        view = reader.progress(best=None)
    finally:
        reader.close()

    assert daemon.iterations == view.generations == 3
    assert daemon.wall_clock_s == view.daemon_active_s == 22.0
    assert daemon.generations_since_improvement == 1
    assert view.daemon_state == "daemon stopped: stop"


def test_the_planner_finds_open_plans_and_the_newest_one(tmp_path: Path) -> None:
    archive = Archive.create(tmp_path / "run", dump_toml(Config()))
    try:
        books = Bookkeeper(
            archive, JsonReporter(io.StringIO()), tmp_path / "scratch", Trash(), StopRequest()
        )
        seed = archive.add_node(parent_id=None, commit_sha="", agent_kind="toy")
        archive.set_status(seed, NodeStatus.EVALUATED, score=0.5)
        planner = Planner(books, seed=5)
        assert planner.newest() is None
        rng = RngState.of(random.Random(5))
        for generation in (1, 2, 3):
            plan = GenerationPlan(generation, (seed,), rng)
            archive.append_event(events.GENERATION_PLANNED, payload=plan.payload())
        archive.append_event(events.GENERATION_FINISHED, payload={"generation": 2})

        open_plans = Planner(books, seed=5).open_plans()

        assert [p.generation for p in open_plans] == [1, 3]
        assert planner.newest() == GenerationPlan(3, (seed,), rng)
        assert not planner.is_fresh(3)
        assert planner.plan(children=1).generation == 4
        assert planner.is_fresh(4)
    finally:
        archive.close()
