"""Greedy word wrapping: no line longer than `width` unless a single word is."""

from __future__ import annotations


def wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


def fill(text: str, width: int) -> str:
    return "\n".join(wrap(text, width))
