"""Reads and writes of the PAE and SELF tables, on an open `Archive`'s engine.

Like `Archive`, only the command that runs a loop (`godelbox pae`, `godelbox self`) writes
through it; every write is one short transaction.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

from godelbox.archive.pae_models import (
    JudgeAudit,
    JudgedAttempt,
    ProposedStatus,
    ProposedTask,
    Refinement,
)

Row = TypeVar("Row", bound=SQLModel)


class PAEStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, row: Row) -> Row:
        """Insert `row` (no id yet) or update the stored row with its id; returns the stored
        row, id filled in, detached and fully loaded."""
        with Session(self.engine, expire_on_commit=False) as session:
            stored = session.merge(row)
            session.commit()
            session.refresh(stored)
        return stored

    def tasks(
        self, kind: str | None = None, status: ProposedStatus | None = None
    ) -> list[ProposedTask]:
        query = select(ProposedTask).order_by(col(ProposedTask.id))
        if kind is not None:
            query = query.where(ProposedTask.kind == kind)
        if status is not None:
            query = query.where(ProposedTask.status == status)
        with Session(self.engine) as session:
            return list(session.exec(query).all())

    def attempts(self, judged_success: bool | None = None) -> list[JudgedAttempt]:
        query = select(JudgedAttempt).order_by(col(JudgedAttempt.id))
        if judged_success is not None:
            query = query.where(JudgedAttempt.judge_success == judged_success)
        with Session(self.engine) as session:
            return list(session.exec(query).all())

    def audits(self) -> list[JudgeAudit]:
        with Session(self.engine) as session:
            return list(session.exec(select(JudgeAudit).order_by(col(JudgeAudit.id))).all())

    def refinements(self, kept: bool | None = None) -> list[Refinement]:
        query = select(Refinement).order_by(col(Refinement.id))
        if kept is not None:
            query = query.where(Refinement.kept == kept)
        with Session(self.engine) as session:
            return list(session.exec(query).all())
