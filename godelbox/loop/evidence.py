"""The evidence a proposer gets about a parent: its per-task results, read from the archive.

Built from the archive by the loop (the proposer never reads the archive itself), so a proposer
running on another machine needs only this small value, never the database.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

from godelbox.archive.models import Outcome
from godelbox.archive.store import Archive
from godelbox.proposer.base import Graft, KindStats, Mate, ParentEvidence, TaskEvidence

LOG_CAP = 20_000
"""Characters of an agent log handed to a proposer (head and tail are kept)."""


def parent_evidence(
    archive: Archive,
    node_id: int,
    agent_dir: Path,
    problems: Mapping[str, str],
    lock: threading.Lock,
    generation: int,
    first_child_id: int,
    mates: tuple[Mate, ...] = (),
    grafts: tuple[Graft, ...] = (),
    test_patches: Mapping[str, str] | None = None,
    prefer: tuple[str, ...] = (),
    screen: str = "",
) -> ParentEvidence:
    """`problems` maps task ids to problem statements (from the benchmark, not the archive);
    `generation` is the child's and `first_child_id` the lowest node id of its generation, so
    only changes tried and proposal kinds' results from earlier generations are reported."""
    with lock:
        node = archive.node(node_id)
        rows = archive.evaluations(node_id)
        siblings = [archive.node(child) for child in archive.graph().children(node_id)]
        kinds = archive.kind_stats(before_id=first_child_id)
        moves = archive.transformation_stats(before_id=first_child_id)
    tried = tuple(
        str(n.proposal["description"])
        for n in siblings
        if n.proposal
        and "description" in n.proposal
        and int(n.proposal.get("generation", generation)) < generation
    )
    attempts: dict[str, int] = defaultdict(int)
    resolved: dict[str, int] = defaultdict(int)
    for row in rows:
        attempts[row.task_id] += 1
        resolved[row.task_id] += row.outcome == Outcome.RESOLVED
    latest = {row.task_id: row for row in rows}
    tasks = [
        TaskEvidence(
            task_id=task_id,
            outcome=str(row.outcome),
            problem=problems.get(task_id, ""),
            patch=str((row.details or {}).get("patch", "")),
            log=_read_log(archive.run_dir, row.log_path),
            tests=dict((row.details or {}).get("tests") or {}),
            attempts_resolved=resolved[task_id],
            attempts=attempts[task_id],
            episode=(row.details or {}).get("episode"),
            test_patch=(test_patches or {}).get(task_id, ""),
            eval_log=str((row.details or {}).get("eval_log") or ""),
        )
        for task_id, row in latest.items()
    ]
    return ParentEvidence(
        node_id=node_id,
        agent_dir=agent_dir,
        score=node.score,
        tasks=tasks,
        tried=tried,
        kind_stats={kind: KindStats(n, won) for kind, (n, won) in kinds.items()},
        transformation_stats={name: KindStats(n, won) for name, (n, won) in moves.items()},
        mates=mates,
        grafts=grafts,
        prefer=prefer,
        screen=screen,
    )


def _read_log(run_dir: Path, log_path: str | None) -> str:
    if not log_path:
        return ""
    try:
        text = (run_dir / log_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    if len(text) <= LOG_CAP:
        return text
    half = LOG_CAP // 2
    return f"{text[:half]}\n[... {len(text) - LOG_CAP} characters cut ...]\n{text[-half:]}"
