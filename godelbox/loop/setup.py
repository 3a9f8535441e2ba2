"""Building a runnable loop from a run dir: config layers, sandbox backend, benchmark, proposer.

This is the one place where configuration turns into components; the loop itself only sees the
resulting `LoopParts`. The offline mode (no model configured) and the LLM mode differ here only,
by configuration, never by a code change elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from godelbox.archive.store import Archive
from godelbox.config import CONFIG_FILE_NAME, Config, dump_toml, load_config
from godelbox.errors import UserError
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.cache import CacheScope, cache_policy, open_cache
from godelbox.evaluator.context import EvalContext, context_from_config
from godelbox.evaluator.evaluation import AgentSolver
from godelbox.evaluator.pristine import PristineCache
from godelbox.loop.display import Reporter
from godelbox.loop.evolution import LoopParts, SolverFactory, Validator, scratch_dir
from godelbox.loop.executors import Executor, executor_for
from godelbox.loop.stopping import StopRequest
from godelbox.paths import seed_agent_dir
from godelbox.proposer.base import Proposal, Proposer
from godelbox.proposer.validate import Validation, cached_self_test, validate_child
from godelbox.sandbox.base import Backend
from godelbox.sandbox.select import backend_for, warm_up
from godelbox.seeds import seed_dir, seed_kind
from godelbox.trash import Trash


def open_or_create(
    run_dir: Path, config_file: Path | None, overrides: Mapping[str, str]
) -> Archive:
    """Open an existing run dir, or create it from the layered config when absent or empty."""
    if run_dir.is_dir() and (run_dir / CONFIG_FILE_NAME).is_file():
        if config_file is not None:
            raise UserError(
                f"{run_dir} already has its configuration; drop --config, or use "
                "--set section.key=value to change a setting for this session"
            )
        return Archive.open(run_dir)
    loaded = load_config(config_file, overrides=overrides)
    return Archive.create(run_dir, dump_toml(loaded.config))


def session_config(archive: Archive, overrides: Mapping[str, str]) -> Config:
    """The run's snapshot with this session's environment and `--set` layered on top."""
    config_file = archive.run_dir / CONFIG_FILE_NAME
    return load_config(config_file, env=os.environ, overrides=overrides).config


def offline(config: Config) -> bool:
    mode = config.proposer.mode
    if mode == "auto":
        return not (config.models.diagnose or config.models.implement)
    return mode == "operators"


def build_parts(
    archive: Archive, config: Config, reporter: Reporter, stop: StopRequest
) -> LoopParts:
    # Selection reads the archive's config; this session's layers must apply there too.
    archive.config = config
    ctx = loop_context(archive, config, backend_for(config.sandbox))
    bench = load_benchmark(config.evaluation.bench, ctx)
    proposer, seed_kind, solver_for = _components(config, ctx, spent_usd=archive.total_cost())
    executor = executor_for(config)
    return LoopParts(
        archive=archive,
        config=config,
        proposer=proposer,
        solver_for=solver_for,
        validate=validator(config, ctx),
        bench=bench,
        ctx=ctx,
        seed_dir=seed_dir(seed_kind),
        seed_kind=seed_kind,
        reporter=reporter,
        stop=stop,
        executor=executor,
        cache_for=cache_for(config, executor, reporter),
    )


def cache_for(
    config: Config, executor: Executor, reporter: Reporter
) -> Callable[[Path], CacheScope | None]:
    """How the loop finds the evaluation cache for an agent (see `evaluator.cache`)."""
    model = cache_policy(config, uses_models=not offline(config))
    why_not = ""
    if not config.cache.enabled:
        why_not = "cache.enabled = false (--no-cache)"
    elif model is None:
        why_not = (
            "the agents call models, whose answers are samples; set cache.llm_agents = true, "
            "or list deterministic models in cache.deterministic_models"
        )
    elif executor.name != "local":
        why_not = f"loop.executor = {executor.name} (the cluster's nodes run their own images)"
    store = None if why_not else open_cache(config.cache)
    if store is None or model is None:
        reporter.event("cache.off", f"evaluation cache off: {why_not}")
        return lambda _agent_dir: None
    return lambda agent_dir: CacheScope.for_agent(store, agent_dir, model)


def loop_context(archive: Archive, config: Config, backend: Backend) -> EvalContext:
    """What every proposal and evaluation of the run shares: its sandbox settings, the run
    label on its sandboxes, and pristine workspaces kept for the daemon's life."""
    trash = Trash()
    ctx = replace(
        context_from_config(config, backend, labels={"run": run_label(archive)}),
        trash=trash,
        pristine=PristineCache(scratch_dir(archive.run_dir) / "pristine", trash),
    )
    warm_up(ctx.backend, ctx.spec())
    return ctx


