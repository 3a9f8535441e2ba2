"""`godelbox eval`: run one agent (or the reference solutions) on a benchmark and report.

Every finished task is appended to a results journal (JSONL, fsynced per line), so an
evaluation that is killed and rerun with the same `--journal` skips what already finished and
still reports the right totals.

With models configured (the loop's rule, see `eval_llm.uses_models`) or `--model`, the agent runs
behind a per-task LLM gateway, every call is tallied per task into the journal and the summary,
and `llm.run_budget_usd` stops the evaluation cleanly (see godelbox/cli/eval_llm.py).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from godelbox.agent_text import for_terminal
from godelbox.cli.config_cmd import ConfigOption, SetOption, default_config_file, parse_overrides
from godelbox.cli.eval_llm import (
    EvalModelError,
    MeteredSolver,
    ModelEndpointError,
    TaskUsage,
    check_agent_model,
    total_usage,
    uses_models,
)
from godelbox.cli.eval_logs import EvalLogs
from godelbox.config import Config, StageSection, load_config
from godelbox.errors import UserError
from godelbox.evaluator import contract
from godelbox.evaluator.bench_spec import SPECS, load_benchmark
from godelbox.evaluator.context import EvalContext, context_from_config
from godelbox.evaluator.evaluation import (
    AgentSolver,
    OracleSolver,
    Solver,
    evaluate_benchmark,
    select_tasks,
)
from godelbox.evaluator.journal import Journal
from godelbox.evaluator.results import OUTCOMES, TaskResult
from godelbox.sandbox.base import SandboxError

OUTCOME_STYLE = {
    "resolved": "green",
    "unresolved": "yellow",
    "patch_failed": "magenta",
    "timeout": "red",
    "oom": "red",
    "error": "bold red",
    "tampered": "bold red reverse",
}


def eval_command(
    agent_dir: Annotated[
        Path | None,
        typer.Argument(help=f"Agent directory (with {Path(contract.ENTRYPOINT[1]).name})."),
    ] = None,
    bench: Annotated[
        str | None, typer.Option("--bench", help=f"One of {SPECS} (default: config).")
    ] = None,
    tasks: Annotated[
        list[str] | None,
        typer.Option("--tasks", help="Only these task ids (comma-separated or repeated)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Parallel tasks (default: config).")
    ] = None,
    oracle: Annotated[
        bool, typer.Option("--oracle", help="Grade the reference solutions instead of an agent.")
    ] = False,
    journal: Annotated[
        Path | None,
        typer.Option("--journal", help="Results journal (JSONL); rerun with it to resume."),
    ] = None,
    staged: Annotated[
        bool,
        typer.Option(
            "--staged", help="Use evaluation.stages (stop early on low scores); default: all."
        ),
    ] = False,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="The agent's model for this command (models.agent, litellm name, e.g. "
            "openai/gpt-4o-mini); the agent then reaches it through a per-task gateway.",
        ),
    ] = None,
    config: ConfigOption = None,
    set_: SetOption = None,
) -> None:
    """Evaluate an agent (or, with --oracle, the benchmark's own solutions) on a benchmark."""
    if model is not None and oracle:
        raise UserError("--model sets the agent's model, but --oracle runs no agent: drop one")
    overrides = parse_overrides(set_)
    if model is not None:
        overrides["models.agent"] = model
    cfg = load_config(default_config_file(config), overrides=overrides).config
    solver = _solver(agent_dir, oracle)
    metered = None if oracle else _metered(solver, cfg)
    solver = metered or solver
    spec = bench or cfg.evaluation.bench
    from godelbox.sandbox.select import backend_for

    console = Console()
    ctx = context_from_config(cfg, backend_for(cfg.sandbox), labels={"run": f"eval-{os.getpid()}"})
    benchmark = load_benchmark(spec, ctx)
    wanted = _split_ids(tasks)
    selected = [t.task_id for t in select_tasks(benchmark, wanted)]
    header = {"bench": spec, "solver": _identity(agent_dir, oracle)}
    if metered is not None:
        header["model"] = cfg.models.agent
    log = Journal(journal, header) if journal else None
    previous = {k: v for k, v in (log.results if log else {}).items() if k in set(selected)}
    usage = {
        k: TaskUsage.from_dict(v)
        for k, v in (log.llm_usage if log else {}).items()
        if k in previous
    }
    if metered is not None:
        # Finished tasks already spent part of the dollar budget (as a resumed loop run does).
        metered.llm.run_budget.add(sum(u.cost_usd for u in usage.values()))
    if previous:
        console.print(f"resuming: {len(previous)} of {len(selected)} tasks already finished")
    _preflight(ctx)
    stages = cfg.evaluation.stages if staged else [StageSection(tasks=None)]
    results: dict[str, TaskResult] = dict(previous)
    task_logs = EvalLogs.for_journal(journal)
    with _progress(console) as progress:
        bar = progress.add_task(_label(spec, results), total=len(selected), completed=len(previous))

        def on_result(result: TaskResult) -> None:
            if metered is not None and result.task_id in metered.not_run:
                return  # never started: a rerun with the same --journal does it
            if metered is not None:
                usage[result.task_id] = metered.usage(result.task_id)
            if log is not None:
                spent = usage[result.task_id].to_dict() if metered is not None else None
                log.append(result, llm=spent)
            results[result.task_id] = result
            task_logs.write(result)
            progress.update(bar, advance=1, description=_label(spec, results))
            if not result.resolved:
                style = OUTCOME_STYLE[result.outcome]
                progress.console.print(
                    f"[{style}]{result.outcome:>12}[/] {escape(for_terminal(result.task_id))}: "
                    f"{escape(for_terminal(result.reason)[:160])}",
                    highlight=False,
                )

        outcome = evaluate_benchmark(
            ctx,
            benchmark,
            solver,
            stages=stages,
            workers=workers or cfg.evaluation.workers,
            task_ids=selected,
            done={k: r.resolved for k, r in previous.items()},
            on_result=on_result,
            should_stop=metered.should_stop if metered is not None else None,
        )
    if metered is not None and metered.endpoint_error:
        raise ModelEndpointError(metered.endpoint_error)
    _print_table(console, [results[t] for t in selected if t in results], usage)
    resolved = sum(r.resolved for r in results.values())
    rate = resolved / len(results) if results else 0.0
    console.print(
        f"[bold]{spec}[/] ({solver.name}): resolved {resolved}/{len(results)} "
        f"({rate:.1%})"
        + (_usage_line(total_usage(usage.values())) if metered is not None else "")
        + (" — stopped early by the stage thresholds" if outcome.stopped_early else ""),
        highlight=False,
    )
    console.print(task_logs.describe(), highlight=False, markup=False, soft_wrap=True)
    if metered is None:
        return
    not_run = [t for t in selected if t not in results]
    if not_run and metered.budget_spent():
        console.print(_budget_message(cfg, metered, not_run, journal), highlight=False)


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)


