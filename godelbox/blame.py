"""`godelbox blame RUN_DIR NODE FILE`: where each line of an agent's code came from.

Every node is a commit whose git parent is its parent node's commit, so `git blame` on NODE's
commit walks exactly the lineage seed → NODE and names, for every line, the commit that last
introduced it. Each such commit is an ancestor node; its proposal says why it exists (the
diagnosis of the parent's failures, the problem statement the self-edit was given, or the
offline transformation). The code and the proposals are agent and model text: bounded here,
escaped before they reach a terminal.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from godelbox.agent_text import cap_text, for_terminal
from godelbox.errors import UserError
from godelbox.tui.archive_reader import ArchiveReader
from godelbox.tui.node_detail import PROPOSAL_ORDER

MAX_FILE_BYTES = 4 * 1024 * 1024
"""Larger files are refused: blame output is several times the file's size."""
LINE_CHARS = 500
FIELD_CHARS = 600
BLAME_TIMEOUT_S = 120.0
WHY_KEYS = (*PROPOSAL_ORDER, "task_id", "why_chosen", "kind")
"""The proposal fields shown as the reason for a change (the implement log is left out)."""


class BlameError(UserError):
    """The file cannot be blamed at that node."""


@dataclass(frozen=True)
class BlameLine:
    number: int
    node_id: int
    text: str


@dataclass(frozen=True)
class Origin:
    """An ancestor that introduced lines, and why it exists."""

    node_id: int
    parent_id: int | None
    score: float | None
    proposal: dict[str, Any]
    lines: int


@dataclass(frozen=True)
class Blame:
    node_id: int
    path: str
    lines: tuple[BlameLine, ...]
    origins: tuple[Origin, ...]
    """Introducing ancestors in lineage order."""


def blame(reader: ArchiveReader, node_id: int, path: str) -> Blame:
    lineage = reader.lineage(node_id)
    commits = reader.commits(lineage)
    node_of: dict[str, int] = {}
    for step in lineage:  # the first node with a commit owns it
        node_of.setdefault(commits[step], step)
    sha = commits[node_id]
    if not sha:
        raise BlameError(f"node {node_id} has no code (its proposal failed); pick another node")
    rel = path.strip().lstrip("/")
    size = _git(reader, ["cat-file", "-s", f"{sha}:{rel}"], missing=(node_id, rel))
    if int(size.strip()) > MAX_FILE_BYTES:
        raise BlameError(f"{rel} is larger than {MAX_FILE_BYTES} bytes; blame a smaller file")
    porcelain = _git(reader, ["blame", "--porcelain", sha, "--", rel], missing=(node_id, rel))
    lines = tuple(
        BlameLine(number, node_of.get(commit, lineage[0]), text)
        for number, commit, text in _parse_porcelain(porcelain)
    )
    counts: dict[int, int] = {}
    for line in lines:
        counts[line.node_id] = counts.get(line.node_id, 0) + 1
    origins = []
    for step in lineage:
        if step in counts:
            detail = reader.detail(step)
            origins.append(
                Origin(
                    step,
                    detail.summary.parent_id,
                    detail.summary.score,
                    dict(detail.proposal or {}),
                    counts[step],
                )
            )
    return Blame(node_id, rel, lines, tuple(origins))


def _git(reader: ArchiveReader, args: list[str], missing: tuple[int, str]) -> str:
    done = subprocess.run(
        ["git", "--git-dir", str(reader.code_dir), *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=BLAME_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        node, rel = missing
        raise BlameError(
            f"no file {for_terminal(rel)!r} in node {node}'s code; `git --git-dir "
            f"{reader.code_dir} ls-tree -r --name-only <commit>` lists its files"
        )
    return done.stdout


def _parse_porcelain(text: str) -> list[tuple[int, str, str]]:
    """(final line number, commit, line text) per line of `git blame --porcelain`."""
    rows: list[tuple[int, str, str]] = []
    commit, number = "", 0
    for line in text.splitlines():
        if line.startswith("\t"):
            rows.append((number, commit, line[1:]))
            continue
        fields = line.split(" ")
        if len(fields) >= 3 and len(fields[0]) == 40 and fields[1].isdigit():
            commit, number = fields[0], int(fields[2])
    return rows


def print_blame(result: Blame, console: Console) -> None:
    width = max((len(str(line.node_id)) for line in result.lines), default=1) + 1
    digits = len(str(len(result.lines)))
    for line in result.lines:
        text = for_terminal(line.text[:LINE_CHARS]).replace("\t", "    ")
        console.print(
            f"{'#' + str(line.node_id):<{width}} {line.number:>{digits}}  {text}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    console.print()
    console.print(
        f"{for_terminal(result.path)} at node #{result.node_id}: lines introduced by "
        f"{len(result.origins)} ancestor(s)",
        markup=False,
        soft_wrap=True,
    )
    for origin in result.origins:
        parent = "seed" if origin.parent_id is None else f"child of #{origin.parent_id}"
        score = "-" if origin.score is None else f"{origin.score:.3f}"
        console.print(
            f"#{origin.node_id} ({parent}, score {score}): {origin.lines} line(s)",
            style="bold",
            markup=False,
            soft_wrap=True,
        )
        for key, value in why(origin.proposal):
            console.print(f"    {key}: {value}", markup=False, highlight=False, soft_wrap=True)


def why(proposal: dict[str, Any]) -> list[tuple[str, str]]:
    """The proposal fields that explain a change, bounded and escaped."""
    return [
        (key.replace("_", " "), for_terminal(cap_text(_text(proposal[key]), FIELD_CHARS)))
        for key in WHY_KEYS
        if proposal.get(key) not in (None, "", [], {})
    ]


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_text(v)}" for k, v in value.items())
    return " ".join(str(value).split())
