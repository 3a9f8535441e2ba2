"""Evaluation jobs shared by several processes: enqueue once, claim with row locks, finish once.

A job is one (node, task) evaluation. Any number of worker processes, on any machines that reach
the database, call `claim`; on PostgreSQL it takes pending rows with `SELECT ... FOR UPDATE SKIP
LOCKED`, so concurrent claimers never wait for each other and never get the same row. The claim is
also guarded by `state = 'pending'` in the UPDATE itself, which keeps SQLite (one writer at a
time, no row locks) correct as well. A claim that is never finished (its worker died) goes back
to pending through `release_stale`, so a lost worker loses no job; `finish` only succeeds for
the claim's holder, so a job released and claimed again is still finished exactly once.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, UniqueConstraint, update
from sqlmodel import Field, Session, SQLModel, col, select

from godelbox.archive.models import _enum_column, _json_column, _time_column, utcnow


class JobState(enum.StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"


class EvalJob(SQLModel, table=True):
    """One task of one node waiting for, held by, or finished by a worker."""

    __tablename__ = "eval_job"
    __table_args__ = (UniqueConstraint("node_id", "task_id", name="uq_eval_job_node_task"),)

    id: int | None = Field(default=None, primary_key=True)
    node_id: int = Field(foreign_key="agent_node.id", index=True)
    task_id: str = Field(max_length=256)
    state: JobState = _enum_column(JobState, JobState.PENDING, index=True)
    worker: str | None = Field(default=None, max_length=128)
    """Who holds or finished it (host:pid or any name the worker gives itself)."""
    claimed_at: datetime | None = _time_column(nullable=True)
    attempts: int = 0
    result: dict[str, Any] | None = _json_column()
    created_at: datetime = _time_column()


@dataclass(frozen=True)
class Claim:
    job_id: int
    node_id: int
    task_id: str
    attempt: int


def enqueue(engine: Engine, node_id: int, task_ids: Sequence[str]) -> int:
    """Add the jobs of `node_id` not queued yet; returns how many were new (idempotent)."""
    with Session(engine) as session:
        known = set(session.exec(select(EvalJob.task_id).where(EvalJob.node_id == node_id)).all())
        new = [t for t in dict.fromkeys(task_ids) if t not in known]
        session.add_all(EvalJob(node_id=node_id, task_id=t) for t in new)
        session.commit()
    return len(new)


def claim(engine: Engine, worker: str, limit: int = 1) -> list[Claim]:
    """Take up to `limit` pending jobs, oldest first, for `worker`."""
    with Session(engine) as session:
        # Plain columns, not ORM objects: the UPDATE below must not refresh what was read.
        rows = session.exec(
            select(EvalJob.id, EvalJob.node_id, EvalJob.task_id, EvalJob.attempts)
            .where(EvalJob.state == JobState.PENDING)
            .order_by(col(EvalJob.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claims = []
        for job_id, node_id, task_id, attempts in rows:
            taken = session.exec(  # type: ignore[call-overload]
                update(EvalJob)
                .where(col(EvalJob.id) == job_id, col(EvalJob.state) == JobState.PENDING)
                .values(
                    state=JobState.CLAIMED,
                    worker=worker,
                    claimed_at=utcnow(),
                    attempts=attempts + 1,
                )
            )
            if taken.rowcount == 1:
                claims.append(Claim(job_id or 0, node_id, task_id, attempts + 1))
        session.commit()
    return claims


def finish(engine: Engine, job: Claim, worker: str, result: dict[str, Any]) -> bool:
    """Record the job's result; False (nothing written) if `worker` no longer holds it."""
    with Session(engine) as session:
        done = session.exec(  # type: ignore[call-overload]
            update(EvalJob)
            .where(
                col(EvalJob.id) == job.job_id,
                col(EvalJob.state) == JobState.CLAIMED,
                col(EvalJob.worker) == worker,
                col(EvalJob.attempts) == job.attempt,
            )
            .values(state=JobState.DONE, result=result)
        )
        session.commit()
    return bool(done.rowcount == 1)


def release_stale(engine: Engine, older_than_s: float) -> int:
    """Put claims older than `older_than_s` (their worker is presumed dead) back to pending."""
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    with Session(engine) as session:
        released = session.exec(  # type: ignore[call-overload]
            update(EvalJob)
            .where(col(EvalJob.state) == JobState.CLAIMED, col(EvalJob.claimed_at) < cutoff)
            .values(state=JobState.PENDING, worker=None, claimed_at=None)
        )
        session.commit()
    return int(released.rowcount)


def counts(engine: Engine) -> dict[JobState, int]:
    with Session(engine) as session:
        states = session.exec(select(EvalJob.state)).all()
    return {state: sum(1 for s in states if s == state) for state in JobState}
