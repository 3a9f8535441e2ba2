"""The archive's tables (sqlmodel): one run's nodes, evaluations, LLM calls, events and RNG state.

One database holds one run. Columns use portable SQLAlchemy types only (JSON, Enum-as-string,
timezone-aware timestamps), so the same models work on SQLite and PostgreSQL.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, DateTime, Dialect, Text, TypeDecorator, false
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

APPLICATION_ID = "godelbox-archive"
"""Written into the meta table; its absence means "not a godelbox archive"."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware (SQLite drops the
    zone; PostgreSQL keeps it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def _enum_column(enum_cls: type[enum.Enum], default: Any = ..., index: bool = False) -> Any:
    """Stored as the enum's lowercase value in a VARCHAR (no native DB enum type), so raw SQL
    reads naturally and adding a member needs no ALTER TYPE on PostgreSQL."""
    column_type = SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )
    return Field(default=default, sa_column=Column(column_type, nullable=False, index=index))


def _json_column() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


def _time_column(nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class NodeStatus(enum.StrEnum):
    """Life of an agent node. Only `evaluated` nodes are eligible as parents."""

    PROPOSED = "proposed"
    INVALID = "invalid"
    EVALUATING = "evaluating"
    EVALUATED = "evaluated"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (NodeStatus.INVALID, NodeStatus.EVALUATED, NodeStatus.FAILED)


class Outcome(enum.StrEnum):
    """Result of one task. Only `resolved` counts as a success in clade statistics; a
    `tampered` result (the answer forged its verdict) also bars its node from being a parent."""

    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    ERROR = "error"
    TIMEOUT = "timeout"
    OOM = "oom"
    TAMPERED = "tampered"


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself: application id and schema version."""

    __tablename__ = "godelbox_meta"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))


class Run(SQLModel, table=True):
    __tablename__ = "run"

    id: int | None = Field(default=None, primary_key=True)
    created: datetime = _time_column()
    config_toml: str = Field(sa_column=Column(Text, nullable=False))
    """The effective configuration at `godelbox init`, as TOML."""
    schema_version: int


class AgentNode(SQLModel, table=True):
    """One agent variant. Ids are assigned in creation order, so a parent's id is always lower."""

    __tablename__ = "agent_node"

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="agent_node.id", index=True)
    commit_sha: str = Field(max_length=64)
    status: NodeStatus = _enum_column(NodeStatus, NodeStatus.PROPOSED, index=True)
    agent_kind: str = Field(default="", max_length=64)
    created_at: datetime = _time_column()
    finished_at: datetime | None = _time_column(nullable=True)
    files_changed: int = 0
    insertions: int = 0
    deletions: int = 0
    proposal: dict[str, Any] | None = _json_column()
    """Why this child exists: diagnosis, problem statement, or the offline transformation."""
    proposal_kind: str | None = Field(default=None, max_length=64)
    """How the child was made (`Proposal.kind`: "template", "ast", "dgm-self", ...), the arm
    the proposal-kind bandit learns from."""
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """Why the node is invalid or failed."""
    score: float | None = None
    """Aggregate of its task results (fraction resolved unless the loop says otherwise)."""
    tasks_resolved: int = 0
    """Counters kept by `Archive.record_evaluation`, so clade statistics need no scan."""
    tasks_attempted: int = 0
    tasks_tampered: int = 0
    """Results caught forging their verdict; a node with any is never a parent."""
    stage_reached: int = 0
    wall_time_s: float | None = None
    made_patch: bool | None = None
    """Whether any of its task attempts changed code; False keeps it from being a parent when
    selection.require_patch is on (DGM). None: not known (older archives), no restriction."""


class Evaluation(SQLModel, table=True):
    """One task attempted by one node in one stage."""

    __tablename__ = "evaluation"

    id: int | None = Field(default=None, primary_key=True)
    node_id: int = Field(foreign_key="agent_node.id", index=True)
    stage: int
    task_id: str = Field(max_length=256)
    outcome: Outcome = _enum_column(Outcome)
    score: float = 0.0
    duration_s: float = 0.0
    details: dict[str, Any] | None = _json_column()
    """Per-test outcomes, the patch text, a failure reason."""
    log_path: str | None = Field(default=None, max_length=1024)
    """Relative to the run dir, so the run dir stays movable."""
    created_at: datetime = _time_column()
    cached: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    """Served by the evaluation cache (an identical evaluation ran before); `details["cache"]`
    names the entry and the evaluation that produced it."""


class LLMCall(SQLModel, table=True):
    __tablename__ = "llm_call"

    id: int | None = Field(default=None, primary_key=True)
    node_id: int | None = Field(default=None, foreign_key="agent_node.id", index=True)
    role: str = Field(max_length=64)
    model: str = Field(max_length=256)
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = _time_column()


class Event(SQLModel, table=True):
    """Append-only log of every state change of the loop; enough to resume after a crash."""

    __tablename__ = "event"

    seq: int | None = Field(default=None, primary_key=True)
    time: datetime = _time_column()
    kind: str = Field(max_length=64, index=True)
    node_id: int | None = Field(default=None, foreign_key="agent_node.id")
    payload: dict[str, Any] | None = _json_column()


class RNGState(SQLModel, table=True):
    """A named `random.Random` state, saved so a resumed run continues the same stream."""

    __tablename__ = "rng_state"

    name: str = Field(primary_key=True, max_length=64)
    state: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _time_column()
