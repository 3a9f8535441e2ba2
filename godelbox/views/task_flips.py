"""Which tasks flipped between a parent and its child: the evidence of what a change did.

Only tasks both attempted count (a child that reached a later stage ran tasks its parent never
did); any outcome other than `resolved` (unresolved, error, timeout, ...) counts as not resolved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

RESOLVED = "resolved"


@dataclass(frozen=True)
class TaskFlips:
    fixed: tuple[str, ...]
    """Not resolved by the parent, resolved by the child."""
    broken: tuple[str, ...]
    """Resolved by the parent, not by the child."""


def task_flips(parent: Mapping[str, str], child: Mapping[str, str]) -> TaskFlips:
    """Flips between two task-id -> outcome maps, each list sorted by task id."""
    common = sorted(parent.keys() & child.keys())
    return TaskFlips(
        fixed=tuple(t for t in common if child[t] == RESOLVED and parent[t] != RESOLVED),
        broken=tuple(t for t in common if child[t] != RESOLVED and parent[t] == RESOLVED),
    )
