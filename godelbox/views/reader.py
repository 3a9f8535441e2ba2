"""Read-only access to a run's archive for the views (TUI, show, replay, plot).

The views run beside a daemon that is writing, for days, so this reader:
- opens SQLite with `mode=ro` and `PRAGMA query_only` (it cannot write, even by mistake) and
  relies on WAL so it never blocks the writer;
- selects only the columns a view needs: the tree reads ids, parents, status, score and stage,
  never proposals, task details or logs, which are loaded for one node at a time;
- pages children and counts them with grouped queries on the indexed `parent_id`, so the first
  screen of a 100k-node archive costs a few small queries, not a scan of every row's big columns;
- reports changes since a watermark (highest node id and event sequence seen) for live refresh.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, String, and_, case, cast, event, func, inspect, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from godelbox.archive import events
from godelbox.archive.db import make_engine, stored_version
from godelbox.archive.models import AgentNode, Evaluation, Event, LLMCall, Run
from godelbox.archive.store import CODE_DIR, DB_FILE, RunDirError, refuse_file
from godelbox.config import CONFIG_FILE_NAME, load_config
from godelbox.errors import UserError
from godelbox.views.node_filter import NodeFilter
from godelbox.views.records import (
    ModelCallRow,
    NodeDetail,
    NodeSummary,
    RunProgress,
    TaskResult,
)
from godelbox.views.task_flips import task_flips

NODE = AgentNode.__table__.c
EVAL = Evaluation.__table__.c
CALL = LLMCall.__table__.c
EVENT = Event.__table__.c

ChildOrder = Literal["score", "id"]

_SUMMARY_COLUMNS = (NODE.id, NODE.parent_id, NODE.status, NODE.score, NODE.stage_reached)


@dataclass(frozen=True)
class Watermark:
    """How far a reader has seen: the highest node id and event sequence number."""

    node_id: int = 0
    event_seq: int = 0


@dataclass(frozen=True)
class Changes:
    new: tuple[NodeSummary, ...]
    """Nodes created since the watermark, in id order (parents before children)."""
    updated: tuple[NodeSummary, ...]
    """Older nodes whose row changed (status, score, stage) since the watermark."""
    watermark: Watermark


class ArchiveReader:
    """Queries on one run's archive; never writes. Create with `ArchiveReader.open(run_dir)`."""

    def __init__(self, engine: Engine, run_dir: Path) -> None:
        self._engine = engine
        self.run_dir = run_dir
        self.code_dir = run_dir / CODE_DIR
        # Readers never migrate: an archive from before a column was added reads as its default.
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("agent_node")}
            eval_columns = {c["name"] for c in inspect(conn).get_columns("evaluation")}
        self._tampered = (NODE.tasks_tampered if "tasks_tampered" in columns else literal(0)).label(
            "tampered"
        )
        self._cached = EVAL.cached if "cached" in eval_columns else literal(False)

    @classmethod
    def open(cls, run_dir: Path) -> ArchiveReader:
        run_dir = Path(run_dir)
        refuse_file(run_dir)
        if not run_dir.is_dir():
            raise RunDirError(f"run dir {run_dir} does not exist; create one with `godelbox init`")
        engine = _read_only_engine(run_dir)
        if stored_version(engine, str(run_dir)) is None:
            raise RunDirError(
                f"{run_dir} holds an empty database; create a run with `godelbox init`"
            )
        return cls(engine, run_dir)

    def close(self) -> None:
        self._engine.dispose()

    @property
    def engine(self) -> Engine:
        """The read-only engine, for readers of other tables (archive/recordings.py)."""
        return self._engine

    # --- the tree -------------------------------------------------------------------------

    def root(self) -> NodeSummary | None:
        """The seed: the first node without a parent."""
        rows = self._summaries(NODE.parent_id.is_(None), order="id", limit=1)
        return rows[0] if rows else None

    def node(self, node_id: int) -> NodeSummary:
        rows = self._summaries(NODE.id == node_id, order="id", limit=1)
        if not rows:
            raise UserError(f"no node {node_id} in {self.run_dir}; `godelbox show` lists the nodes")
        return rows[0]

    def nodes(self, ids: Iterable[int]) -> list[NodeSummary]:
        wanted = sorted(set(ids))
        out: list[NodeSummary] = []
        for start in range(0, len(wanted), 500):
            out += self._summaries(NODE.id.in_(wanted[start : start + 500]), order="id")
        return out

    def children(
        self, parent_id: int, order: ChildOrder = "score", limit: int = 200, offset: int = 0
    ) -> list[NodeSummary]:
        """One page of a node's children, best first (order='score') or oldest first."""
        return self._summaries(NODE.parent_id == parent_id, order, limit, offset)

    def child_count(self, parent_id: int) -> int:
        return self._child_counts([parent_id]).get(parent_id, 0)

    def best(self) -> NodeSummary | None:
        """The evaluated node with the highest score, ties to the lowest id, never one caught
        tampering (the same rule as `ArchiveGraph.best`, so every view and the `best` policy
        agree)."""
        stmt = (
            select(NODE.id)
            .where(NODE.status == "evaluated", NODE.score.is_not(None), self._tampered == 0)
            .order_by(NODE.score.desc(), NODE.id)
            .limit(1)
        )
        with self._engine.connect() as conn:
            best_id = conn.execute(stmt).scalar()
        return None if best_id is None else self.node(best_id)

    def lineage(self, node_id: int) -> list[int]:
        """Ids from the seed to `node_id` inclusive (one primary-key lookup per ancestor)."""
        chain: list[int] = []
        current: int | None = node_id
        with self._engine.connect() as conn:
            while current is not None:
                parent = conn.execute(select(NODE.parent_id).where(NODE.id == current)).first()
                if parent is None:
                    raise UserError(
                        f"no node {current} in {self.run_dir}; `godelbox show` lists the nodes"
                    )
                chain.append(current)
                current = parent[0]
        return chain[::-1]

    def with_ancestors(self, ids: Iterable[int]) -> list[NodeSummary]:
        """The given nodes and all their ancestors, fetched one tree level per query."""
        found: dict[int, NodeSummary] = {}
        frontier = set(ids)
        while frontier:
            level = self.nodes(frontier)
            found.update((n.id, n) for n in level)
            frontier = {n.parent_id for n in level if n.parent_id is not None} - found.keys()
        return sorted(found.values(), key=lambda n: n.id)

    def commits(self, ids: Iterable[int]) -> dict[int, str]:
        """Node id -> commit sha in the run's code store."""
        wanted = sorted(set(ids))
        with self._engine.connect() as conn:
            rows = conn.execute(select(NODE.id, NODE.commit_sha).where(NODE.id.in_(wanted)))
            return {node_id: sha for node_id, sha in rows}

    def matching(self, flt: NodeFilter, limit: int = 500) -> list[NodeSummary]:
        """Up to `limit` nodes that pass the filter, best first."""
        return self._summaries(_filter_clause(flt), order="score", limit=limit)

    def changes_since(self, mark: Watermark, recheck: Iterable[int] = ()) -> Changes:
        """Nodes created after the watermark, and older nodes that an event says changed or
        that the caller asks to `recheck` (nodes it shows in a non-final state: score and stage
        updates are not logged as events, so unfinished nodes are re-read on every refresh)."""
        with self._engine.connect() as conn:
            seq, touched = mark.event_seq, {n for n in recheck if n <= mark.node_id}
            for row in conn.execute(
                select(EVENT.seq, EVENT.node_id).where(EVENT.seq > mark.event_seq)
            ):
                seq = max(seq, row.seq)
                if row.node_id is not None and row.node_id <= mark.node_id:
                    touched.add(row.node_id)
        new = self._summaries(NODE.id > mark.node_id, order="id")
        updated = self.nodes(touched)
        top = max([mark.node_id, *(n.id for n in new)])
        return Changes(tuple(new), tuple(updated), Watermark(top, seq))

    def watermark(self) -> Watermark:
        with self._engine.connect() as conn:
            top = conn.execute(select(func.max(NODE.id))).scalar() or 0
            seq = conn.execute(select(func.max(EVENT.seq))).scalar() or 0
        return Watermark(top, seq)

    # --- one node ---------------------------------------------------------------------------

    def detail(self, node_id: int) -> NodeDetail:
        summary = self.node(node_id)
        with self._engine.connect() as conn:
            row = conn.execute(select(AgentNode.__table__).where(NODE.id == node_id)).one()
            parent_score = None
            if row.parent_id is not None:
                parent_score = conn.execute(
                    select(NODE.score).where(NODE.id == row.parent_id)
                ).scalar()
            tasks = conn.execute(
                select(
                    EVAL.stage,
                    EVAL.task_id,
                    EVAL.outcome,
                    EVAL.score,
                    EVAL.duration_s,
                    EVAL.details,
                    self._cached.label("cached"),
                    EVAL.log_path,
                )
                .where(EVAL.node_id == node_id)
                .order_by(EVAL.stage, EVAL.id)
            ).all()
            calls = conn.execute(
                select(
                    CALL.role,
                    CALL.model,
                    CALL.tokens_in,
                    CALL.tokens_out,
                    CALL.cost_usd,
                    CALL.latency_s,
                    CALL.error,
                )
                .where(CALL.node_id == node_id)
                .order_by(CALL.id)
            ).all()
        return NodeDetail(
            summary=summary,
            commit_sha=row.commit_sha,
            parent_score=parent_score,
            proposal=dict(row.proposal or {}),
            reason=row.reason,
            files_changed=row.files_changed,
            insertions=row.insertions,
            deletions=row.deletions,
            tasks_resolved=row.tasks_resolved,
            tasks_attempted=row.tasks_attempted,
            finished_at=row.finished_at,
            wall_time_s=row.wall_time_s,
            tasks=tuple(_task_result(t, self.run_dir) for t in tasks),
            llm_calls=tuple(ModelCallRow(*c) for c in calls),
            flips=None
            if row.parent_id is None
            else task_flips(
                self.task_outcomes(row.parent_id),
                {t.task_id: str(t.outcome) for t in tasks},
            ),
        )

    def task_outcomes(self, node_id: int) -> dict[str, str]:
        """Task id -> outcome for one node (its latest attempt when a task ran twice)."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(EVAL.task_id, EVAL.outcome).where(EVAL.node_id == node_id).order_by(EVAL.id)
            ).all()
        return {task: str(outcome) for task, outcome in rows}

    # --- whole-run views ----------------------------------------------------------------------

    def all_summaries(self) -> list[NodeSummary]:
        """Every node's cheap columns, in id order (plots and static tree rendering)."""
        return self._summaries(None, order="id")

    def run_name(self) -> str:
        """The run's name from its config snapshot, else the run dir's name."""
        with self._engine.connect() as conn:
            config_toml = conn.execute(select(Run.config_toml).order_by(Run.id).limit(1)).scalar()
        return str(_parse_toml(config_toml).get("run", {}).get("name", "")) or self.run_dir.name

    def progress(self, best: NodeSummary | None) -> RunProgress:
        """Counts, spend and daemon state. `best` is passed in because finding it scans the
        scores (no index on them), and the caller has usually just looked it up."""
        with self._engine.connect() as conn:
            by_status = {
                str(status): count
                for status, count in conn.execute(
                    select(NODE.status, func.count()).group_by(NODE.status)
                )
            }
            cost, tokens = conn.execute(
                select(
                    func.coalesce(func.sum(CALL.cost_usd), 0.0),
                    func.coalesce(func.sum(CALL.tokens_in + CALL.tokens_out), 0),
                )
            ).one()
            # Ids grow with creation: the newest node is a primary-key lookup, not a scan.
            last = conn.execute(select(NODE.created_at).order_by(NODE.id.desc()).limit(1)).scalar()
            tally = events.LogTally()
            for kind, payload in conn.execute(
                select(EVENT.kind, EVENT.payload)
                .where(EVENT.kind.in_(events.TALLY_KINDS))
                .order_by(EVENT.seq)
            ):
                tally.add(kind, payload)
            tasks, cached = conn.execute(
                select(
                    func.count(), func.coalesce(func.sum(case((self._cached, 1), else_=0)), 0)
                ).select_from(Evaluation.__table__)
            ).one()
            config_toml = conn.execute(select(Run.config_toml).order_by(Run.id).limit(1)).scalar()
        config = _parse_toml(config_toml)
        return RunProgress(
            name=str(config.get("run", {}).get("name", "")) or self.run_dir.name,
            nodes=sum(by_status.values()),
            by_status=by_status,
            best_id=best.id if best else None,
            best_score=best.score if best else None,
            cost_usd=float(cost),
            tokens=int(tokens),
            last_activity=last,
            budget=dict(config.get("budget", {})),
            generations=tally.generations,
            tasks=int(tasks),
            tasks_cached=int(cached),
            daemon_active_s=tally.active_s,
            daemon_state=tally.daemon_state,
        )

    def generations(self) -> list[tuple[int, int]]:
        """(generation, highest node id created before it finished) per finished generation,
        from the loop's event log, with generation 0 for the seed(s) created before the first
        one; empty for runs without generations (asynchronous schedule)."""
        kinds = (events.GENERATION_PLANNED, events.GENERATION_FINISHED, events.NODE_ADDED)
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(EVENT.kind, EVENT.node_id, EVENT.payload)
                .where(EVENT.kind.in_(kinds))
                .order_by(EVENT.seq)
            ).all()
        out: list[tuple[int, int]] = []
        top = 0
        for kind, node_id, payload in rows:
            if kind == events.NODE_ADDED:
                top = max(top, node_id or 0)
            elif kind == events.GENERATION_PLANNED and not out and top:
                out.append((0, top))
            elif kind == events.GENERATION_FINISHED:
                out.append((int((payload or {}).get("generation", len(out))), top))
        return out if any(g for g, _ in out) else []

    # --- helpers -------------------------------------------------------------------------------

    def _summaries(
        self,
        where: ColumnElement[bool] | None,
        order: ChildOrder,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[NodeSummary]:
        stmt = select(*_SUMMARY_COLUMNS, NODE.created_at, self._tampered)
        if where is not None:
            stmt = stmt.where(where)
        if order == "score":
            stmt = stmt.order_by(NODE.score.is_(None), NODE.score.desc(), NODE.id)
        else:
            stmt = stmt.order_by(NODE.id)
        if limit is not None:
            stmt = stmt.limit(limit).offset(offset)
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        counts = self._child_counts([r.id for r in rows]) if rows else {}
        return [
            NodeSummary(
                id=r.id,
                parent_id=r.parent_id,
                status=str(r.status),
                score=r.score,
                stage_reached=r.stage_reached,
                children=counts.get(r.id, 0),
                created_at=r.created_at,
                tampered=int(r.tampered or 0),
            )
            for r in rows
        ]

    def _child_counts(self, ids: Sequence[int]) -> dict[int, int]:
        counts: dict[int, int] = {}
        with self._engine.connect() as conn:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                stmt = (
                    select(NODE.parent_id, func.count())
                    .where(NODE.parent_id.in_(chunk))
                    .group_by(NODE.parent_id)
                )
                counts.update({pid: n for pid, n in conn.execute(stmt)})
        return counts


def _evidence_lines(details: dict[str, Any] | None) -> tuple[str, ...]:
    """A tampered result's evidence as one line each (see `evaluator.results.Evidence`)."""
    lines = []
    for item in (details or {}).get("evidence") or []:
        if isinstance(item, dict):
            run = f" ({item.get('run')} run)" if item.get("run") else ""
            lines.append(f"{item.get('kind', '?')}{run}: {item.get('detail', '')}")
    return tuple(lines)


def _filter_clause(flt: NodeFilter) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if flt.statuses:
        clauses.append(NODE.status.in_(sorted(flt.statuses)))
    if flt.min_score is not None:
        clauses.append(NODE.score >= flt.min_score)
    if flt.max_score is not None:
        clauses.append(NODE.score <= flt.max_score)
    for word in flt.text.split():
        # The proposal is JSON; its text form is what the user read, so search that.
        clauses.append(cast(NODE.proposal, String).ilike(f"%{_escape_like(word)}%", escape="\\"))
    return and_(*clauses) if clauses else or_(NODE.id.is_not(None))


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _parse_toml(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _read_only_engine(run_dir: Path) -> Engine:
    """An engine that cannot write: SQLite opened with `mode=ro` plus `query_only`, any other
    database in read-only transactions. The URL comes from the run's config snapshot."""
    snapshot = run_dir / CONFIG_FILE_NAME
    if not snapshot.is_file():
        raise RunDirError(
            f"{run_dir} is not a godelbox run dir (no {CONFIG_FILE_NAME}); "
            "create one with `godelbox init`"
        )
    config = load_config(snapshot, env={}).config
    url = config.archive.database_url
    if not url:
        db = run_dir / DB_FILE
        if not db.is_file():
            raise RunDirError(f"{run_dir} has no {DB_FILE}; restore the run dir from a backup")
        url = f"sqlite:///file:{db.resolve()}?mode=ro&uri=true"
    engine = make_engine(url, config.archive.busy_timeout_s)
    sqlite = engine.dialect.name == "sqlite"

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_conn.cursor()
        if sqlite:
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        cursor.close()

    return engine


def _task_result(row: Any, run_dir: Path) -> TaskResult:
    details = row.details if isinstance(row.details, dict) else {}
    episode = details.get("episode")
    bench = details.get("bench")
    return TaskResult(
        row.stage,
        row.task_id,
        str(row.outcome),
        row.score,
        row.duration_s,
        evidence=_evidence_lines(details) if row.outcome == "tampered" else (),
        episode=episode if isinstance(episode, dict) else None,
        bench=bench if isinstance(bench, str) else None,
        cached=bool(row.cached),
        log_path=str(run_dir / row.log_path) if row.log_path else "",
    )
