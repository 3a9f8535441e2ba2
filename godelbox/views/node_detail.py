"""The detail of one node as rich renderables: shared by the TUI's detail pane and `show NODE`.

Sections, in the order a user asks "why is this child better or worse than its parent?": scores
per stage, the proposal that produced it, the diff against its parent, per-task outcomes, LLM
calls with tokens and cost, and timings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from godelbox.agent_text import for_terminal
from godelbox.views.node_label import STATUS_STYLE
from godelbox.views.records import NodeDetail
from godelbox.views.score_style import format_delta, score_colour, score_text

OUTCOME_STYLE = {
    "resolved": "green",
    "unresolved": "red",
    "error": "magenta",
    "tampered": "bold red reverse",
}
PROPOSAL_ORDER = (
    "transformation",
    "operator",
    "improvement_proposal",
    "problem_description",
    "implementation_suggestion",
    "log_summarization",
    "potential_improvements",
    "diagnosis",
    "description",
    "changed_files",
)
"""Proposal keys shown first; anything else the proposer recorded follows in key order."""


def render_node_detail(detail: NodeDetail, diff: str | None) -> RenderableType:
    return Group(
        _heading(detail),
        _stage_table(detail),
        _bench_table(detail),
        _proposal(detail.proposal),
        Panel(
            render_diff(diff, detail.summary.parent_id is None),
            title="diff vs parent",
            title_align="left",
        ),
        _task_table(detail),
        task_logs_line(detail),
        _evidence(detail),
        _llm_table(detail),
        _timings(detail),
    )


def render_diff(diff: str | None, is_seed: bool) -> RenderableType:
    """A unified diff, syntax-highlighted; an explicit note when there is none."""
    if diff is None and is_seed:
        return Text("(no parent: this is the seed agent)", style="dim")
    if diff is None:
        return Text("(no code yet: the child is still being proposed)", style="dim")
    if not diff.strip():
        return Text("(empty diff: the child's code is identical to its parent's)", style="dim")
    return Syntax(
        for_terminal(diff), "diff", theme="ansi_dark", word_wrap=False, background_color="default"
    )


def _heading(detail: NodeDetail) -> RenderableType:
    node = detail.summary
    line = Text()
    line.append(f"node #{node.id}", style="bold")
    parent = "seed" if node.parent_id is None else f"child of #{node.parent_id}"
    line.append(f"  ({parent})  ")
    line.append(node.status, style=STATUS_STYLE.get(node.status, ""))
    line.append("  score ")
    line.append_text(score_text(node.score))
    if node.parent_id is not None:
        line.append(f"  ({format_delta(detail.parent_score, node.score)} vs parent)", style="dim")
    line.append(f"\ncommit {detail.commit_sha[:12]}  ", style="dim")
    line.append(
        f"{detail.files_changed} files, +{detail.insertions} -{detail.deletions}", style="dim"
    )
    if detail.flips is not None and (detail.flips.fixed or detail.flips.broken):
        line.append("\nvs parent: ")
        line.append(f"fixed {', '.join(detail.flips.fixed) or '-'}", style="green")
        line.append("  ")
        line.append(f"broke {', '.join(detail.flips.broken) or '-'}", style="red")
    if detail.reason:
        line.append(f"\nreason: {for_terminal(detail.reason)}", style="red")
    if detail.summary.tampered:
        line.append(
            f"\nTAMPERED: forged its grade on {detail.summary.tampered} task(s); "
            "never counted as resolved, never selected as a parent",
            style="bold red",
        )
    return line


def _stage_table(detail: NodeDetail) -> RenderableType:
    stages = detail.stage_scores()
    if not stages:
        return Text(f"no task results (status {detail.summary.status})", "dim")
    table = Table(title="scores per stage", title_justify="left", expand=False)
    table.add_column("stage", justify="right")
    table.add_column("resolved", justify="right")
    table.add_column("mean score", justify="right")
    for stage, (resolved, attempted, mean) in stages.items():
        table.add_row(
            str(stage), f"{resolved}/{attempted}", Text(f"{mean:.3f}", style=score_colour(mean))
        )
    return table


def proposal_lines(proposal: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) per proposal field, the most telling fields first (also used by replay)."""
    keys = [k for k in PROPOSAL_ORDER if k in proposal]
    keys += sorted(k for k in proposal if k not in PROPOSAL_ORDER)
    return [(for_terminal(key.replace("_", " ")), _as_text(proposal[key])) for key in keys]


def _proposal(proposal: dict[str, Any]) -> RenderableType:
    if not proposal:
        return Panel(Text("(no proposal recorded)", style="dim"), title="proposal")
    body = Text()
    for label, text in proposal_lines(proposal):
        body.append(f"{label}: ", style="bold")
        body.append(f"{text}\n")
    body.rstrip()
    return Panel(body, title="proposal", title_align="left")


def _as_text(value: Any) -> str:
    """Proposal values quote agent logs and code: shown without control sequences."""
    if isinstance(value, str):
        return for_terminal(value)
    if isinstance(value, list | tuple):
        return ", ".join(_as_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_as_text(v)}" for k, v in value.items())
    return for_terminal(str(value))


