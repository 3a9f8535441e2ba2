"""`Archive`: the one API through which the loop reads and writes a run's memory.

A run dir holds `godelbox.toml` (the config snapshot), `archive.db` (SQLite, unless the snapshot
names another database URL) and `agents.git` (the code store). Only relative locations are used,
so a run dir can be moved or copied whole.

Every write is one short transaction. Node state changes (`add_node`, `set_status`) append their
event in the same transaction, so the event log is complete by construction. The graph view used
for selection is built once from the database and then updated after each committed write; that
assumes this `Archive` is the run's only writer (the loop). Readers (the TUI, `archive ls`) just
open their own `Archive`; in WAL mode they never block the writer.
"""

from __future__ import annotations

import math
import random
import shutil
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, and_, case, func, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from godelbox.archive import events
from godelbox.archive.codestore import CodeStore
from godelbox.archive.db import (
    SCHEMA_VERSION,
    NotAnArchiveError,
    create_schema,
    make_engine,
    migrate,
    sqlite_url,
    stored_version,
)
from godelbox.archive.graph import ArchiveGraph, NodeFacts
from godelbox.archive.models import (
    AgentNode,
    Evaluation,
    Event,
    LLMCall,
    NodeStatus,
    Outcome,
    RNGState,
    Run,
    utcnow,
)
from godelbox.archive.recordings import recorded_bytes, write_tape
from godelbox.archive.selection import policy_from_config
from godelbox.config import CONFIG_FILE_NAME, Config, load_config
from godelbox.errors import UserError
from godelbox.llm.recording import Tape

DB_FILE = "archive.db"
CODE_DIR = "agents.git"

FINAL_STATUSES = (NodeStatus.INVALID, NodeStatus.FAILED, NodeStatus.EVALUATED)

UPDATABLE_FIELDS = frozenset(
    {
        "commit_sha",
        "agent_kind",
        "files_changed",
        "insertions",
        "deletions",
        "proposal",
        "proposal_kind",
        "reason",
        "score",
        "stage_reached",
        "wall_time_s",
        "finished_at",
        "made_patch",
    }
)
"""What `update_node` may change; status goes through `set_status` (it is logged)."""


class RunDirError(UserError):
    """The run dir is missing, incomplete, or already used."""


def refuse_file(run_dir: Path) -> None:
    """A file where a run dir is expected is named a file: "does not exist" or "not empty"
    would send the user looking for the wrong mistake."""
    if run_dir.is_file():
        raise RunDirError(
            f"{run_dir} is a file, not a run directory; give the directory that holds "
            f"{CONFIG_FILE_NAME} and {DB_FILE} (e.g. demo-run)"
        )


class NodeNotFoundError(UserError):
    """No node with that id in this archive."""


