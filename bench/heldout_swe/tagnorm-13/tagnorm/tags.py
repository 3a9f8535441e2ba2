"""Tags typed by users: trimmed, deduplicated without regard to case."""

from __future__ import annotations


def normalize_tags(tags: list[str]) -> list[str]:
    """Keep the first spelling of each tag, in order; drop blanks."""
    seen: set[str] = set()
    out = []
    for tag in tags:
        tag = tag.strip()
        if not tag or tag.lower() in seen:
            continue
        seen.add(tag)
        out.append(tag)
    return out
