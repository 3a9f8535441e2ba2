"""A bounded view of an agent's code for the diagnosis prompt: its file tree, then its files.

Agents grow as they evolve, so the prompt cannot hold whole trees. The tree listing is always
complete; file contents follow in order of how much they say about the agent's behaviour (the
entry point, then its other modules, then its tests, then the rest), each cut to a share, until
the total cap is reached. Files left out are named, so the model knows they exist.
"""

from __future__ import annotations

from pathlib import Path

from godelbox import trees
from godelbox.agent_text import cap_text
from godelbox.evaluator.contract import ENTRYPOINT
from godelbox.evaluator.patching import is_test_path
from godelbox.evaluator.workspace import JUNK_DIRS, JUNK_SUFFIXES

ENTRY_FILE = Path(ENTRYPOINT[1]).name
TEXT_SUFFIXES = frozenset({".py", ".md", ".txt", ".ini", ".toml", ".cfg", ".json", ".yaml", ".sh"})


def code_digest(agent_dir: Path, total_chars: int, file_chars: int) -> str:
    files = _files(agent_dir)
    tree = "\n".join(f"{path} ({(agent_dir / path).stat().st_size} bytes)" for path in files)
    parts = [f"## File tree\n{tree}"]
    used = len(parts[0])
    skipped: list[str] = []
    for path in sorted(files, key=_rank):
        if Path(path).suffix not in TEXT_SUFFIXES:
            continue
        text = (agent_dir / path).read_text(encoding="utf-8", errors="replace")
        block = f"## {path}\n```\n{cap_text(text, file_chars)}\n```"
        if used + len(block) > total_chars:
            skipped.append(path)
            continue
        parts.append(block)
        used += len(block)
    if skipped:
        parts.append(f"(not shown, for length: {', '.join(skipped)})")
    return "\n\n".join(parts)


def _files(root: Path) -> list[str]:
    """The agent's files (its own tree: walked without recursion, junk left out)."""
    return [
        path.relative_to(root).as_posix()
        for path in trees.files(root, skip_dir=JUNK_DIRS.__contains__)
        if not path.name.endswith(JUNK_SUFFIXES)
    ]


def _rank(path: str) -> tuple[int, int, str]:
    """Entry point, agent modules, tests, other files; shallow before deep, then by name."""
    depth = path.count("/")
    if path == ENTRY_FILE:
        return (0, depth, path)
    if path.endswith(".py") and not is_test_path(path):
        return (1, depth, path)
    if is_test_path(path):
        return (2, depth, path)
    return (3, depth, path)
