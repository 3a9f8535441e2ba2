"""Recorded gateway exchanges in the archive: blobs, tapes (one per sandbox) and their calls.

Blobs are shared by the whole run (a message resent by a hundred calls, or by every task of a
node, is stored once); a tape row says which node and task a sandbox ran, under which model
settings, how many calls it made and whether its recording was cut; an exchange row holds one
call's blob references in order. See sandbox/recording.py for what a tape is, and
docs/replay.md for how replays use it.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Engine, LargeBinary, func, inspect
from sqlmodel import Field, Session, SQLModel, col, select

from godelbox.archive.models import utcnow
from godelbox.sandbox.recording import (
    Refused,
    StoredCall,
    StoredTape,
    Tape,
    assemble_request,
    decode_blob,
)


class ExchangeBlob(SQLModel, table=True):
    __tablename__ = "exchange_blob"

    sha: str = Field(primary_key=True, max_length=64)
    """sha256 of the canonical JSON (sandbox/recording.py `canonical`)."""
    size: int
    """Uncompressed bytes."""
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    """zlib-compressed canonical JSON."""


class SandboxTape(SQLModel, table=True):
    __tablename__ = "sandbox_tape"

    id: int | None = Field(default=None, primary_key=True)
    node_id: int = Field(foreign_key="agent_node.id", index=True)
    task_id: str = Field(max_length=256)
    purpose: str = Field(max_length=32)
    settings: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    calls: int = 0
    truncated: bool = False
    raw_bytes: int = 0
    stored_bytes: int = 0
    """Compressed bytes of the blobs this tape added (shared ones are counted once, by the
    first tape that stored them)."""
    created_at: datetime = Field(default_factory=utcnow)


class RecordedExchange(SQLModel, table=True):
    __tablename__ = "recorded_exchange"

    id: int | None = Field(default=None, primary_key=True)
    tape_id: int = Field(foreign_key="sandbox_tape.id", index=True)
    seq: int
    request: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    response_sha: str | None = Field(default=None, max_length=64)
    refusal: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


RECORDING_TABLES = [
    ExchangeBlob.__table__,  # type: ignore[attr-defined]
    SandboxTape.__table__,  # type: ignore[attr-defined]
    RecordedExchange.__table__,  # type: ignore[attr-defined]
]


def recorded_bytes(session: Session) -> int:
    """Compressed bytes the run's recordings hold."""
    return int(session.exec(select(func.coalesce(func.sum(SandboxTape.stored_bytes), 0))).one())


def write_tape(session: Session, node_id: int, tape: Tape, room_bytes: int | None) -> int:
    """Store `tape` for `node_id` (in the caller's transaction); returns the tape's id. When
    the tape's new blobs do not fit in `room_bytes`, the tape is kept without its exchanges
    and marked truncated (the replay then says the recording is missing, and why)."""
    known = set(
        session.exec(select(ExchangeBlob.sha).where(col(ExchangeBlob.sha).in_(tape.blobs))).all()
    )
    new = {sha: data for sha, data in tape.blobs.items() if sha not in known}
    new_bytes = sum(len(d) for d in new.values())
    fits = room_bytes is None or new_bytes <= room_bytes
    row = SandboxTape(
        node_id=node_id,
        task_id=tape.task_id,
        purpose=tape.purpose,
        settings=tape.settings,
        calls=tape.calls,
        truncated=tape.truncated or not fits,
        raw_bytes=tape.raw_bytes if fits else 0,
        stored_bytes=new_bytes if fits else 0,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    if not fits:
        return row.id
    for sha, data in new.items():
        session.add(ExchangeBlob(sha=sha, size=len(zlib.decompress(data)), data=data))
    for exchange in tape.exchanges:
        session.add(
            RecordedExchange(
                tape_id=row.id,
                seq=exchange.seq,
                request=exchange.request,
                response_sha=exchange.response,
                refusal=exchange.refusal.to_dict() if exchange.refusal else None,
            )
        )
    return row.id


class TapeReader:
    """Reads tapes back, with a cache of decoded blobs (messages repeat across calls)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cache: dict[str, Any] = {}

    def has_recordings(self) -> bool:
        """Whether any tape is stored (False for an archive from before v6, never migrated by
        a reader)."""
        with self._engine.connect() as conn:
            if SandboxTape.__tablename__ not in inspect(conn).get_table_names():
                return False
        with Session(self._engine) as session:
            return session.exec(select(SandboxTape.id).limit(1)).first() is not None

    def tapes(
        self, node_id: int, purpose: str | None = None, task_id: str | None = None
    ) -> list[StoredTape]:
        """The node's tapes in the order they were written (with their exchanges)."""
        query = select(SandboxTape).where(col(SandboxTape.node_id) == node_id)
        if purpose is not None:
            query = query.where(col(SandboxTape.purpose) == purpose)
        if task_id is not None:
            query = query.where(col(SandboxTape.task_id) == task_id)
        with Session(self._engine) as session:
            rows = session.exec(query.order_by(col(SandboxTape.id))).all()
            return [self._assemble(session, row) for row in rows]

    def blob(self, sha: str) -> Any:
        if sha not in self._cache:
            with Session(self._engine) as session:
                data = session.exec(
                    select(ExchangeBlob.data).where(col(ExchangeBlob.sha) == sha)
                ).first()
            if data is None:
                raise LookupError(f"recorded blob {sha[:12]} is missing from the archive")
            self._cache[sha] = decode_blob(data)
        return self._cache[sha]

    def _assemble(self, session: Session, row: SandboxTape) -> StoredTape:
        calls = session.exec(
            select(RecordedExchange)
            .where(col(RecordedExchange.tape_id) == row.id)
            .order_by(col(RecordedExchange.seq))
        ).all()
        exchanges = tuple(
            StoredCall(
                c.seq,
                assemble_request(c.request, self.blob),
                self.blob(c.response_sha) if c.response_sha else None,
                Refused.from_dict(c.refusal) if c.refusal else None,
            )
            for c in calls
        )
        return StoredTape(
            id=row.id or 0,
            node_id=row.node_id,
            task_id=row.task_id,
            purpose=row.purpose,
            settings=row.settings or {},
            calls=row.calls,
            truncated=row.truncated,
            raw_bytes=row.raw_bytes,
            stored_bytes=row.stored_bytes,
            exchanges=exchanges,
        )
