"""One line per node, the same in the TUI tree and in `godelbox show`.

`#12  0.625  evaluated  s2  ↳3`: id, score (coloured), status, stage reached, children. The best
node is starred (`#12   ★ best  0.625 ...`) and its lineage is bold, so the path to the best agent
stands out in a big tree; a node caught forging a grade is marked `⚠ tampered` (it is never a
parent, whatever its score).
"""

from __future__ import annotations

from rich.text import Text

from godelbox.views.records import NodeSummary
from godelbox.views.score_style import score_text

STATUS_STYLE = {
    "proposed": "cyan",
    "evaluating": "bold cyan",
    "evaluated": "green",
    "invalid": "magenta",
    "failed": "red",
}

BEST_MARK = "★"
TAMPERED_MARK = "⚠ tampered"


def node_label(node: NodeSummary, on_best_lineage: bool = False, is_best: bool = False) -> Text:
    label = Text()
    label.append(f"#{node.id:<5}", style="bold" if on_best_lineage else "")
    # Markers come before the columns: a narrow tree (80 columns) cuts the end of a line.
    if is_best:
        label.append(f"{BEST_MARK} best ", style="bold yellow")
    if node.tampered:
        label.append(f"{TAMPERED_MARK} ", style="bold red")
    label.append(" ")
    label.append_text(score_text(node.score))
    label.append(" ")
    label.append(f"{node.status:<10}", style=STATUS_STYLE.get(node.status, ""))
    label.append(f" s{node.stage_reached}", style="dim")
    if node.children:
        label.append(f"  ↳{node.children}", style="dim")
    if on_best_lineage:
        label.stylize("underline" if not is_best else "bold")
    return label
