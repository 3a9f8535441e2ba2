"""Where the loop's evaluation units run: in this process (`local`) or as Ray tasks (`ray`).

An executor evaluates one node on the benchmark with the same staged rules either way
(`evaluator.staged.run_staged`); only the place where a unit of tasks runs differs. With Ray a
unit becomes a task scheduled on a node that advertises the custom resource `docker` (start each
machine with `ray start ... --resources '{"docker": N}'`, N = sandboxes it may run at once); it
runs its sandboxes on that node's own engine. Only small things travel: the agent's tree as a
tar of a few kB (put in the object store once per node evaluated), the benchmark spec, the
`sandbox` and `evaluation` config sections, the task ids, and the results as plain dicts (logs
inline, already capped by the evaluator). The archive never leaves the daemon, which stays its
only writer.

LLM agents: the unit also carries the `models` and `llm` sections (model names, endpoints and the
*names* of key variables; never a key) and the dollars the run has spent so far. The worker runs
the same `GatewayAgentSolver` as the daemon: a gateway per task sandbox on the worker's own node,
holding that node's keys (its environment), with the per-sandbox budgets. Every call record
comes back with the unit's results; the daemon records each against the node and adds its cost
to the run's budget, so the archive holds the same calls and costs as on one machine. The run's
dollar budget is checked by the worker against what the daemon had spent when the unit left.

Node loss: a unit whose worker process or node dies is retried by Ray (`loop.ray_max_retries`);
when retries run out the evaluation raises `ClusterError`, and the daemon's resume evaluates the
unfinished tasks again (finished ones are in the archive and skipped). A unit returns its
results only when all of its tasks are done, so a lost attempt records nothing.
"""

from __future__ import annotations

import io
import socket
import tarfile
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from godelbox.config import Config, StageSection
from godelbox.errors import UserError
from godelbox.evaluator.bench_spec import is_web
from godelbox.evaluator.benchmark import Benchmark
from godelbox.evaluator.cache import CacheScope
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import (
    AgentSolver,
    Solver,
    evaluate_benchmark,
    evaluate_tasks,
    select_tasks,
)
from godelbox.evaluator.results import TaskResult
from godelbox.evaluator.staged import StagedOutcome, run_staged
from godelbox.sandbox.recording import Tape

DOCKER_RESOURCE = "docker"
"""The custom Ray resource a node advertises for each sandbox it can run at once."""

UNIT_SECTIONS = frozenset({"sandbox", "evaluation"})
"""The config sections a unit needs on its node; nothing else is sent."""
LLM_UNIT_SECTIONS = frozenset({"models", "llm"})
"""Also sent when the agent calls models (names and key variable names, never a key)."""


class ClusterError(UserError):
    """The Ray cluster cannot be reached or cannot run the work."""


class Executor(Protocol):
    name: str

    def evaluate(
        self,
        ctx: EvalContext,
        bench: Benchmark,
        solver: Solver,
        agent_dir: Path,
        *,
        stages: Sequence[StageSection],
        workers: int,
        done: Mapping[str, bool],
        on_result: Callable[[TaskResult], None],
        should_stop: Callable[[], bool] | None = None,
        cache: CacheScope | None = None,
    ) -> StagedOutcome:
        """Evaluate the agent in `agent_dir` (run by `solver` locally) on `bench`, skipping
        `done`; `on_result` is called once per finished task, from any thread; no unit starts
        once `should_stop()` is true; `cache` serves and stores outcomes by key."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class LocalExecutor:
    """Units run in this process's threads: the single-machine default, unchanged."""

    name: str = "local"

    def evaluate(
        self,
        ctx: EvalContext,
        bench: Benchmark,
        solver: Solver,
        agent_dir: Path,
        *,
        stages: Sequence[StageSection],
        workers: int,
        done: Mapping[str, bool],
        on_result: Callable[[TaskResult], None],
        should_stop: Callable[[], bool] | None = None,
        cache: CacheScope | None = None,
    ) -> StagedOutcome:
        return evaluate_benchmark(
            ctx,
            bench,
            solver,
            stages=stages,
            workers=workers,
            done=done,
            on_result=on_result,
            should_stop=should_stop,
            cache=cache,
        )

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class UnitSpec:
    """What a Ray node needs to evaluate units of one node's agent; small by design."""

    agent_tar: bytes
    config: dict[str, Any]
    """Only the `UNIT_SECTIONS` of the run's config (and `LLM_UNIT_SECTIONS` for LLM agents),
    as JSON-able data."""
    labels: dict[str, str]
    llm: bool = False
    """The agent calls models: run it behind a gateway on the worker's node."""
    spent_usd: float = 0.0
    """What the run had spent on models when the unit was sent."""
    attempt_seed: int = 0
    """The seed of this attempt (`EvalContext.attempt_seed`: the config's, plus the attempt)."""
    record: bool = False
    """Record the gateway exchanges (as the daemon's solver would); tapes come back as calls."""


