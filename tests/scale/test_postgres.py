"""The archive on a real PostgreSQL server: `godelbox init` creates the schema, migrations run,
the SQLite round-trip holds unchanged, the TUI's read-only reader works, and evaluation jobs
claimed by several processes at once are each done exactly once."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, text

from godelbox.archive import jobs
from godelbox.archive.db import SCHEMA_VERSION, make_engine
from godelbox.archive.models import NodeStatus
from godelbox.archive.store import Archive
from godelbox.config import Config, dump_toml
from godelbox.views.reader import ArchiveReader
from tests.archive.test_archive_store import test_schema_round_trip as sqlite_round_trip

CLAIMERS = 4
JOBS_PER_NODE = 30


def _pg_config(url: str) -> str:
    config = Config()
    config.archive.database_url = url
    return dump_toml(config)


def test_init_creates_the_schema_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "godelbox",
            "init",
            str(run_dir),
            "--set",
            f"archive.database_url={postgres_url}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert not (run_dir / "archive.db").exists()
    engine = make_engine(postgres_url)
    tables = set(inspect(engine).get_table_names())
    assert {"agent_node", "evaluation", "event", "eval_job", "godelbox_meta"} <= tables
    engine.dispose()


def test_archive_round_trip_and_tui_reader_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    archive = Archive.create(tmp_path / "run", _pg_config(postgres_url))
    sqlite_round_trip(archive)  # the same assertions the SQLite archive passes
    reader = ArchiveReader.open(tmp_path / "run")
    try:
        root = reader.root()
        assert root is not None and root.id == 1
        assert [n.id for n in reader.children(1)] == [2]
        best = reader.best()
        assert best is not None and best.id == 2
        assert reader.lineage(2) == [1, 2]
        assert reader.detail(2).commit_sha == "b" * 40
        assert reader.task_outcomes(2) == {"task-7": "oom"}
        progress = reader.progress(best)
        assert progress.nodes == 2 and progress.cost_usd == 0.125
    finally:
        reader.close()


def test_migrations_run_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    Archive.create(tmp_path / "run", _pg_config(postgres_url)).close()
    engine = make_engine(postgres_url)
    with engine.begin() as conn:  # back to the v1 schema: no job table
        conn.execute(text("DROP TABLE eval_job"))
        conn.execute(text("UPDATE godelbox_meta SET value = '1' WHERE key = 'schema_version'"))
    with Archive.open(tmp_path / "run") as archive:
        archive.add_node(parent_id=None, commit_sha="a" * 40)
    assert "eval_job" in inspect(engine).get_table_names()
    with engine.connect() as conn:
        version = conn.execute(
            text("SELECT value FROM godelbox_meta WHERE key = 'schema_version'")
        ).scalar_one()
    assert int(version) == SCHEMA_VERSION
    engine.dispose()


def _claimer(url: str, name: str, start, finished) -> None:
    """One evaluation worker: claim a few jobs at a time until none is left, finish each."""
    engine = make_engine(url)
    start.wait()
    mine = []
    while batch := jobs.claim(engine, name, limit=2):
        for job in batch:
            assert jobs.finish(engine, job, name, {"by": name, "task": job.task_id})
            mine.append(job.job_id)
    finished.put((name, mine))
    engine.dispose()


def test_concurrent_claimers_do_every_job_exactly_once(tmp_path: Path, postgres_url: str) -> None:
    with Archive.create(tmp_path / "run", _pg_config(postgres_url)) as archive:
        nodes = [
            archive.add_node(parent_id=None, commit_sha=c * 40, status=NodeStatus.EVALUATING)
            for c in "ab"
        ]
        engine = archive.engine
        tasks = [f"task-{i}" for i in range(JOBS_PER_NODE)]
        for node in nodes:
            assert jobs.enqueue(engine, node, tasks) == JOBS_PER_NODE
            assert jobs.enqueue(engine, node, tasks) == 0  # idempotent
        # A worker that claimed and died: its claim goes back and is done by someone else.
        [abandoned] = jobs.claim(engine, "dead-worker", limit=1)
        assert jobs.release_stale(engine, older_than_s=0) == 1

        ctx = multiprocessing.get_context("spawn")
        start = ctx.Barrier(CLAIMERS)
        finished = ctx.Queue()
        procs = [
            ctx.Process(target=_claimer, args=(postgres_url, f"w{i}", start, finished))
            for i in range(CLAIMERS)
        ]
        for proc in procs:
            proc.start()
        results = dict(finished.get(timeout=60) for _ in procs)
        for proc in procs:
            proc.join(timeout=30)
            assert proc.exitcode == 0

        done_ids = [job for mine in results.values() for job in mine]
        assert len(done_ids) == len(set(done_ids)) == len(nodes) * JOBS_PER_NODE
        assert abandoned.job_id in done_ids
        assert not jobs.finish(engine, abandoned, "dead-worker", {})  # a late finish is refused
        assert jobs.counts(engine)[jobs.JobState.DONE] == len(done_ids)
        assert sum(1 for mine in results.values() if mine) > 1, "one process took every job"
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT worker, result FROM eval_job")).all()
        assert all(result["by"] == worker for worker, result in rows)
