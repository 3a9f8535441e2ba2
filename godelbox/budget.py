"""When a run must stop: iterations, children, dollars, wall clock, stagnation.

The counters are derived from the archive on every check (never kept only in memory), so a
resumed run sees the budget it had already spent before the crash.
"""

from __future__ import annotations

from dataclasses import dataclass

from godelbox.config import BudgetSection


@dataclass(frozen=True)
class Progress:
    """What the run has spent so far, as read from the archive."""

    iterations: int
    """Completed generations (generational) or completed expansions (async)."""
    children: int
    """Children proposed, valid or not (the seed is not a child)."""
    usd: float
    wall_clock_s: float
    """Active daemon time summed over every session of this run."""
    generations_since_improvement: int


def exhausted(budget: BudgetSection, progress: Progress) -> str | None:
    """The first budget that is used up, phrased for the user, or None to keep going."""
    checks: list[tuple[float | int | None, float | int, str]] = [
        (budget.iterations, progress.iterations, "iterations"),
        (budget.children, progress.children, "children"),
        (budget.usd, progress.usd, "dollars"),
        (budget.wall_clock_s, progress.wall_clock_s, "wall-clock seconds"),
        (
            budget.no_improvement_generations,
            progress.generations_since_improvement,
            "generations without improvement",
        ),
    ]
    for limit, spent, what in checks:
        if limit is not None and spent >= limit:
            return f"budget reached: {spent:g} of {limit:g} {what}"
    return None
