"""Tags look like 'v1.2.3' or '1.2.3'; they are compared numerically."""

from __future__ import annotations


def parse_tag(tag: str) -> tuple[int, ...]:
    text = tag.removeprefix("v")
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        raise ValueError(f"{tag!r} is not a version tag") from None


def sort_tags(tags: list[str]) -> list[str]:
    """Oldest first."""
    return sorted(tags, key=parse_tag)


def latest(tags: list[str]) -> str | None:
    """The newest tag, or None when there are none."""
    if not tags:
        return None
    return sort_tags(tags)[0]
