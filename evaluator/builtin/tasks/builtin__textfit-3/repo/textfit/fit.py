"""Shorten or pad text to an exact width."""

from __future__ import annotations


def truncate(text: str, width: int, ellipsis: str = "...") -> str:
    """`text` if it fits in `width` characters, else a prefix ending in `ellipsis`.

    The result is never longer than `width`.
    """
    if width < len(ellipsis):
        raise ValueError("width is smaller than the ellipsis")
    if len(text) <= width:
        return text
    keep = width - len(ellipsis) + 1
    return text[:keep] + ellipsis


def center(text: str, width: int, fill: str = " ") -> str:
    """Center `text` in `width`; extra padding goes on the right."""
    if len(fill) != 1:
        raise ValueError("fill must be a single character")
    text = truncate(text, width)
    spare = width - len(text)
    left = spare // 2
    return fill * left + text + fill * (spare - left)
