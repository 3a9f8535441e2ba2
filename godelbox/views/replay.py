"""`godelbox replay RUN_DIR NODE`: how the agent got from the seed to NODE, one step at a time.

For every node on the lineage: the proposal that produced it, its diff against its parent (from
the git code store), the score change, and the tasks that flipped between parent and child
(resolved in one and not in the other, among the tasks both attempted). Output is plain text when
piped (grep-able, diff-able); on a terminal the diffs are syntax-highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.syntax import Syntax
from rich.text import Text

from godelbox.agent_text import for_terminal
from godelbox.views.node_detail import proposal_lines, task_logs_line
from godelbox.views.node_diffs import NodeDiffs
from godelbox.views.reader import ArchiveReader
from godelbox.views.records import NodeSummary
from godelbox.views.score_style import format_delta, format_score
from godelbox.views.task_flips import RESOLVED, task_flips


@dataclass(frozen=True)
class ReplayStep:
    node: NodeSummary
    parent_score: float | None
    proposal: dict[str, Any]
    diff: str | None
    """None for the seed."""
    fixed: tuple[str, ...]
    """Tasks the parent did not resolve and this node did."""
    broken: tuple[str, ...]
    """Tasks the parent resolved and this node did not."""
    resolved: tuple[str, ...]
    """Every task this node resolved."""
    logs: str = ""
    """Where this node's task logs are (`task logs: FOLDER/<task>.log`), "" when none."""

    @property
    def delta(self) -> float | None:
        if self.parent_score is None or self.node.score is None:
            return None
        return self.node.score - self.parent_score


def replay_lineage(reader: ArchiveReader, diffs: NodeDiffs, node_id: int) -> list[ReplayStep]:
    """The steps from the seed to `node_id`, in order."""
    steps: list[ReplayStep] = []
    previous: dict[str, str] = {}
    parent_score: float | None = None
    for index, step_id in enumerate(reader.lineage(node_id)):
        detail = reader.detail(step_id)
        outcomes = reader.task_outcomes(step_id)
        flips = task_flips(previous, outcomes)
        steps.append(
            ReplayStep(
                node=detail.summary,
                parent_score=parent_score if index else None,
                proposal=detail.proposal,
                diff=diffs.vs_parent(step_id),
                fixed=flips.fixed,
                broken=flips.broken,
                resolved=tuple(sorted(t for t, o in outcomes.items() if o == RESOLVED)),
                logs=task_logs_line(detail).plain,
            )
        )
        previous, parent_score = outcomes, detail.summary.score
    return steps


def print_replay(steps: list[ReplayStep], console: Console) -> None:
    if not steps:
        return
    chain = " → ".join(f"#{s.node.id}" for s in steps)
    console.print(f"lineage of #{steps[-1].node.id}: {chain} ({len(steps)} steps)", soft_wrap=True)
    for index, step in enumerate(steps, start=1):
        console.print()
        _print_step(step, index, len(steps), console)


def _print_step(step: ReplayStep, index: int, total: int, console: Console) -> None:
    node = step.node
    head = Text(f"== step {index}/{total}  #{node.id}", style="bold")
    if node.parent_id is None:
        head.append(f" (seed)  score {format_score(node.score).strip()}")
    else:
        head.append(
            f" <- #{node.parent_id}  score {format_score(step.parent_score).strip()} -> "
            f"{format_score(node.score).strip()} ({format_delta(step.parent_score, node.score)})"
        )
    head.append(f"  [{node.status}]")
    console.print(head, soft_wrap=True)
    for label, text in proposal_lines(step.proposal):
        console.print(Text(f"   {label}: {text}"), soft_wrap=True)
    if step.logs:
        console.print(Text(f"   {step.logs}"), soft_wrap=True)
    if node.parent_id is None:
        resolved = for_terminal(", ".join(step.resolved)) or "-"
        console.print(Text(f"   resolved: {resolved}"), soft_wrap=True)
        return
    console.print(Text(f"   fixed: {for_terminal(', '.join(step.fixed)) or '-'}"), soft_wrap=True)
    console.print(Text(f"   broke: {for_terminal(', '.join(step.broken)) or '-'}"), soft_wrap=True)
    console.print("   diff:")
    if step.diff is None:
        console.print("   (no code yet: the child is still being proposed)")
    elif not step.diff.strip():
        console.print("   (empty: identical code)")
    elif console.is_terminal:
        console.print(Syntax(for_terminal(step.diff), "diff", theme="ansi_dark"))
    else:
        # Piped: plain (grep-able), still without control sequences, since a pipe often ends
        # in a terminal (`| less -R`); the exact bytes are in the code store (`git diff`).
        diff = for_terminal(step.diff)
        console.out(diff, end="" if diff.endswith("\n") else "\n")
