"""Header names are case-insensitive (RFC 9110); values keep their case."""

from __future__ import annotations


class Headers:
    def __init__(self) -> None:
        self._items: dict[str, list[str]] = {}

    def add(self, name: str, value: str) -> None:
        self._items.setdefault(name.lower(), []).append(value.strip())

    def get(self, name: str, default: str | None = None) -> str | None:
        """All values of `name` joined by ", " (how repeated headers combine)."""
        values = self._items.get(name)
        return ", ".join(values) if values else default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __len__(self) -> int:
        return len(self._items)


def parse_headers(block: str) -> Headers:
    headers = Headers()
    for line in block.splitlines():
        if not line.strip():
            break
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"malformed header line {line!r}")
        headers.add(name.strip(), value)
    return headers
