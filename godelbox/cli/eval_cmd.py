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
from typing import Annotated, Any

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
from godelbox.cli.notes import note
from godelbox.config import Config, StageSection, load_config
from godelbox.errors import UserError
from godelbox.evaluator import contract
from godelbox.evaluator.bench_spec import SPECS, is_web, load_benchmark
from godelbox.evaluator.benchmark import Benchmark
from godelbox.evaluator.cache import CacheScope, cache_policy, open_cache
from godelbox.evaluator.context import EvalContext, context_from_config
from godelbox.evaluator.evaluation import (
    AgentSolver,
    OracleSolver,
    Solver,
    evaluate_benchmark,
    select_tasks,
)
from godelbox.evaluator.journal import Journal
from godelbox.evaluator.mixed import bench_score
from godelbox.evaluator.native_reports import write_native_reports
from godelbox.evaluator.predictions import (
    Prediction,
    PredictionSolver,
    load_predictions,
    predictions_identity,
)
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
    repeats: Annotated[
        int | None,
        typer.Option(
            "--repeats",
            min=1,
            help="Web (miniwob:) episodes per task, seeds from a fixed generator "
            "(web.repeats, default 5; web.seed picks the generator).",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="The agent's model for this command (models.agent, litellm name, e.g. "
            "openai/gpt-4o-mini); the agent then reaches it through a per-task gateway.",
        ),
    ] = None,
    predictions: Annotated[
        Path | None,
        typer.Option(
            "--predictions",
            help="Grade another tool's SWE-bench predictions (JSONL: instance_id, "
            "model_name_or_path, model_patch) instead of running an agent.",
        ),
    ] = None,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report-dir",
            help="Write the benchmark's own report format here (SWE-bench run report, Aider "
            "results and leaderboard row, HumanEval samples); default: next to --journal.",
        ),
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache", help="Run every task afresh (cache.enabled = false)."),
    ] = False,
    config: ConfigOption = None,
    set_: SetOption = None,
) -> None:
    """Evaluate an agent (or, with --oracle, the benchmark's own solutions) on a benchmark."""
    if model is not None and oracle:
        raise UserError("--model sets the agent's model, but --oracle runs no agent: drop one")
    if predictions is not None and (oracle or agent_dir is not None or model is not None):
        raise UserError(
            "--predictions grades a file of patches: give no AGENT_DIR, --oracle or --model"
        )
    overrides = parse_overrides(set_)
    if model is not None:
        overrides["models.agent"] = model
    if repeats is not None:
        overrides["web.repeats"] = str(repeats)
    if no_cache:
        overrides["cache.enabled"] = "false"
    cfg = load_config(default_config_file(config), overrides=overrides).config
    spec = bench or cfg.evaluation.bench
    if oracle and is_web(spec):
        raise UserError(
            f"{spec} has web episodes, which have no reference solutions: give an AGENT_DIR "
            "(e.g. agents/webrules) instead of --oracle"
        )
    preds = load_predictions(predictions) if predictions is not None else None
    solver = PredictionSolver(preds) if preds is not None else _solver(agent_dir, oracle)
    metered = None if oracle or preds is not None else _metered(solver, cfg)
    solver = metered or solver
    from godelbox.sandbox.select import backend_for, warm_up

    console = Console()
    ctx = context_from_config(cfg, backend_for(cfg.sandbox), labels={"run": f"eval-{os.getpid()}"})
    warm_up(ctx.backend, ctx.spec())
    benchmark = load_benchmark(spec, ctx)
    wanted = _split_ids(tasks)
    if preds is not None:
        wanted = _predicted_ids(benchmark, preds, wanted)
    selected = [t.task_id for t in select_tasks(benchmark, wanted)]
    identity = predictions_identity(predictions) if predictions else _identity(agent_dir, oracle)
    header: dict[str, object] = {"bench": spec, "solver": identity}
    if metered is not None:
        header["model"] = cfg.models.agent
    if is_web(spec):
        # The seeds are in the task ids; the rest changes what an episode is.
        header["web"] = {"step_limit": ctx.web.step_limit, "timeout_s": ctx.web.episode_timeout_s}
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
    _preflight(ctx, spec, benchmark, console)
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
            # The log first: the journal line is what a resumed run skips, so a kill between
            # the two must never leave a finished task without its log.
            task_logs.write(result)
            if log is not None:
                spent = usage[result.task_id].to_dict() if metered is not None else None
                log.append(result, llm=spent)
            results[result.task_id] = result
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
            # Another tool's predictions have no agent tree to key them by: never cached.
            cache=None
            if preds is not None
            else _cache_scope(cfg, agent_dir, uses_models=metered is not None),
        )
    if metered is not None and metered.endpoint_error:
        raise ModelEndpointError(metered.endpoint_error)
    out_dir = report_dir or (journal.parent if journal else None)
    if out_dir is not None:
        run_id = journal.stem if journal else "godelbox"
        model_name = _model_name(preds, metered, cfg, solver)
        written = write_native_reports(
            benchmark,
            {k: v for k, v in results.items() if k in set(selected)},
            out_dir,
            run_id=run_id,
            model=model_name,
            patches={k: v.model_patch for k, v in preds.items()} if preds else None,
            usage={k: u.to_dict() for k, u in usage.items()},
            command=f"godelbox eval --bench {spec}",
        )
        if written:
            console.print(f"native report: {escape(str(written[0]))} (+{len(written) - 1} files)")
    _print_table(console, [results[t] for t in selected if t in results], usage)
    resolved = sum(r.resolved for r in results.values())
    rate = resolved / len(results) if results else 0.0
    scored = bench_score(benchmark, spec, [(k, r.resolved) for k, r in results.items()])
    if len(scored.parts) > 1:
        for part in scored.parts:
            console.print(
                f"  {escape(part.spec)} (weight {part.weight:g}): resolved "
                f"{part.resolved}/{part.attempted} ({part.rate:.1%})",
                highlight=False,
            )
    combined = f", weighted score {scored.combined:.3f}" if len(scored.parts) > 1 else ""
    hits = sum(r.cache is not None for r in results.values())
    console.print(
        f"[bold]{escape(spec)}[/] ({solver.name}): resolved {resolved}/{len(results)} "
        f"({rate:.1%}){combined}"
        + (f", {hits} from the evaluation cache (--no-cache to run them)" if hits else "")
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
            "(see 'The agent contract' in docs/agents.md)"
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


def _cache_scope(cfg: Config, agent_dir: Path | None, *, uses_models: bool) -> CacheScope | None:
    """The evaluation cache for the agent in `agent_dir` (None: the reference solutions), or
    None when it is off or the agent's model answers by sampling."""
    model = cache_policy(cfg, uses_models=uses_models)
    store = open_cache(cfg.cache) if model is not None else None
    if store is None or model is None:
        return None
    if agent_dir is None:
        return CacheScope.for_oracle(store)
    return CacheScope.for_agent(store, agent_dir.resolve(), model)


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


def _predicted_ids(
    benchmark: Benchmark, preds: dict[str, Prediction], wanted: list[str] | None
) -> list[str]:
    """The benchmark's tasks that have a prediction (and were asked for)."""
    from godelbox.evaluator.swebench import SWEBenchmark

    if not isinstance(benchmark, SWEBenchmark):
        raise UserError("--predictions grades SWE-bench format benchmarks (swebench:FILE, builtin)")
    known = {t.task_id for t in benchmark.tasks()}
    unknown = sorted(set(preds) - known)
    if unknown:
        shown = ", ".join(unknown[:5]) + (
            f" (+{len(unknown) - 5} more)" if len(unknown) > 5 else ""
        )
        raise UserError(f"predictions for instances {benchmark.name} does not have: {shown}")
    return [i for i in preds if wanted is None or i in set(wanted)]


def _model_name(
    preds: dict[str, Prediction] | None, metered: MeteredSolver | None, cfg: Config, solver: Solver
) -> str:
    if preds:
        return next(iter(preds.values())).model_name_or_path
    if metered is not None:
        return cfg.models.agent
    return f"godelbox-{solver.name}"


def _split_ids(tasks: list[str] | None) -> list[str] | None:
    if not tasks:
        return None
    return [i.strip() for chunk in tasks for i in chunk.split(",") if i.strip()]


def _preflight(ctx: EvalContext, spec: str, benchmark: Benchmark, console: Console) -> None:
    """Fail once, clearly, when no sandbox can start (image missing, engine down), instead of
    recording every task as an error. A benchmark with an image of its own (Polyglot's
    toolchains) has it built first when missing (cached by recipe hash); web benchmarks also
    need the browser's image."""
    recipe = getattr(benchmark, "recipe", None)
    image = ctx.image
    if recipe is not None:
        from godelbox.sandbox.image import ensure_image

        image = ensure_image(recipe, progress=note).tag
    images = [image] + ([ctx.web.image] if is_web(spec) else [])
    for each in images:
        try:
            with ctx.backend.start(ctx.spec(each)) as box:
                box.run(["true"], 60.0)
        except SandboxError as err:
            web = each == ctx.web.image
            hint = " (build it with `godelbox sandbox build --web`)" if web else ""
            raise SandboxError(f"cannot start a sandbox for the evaluation: {err}{hint}") from None


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


def _reward(episode: dict[str, Any]) -> str:
    """MiniWoB's time-decayed reward, and the raw reward (the success) in brackets."""
    return f"{float(episode['cum_reward']):.2f} ({float(episode['cum_raw_reward']):.0f})"


def _print_table(console: Console, results: list[TaskResult], usage: dict[str, TaskUsage]) -> None:
    table = Table(title="results", show_lines=False)
    table.add_column("task", style="cyan")
    table.add_column("outcome")
    web = any(r.episode for r in results)
    table.add_column("tries", justify="right")
    if web:
        table.add_column("steps", justify="right")
        table.add_column("reward", justify="right")
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
        episode = result.episode or {}
        web_cells = (
            [str(episode.get("n_steps", "")), _reward(episode) if episode else ""] if web else []
        )
        table.add_row(
            escape(for_terminal(result.task_id)),
            f"[{style}]{result.outcome}[/]",
            str(result.attempts),
            *web_cells,
            f"{result.duration_s:.1f}s" + (" [blue](cached)[/]" if result.cache else ""),
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