def _bench_table(detail: NodeDetail) -> RenderableType:
    """Each part of a mixed benchmark on its own (the node's score is their weighted mean)."""
    parts = detail.bench_scores()
    if not parts:
        return Text("")
    table = Table(title="scores per benchmark", title_justify="left", expand=False)
    table.add_column("benchmark")
    table.add_column("resolved", justify="right")
    table.add_column("rate", justify="right")
    for bench, (resolved, attempted) in parts.items():
        rate = resolved / attempted if attempted else 0.0
        table.add_row(
            bench, f"{resolved}/{attempted}", Text(f"{rate:.3f}", style=score_colour(rate))
        )
    return table


def _task_table(detail: NodeDetail) -> RenderableType:
    if not detail.tasks:
        return Text("")
    web = any(task.episode for task in detail.tasks)
    table = Table(title="per-task outcomes", title_justify="left")
    table.add_column("stage", justify="right")
    table.add_column("task")
    table.add_column("outcome")
    table.add_column("score", justify="right")
    if web:
        for name in ("steps", "reward", "ended"):
            table.add_column(name, justify="right" if name != "ended" else "left")
    table.add_column("time", justify="right")
    table.add_column("run", justify="left")
    for task in detail.tasks:
        episode = task.episode or {}
        web_cells = (
            [
                str(episode.get("n_steps", "")),
                f"{float(episode.get('cum_reward') or 0):.2f}" if episode else "",
                str(episode.get("ended", "")),
            ]
            if web
            else []
        )
        table.add_row(
            str(task.stage),
            for_terminal(task.task_id),
            Text(task.outcome, style=OUTCOME_STYLE.get(task.outcome, "yellow")),
            f"{task.score:.2f}",
            *web_cells,
            f"{task.duration_s:.1f}s",
            Text("cached", style="blue") if task.cached else Text("ran", style="dim"),
        )
    cached = sum(task.cached for task in detail.tasks)
    if cached:
        table.caption = (
            f"{cached} of {len(detail.tasks)} results served by the evaluation cache "
            "(an identical evaluation ran before)"
        )
    return table


def task_logs_line(detail: NodeDetail) -> Text:
    """Where the tasks' logs are: one file per task, named for it, in the node's folder."""
    folders = sorted({str(Path(t.log_path).parent) for t in detail.tasks if t.log_path})
    if not folders:
        return Text("")
    where = ", ".join(f"{folder}/" for folder in folders)
    return Text(f"task logs: {for_terminal(where)}<task>.log  (o in the TUI opens one)", "dim")


def _evidence(detail: NodeDetail) -> RenderableType:
    """What the harness saw on each tampered task (evaluator.results.Evidence)."""
    tampered = [t for t in detail.tasks if t.outcome == "tampered"]
    if not tampered:
        return Text("")
    body = Text()
    for task in tampered:
        body.append(f"{task.task_id}\n", style="bold")
        for line in task.evidence or ("(no evidence recorded)",):
            body.append(f"  {line}\n")
    body.rstrip()
    return Panel(body, title="tampering evidence", title_align="left", border_style="red")


def _llm_table(detail: NodeDetail) -> RenderableType:
    if not detail.llm_calls:
        return Text("no LLM calls (offline proposer or not proposed yet)", style="dim")
    table = Table(title="LLM calls", title_justify="left")
    for name in ("role", "model", "tokens in", "tokens out", "cost", "latency", "error"):
        table.add_column(
            name, justify="right" if name.startswith(("tok", "cost", "lat")) else "left"
        )
    for call in detail.llm_calls:
        table.add_row(
            call.role,
            call.model,
            f"{call.tokens_in:,}",
            f"{call.tokens_out:,}",
            f"${call.cost_usd:.4f}",
            f"{call.latency_s:.1f}s",
            Text(for_terminal(call.error or ""), style="red"),
        )
    total_in = sum(c.tokens_in for c in detail.llm_calls)
    total_out = sum(c.tokens_out for c in detail.llm_calls)
    total_cost = sum(c.cost_usd for c in detail.llm_calls)
    table.add_row("total", "", f"{total_in:,}", f"{total_out:,}", f"${total_cost:.4f}", "", "")
    return table


def _timings(detail: NodeDetail) -> RenderableType:
    created = detail.summary.created_at
    parts = [f"created {created:%Y-%m-%d %H:%M:%S}" if created else "created -"]
    parts.append(
        f"finished {detail.finished_at:%Y-%m-%d %H:%M:%S}" if detail.finished_at else "not finished"
    )
    if detail.wall_time_s is not None:
        parts.append(f"wall time {detail.wall_time_s:.1f}s")
    task_time = sum(t.duration_s for t in detail.tasks)
    if detail.tasks:
        parts.append(f"task time {task_time:.1f}s over {len(detail.tasks)} tasks")
    return Text("timings: " + " · ".join(parts), style="dim")
