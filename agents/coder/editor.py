"""The `editor` tool: view with line numbers, create, unique str_replace, insert.

Errors raise `ToolError` with a message that tells the model what to do next, because the model
only sees text: "old_str occurs 3 times (lines 4, 9, 17)" lets it widen the snippet at once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from environment import truncate
from errors import ToolError

SNIPPET_CONTEXT = 4
"""Lines shown around an edit so the model can check it without another `view`."""

# command -> (required arguments, optional arguments)
COMMANDS: dict[str, tuple[set[str], set[str]]] = {
    "view": ({"path"}, {"view_range"}),
    "create": ({"path", "file_text"}, set()),
    "str_replace": ({"path", "old_str"}, {"new_str"}),
    "insert": ({"path", "insert_line", "new_str"}, set()),
}


class Editor:
    def __init__(self, root: Path, output_limit_chars: int = 10_000) -> None:
        self.root = root
        self.output_limit_chars = output_limit_chars

    def run(self, args: dict[str, Any]) -> str:
        """Check `args` against the command's signature, then run it."""
        args = dict(args)
        command = args.pop("command", None)
        if command not in COMMANDS:
            raise ToolError(f"editor command must be one of {sorted(COMMANDS)}, got {command!r}")
        required, optional = COMMANDS[command]
        if missing := sorted(required - args.keys()):
            raise ToolError(f"editor {command} needs argument(s) {missing}")
        if unknown := sorted(args.keys() - required - optional):
            raise ToolError(f"editor {command} does not take argument(s) {unknown}")
        try:
            return getattr(self, command)(**args)
        except OSError as exc:
            raise ToolError(f"editor {command} failed: {exc}") from None

    def view(self, path: str, view_range: list[int] | None = None) -> str:
        target = self._resolve(path)
        if target.is_dir():
            return truncate(_listing(target), self.output_limit_chars)
        lines = self._read(target).splitlines()
        start, end = 1, len(lines)
        if view_range is not None:
            start, end = _check_range(view_range, len(lines))
        shown = _numbered(lines[start - 1 : end], start)
        if len(shown) > self.output_limit_chars:
            shown = truncate(shown, self.output_limit_chars)
            shown += "\n[the file is long: use view_range to see the omitted lines]"
        return shown

    def create(self, path: str, file_text: str) -> str:
        target = self._resolve(path)
        if target.is_dir():
            raise ToolError(f"{path} is a directory")
        existed = target.exists()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file_text, encoding="utf-8")
        verb = "Overwrote" if existed else "Created"
        return f"{verb} {path} ({len(file_text.splitlines())} lines)."

    def str_replace(self, path: str, old_str: str, new_str: str = "") -> str:
        target = self._resolve(path)
        text = self._read(target)
        if not old_str:
            raise ToolError("old_str is empty; give the exact text to replace")
        starts = _occurrences(text, old_str)
        if not starts:
            raise ToolError(
                f"old_str not found in {path}; view the file and copy the text exactly "
                "(whitespace and indentation matter)"
            )
        if len(starts) > 1:
            where = ", ".join(str(text.count("\n", 0, i) + 1) for i in starts)
            raise ToolError(
                f"old_str occurs {len(starts)} times in {path} (at lines {where}); "
                "include more surrounding lines so it is unique"
            )
        target.write_text(text.replace(old_str, new_str, 1), encoding="utf-8")
        first = text.count("\n", 0, starts[0]) + 1
        return f"Edited {path}:\n" + self._snippet(target, first, new_str.count("\n") + 1)

    def insert(self, path: str, insert_line: int, new_str: str) -> str:
        target = self._resolve(path)
        lines = self._read(target).splitlines(keepends=True)
        if not isinstance(insert_line, int) or not 0 <= insert_line <= len(lines):
            raise ToolError(
                f"insert_line must be an integer from 0 to {len(lines)} (the file's line count)"
            )
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        block = new_str if new_str.endswith("\n") else new_str + "\n"
        lines[insert_line:insert_line] = [block]
        target.write_text("".join(lines), encoding="utf-8")
        return f"Inserted into {path}:\n" + self._snippet(
            target, insert_line + 1, block.count("\n")
        )

    def _resolve(self, path: str) -> Path:
        candidate = Path(path)
        return candidate if candidate.is_absolute() else self.root / candidate

    def _read(self, target: Path) -> str:
        if not target.exists():
            raise ToolError(f"{target} does not exist; use create to make a new file")
        if target.is_dir():
            raise ToolError(f"{target} is a directory; view it to list its files")
        return target.read_text(encoding="utf-8", errors="replace")

    def _snippet(self, target: Path, first: int, count: int) -> str:
        lines = target.read_text(encoding="utf-8", errors="replace").splitlines()
        start = max(1, first - SNIPPET_CONTEXT)
        end = min(len(lines), first + count - 1 + SNIPPET_CONTEXT)
        return truncate(_numbered(lines[start - 1 : end], start), self.output_limit_chars)


def _check_range(view_range: object, n_lines: int) -> tuple[int, int]:
    """1-based inclusive [start, end]; end -1 means the last line; an end past the file is
    clamped (models often guess lengths) but a start past it is an error."""
    if (
        not isinstance(view_range, list)
        or len(view_range) != 2
        or not all(isinstance(v, int) for v in view_range)
    ):
        raise ToolError("view_range must be two integers [start, end]")
    start, end = view_range
    if not 1 <= start <= max(n_lines, 1):
        raise ToolError(f"view_range start {start} is outside the file (lines 1 to {n_lines})")
    end = n_lines if end == -1 else min(end, n_lines)
    if end < start and n_lines:
        raise ToolError(f"view_range end {view_range[1]} is before start {start}")
    return start, end


def _numbered(lines: list[str], first: int) -> str:
    return "\n".join(f"{first + i:6}\t{line}" for i, line in enumerate(lines))


def _occurrences(text: str, needle: str) -> list[int]:
    found, i = [], text.find(needle)
    while i != -1:
        found.append(i)
        i = text.find(needle, i + 1)
    return found


def _listing(root: Path, depth: int = 2) -> str:
    """Files and directories up to `depth` levels; hidden ones are left out and not walked
    (.git alone can hold thousands of files)."""
    rows = []
    for current, dirs, files in os.walk(root):
        rel = Path(current).relative_to(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if len(rel.parts) + 1 >= depth:
            rows.extend(f"{rel / d}/" for d in dirs)
            dirs.clear()
        rows.extend(str(rel / f) for f in files if not f.startswith("."))
    return "\n".join(sorted(rows)) if rows else "(empty directory)"