class Archive:
    """A run's database, code store and config snapshot. Use `create` or `open`."""

    def __init__(self, run_dir: Path, engine: Engine, config: Config) -> None:
        self.run_dir = run_dir
        self.engine = engine
        self.config = config
        self._graph: ArchiveGraph | None = None
        self._graph_lock = threading.RLock()
        """Guards the cached graph: workers of the loop may write from several threads."""
        self._code: CodeStore | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @classmethod
    def create(cls, run_dir: Path, config_toml: str) -> Archive:
        """Make a new run dir (absent or empty) with its database, code store and snapshot.
        On any failure everything created here is removed again."""
        refuse_file(run_dir)
        if run_dir.exists() and (not run_dir.is_dir() or any(run_dir.iterdir())):
            raise RunDirError(
                f"{run_dir} already exists and is not empty; choose a new run dir "
                "(or continue that run instead of re-initialising it)"
            )
        made_dir = not run_dir.exists()
        run_dir.mkdir(parents=True, exist_ok=True)
        try:
            config_file = run_dir / CONFIG_FILE_NAME
            config_file.write_text(config_toml, encoding="utf-8")
            config = load_config(config_file, env={}).config
            CodeStore.init(run_dir / CODE_DIR)
            engine = make_engine(_database_url(run_dir, config), config.archive.busy_timeout_s)
            if stored_version(engine, _describe_db(run_dir, config)) is not None:
                raise RunDirError(
                    f"database {config.archive.database_url} already holds an archive; "
                    "give each run its own database"
                )
            create_schema(engine)
            with Session(engine) as session:
                session.add(Run(config_toml=config_toml, schema_version=SCHEMA_VERSION))
                session.commit()
        except BaseException:
            _remove_created(run_dir, made_dir)
            raise
        return cls(run_dir, engine, config)

    @classmethod
    def open(cls, run_dir: Path) -> Archive:
        """Open an existing run dir; upgrades an older schema, refuses anything else."""
        refuse_file(run_dir)
        if not run_dir.is_dir():
            raise RunDirError(
                f"run dir {run_dir} does not exist; create it with `godelbox init {run_dir}`"
            )
        config_file = run_dir / CONFIG_FILE_NAME
        if not config_file.is_file():
            raise RunDirError(
                f"{run_dir} is not a godelbox run dir (no {CONFIG_FILE_NAME}); "
                f"create one with `godelbox init`"
            )
        config = load_config(config_file, env={}).config
        if not config.archive.database_url and not (run_dir / DB_FILE).is_file():
            raise RunDirError(
                f"{run_dir} has no {DB_FILE}; the run dir is incomplete, restore it from a backup"
            )
        engine = make_engine(_database_url(run_dir, config), config.archive.busy_timeout_s)
        try:
            if stored_version(engine, _describe_db(run_dir, config)) is None:
                raise NotAnArchiveError(
                    f"{_describe_db(run_dir, config)} is empty, not a godelbox archive; "
                    "restore it from a backup or start a new run with `godelbox init`"
                )
            migrate(engine)
        except BaseException:
            # Closing the last connection also removes the -wal/-shm files a read created.
            engine.dispose()
            raise
        return cls(run_dir, engine, config)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType
    ) -> None:
        self.close()

    @property
    def code(self) -> CodeStore:
        """The run's agent code store (git)."""
        if self._code is None:
            self._code = CodeStore(self.run_dir / CODE_DIR)
        return self._code

    # -- nodes -------------------------------------------------------------------------------

    def add_node(
        self,
        *,
        parent_id: int | None,
        commit_sha: str,
        agent_kind: str = "",
        status: NodeStatus = NodeStatus.PROPOSED,
        proposal: Mapping[str, Any] | None = None,
        files_changed: int = 0,
        insertions: int = 0,
        deletions: int = 0,
    ) -> int:
        """Insert a node (ids grow in creation order) and log `node.added`; returns its id."""
        node = AgentNode(
            parent_id=parent_id,
            commit_sha=commit_sha,
            agent_kind=agent_kind,
            status=status,
            proposal=dict(proposal) if proposal is not None else None,
            files_changed=files_changed,
            insertions=insertions,
            deletions=deletions,
        )
        with self._graph_lock, self._session() as session:
            if parent_id is not None and session.get(AgentNode, parent_id) is None:
                raise NodeNotFoundError(f"parent node {parent_id} does not exist")
            session.add(node)
            session.flush()
            assert node.id is not None
            session.add(
                Event(
                    kind=events.NODE_ADDED,
                    node_id=node.id,
                    payload={"parent_id": parent_id, "commit_sha": commit_sha, "status": status},
                )
            )
            session.commit()
            node_id = node.id
            self._in_graph(lambda g: g.add_node(NodeFacts(node_id, parent_id, status)))
        return node_id

    def update_node(self, node_id: int, **fields: Any) -> None:
        """Change descriptive fields of a node (see `UPDATABLE_FIELDS`)."""
        _check_fields(node_id, fields)
        with self._graph_lock, self._session() as session:
            node = self._get(session, node_id)
            for key, value in fields.items():
                setattr(node, key, value)
            session.commit()
            if "score" in fields:
                self._in_graph(lambda g: g.update(node_id, score=fields["score"]))

    def set_status(
        self, node_id: int, status: NodeStatus, reason: str | None = None, **fields: Any
    ) -> None:
        """Move a node to `status` (final states stamp `finished_at`) and log `node.status`;
        `fields` (as for `update_node`) change in the same transaction."""
        status = NodeStatus(status)
        _check_fields(node_id, fields)
        with self._graph_lock, self._session() as session:
            node = self._get(session, node_id)
            for key, value in fields.items():
                setattr(node, key, value)
            node.status = status
            if reason is not None:
                node.reason = reason
            if status.is_final:
                node.finished_at = utcnow()
            session.add(
                Event(
                    kind=events.NODE_STATUS,
                    node_id=node_id,
                    payload={"status": status, "reason": reason},
                )
            )
            session.commit()
            self._in_graph(
                lambda g: g.update(
                    node_id,
                    status=status,
                    score=fields.get("score"),
                    made_patch=fields.get("made_patch"),
                )
            )

    def node(self, node_id: int) -> AgentNode:
        with self._session() as session:
            return self._get(session, node_id)

    def nodes(self, status: NodeStatus | None = None) -> list[AgentNode]:
        """All nodes (or those with `status`), ascending by id."""
        query = select(AgentNode).order_by(col(AgentNode.id))
        if status is not None:
            query = query.where(AgentNode.status == NodeStatus(status))
        with self._session() as session:
            return list(session.exec(query).all())

    def children_counts(self) -> dict[int, int]:
        """Parent id -> number of children ever created from it (nodes without children absent)."""
        query = (
            select(AgentNode.parent_id, func.count())
            .where(col(AgentNode.parent_id).is_not(None))
            .group_by(col(AgentNode.parent_id))
        )
        with self._session() as session:
            return {int(p): int(n) for p, n in session.exec(query).all() if p is not None}

    def best_node(self) -> AgentNode | None:
        """The evaluated node with the highest score; ties go to the oldest (lowest id). A node
        caught tampering is never the best, whatever its score."""
        query = (
            select(AgentNode)
            .where(
                AgentNode.status == NodeStatus.EVALUATED,
                col(AgentNode.score).is_not(None),
                AgentNode.tasks_tampered == 0,
            )
            .order_by(col(AgentNode.score).desc(), col(AgentNode.id))
            .limit(1)
        )
        with self._session() as session:
            return session.exec(query).first()

    def kind_stats(self, before_id: int) -> dict[str, tuple[int, int]]:
        """Proposal kind -> (final children, children that beat their parent's score), over
        nodes with ids below `before_id` (earlier generations: the draw must not depend on
        work still in flight)."""
        return _tally((kind, won) for kind, _proposal, won in self._final_children(before_id))

    def transformation_stats(self, before_id: int) -> dict[str, tuple[int, int]]:
        """The same tally as kind_stats, by the transformation a child's proposal names
        (`proposal["transformation"]`: add_mutator, new_family, ...); children without one are
        left out."""
        return _tally(
            (str(proposal["transformation"]), won)
            for _kind, proposal, won in self._final_children(before_id)
            if proposal and proposal.get("transformation")
        )

    def _final_children(self, before_id: int) -> list[tuple[str, dict | None, bool]]:
        """(proposal kind, proposal, beat its parent) of each final child below `before_id`."""
        child, parent = aliased(AgentNode), aliased(AgentNode)
        improved = and_(
            child.status == NodeStatus.EVALUATED,
            col(child.score).is_not(None),
            col(parent.score).is_not(None),
            col(child.score) > col(parent.score),
        )
        query = (
            select(child.proposal_kind, child.proposal, case((improved, 1), else_=0))
            .join(parent, col(child.parent_id) == col(parent.id))
            .where(
                col(child.proposal_kind).is_not(None),
                col(child.id) < before_id,
                col(child.status).in_(FINAL_STATUSES),
            )
        )
        with self._session() as session:
            return [(str(k), p, bool(w)) for k, p, w in session.exec(query).all()]

    def top_nodes(self, limit: int, before_id: int, exclude: int) -> list[AgentNode]:
        """The best evaluated nodes with ids below `before_id`, other than `exclude`; ties go
        to the oldest."""
        query = (
            select(AgentNode)
            .where(
                AgentNode.status == NodeStatus.EVALUATED,
                col(AgentNode.score).is_not(None),
                col(AgentNode.id) < before_id,
                col(AgentNode.id) != exclude,
            )
            .order_by(col(AgentNode.score).desc(), col(AgentNode.id))
            .limit(limit)
        )
        with self._session() as session:
            return list(session.exec(query).all())

    def improvements(
        self, before_id: int | None, outside_lineage_of: int | None = None
    ) -> list[tuple[AgentNode, float]]:
        """Evaluated nodes with ids below `before_id` (any, when None) that scored above their
        evaluated parent, with the gain, largest first; ties go to the oldest. A node caught
        tampering is left out: its change is not one to pass on. With `outside_lineage_of`,
        that node and its ancestors are left out (it holds their changes already)."""
        parent = aliased(AgentNode)
        query = (
            select(AgentNode, parent.score)
            .join(parent, col(AgentNode.parent_id) == parent.id)
            .where(
                AgentNode.status == NodeStatus.EVALUATED,
                parent.status == NodeStatus.EVALUATED,
                col(AgentNode.score).is_not(None),
                col(parent.score).is_not(None),
                col(AgentNode.score) > parent.score,
                AgentNode.tasks_tampered == 0,
            )
        )
        if before_id is not None:
            query = query.where(col(AgentNode.id) < before_id)
        with self._session() as session:
            rows = [
                (node, float(node.score or 0.0) - float(s or 0.0))
                for node, s in session.exec(query).all()
            ]
        if outside_lineage_of is not None:
            held = set(self.graph().lineage(outside_lineage_of))
            rows = [row for row in rows if row[0].id not in held]
        return sorted(rows, key=lambda row: (-row[1], row[0].id or 0))

    # -- evaluations, LLM calls, events ------------------------------------------------------

    def record_evaluation(
        self,
        node_id: int,
        *,
        stage: int,
        task_id: str,
        outcome: Outcome,
        score: float | None = None,
        duration_s: float = 0.0,
        details: Mapping[str, Any] | None = None,
        log_path: str | None = None,
        cached: bool = False,
    ) -> int:
        """Store one task result (score defaults to 1 if resolved else 0) and count it in the
        node's task counters (a `tampered` one bars the node from being a parent); `log_path`
        is relative to the run dir; `cached`: served by the evaluation cache. Returns the row id."""
        outcome = Outcome(outcome)
        resolved = int(outcome is Outcome.RESOLVED)
        tampered = int(outcome is Outcome.TAMPERED)
        row = Evaluation(
            node_id=node_id,
            stage=stage,
            task_id=task_id,
            outcome=outcome,
            score=float(resolved) if score is None else score,
            duration_s=duration_s,
            details=dict(details) if details is not None else None,
            log_path=log_path,
            cached=cached,
        )
        with self._graph_lock, self._session() as session:
            counted = session.exec(
                update(AgentNode)
                .where(col(AgentNode.id) == node_id)
                .values(
                    tasks_resolved=AgentNode.tasks_resolved + resolved,
                    tasks_attempted=AgentNode.tasks_attempted + 1,
                    tasks_tampered=AgentNode.tasks_tampered + tampered,
                )
            )
            if counted.rowcount == 0:  # the node's own UPDATE doubles as its existence check
                raise NodeNotFoundError(
                    f"no node {node_id} in this archive; see `godelbox archive ls`"
                )
            session.add(row)
            session.commit()
            row_id = row.id
            self._in_graph(lambda g: g.add_results(node_id, resolved, 1, tampered))
        assert row_id is not None
        return row_id

    def evaluations(self, node_id: int) -> list[Evaluation]:
        query = select(Evaluation).where(Evaluation.node_id == node_id).order_by(col(Evaluation.id))
        with self._session() as session:
            return list(session.exec(query).all())

    def record_llm_call(
        self,
        *,
        role: str,
        model: str,
        tokens_in: int = 0,
        tokens_out: int = 0,
        cost_usd: float = 0.0,
        latency_s: float = 0.0,
        node_id: int | None = None,
        error: str | None = None,
    ) -> int:
        call = LLMCall(
            node_id=node_id,
            role=role,
            model=model,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=cost_usd,
            latency_s=latency_s,
            error=error,
        )
        with self._session() as session:
            session.add(call)
            session.commit()
            assert call.id is not None
            return call.id

    def record_tape(self, node_id: int, tape: Tape, run_limit_bytes: int | None = None) -> int:
        """Store one sandbox's recorded exchanges (archive/recordings.py); past
        `run_limit_bytes` of recordings in the run, the tape is kept without its exchanges."""
        with self._session() as session:
            room = None if run_limit_bytes is None else run_limit_bytes - recorded_bytes(session)
            tape_id = write_tape(session, node_id, tape, room)
            session.commit()
            return tape_id

    def llm_calls(self, node_id: int | None = None) -> list[LLMCall]:
        """Every recorded model call (of one node when `node_id` is given), oldest first."""
        query = select(LLMCall).order_by(col(LLMCall.id))
        if node_id is not None:
            query = query.where(col(LLMCall.node_id) == node_id)
        with self._session() as session:
            return list(session.exec(query).all())

    def total_cost(self) -> float:
        with self._session() as session:
            return float(session.exec(select(func.coalesce(func.sum(LLMCall.cost_usd), 0.0))).one())

    def evaluation_counts(self) -> tuple[int, int]:
        """(task results recorded, of which served by the evaluation cache)."""
        query = select(
            func.count(), func.coalesce(func.sum(case((col(Evaluation.cached), 1), else_=0)), 0)
        )
        with self._session() as session:
            total, cached = session.exec(query.select_from(Evaluation)).one()
        return int(total), int(cached)

    def cost_by_node(self) -> dict[int, float]:
        query = (
            select(LLMCall.node_id, func.sum(LLMCall.cost_usd))
            .where(col(LLMCall.node_id).is_not(None))
            .group_by(col(LLMCall.node_id))
        )
        with self._session() as session:
            return {int(n): float(c) for n, c in session.exec(query).all() if n is not None}

    def append_event(
        self, kind: str, node_id: int | None = None, payload: Mapping[str, Any] | None = None
    ) -> int:
        """Append to the event log; returns the event's sequence number."""
        event = Event(kind=kind, node_id=node_id, payload=dict(payload) if payload else None)
        with self._session() as session:
            session.add(event)
            session.commit()
            assert event.seq is not None
            return event.seq

    def events(self, after_seq: int = 0, limit: int | None = None) -> list[Event]:
        """Events with `seq > after_seq`, oldest first."""
        query = select(Event).where(col(Event.seq) > after_seq).order_by(col(Event.seq))
        if limit is not None:
            query = query.limit(limit)
        with self._session() as session:
            return list(session.exec(query).all())

    # -- randomness and selection ------------------------------------------------------------

    def save_rng(self, name: str, rng: random.Random) -> None:
        version, internal, gauss_next = rng.getstate()
        state = {"version": version, "internal": list(internal), "gauss_next": gauss_next}
        with self._session() as session:
            row = session.get(RNGState, name)
            if row is None:
                session.add(RNGState(name=name, state=state))
            else:
                row.state = state
                row.updated_at = utcnow()
            session.commit()

    def load_rng(self, name: str) -> random.Random | None:
        """The generator saved as `name`, continuing exactly where it was saved; None if never."""
        with self._session() as session:
            row = session.get(RNGState, name)
            if row is None:
                return None
            state = row.state
        rng = random.Random()
        rng.setstate((state["version"], tuple(state["internal"]), state["gauss_next"]))
        return rng

    def graph(self) -> ArchiveGraph:
        """The graph view, built on first use and kept in step with this Archive's writes."""
        with self._graph_lock:
            if self._graph is None:
                self._graph = self._build_graph()
            return self._graph

    def refresh(self) -> None:
        """Forget the graph view so the next `graph()` re-reads the database (for readers)."""
        with self._graph_lock:
            self._graph = None

    def select_parents(self, rng: random.Random, n: int, policy: str | None = None) -> list[int]:
        """n parent ids by the configured policy (or `policy`), drawn from `rng`."""
        section = self.config.selection
        if policy is not None:
            section = section.model_copy(update={"policy": policy})
        with self._graph_lock:
            candidates = self.graph().candidates()
        return policy_from_config(section)(candidates, rng, n)

    def export_graph(self) -> ArchiveGraph:
        """A graph carrying every node's descriptive fields and LLM cost, for export."""
        return self._build_graph(with_attrs=True)

    # -- internals ---------------------------------------------------------------------------

    def _build_graph(self, with_attrs: bool = False) -> ArchiveGraph:
        if with_attrs:
            return ArchiveGraph.build(self._export_facts())
        # Plain column tuples, not ORM objects: about 5x faster at 100k nodes.
        query = select(
            AgentNode.id,
            AgentNode.parent_id,
            AgentNode.status,
            AgentNode.score,
            AgentNode.tasks_resolved,
            AgentNode.tasks_attempted,
            AgentNode.made_patch,
            AgentNode.tasks_tampered,
        )
        with self._session() as session:
            rows = session.exec(query).all()
        return ArchiveGraph.build(
            NodeFacts(*row[:6], made_patch=row[6], tasks_tampered=row[7]) for row in rows
        )

    def _export_facts(self) -> list[NodeFacts]:
        costs = self.cost_by_node()
        facts = []
        for node in self.nodes():
            assert node.id is not None
            attrs = {
                "commit_sha": node.commit_sha,
                "agent_kind": node.agent_kind,
                "created_at": node.created_at.isoformat(),
                "finished_at": node.finished_at.isoformat() if node.finished_at else None,
                "files_changed": node.files_changed,
                "insertions": node.insertions,
                "deletions": node.deletions,
                "stage_reached": node.stage_reached,
                "wall_time_s": node.wall_time_s,
                "reason": node.reason,
                "cost_usd": costs.get(node.id, 0.0),
            }
            facts.append(
                NodeFacts(
                    node.id,
                    node.parent_id,
                    node.status,
                    node.score,
                    node.tasks_resolved,
                    node.tasks_attempted,
                    attrs=attrs,
                    made_patch=node.made_patch,
                    tasks_tampered=node.tasks_tampered,
                )
            )
        return facts

    def _in_graph(self, change: Callable[[ArchiveGraph], None]) -> None:
        """Apply a committed write to the cached graph, if one has been built. Callers hold
        the lock across their commit too, so a graph built concurrently from the database
        can never see a write and then get it applied a second time."""
        with self._graph_lock:
            if self._graph is not None:
                change(self._graph)

    def _session(self) -> Session:
        # Objects stay readable after commit: no surprise reload (and connection) per attribute.
        return Session(self.engine, expire_on_commit=False)

    @staticmethod
    def _get(session: Session, node_id: int) -> AgentNode:
        node = session.get(AgentNode, node_id)
        if node is None:
            raise NodeNotFoundError(f"no node {node_id} in this archive; see `godelbox archive ls`")
        return node


def _check_fields(node_id: int, fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"cannot set {sorted(unknown)} on a node; see UPDATABLE_FIELDS")
    score = fields.get("score")
    if score is not None and not math.isfinite(score):
        raise ValueError(f"node {node_id}: score must be a finite number, got {score!r}")


def _database_url(run_dir: Path, config: Config) -> str:
    return config.archive.database_url or sqlite_url(run_dir / DB_FILE)


def _describe_db(run_dir: Path, config: Config) -> str:
    return "the configured database" if config.archive.database_url else str(run_dir / DB_FILE)


def _remove_created(run_dir: Path, made_dir: bool) -> None:
    if made_dir:
        shutil.rmtree(run_dir, ignore_errors=True)
        return
    for child in run_dir.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _tally(outcomes: Iterable[tuple[str, bool]]) -> dict[str, tuple[int, int]]:
    """key -> (how many, how many won)."""
    counts: dict[str, list[int]] = {}
    for key, won in outcomes:
        seen = counts.setdefault(key, [0, 0])
        seen[0] += 1
        seen[1] += won
    return {key: (n, w) for key, (n, w) in counts.items()}
