"""The TUI header: progress against the budget from the run's config snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from godelbox.views.records import RunProgress
from godelbox.views.run_header import render_progress


def test_header_shows_spend_against_each_budget() -> None:
    now = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    progress = RunProgress(
        name="r1",
        nodes=51,
        by_status={"evaluated": 45, "invalid": 5, "evaluating": 1},
        best_id=17,
        best_score=0.625,
        cost_usd=2.5,
        tokens=1_234_567,
        last_activity=(now - timedelta(minutes=5)).replace(tzinfo=None),
        budget={"iterations": 20, "children": 200, "usd": 10.0, "wall_clock_s": 3600.0},
        generations=5,
        daemon_active_s=900.0,
        daemon_state="daemon running",
    )
    text = render_progress(progress, now=now, note="filter: status failed").plain
    first, second = text.splitlines()
    assert "r1" in first and "51 nodes" in first and "evaluated 45" in first
    assert "best 0.625 (#17)" in first and first.endswith("filter: status failed")
    assert "daemon running" in second
    assert "generations 5/20 (25%)" in second
    assert "children 50/200 (25%)" in second
    assert "cost $2.50/$10.00 (25%)" in second
    assert "tokens 1,234,567" in second
    assert "daemon time 900s/3600s (25%)" in second
    assert "last node 5min ago" in second


def test_header_without_limits_shows_plain_counts() -> None:
    progress = RunProgress("r2", 1, {"proposed": 1}, None, None, 0.0, 0, None)
    second = render_progress(progress).plain.splitlines()[1]
    assert "children 0 " in second + " " and "(" not in second
