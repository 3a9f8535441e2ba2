"""URL paths as lists of segments."""

from __future__ import annotations


def join_path(*parts: str) -> str:
    """Join segments with exactly one slash between them; keeps a leading slash."""
    if not parts:
        return ""
    head = parts[0].rstrip("/")
    rest = [part.rstrip("/") for part in parts[1:] if part.strip("/")]
    return "/".join([head, *rest])


def split_path(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]
