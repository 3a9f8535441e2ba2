"""Database engines and the schema's version: creation, verification and migrations.

SQLite (the default) is tuned for one writer and many readers: WAL mode so readers never block
the writer, a busy timeout instead of immediate "database is locked" errors, synchronous=NORMAL
(durable at checkpoints, safe in WAL) and foreign keys enforced. Any other SQLAlchemy URL works
unchanged (PostgreSQL for several daemons).

The schema version lives in the `godelbox_meta` table. `MIGRATIONS[i]` upgrades version i+1 to
i+2 inside one transaction; `SCHEMA_VERSION` is therefore 1 + len(MIGRATIONS). Opening a database
never writes anything until it is known to be a godelbox archive this code understands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import SQLModel

from godelbox.archive.jobs import EvalJob
from godelbox.archive.models import APPLICATION_ID, AgentNode, Meta
from godelbox.archive.pae_models import PAE_TABLES, SELF_TABLES
from godelbox.archive.recordings import RECORDING_TABLES
from godelbox.errors import UserError

Migration = Callable[[Connection], None]


def _add_eval_jobs(conn: Connection) -> None:
    """v2: the evaluation job queue shared by worker processes (`godelbox.archive.jobs`)."""
    EvalJob.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]


def _add_pae_tables(conn: Connection) -> None:
    """v3: the PAE and SELF tables (proposed tasks, judged attempts, audits, refinements)."""
    SQLModel.metadata.create_all(conn, tables=[*PAE_TABLES, *SELF_TABLES])


def _add_made_patch(conn: Connection) -> None:
    """v4: agent_node.made_patch (a child with no non-empty patch is not a parent, as in DGM)."""
    if "made_patch" not in {c["name"] for c in inspect(conn).get_columns("agent_node")}:
        conn.exec_driver_sql("ALTER TABLE agent_node ADD COLUMN made_patch BOOLEAN")


def _add_tampered_counter(conn: Connection) -> None:
    """v5: `agent_node.tasks_tampered`, results caught forging their verdict (docs/integrity.md).
    Rows written before it existed are counted from their outcomes."""
    if "tasks_tampered" not in {c["name"] for c in inspect(conn).get_columns("agent_node")}:
        conn.exec_driver_sql(
            "ALTER TABLE agent_node ADD COLUMN tasks_tampered INTEGER NOT NULL DEFAULT 0"
        )
    conn.exec_driver_sql(
        "UPDATE agent_node SET tasks_tampered = (SELECT COUNT(*) FROM evaluation "
        "WHERE evaluation.node_id = agent_node.id AND evaluation.outcome = 'tampered')"
    )


def _add_evaluation_cached(conn: Connection) -> None:
    """v6: `evaluation.cached`, set on results served by the evaluation cache."""
    if "cached" not in {c["name"] for c in inspect(conn).get_columns("evaluation")}:
        conn.exec_driver_sql(
            "ALTER TABLE evaluation ADD COLUMN cached BOOLEAN NOT NULL DEFAULT FALSE"
        )


def _add_proposal_kind(conn: Connection) -> None:
    """v7: `agent_node.proposal_kind`, filled from each node's proposal JSON (`kind`)."""
    if "proposal_kind" not in {c["name"] for c in inspect(conn).get_columns("agent_node")}:
        conn.exec_driver_sql("ALTER TABLE agent_node ADD COLUMN proposal_kind VARCHAR(64)")
    table = AgentNode.__table__  # type: ignore[attr-defined]
    for node_id, proposal in conn.execute(select(table.c.id, table.c.proposal)).all():
        kind = (proposal or {}).get("kind")
        if isinstance(kind, str):
            conn.execute(
                table.update().where(table.c.id == node_id).values(proposal_kind=kind[:64])
            )


def _add_recordings(conn: Connection) -> None:
    """v8: recorded gateway exchanges (blobs, one tape per sandbox, calls) for replays."""
    SQLModel.metadata.create_all(conn, tables=RECORDING_TABLES)


MIGRATIONS: Sequence[Migration] = (
    _add_eval_jobs,
    _add_pae_tables,
    _add_made_patch,
    _add_tampered_counter,
    _add_evaluation_cached,
    _add_proposal_kind,
    _add_recordings,
)
"""Append a function here (never edit an old one) for every schema change."""

SCHEMA_VERSION = 1 + len(MIGRATIONS)

_APP_KEY = "application"
_VERSION_KEY = "schema_version"


class ArchiveError(UserError):
    """The archive database cannot be used as it is."""


class NotAnArchiveError(ArchiveError):
    """The database is unreadable or belongs to something else."""


class NewerSchemaError(ArchiveError):
    """The database was written by a newer godelbox."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_engine(url: str, busy_timeout_s: float = 30.0) -> Engine:
    """An engine for `url`; for SQLite every connection gets the pragmas above (except WAL,
    which is persistent and therefore set once, by `create_schema`, on a database we own)."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    # A pool (not a connection per use): closing the last connection to a WAL database
    # checkpoints it, which would cost an fsync per transaction. Connections are handed to one
    # thread at a time, hence check_same_thread=False. Do not share an engine across fork().
    engine = create_engine(
        url,
        pool_size=2,
        max_overflow=8,
        connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
    )
    busy_ms = int(busy_timeout_s * 1000)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    return engine


def stored_version(engine: Engine, where: str) -> int | None:
    """The schema version of a godelbox archive, or None for an empty database.

    Reads only. Raises `NotAnArchiveError` for a file that is not a database, or a database
    with tables that are not a godelbox archive's, and `NewerSchemaError` for a future schema."""
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if not tables:
                return None
            if Meta.__tablename__ not in tables:
                raise NotAnArchiveError(
                    f"{where} is a database but not a godelbox archive; "
                    "point godelbox at a run dir made by `godelbox init`"
                )
            rows = dict(conn.execute(select(Meta.key, Meta.value)).all())
    except (DatabaseError, OperationalError) as exc:
        raise NotAnArchiveError(
            f"{where} is not a readable database ({_first_line(exc)}); "
            "restore it from a backup or start a new run with `godelbox init`"
        ) from None
    if rows.get(_APP_KEY) != APPLICATION_ID or not rows.get(_VERSION_KEY, "").isdigit():
        raise NotAnArchiveError(
            f"{where} has no godelbox archive header; point godelbox at a run dir made by "
            "`godelbox init`"
        )
    version = int(rows[_VERSION_KEY])
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"{where} has archive schema v{version} but this godelbox understands up to "
            f"v{SCHEMA_VERSION}; upgrade godelbox to open it"
        )
    return version


def create_schema(engine: Engine) -> None:
    """Create every table in an empty database and stamp it with the current version."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode = WAL")
    SQLModel.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            Meta.__table__.insert(),
            [
                {"key": _APP_KEY, "value": APPLICATION_ID},
                {"key": _VERSION_KEY, "value": str(SCHEMA_VERSION)},
            ],
        )


def migrate(engine: Engine, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Upgrade a verified archive to `1 + len(migrations)`; each step commits on its own, so an
    interrupted upgrade resumes where it stopped. Returns the final version."""
    target = 1 + len(migrations)
    with engine.connect() as conn:
        version = int(conn.execute(select(Meta.value).where(Meta.key == _VERSION_KEY)).scalar_one())
    while version < target:
        with engine.begin() as conn:
            migrations[version - 1](conn)
            version += 1
            conn.execute(
                Meta.__table__.update().where(Meta.key == _VERSION_KEY).values(value=str(version))
            )
    return version


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).splitlines()[0] if str(orig) else type(orig).__name__
