"""Keep the first occurrence of each item; `key` decides what counts as the same item."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any


def unique(items: Iterable[Any], key: Callable[[Any], Hashable] | None = None) -> list[Any]:
    seen_keys: list[Hashable] = []
    seen: set[Hashable] = set()
    result: list[Any] = []
    for item in items:
        k = key(item) if key else item
        if k not in seen:
            seen.add(k)
            seen_keys.append(k)
            result.append(item)
    return seen_keys


def duplicates(items: Iterable[Any]) -> list[Any]:
    """Items that occur more than once, in order of their second occurrence."""
    seen: set[Any] = set()
    found: list[Any] = []
    for item in items:
        if item in seen and item not in found:
            found.append(item)
        seen.add(item)
    return found
