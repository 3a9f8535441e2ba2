"""`godelbox pae RUN_DIR` (propose, attempt, judge, audit) and `godelbox self RUN_DIR` (SELF
refinement with filtering). Both write the run's archive (they hold the run lock meanwhile)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from godelbox.agent_text import for_terminal
from godelbox.archive.pae_models import Refinement
from godelbox.archive.pae_store import PAEStore
from godelbox.archive.store import Archive
from godelbox.cli.config_cmd import SetOption, parse_overrides
from godelbox.config import Config
from godelbox.errors import UserError
from godelbox.evaluator.bench_spec import load_benchmark, load_web_benchmark
from godelbox.evaluator.context import EvalContext, context_from_config
from godelbox.loop.setup import run_label, session_config
from godelbox.loop.solvers import GatewayAgentSolver
from godelbox.paths import seed_agent_dir
from godelbox.proposer.llm import (
    BudgetExceeded,
    LLMClient,
    LLMConfigError,
    LLMError,
    RunBudget,
)
from godelbox.proposer.pae.dedupe import Known
from godelbox.proposer.pae.loop import PAELoop
from godelbox.proposer.self_refine.refine import SelfRefiner, export_jsonl
from godelbox.runlock import RunLock
from godelbox.sandbox.select import backend_for

RunDirArg = Annotated[Path, typer.Argument(help="The run directory.", show_default=False)]
AgentOption = Annotated[
    int | None, typer.Option("--agent", help="Agent node to use (default: the best node).")
]


class MissingModelError(UserError):
    """PAE and SELF need models for their roles."""


CallRecorder = Callable[..., None]


@dataclass
class Session:
    archive: Archive
    config: Config
    store: PAEStore
    ctx: EvalContext
    llm: LLMClient
    record_call: CallRecorder
    """(LLMCallRecord, node_id=None) -> stores the call in the archive."""
    console: Console


def _call_recorder(archive: Archive) -> CallRecorder:
    def record_call(record: Any, node_id: int | None = None) -> None:
        archive.record_llm_call(
            role=record.role,
            model=record.model,
            tokens_in=record.tokens_in,
            tokens_out=record.tokens_out,
            cost_usd=record.cost_usd,
            latency_s=record.latency_s,
            node_id=node_id,
            error=record.error,
        )

    return record_call


@contextmanager
def _session(run_dir: Path, set_: list[str] | None, roles: tuple[str, ...]) -> Iterator[Session]:
    with Archive.open(run_dir) as archive, RunLock(run_dir):
        config = session_config(archive, parse_overrides(set_))
        missing = [role for role in roles if not getattr(config.models, role)]
        if missing:
            raise MissingModelError(
                "no model configured for "
                + ", ".join(f"models.{r}" for r in missing)
                + "; set them with --set models.ROLE=provider/model or in the run's config"
            )
        budget = RunBudget(config.llm.run_budget_usd)
        budget.add(archive.total_cost())  # a run dir's earlier sessions spent part of it
        record_call = _call_recorder(archive)
        yield Session(
            archive=archive,
            config=config,
            store=PAEStore(archive.engine),
            ctx=context_from_config(
                config, backend_for(config.sandbox), labels={"run": run_label(archive)}
            ),
            llm=LLMClient(config.models, config.llm, record_call, run_budget=budget),
            record_call=record_call,
            console=Console(),
        )


@contextmanager
def _agent_dir(
    archive: Archive, node: int | None, seed: str
) -> Iterator[tuple[Path, int | None, str]]:
    """(checkout of the agent, its node id, a description): `node`; else, for coding, the best
    node; else the seed agent `seed` (a fresh run, or the web, whose lineage is not the run's)."""
    chosen = archive.node(node) if node is not None else None
    if chosen is None and seed == "coder":
        chosen = archive.best_node()
    if chosen is None:
        yield seed_agent_dir(seed), None, f"the seed {seed} agent"
        return
    with tempfile.TemporaryDirectory(prefix="godelbox-pae-agent-") as tmp:
        dest = Path(tmp) / f"agent-{chosen.id}"
        archive.code.checkout(chosen.commit_sha, dest)
        yield dest, chosen.id, f"node {chosen.id}"


def pae(
    run_dir: RunDirArg,
    agent: AgentOption = None,
    web: Annotated[
        bool, typer.Option("--web", help="MiniWoB++ (pae.web_bench) instead of repositories.")
    ] = False,
    set_: SetOption = None,
) -> None:
    """PAE: propose practice tasks, let the agent attempt tasks in the sandbox, judge every
    attempt with an LLM and audit the judge against ground truth (tests, MiniWoB rewards).

    Coding (default): tasks and their tests are proposed from repositories (pae.context_bench),
    validated in the sandbox and attempted by the best node (or --agent). Web (--web): the web
    agent (--agent, else the seed web agent) plays pae.web_bench, the judge is audited against
    the rewards, then new goals are proposed per environment and attempted on their pages (the
    judge's verdict is their only verdict: no reward exists for them). Settings: the pae section;
    models.agent, models.judge and models.task_proposer must be set."""
    with _session(run_dir, set_, ("task_proposer", "agent", "judge")) as s:
        settings = s.config.pae
        known = [Known(t.id, t.text, t.text_hash) for t in s.store.tasks()]
        with _agent_dir(s.archive, agent, "web" if web else "coder") as (
            agent_dir,
            node_id,
            described,
        ):
            loop = PAELoop(
                ctx=s.ctx,
                llm=s.llm,
                solver=GatewayAgentSolver(
                    agent_dir, s.llm, on_call=lambda record: s.record_call(record, node_id)
                ),
                settings=settings,
                record=s.store.put,
                node_id=node_id,
                on_progress=lambda line: s.console.print(Text(for_terminal(line))),
                on_agent_call=lambda record: s.record_call(record, node_id),
            )
            if web:
                bench = load_web_benchmark(settings.web_bench, range(settings.web_seeds))
                s.console.print(f"PAE (web) with {described} on {settings.web_bench}")
                report = loop.run_web(bench, agent_dir, known)
            else:
                spec = settings.context_bench
                contexts = load_benchmark(spec, s.ctx).tasks()[: settings.contexts]
                s.console.print(f"PAE with {described} on {len(contexts)} repositories")
                report = loop.run_coding(contexts, known)
        for line in report.lines():
            s.console.print(Text(for_terminal(line)))
        if report.audit is not None and report.audit.flagged:
            s.console.print(
                f"[bold red]JUDGE FLAGGED:[/] {report.audit.describe()}", highlight=False
            )


def self_refine(
    run_dir: RunDirArg,
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="JSONL of the kept (task, answer, feedback, refinement) records."
        ),
    ] = Path("self-refinements.jsonl"),
    tasks: Annotated[
        int | None, typer.Option("--tasks", "-n", min=1, help="Tasks to refine (pae.self_tasks).")
    ] = None,
    bench: Annotated[
        str | None, typer.Option("--bench", help="Benchmark spec (default evaluation.bench).")
    ] = None,
    set_: SetOption = None,
) -> None:
    """SELF: answer each task, critique the answer, refine it; the evaluator scores both and
    only refinements scoring higher are kept and exported (models.agent must be set)."""
    with _session(run_dir, set_, ("agent",)) as s:
        benchmark = load_benchmark(bench or s.config.evaluation.bench, s.ctx)
        chosen = benchmark.tasks()[: tasks or s.config.pae.self_tasks]
        refiner = SelfRefiner(s.llm, s.ctx, benchmark, s.config.pae.context_chars)
        records = []
        for task in chosen:
            try:
                record = refiner.refine(task)
            except (BudgetExceeded, LLMConfigError):  # the same for every task: stop
                raise
            except LLMError as err:  # an unusable reply for one task: skip it, keep going
                s.console.print(Text(for_terminal(f"{task.task_id}: skipped ({err})")))
                continue
            records.append(record)
            s.store.put(
                Refinement(
                    task_id=record.task_id,
                    problem=record.problem,
                    answer=record.answer,
                    feedback=record.feedback,
                    refinement=record.refinement,
                    answer_score=record.answer_score,
                    refinement_score=record.refinement_score,
                    kept=record.kept,
                    model=record.model,
                )
            )
            verdict = "kept" if record.kept else "dropped"
            s.console.print(
                f"{task.task_id}: answer {record.answer_score:.2f} -> refinement "
                f"{record.refinement_score:.2f} ({verdict})",
                highlight=False,
            )
        output.write_text(export_jsonl(records), encoding="utf-8")
        kept = sum(1 for r in records if r.kept)
        s.console.print(f"{kept} of {len(records)} refinements kept, written to {output}")


def register(app: typer.Typer) -> None:
    app.command("pae")(pae)
    app.command("self")(self_refine)
