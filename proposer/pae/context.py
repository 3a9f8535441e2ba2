"""What the task proposer is shown: a repository snapshot as text, or a web site's description
with one example task."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from godelbox.evaluator.benchmark import Task
from godelbox.evaluator.workspace import JUNK_DIRS

TEXT_SUFFIXES = (".py", ".md", ".txt", ".toml", ".cfg", ".ini", ".json", ".yaml", ".yml")


@dataclass(frozen=True)
class RepoContext:
    context_id: str
    """The benchmark task whose snapshot this is (provenance of every task proposed from it)."""
    files: str
    """The snapshot's text files, each under a `### path` header, capped."""
    example_problem: str
    """The benchmark's own problem statement for this snapshot: an example of the format."""


def repo_context(task: Task, cap_chars: int) -> RepoContext:
    with tempfile.TemporaryDirectory(prefix="godelbox-pae-ctx-") as tmp:
        root = Path(tmp) / "repo"
        task.materialize(root)
        return RepoContext(task.task_id, repo_text(root, cap_chars), task.problem())


def repo_text(root: Path, cap_chars: int) -> str:
    """Every text file under `root` (sorted, junk skipped) until `cap_chars` is reached; the
    rest are listed by name only, so the proposer knows they exist."""
    parts: list[str] = []
    used = 0
    skipped: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(root)
        if any(part in JUNK_DIRS for part in rel.parts) or path.suffix not in TEXT_SUFFIXES:
            continue
        body = path.read_text(encoding="utf-8", errors="replace")
        block = f"### {rel}\n```\n{body}\n```\n"
        if used + len(block) > cap_chars:
            skipped.append(str(rel))
            continue
        parts.append(block)
        used += len(block)
    if skipped:
        parts.append("Other files (not shown): " + ", ".join(skipped))
    return "\n".join(parts)


@dataclass(frozen=True)
class WebContext:
    context_id: str
    """The MiniWoB++ environment (task family) the proposed goals are for."""
    description: str
    """What the page offers (the site description)."""
    example_goal: str
    """One utterance of the family, as the environment itself phrases it."""