def _solver(agent_dir: Path | None, oracle: bool) -> Solver:
    if oracle:
        if agent_dir is not None:
            raise UserError("give either an AGENT_DIR or --oracle, not both")
        return OracleSolver()
    if agent_dir is None:
        raise UserError("missing AGENT_DIR (or pass --oracle to grade the reference solutions)")
    entry = agent_dir / Path(contract.ENTRYPOINT[1]).name
    if not entry.is_file():
        raise UserError(
            f"{agent_dir} is not an agent directory: it has no {entry.name} "
            "(see 'The agent contract' in the README)"
        )
    return AgentSolver(agent_dir.resolve())


def _metered(solver: Solver, cfg: Config) -> MeteredSolver | None:
    """The agent behind a per-task gateway when models are configured, else None (offline)."""
    if not isinstance(solver, AgentSolver):
        return None
    if not uses_models(cfg):
        if calls_a_model(solver.agent_dir):
            raise EvalModelError(
                f"{solver.agent_dir} calls a model (it imports {MODEL_CLIENT}) but none is "
                "configured, so every task would end unresolved: pass --model provider/name "
                "(e.g. --model openai/gpt-4o-mini, or a local one: see `godelbox model serve`) or "
                "set models.agent; agents/repair is the seed that needs no model"
            )
        return None
    from godelbox.loop.solvers import run_llm_client

    llm = run_llm_client(cfg)
    check_agent_model(cfg)
    return MeteredSolver(solver.agent_dir, llm)


MODEL_CLIENT = "godelbox_llm"
"""The in-sandbox model client: an agent importing it talks to a model through the gateway."""


def calls_a_model(agent_dir: Path) -> bool:
    """Whether any of the agent's Python files imports the model client (tests excluded)."""
    pattern = re.compile(rf"^\s*(import|from)\s+{MODEL_CLIENT}\b", re.MULTILINE)
    for path in sorted(agent_dir.rglob("*.py")):
        if "tests" in path.relative_to(agent_dir).parts:
            continue
        if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
            return True
    return False


