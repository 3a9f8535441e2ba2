"""Archive tables of the PAE and SELF loops: proposed tasks, judged attempts, judge audits and
SELF refinements. Added by schema migration 2 (see `archive.db.MIGRATIONS`); the node tables of
`archive.models` are untouched, so a DGM run and a PAE run can share one archive.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from godelbox.archive.models import _enum_column, _json_column, _time_column


class ProposedStatus(enum.StrEnum):
    """Life of a proposed task. Only `accepted` tasks are attempted and exported."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    """Failed validation: tests not runnable, or trivial (they pass on the unmodified repo)."""
    DUPLICATE = "duplicate"


class ProposedTask(SQLModel, table=True):
    """A practice task written by the task proposer, with where it came from."""

    __tablename__ = "pae_task"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)
    """"coding" or "web"."""
    status: ProposedStatus = _enum_column(ProposedStatus, index=True)
    text_hash: str = Field(max_length=64, index=True)
    """sha256 of the normalised task text, for exact de-duplication."""
    title: str = Field(default="", max_length=256)
    text: str = Field(sa_column=Column(Text, nullable=False))
    """The problem statement (coding) or the goal utterance (web)."""
    payload: dict[str, Any] | None = _json_column()
    """Coding: test_path, test_content, test_patch, FAIL_TO_PASS, PASS_TO_PASS. Web: env and
    the seed of the page the goal was proposed from (where it is attempted)."""
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """Why it was rejected, or which task it duplicates."""
    model: str = Field(max_length=256)
    prompt_hash: str = Field(max_length=64)
    context_id: str = Field(max_length=256, index=True)
    """The repository snapshot (a benchmark task id) or the MiniWoB task family."""
    parent_task: str | None = Field(default=None, max_length=256)
    """The example task the proposal was made from."""
    duplicate_of: int | None = Field(default=None, foreign_key="pae_task.id")
    created_at: datetime = _time_column()


class JudgedAttempt(SQLModel, table=True):
    """One agent attempt at a task, the LLM judge's verdict and, where known, the ground truth."""

    __tablename__ = "pae_attempt"

    id: int | None = Field(default=None, primary_key=True)
    task_id: str = Field(max_length=256, index=True)
    proposed_task_id: int | None = Field(default=None, foreign_key="pae_task.id", index=True)
    node_id: int | None = Field(default=None, foreign_key="agent_node.id")
    """The agent node that attempted it (None: the seed agent outside any lineage)."""
    kind: str = Field(max_length=16)
    judge_model: str = Field(default="", max_length=256)
    judge_success: bool | None = None
    """None when the judge failed (see judge_error)."""
    judge_reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    judge_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ground_truth: bool | None = None
    """Tests resolved (coding) or reward > 0 (web); None when the task has none."""
    outcome: str = Field(default="", max_length=32)
    problem: str = Field(default="", sa_column=Column(Text, nullable=False))
    patch: str = Field(default="", sa_column=Column(Text, nullable=False))
    trajectory: list[Any] | None = _json_column()
    """The agent's conversation (OpenAI chat messages), when it left one."""
    details: dict[str, Any] | None = _json_column()
    audit_id: int | None = Field(default=None, foreign_key="pae_audit.id")
    created_at: datetime = _time_column()


class JudgeAudit(SQLModel, table=True):
    """The judge scored against ground truth over one batch of attempts."""

    __tablename__ = "pae_audit"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    judge_model: str = Field(max_length=256)
    judged: int = 0
    """Attempts with both a verdict and a ground truth (the denominator of agreement)."""
    judge_errors: int = 0
    agreement: float | None = None
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    true_neg: int = 0
    min_agreement: float = 0.0
    flagged: bool = False
    created_at: datetime = _time_column()


class Refinement(SQLModel, table=True):
    """One SELF record: answer, self-feedback, refinement and the evaluator's scores of both."""

    __tablename__ = "self_refinement"

    id: int | None = Field(default=None, primary_key=True)
    task_id: str = Field(max_length=256, index=True)
    problem: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(sa_column=Column(Text, nullable=False))
    feedback: str = Field(sa_column=Column(Text, nullable=False))
    refinement: str = Field(sa_column=Column(Text, nullable=False))
    answer_score: float
    refinement_score: float
    kept: bool = Field(index=True)
    """True only when the refinement scored strictly higher than the answer."""
    model: str = Field(default="", max_length=256)
    created_at: datetime = _time_column()


PAE_TABLES = (ProposedTask.__table__, JudgeAudit.__table__, JudgedAttempt.__table__)
SELF_TABLES = (Refinement.__table__,)
