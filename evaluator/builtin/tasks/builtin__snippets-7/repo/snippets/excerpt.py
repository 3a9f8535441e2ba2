"""Pick the lines around a line of interest and format them with line numbers."""

from __future__ import annotations


def excerpt(source: str, line: int, context: int = 2) -> list[tuple[int, str]]:
    """(number, text) pairs for `line` and up to `context` lines on each side (1-based)."""
    lines = source.splitlines()
    if not 1 <= line <= len(lines):
        raise ValueError(f"line {line} is outside 1..{len(lines)}")
    first = max(1, line - context)
    last = min(len(lines), line + context)
    return [(number, lines[number - 1]) for number in range(first, last)]


def render(pairs: list[tuple[int, str]], mark: int | None = None) -> str:
    """Right-align the numbers and put an arrow on the `mark` line."""
    if not pairs:
        return ""
    width = len(str(pairs[-1][0]))
    rows = []
    for number, text in pairs:
        arrow = "->" if number == mark else "  "
        rows.append(f"{arrow} {number:>{width}} | {text}")
    return "\n".join(rows)
