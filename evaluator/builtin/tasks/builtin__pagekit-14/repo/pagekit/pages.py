"""Page arithmetic: how many pages there are and which items each one holds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    total_pages: int

    @property
    def has_next(self) -> bool:
        return self.number < self.total_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_count(total_items: int, per_page: int) -> int:
    """Number of pages needed; an empty listing still has one (empty) page."""
    if per_page <= 0:
        raise ValueError("per_page must be positive")
    return max(1, math.ceil(total_items / per_page))


def paginate(items: Sequence[Any], number: int, per_page: int = 10) -> Page:
    """Page `number` (1-based) of `items`."""
    total = page_count(len(items), per_page)
    if number < 1 or number > total:
        raise ValueError(f"page {number} out of range 1..{total}")
    start = (number - 1) * per_page
    end = start + per_page - 1
    return Page(list(items[start:end]), number, total)
