"""Lines look like '2024-05-01T10:00:00 LEVEL message'."""

from __future__ import annotations

from typing import NamedTuple


class Record(NamedTuple):
    time: str
    level: str
    message: str


def parse_line(line: str) -> Record:
    parts = line.split(" ", 2)
    if len(parts) != 3:
        raise ValueError(f"malformed log line {line!r}")
    return Record(parts[0], parts[1].upper(), parts[2])


def errors(lines: list[str]) -> list[Record]:
    return [r for r in map(parse_line, lines) if r.level == "ERROR"]


def last_error(lines: list[str]) -> Record | None:
    """The most recent ERROR record (logs are in chronological order)."""
    found = errors(lines)
    return found[0] if found else None