def run_unit(spec: UnitSpec, task_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Evaluate `task_ids` on this machine (the body of a Ray task): the results and the LLM
    call records, as dicts."""
    from godelbox.evaluator.bench_spec import load_benchmark
    from godelbox.evaluator.context import context_from_config
    from godelbox.sandbox.select import backend_for, release

    config = Config.model_validate(spec.config)
    calls: list[dict[str, Any]] = []
    backend = backend_for(config.sandbox)
    try:
        with tempfile.TemporaryDirectory(prefix="godelbox-unit-") as tmp:
            agent_dir = Path(tmp) / "agent"
            unpack_tree(spec.agent_tar, agent_dir)
            ctx = context_from_config(config, backend, labels=spec.labels)
            ctx = replace(ctx, attempt_seed=spec.attempt_seed)
            bench = load_benchmark(config.evaluation.bench, ctx)
            solver: Solver = AgentSolver(agent_dir)
            if spec.llm:
                from godelbox.loop.solvers import GatewayAgentSolver, run_llm_client

                llm = run_llm_client(config, spent_usd=spec.spent_usd)
                solver = GatewayAgentSolver(
                    agent_dir, llm, lambda r: calls.append(_call_row(r)), record=spec.record
                )
            results = evaluate_tasks(ctx, bench, select_tasks(bench, task_ids), solver)
    finally:
        release(backend)  # a Ray worker outlives its units: no warm sandboxes left behind
    return {"results": [result.to_dict() for result in results], "llm_calls": calls}


def _call_row(record: Any) -> dict[str, Any]:
    """A call record or a recorded tape (sandbox/recording.py), as a dict for the unit's result."""
    return record.to_dict() if isinstance(record, Tape) else asdict(record)


class RayExecutor:
    """Units run as Ray tasks on nodes with a `docker` resource (see the module docstring)."""

    name = "ray"

    def __init__(self, config: Config, address: str, max_retries: int = 3) -> None:
        try:
            import ray
        except ImportError:
            raise ClusterError(
                "loop.executor = 'ray' needs Ray: pip install 'godelbox[ray]'"
            ) from None
        self._ray = ray
        self._config = config
        self._started_here = not ray.is_initialized()
        if self._started_here:
            connect_ray(address)
        slots = ray.cluster_resources().get(DOCKER_RESOURCE, 0)
        if slots < 1:
            self.close()
            raise ClusterError(
                f"the Ray cluster at {address} has no node with the '{DOCKER_RESOURCE}' "
                "resource; start workers with: ray start --address HEAD:6379 "
                f"--resources '{{\"{DOCKER_RESOURCE}\": 1}}'"
            )
        self._remote = ray.remote(run_unit).options(
            num_cpus=0, resources={DOCKER_RESOURCE: 1}, max_retries=max_retries
        )

    def evaluate(
        self,
        ctx: EvalContext,
        bench: Benchmark,
        solver: Solver,
        agent_dir: Path,
        *,
        stages: Sequence[StageSection],
        workers: int,
        done: Mapping[str, bool],
        on_result: Callable[[TaskResult], None],
        should_stop: Callable[[], bool] | None = None,
        cache: CacheScope | None = None,
    ) -> StagedOutcome:
        """The node runs the agent with its own sandbox backend, as `solver` would: directly,
        or (a `GatewayAgentSolver`) behind a gateway of its own whose calls come back here.
        `cache` is not used (`cache_for` gives none with this executor): a key names the image
        the daemon's engine runs, and the cluster's nodes run their own."""
        from godelbox.loop.solvers import GatewayAgentSolver
        from godelbox.proposer.llm import LLMCallRecord

        ray = self._ray
        metered = solver if isinstance(solver, GatewayAgentSolver) else None
        wanted = UNIT_SECTIONS | (LLM_UNIT_SECTIONS if metered else frozenset())
        sections = self._config.model_dump(mode="json", include=set(wanted))
        spent = metered.llm.run_budget.spent_usd if metered else 0.0
        spec = ray.put(
            UnitSpec(
                pack_tree(agent_dir),
                sections,
                dict(ctx.labels),
                metered is not None,
                spent,
                ctx.attempt_seed,
                record=bool(metered and metered.record),
            )
        )

        # Tasks of units the cluster failed to run even after retries: not the agent's result,
        # so they are not reported (resume runs them again) and the evaluation ends in error.
        lost: dict[str, str] = {}

        def evaluate_unit(ids: list[str]) -> list[TaskResult]:
            try:
                done = ray.get(self._remote.remote(spec, ids))
            except ray.exceptions.RayError as err:
                lost.update(dict.fromkeys(ids, type(err).__name__))
                raise
            if metered is not None:
                for row in done["llm_calls"]:
                    if row.get("kind") == "tape":
                        metered.on_call(Tape.from_dict(row))
                        continue
                    record = LLMCallRecord(**row)
                    metered.llm.run_budget.add(record.cost_usd)
                    metered.on_call(record)
            return [TaskResult.from_dict(row) for row in done["results"]]

        def report(result: TaskResult) -> None:
            if result.task_id not in lost:
                on_result(result)

        outcome = run_staged(
            [task.task_id for task in bench.tasks()],
            evaluate_unit,
            stages=stages,
            workers=workers,
            unit_size=bench.batch_size,
            done=done,
            on_result=report,
            should_stop=should_stop,
        )
        if lost:
            raise ClusterError(
                f"Ray could not evaluate {', '.join(sorted(lost))} "
                f"({', '.join(sorted(set(lost.values())))}) even after retries; the finished "
                "tasks are archived: resume with `godelbox run RUN_DIR`"
            )
        return outcome

    def close(self) -> None:
        if self._started_here and self._ray.is_initialized():
            self._ray.shutdown()


RAY_OBJECT_STORE_BYTES = 200 * 1024 * 1024
"""Object store of a private `local` cluster: units move kilobytes, not gigabytes."""


def connect_ray(address: str) -> None:
    """Join the cluster at `address` ("auto", "HOST:PORT", "ray://HOST:PORT"), quietly; "local"
    starts a private one-node cluster in this process (one sandbox slot, no dashboard)."""
    import ray

    private: dict[str, Any] = {}
    if address == "local":
        private = {
            "num_cpus": 1,
            "resources": {DOCKER_RESOURCE: 1},
            "object_store_memory": RAY_OBJECT_STORE_BYTES,
            "include_dashboard": False,
        }
    _check_reachable(address)
    try:
        ray.init(address=address, log_to_driver=False, logging_level="warning", **private)
    except (ConnectionError, RuntimeError, ValueError) as err:
        raise ClusterError(
            f"cannot reach the Ray cluster at {address!r} ({err}); start it with "
            "`ray start --head`, or set loop.executor = 'local'"
        ) from None


def _check_reachable(address: str) -> None:
    """Fail in seconds, not after Ray's minute of retries, when HOST:PORT does not answer."""
    if address in ("auto", "local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not port.isdigit():
        raise ClusterError(f"loop.ray_address {address!r} is not auto, local, HOST:PORT or ray://")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as err:
        raise ClusterError(
            f"nothing answers at Ray address {address!r} ({err}); start the head with "
            "`ray start --head`, or set loop.executor = 'local'"
        ) from None


def executor_for(config: Config) -> Executor:
    """The executor the config names (offline and LLM agents alike)."""
    if config.loop.executor == "local":
        return LocalExecutor()
    if is_web(config.evaluation.bench):
        raise ClusterError(
            "loop.executor = 'ray' does not play web benchmarks yet (their episodes run in "
            "sessions that live in the daemon); use loop.executor = 'local'"
        )
    return RayExecutor(config, config.loop.ray_address, config.loop.ray_max_retries)


def pack_tree(root: Path) -> bytes:
    """`root` as a gzip tar, entries sorted and ownership dropped (same tree, same bytes)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:
        for path in sorted(root.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=str(path.relative_to(root)))
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0
            if info.isreg():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    return buffer.getvalue()


def unpack_tree(data: bytes, dest: Path) -> None:
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")
