"""The score over time as text, for the TUI's chart (`c`): best score as a filled area, mean as a
line through it, one column per generation (or per evaluated node in an asynchronous run).

Drawn with block characters rather than a plotting library so it fits any terminal, 80×24
included, and needs nothing the TUI does not already have; `godelbox plot` draws the same series
as PNG/SVG.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:  # plot imports matplotlib: only `c` needs it, and not at start-up
    from godelbox.views.plot import ProgressSeries


EIGHTHS = " ▁▂▃▄▅▆▇█"
AXIS_WIDTH = 5
"""The score axis (` 1.0 ` at the top, ` 0.0 ` at the bottom) before every row."""


def score_chart(series: ProgressSeries, width: int, height: int) -> Text:
    if not series.x:
        return Text("no evaluated node yet: nothing to chart", style="dim")
    columns = max(1, width - AXIS_WIDTH)
    rows = max(2, height - 2)
    picks = _columns(len(series.x), columns)
    best = [series.best[i] for i in picks]
    mean = [series.mean[i] for i in picks]
    chart = Text()
    for row in range(rows - 1, -1, -1):
        label = {rows - 1: "1.0 ", 0: "0.0 "}.get(row, "")
        chart.append(label.rjust(AXIS_WIDTH), style="dim")
        for b, m in zip(best, mean, strict=True):
            if _row_of(m, rows) == row:
                chart.append("━", style="bold cyan")
            else:
                chart.append(_cell(b, row, rows), style="green")
        chart.append("\n")
    first, last = series.x[picks[0]], series.x[picks[-1]]
    chart.append(" " * AXIS_WIDTH + f"{series.x_label} {first} … {last}", style="dim")
    chart.append(f"\n{' ' * AXIS_WIDTH}█ best {series.best[-1]:.3f}   ", style="green").append(
        f"━ mean {series.mean[-1]:.3f}", style="bold cyan"
    )
    return chart


def _columns(points: int, columns: int) -> list[int]:
    """Which point each column shows: the last of its bucket when there are more points than
    columns, each point over several columns when there are fewer."""
    return [
        min(points - 1, (c + 1) * points // columns - (points >= columns)) for c in range(columns)
    ]


def _row_of(score: float, rows: int) -> int:
    return min(rows - 1, max(0, round(score * rows - 0.5)))


def _cell(score: float, row: int, rows: int) -> str:
    """The block for `row` of a bar reaching `score` (partial at the top, in eighths)."""
    filled = min(1.0, max(0.0, score)) * rows - row
    if filled >= 1:
        return EIGHTHS[-1]
    return EIGHTHS[max(0, round(filled * 8))] if filled > 0 else " "
