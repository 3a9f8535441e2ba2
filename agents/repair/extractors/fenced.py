"""Fenced ```python blocks of the problem statement, taken as they are."""

from __future__ import annotations

import re

FENCE = re.compile(r"^```[ \t]*(python3?|py)[ \t]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def extract(problem: str) -> list[str]:
    """Every fenced python block that compiles as a script (doctest sessions do not)."""
    blocks = []
    for match in FENCE.finditer(problem):
        code = match.group(2)
        if ">>>" in code:
            continue
        try:
            compile(code, "<problem>", "exec")
        except SyntaxError:
            continue
        blocks.append(code)
    return blocks
