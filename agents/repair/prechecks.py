"""Cheap filters a candidate must pass before it costs a test run (config.PRECHECKS)."""

from __future__ import annotations

import ast
from collections.abc import Callable


def syntax(original: str, candidate: str, seen: set[str]) -> bool:
    """The candidate compiles."""
    try:
        compile(candidate, "<candidate>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def dedupe(original: str, candidate: str, seen: set[str]) -> bool:
    """No candidate text is run twice (different operators can produce the same edit)."""
    return candidate not in seen


def changes_meaning(original: str, candidate: str, seen: set[str]) -> bool:
    """The candidate's syntax tree differs from the original (not just its formatting)."""
    try:
        return ast.dump(ast.parse(candidate)) != ast.dump(ast.parse(original))
    except SyntaxError:
        return True


CHECKS: dict[str, Callable[[str, str, set[str]], bool]] = {
    "syntax": syntax,
    "dedupe": dedupe,
    "changes_meaning": changes_meaning,
}
