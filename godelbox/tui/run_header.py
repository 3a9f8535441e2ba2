"""The header line: run name, node counts by status, best score, spend against the budget.

Budget limits come from the run's config snapshot (the config the run was started with), so the
header tells how close the run is to stopping, not only how far it got.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text

from godelbox.tui.node_label import STATUS_STYLE
from godelbox.tui.node_records import RunProgress
from godelbox.tui.score_style import score_text


def render_progress(progress: RunProgress, now: datetime | None = None, note: str = "") -> Text:
    """Two lines: counts and best, then spend against budget; `note` (e.g. the active filter)
    ends the first line."""
    line = Text()
    line.append(f" {progress.name} ", style="bold reverse")
    line.append(f"  {progress.nodes} nodes ")
    for status in ("evaluated", "evaluating", "proposed", "invalid", "failed"):
        count = progress.by_status.get(status, 0)
        if count:
            line.append(f" {status} {count}", style=STATUS_STYLE[status])
    line.append("   best ")
    line.append_text(score_text(progress.best_score))
    if progress.best_id is not None:
        line.append(f" (#{progress.best_id})")
    if note:
        line.append(f"   {note}", style="bold yellow")
    line.append("\n ")
    line.append(_budget_line(progress, now or datetime.now(UTC)), style="dim")
    return line


def _budget_line(progress: RunProgress, now: datetime) -> str:
    budget = progress.budget
    children = max(0, progress.nodes - 1)
    parts = [
        progress.daemon_state,
        _of("generations", progress.generations, budget.get("iterations"), "{:g}"),
        _of("children", children, budget.get("children"), "{:g}"),
        _of("cost", progress.cost_usd, budget.get("usd"), "${:.2f}"),
        f"tokens {progress.tokens:,}",
        f"tasks {progress.tasks:,}, {progress.tasks_cached:,} cached",
        _of("daemon time", progress.daemon_active_s, budget.get("wall_clock_s"), "{:.0f}s"),
    ]
    if progress.last_activity is not None:
        idle = (now - _aware(progress.last_activity)).total_seconds()
        parts.append(f"last node {_duration(idle)} ago")
    return "  ·  ".join(parts)


def _of(what: str, spent: float, limit: float | int | None, fmt: str) -> str:
    if limit is None:
        return f"{what} {fmt.format(spent)}"
    share = 100 * spent / limit if limit else 100.0
    return f"{what} {fmt.format(spent)}/{fmt.format(limit)} ({share:.0f}%)"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}min"
    return f"{seconds / 3600:.1f}h"


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back naive; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
