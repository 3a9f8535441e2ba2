"""Identifier case conversion; the empty identifier converts to itself."""

from __future__ import annotations


def camel_to_snake(name: str) -> str:
    out = [name[0].lower()]
    for prev, ch in zip(name, name[1:]):
        if ch.isupper() and not prev.isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def snake_to_camel(name: str, upper_first: bool = False) -> str:
    head, *rest = name.split("_")
    first = head.capitalize() if upper_first else head
    return first + "".join(part.capitalize() for part in rest)
