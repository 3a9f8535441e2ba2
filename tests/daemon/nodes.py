"""Helpers for tests of the loop's phases: archive nodes of small toy agents, built by hand (no
evaluation). The archive and bookkeeper fixtures are in conftest.py."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from godelbox.archive.models import NodeStatus
from godelbox.archive.store import Archive
from godelbox.config import Config
from godelbox.loop.bookkeeping import Bookkeeper
from godelbox.loop.proposing import Proposing
from godelbox.trash import Trash


def agent(tmp_path: Path, name: str, **values: int) -> Path:
    """An agent tree whose config.py holds `values` (A, B, C: 1 unless given)."""
    root = tmp_path / "trees" / name
    root.mkdir(parents=True)
    settings = {"A": 1, "B": 1, "C": 1, **values}
    (root / "config.py").write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
    return root


def add(
    archive: Archive,
    tmp_path: Path,
    parent: int | None,
    score: float,
    grafted_from: int | None = None,
    **values: int,
) -> int:
    """An evaluated node holding `values`, committed as a child of `parent`; `grafted_from`
    names the node whose change it received, as the graft kind records it."""
    tree = agent(tmp_path, f"n{len(archive.nodes()) + 1}", **values)
    if parent is None:
        sha = archive.code.add_root(tree)
    else:
        sha = archive.code.add_child(archive.node(parent).commit_sha, tree)
    proposal = None if grafted_from is None else {"kind": "graft", "graft_source": grafted_from}
    node = archive.add_node(parent_id=parent, commit_sha=sha, agent_kind="toy", proposal=proposal)
    archive.set_status(node, NodeStatus.EVALUATED, score=score)
    return node


def proposing(
    books: Bookkeeper, proposer: object, scratch: Path, pool: ThreadPoolExecutor, **parts: Any
) -> Proposing:
    """The proposing phase over stand-in loop parts: the bookkeeper's archive, `proposer`, the
    default config and a trash, plus whatever `parts` a test needs (validate, reporter)."""
    loop = SimpleNamespace(
        archive=books.archive,
        proposer=proposer,
        config=Config(),
        ctx=SimpleNamespace(trash=Trash()),
        **parts,
    )
    return Proposing(loop, books, scratch, pool, {}, {})  # type: ignore[arg-type]