def validator(config: Config, ctx: EvalContext) -> Validator:
    """Children's checks; their sandbox part served from the evaluation cache when it is on
    (the checks run here, with no model, whatever the executor and the agents)."""
    store = open_cache(config.cache)
    self_test = cached_self_test(store) if store is not None else None

    def validate(parent_dir: Path, proposal: Proposal) -> Validation:
        return validate_child(
            parent_dir,
            proposal.child_dir,
            ctx,
            patch=proposal.patch,
            timeout_s=config.proposer.self_test_timeout_s,
            self_test=self_test,
        )

    return validate


def run_label(archive: Archive) -> str:
    """The value of the `godelbox.run` label on this run's sandboxes: the run dir's real path,
    which is unique on a host and lets `godelbox sandbox sweep` name the run."""
    return str(archive.run_dir.resolve())


def check_models(config: Config) -> None:
    """The rules `godelbox eval` applies too: a dollar budget needs every non-local model
    priced (see godelbox.llm.endpoints)."""
    from godelbox.llm.endpoints import check_budget_can_be_enforced
    from godelbox.proposer.llm import cost_map_knows

    check_budget_can_be_enforced(config, cost_map_knows, "godelbox run")


def _components(
    config: Config, ctx: EvalContext, spent_usd: float
) -> tuple[Proposer, str, SolverFactory]:
    """(proposer, seed agent name, how to run an agent) for the configured mode and the
    benchmark's kinds (coding, web or both: see godelbox.seeds)."""
    kind = seed_kind(config.evaluation.bench, offline(config))
    if offline(config):
        return (
            _offline_proposer(kind, config.proposer.offline_kinds),
            kind,
            lambda agent_dir, _on_call: AgentSolver(agent_dir),
        )
    from godelbox.loop.solvers import GatewayAgentSolver, run_llm_client
    from godelbox.proposer.dgm import DGMProposer

    check_models(config)
    # A resumed run has already spent part of its dollar budget.
    llm = run_llm_client(config, spent_usd=spent_usd)
    settings = config.proposer
    if kind == "web":
        # A web-only agent cannot edit code: the pinned coding seed implements its changes.
        settings = settings.model_copy(update={"implement": "fixed"})
    proposer = DGMProposer(
        llm,
        ctx,
        settings,
        config.models,
        seed_agent_dir("coder"),
        record=config.llm.record_exchanges,
    )
    return (
        proposer,
        kind,
        lambda agent_dir, on_call: GatewayAgentSolver(
            agent_dir, llm, on_call, record=config.llm.record_exchanges
        ),
    )


def _offline_proposer(kind: str, coding_kinds: Sequence[str]) -> Proposer:
    """The repair agent's proposal-kind bandit (`coding_kinds`), the web rules' operators, or
    both for a mixed run."""
    from godelbox.proposer.combined import CombinedProposer
    from godelbox.proposer.offline import offline_proposer
    from godelbox.proposer.web_operators import web_operator_proposer

    by_part: dict[str, Proposer] = {
        "repair": offline_proposer(coding_kinds),
        "webrules": web_operator_proposer(),
    }
    if "+" not in kind:
        return by_part[kind]
    coding, web = kind.split("+")
    return CombinedProposer({"coding": by_part[coding], "web": by_part[web]})
