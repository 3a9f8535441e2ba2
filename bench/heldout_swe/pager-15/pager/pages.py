"""Splitting a list of items into numbered pages (the first page is 1)."""

from __future__ import annotations


def page_count(total: int, per_page: int) -> int:
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    return total // per_page


def page_slice(page: int, per_page: int) -> slice:
    start = (page - 1) * per_page
    return slice(start, start + per_page)
