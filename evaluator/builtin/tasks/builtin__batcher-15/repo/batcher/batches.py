"""Batches keep the input order; only the last batch may be short."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def batches(items: Sequence[Any], size: int) -> list[list[Any]]:
    if size < 1:
        raise ValueError("batch size must be at least 1")
    out: list[list[Any]] = [[]]
    for item in items:
        if len(out[-1]) == size:
            out.append([])
        out[-1].append(item)
    return out


def flatten(groups: Sequence[Sequence[Any]]) -> list[Any]:
    return [item for group in groups for item in group]