def _usage_line(usage: TaskUsage) -> str:
    failed = f", {usage.errors} failed" if usage.errors else ""
    return (
        f" · LLM {usage.calls} calls{failed}, {usage.tokens_in + usage.tokens_out} tokens "
        f"({usage.tokens_in} in, {usage.tokens_out} out), ${usage.cost_usd:.4f}"
    )


def _budget_message(
    cfg: Config, metered: MeteredSolver, not_run: list[str], journal: Path | None
) -> str:
    budget = metered.llm.run_budget
    shown = ", ".join(not_run[:5]) + (f" (+{len(not_run) - 5} more)" if len(not_run) > 5 else "")
    rerun = (
        f"rerun with the same --journal {journal}"
        if journal
        else "rerun (with --journal FILE to keep finished tasks)"
    )
    return (
        f"[bold yellow]LLM run budget reached[/]: ${budget.spent_usd:.4f} spent of "
        f"${cfg.llm.run_budget_usd:g} (llm.run_budget_usd); {len(not_run)} task(s) not run: "
        f"{escape(shown)}. Raise it with --set llm.run_budget_usd=... and {escape(rerun)}."
    )


def _identity(agent_dir: Path | None, oracle: bool) -> str:
    """What the journal's results belong to: the oracle, or the agent's files by content."""
    if oracle or agent_dir is None:
        return "oracle"
    digest = hashlib.sha256()
    for path in sorted(p for p in agent_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(agent_dir)
        if ".git" in rel.parts or "__pycache__" in rel.parts:
            continue
        digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return f"agent:{agent_dir.resolve()}@{digest.hexdigest()[:16]}"


def _split_ids(tasks: list[str] | None) -> list[str] | None:
    if not tasks:
        return None
    return [i.strip() for chunk in tasks for i in chunk.split(",") if i.strip()]


def _preflight(ctx: EvalContext) -> None:
    """Fail once, clearly, when no sandbox can start (image missing, engine down), instead of
    recording every task as an error."""
    try:
        with ctx.backend.start(ctx.spec()) as box:
            box.run(["true"], 60.0)
    except SandboxError as err:
        raise SandboxError(f"cannot start a sandbox for the evaluation: {err}") from None


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _label(spec: str, results: dict[str, TaskResult]) -> str:
    resolved = sum(r.resolved for r in results.values())
    return f"{spec} · resolved {resolved}"


def _print_table(console: Console, results: list[TaskResult], usage: dict[str, TaskUsage]) -> None:
    table = Table(title="results", show_lines=False)
    table.add_column("task", style="cyan")
    table.add_column("outcome")
    table.add_column("tries", justify="right")
    table.add_column("time", justify="right")
    if usage:
        table.add_column("LLM calls", justify="right")
        table.add_column("tokens", justify="right")
        table.add_column("cost", justify="right")
    table.add_column("reason", overflow="fold")
    for result in results:
        style = OUTCOME_STYLE[result.outcome]
        shown = for_terminal(result.reason)
        reason = escape(shown if len(shown) < 120 else shown[:117] + "...")
        if result.tampering:
            reason += f" [dim](tampering: {len(result.tampering)})[/]"
        spent = usage.get(result.task_id, TaskUsage())
        llm_cells = (
            [
                str(spent.calls) + (f" ({spent.errors} failed)" if spent.errors else ""),
                str(spent.tokens_in + spent.tokens_out),
                f"${spent.cost_usd:.4f}",
            ]
            if usage
            else []
        )
        table.add_row(
            escape(for_terminal(result.task_id)),
            f"[{style}]{result.outcome}[/]",
            str(result.attempts),
            f"{result.duration_s:.1f}s",
            *llm_cells,
            reason,
        )
    console.print(table)
    counts = {o: sum(r.outcome == o for r in results) for o in OUTCOMES}
    console.print("  ".join(f"{o}: {n}" for o, n in counts.items() if n), highlight=False)
    _print_evidence(console, [r for r in results if r.tampered])


def _print_evidence(console: Console, tampered: list[TaskResult]) -> None:
    """Each tampered task with what the harness saw (never counted as resolved)."""
    if not tampered:
        return
    console.print(
        f"[bold red]{len(tampered)} task(s) tampered with their own grade[/] "
        "(not counted as resolved; see docs/integrity.md):",
        highlight=False,
    )
    for result in tampered:
        console.print(f"  [bold]{escape(result.task_id)}[/]", highlight=False)
        for item in result.evidence:
            console.print(f"    {escape(item.describe()[:300])}", highlight=False)
