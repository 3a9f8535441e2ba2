"""The evolution loop's own overhead: wall time outside LLM waits and sandbox work, and RSS growth.

A real `Evolution` (the daemon's loop, built in this process from `LoopParts` like
`godelbox.loop.setup.build_parts` does) runs in LLM mode against the fake OpenAI server on
loopback, one child per generation, evaluated on one task of builtin:dev. Every reply is
scripted so the work per iteration is constant and trivial:

  diagnose (host)          -> a fixed Diagnosis;
  implement (coder agent)  -> `editor create bench_marker.py` with a fresh value, then `submit`;
  evaluated agent          -> `submit` at once.

What is timed, as intervals on one monotonic clock:
  sandbox  every start/copy_in/run/copy_out/close of every sandbox (a timing proxy around the
           real backend);
  llm      every LLM call the loop's client makes: the host-side diagnosis, and the calls agents
           make through the gateway (those happen *during* a sandbox `run`).
The union of both is "accounted"; wall time minus that union is the loop's own overhead
(archive writes, git, checkouts, diffs, selection, Python). Overlaps are counted once, so an
agent's gateway call inside a sandbox run is not counted twice.

Iterations = generations (`budget.iterations`). RSS is this process's VmRSS at each checkpoint
(the loop runs in this process, as it does in `godelbox run`).

    .venv/bin/python bench/loop_overhead.py --backend docker --iterations 100
    .venv/bin/python bench/loop_overhead.py --backend local --iterations 1000

`--backend local` is the explicit UNSAFE backend (sandbox.backend = none with
sandbox.unsafe_no_sandbox = true): agent code runs on this host unisolated. It is acceptable here
only because the one agent run is the repository's own coder agent driven by this file's
scripted replies; it makes 1,000 iterations affordable. Needs the agent image
(`godelbox doctor --fix`) for docker and bubblewrap.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

REPO_ROOT = Path(__file__).resolve().parents[1]

from godelbox.archive import events  # noqa: E402
from godelbox.archive.store import Archive  # noqa: E402
from godelbox.config import Config, dump_toml  # noqa: E402
from godelbox.evaluator import contract  # noqa: E402
from godelbox.evaluator.bench_spec import load_benchmark  # noqa: E402
from godelbox.llm.client import LLMClient, Message, OnCall, Reply, RunBudget  # noqa: E402
from godelbox.llm.fake_server import FAKE_API_KEY, FakeLLM, ScriptedReply  # noqa: E402
from godelbox.loop.display import Snapshot  # noqa: E402
from godelbox.loop.evolution import Evolution, LoopParts  # noqa: E402
from godelbox.loop.executors import LocalExecutor  # noqa: E402
from godelbox.loop.setup import loop_context, validator  # noqa: E402
from godelbox.loop.solvers import GatewayAgentSolver  # noqa: E402
from godelbox.loop.stopping import StopRequest  # noqa: E402
from godelbox.paths import seed_agent_dir  # noqa: E402
from godelbox.proposer.dgm import DGMProposer  # noqa: E402
from godelbox.sandbox.base import (  # noqa: E402
    GATEWAY_SOCKET,
    Backend,
    CopyReport,
    ExecResult,
    Sandbox,
    SandboxSpec,
)
from godelbox.sandbox.image import CLIENT_DIR  # noqa: E402
from godelbox.sandbox.select import backend_for  # noqa: E402

BACKENDS = {"docker": "docker", "bubblewrap": "bubblewrap", "local": "none"}
"""--backend value -> sandbox.backend."""

DIAGNOSIS = {
    "log_summarization": "The agent submitted without looking at the repository.",
    "potential_improvements": ["Read the code before submitting"],
    "improvement_proposal": "Keep a marker module.",
    "implementation_suggestion": "Create bench_marker.py holding one constant.",
    "problem_description": "Create bench_marker.py with a MARK constant, then submit.",
}
MARKER_FILE = "bench_marker.py"
QUICK_SELF_TEST = "def test_marker_imports() -> None:\n    import bench_marker  # noqa: F401\n"
"""The seed's whole own test suite by default: validation still runs pytest on every child, but
the coder agent's real suite (seconds per child) would dominate the iteration (--full-self-tests
keeps it)."""


# -- timing ------------------------------------------------------------------------------------


class Intervals:
    """Closed [start, end] intervals on time.monotonic, appended from any thread."""

    def __init__(self) -> None:
        self._spans: list[tuple[float, float]] = []
        self.by_op: dict[str, list[float]] = {}
        """operation -> [count, seconds], to see where sandbox time goes."""
        self._lock = threading.Lock()

    def add(self, start: float, end: float, op: str = "") -> None:
        with self._lock:
            self._spans.append((start, end))
            totals = self.by_op.setdefault(op, [0, 0.0])
            totals[0] += 1
            totals[1] += end - start

    def spans(self) -> list[tuple[float, float]]:
        with self._lock:
            return list(self._spans)

    def __len__(self) -> int:
        with self._lock:
            return len(self._spans)


def covered_s(spans: Sequence[tuple[float, float]], lo: float, hi: float) -> float:
    """Length of the union of `spans` clipped to [lo, hi]: overlaps are counted once."""
    total, reach = 0.0, lo
    for start, end in sorted(spans):
        start, end = max(start, reach), min(end, hi)
        if end > start:
            total += end - start
            reach = end
    return total


class _Timed:
    def __init__(self, intervals: Intervals) -> None:
        self._intervals = intervals

    def _timed(self, op: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.monotonic()
        try:
            return fn(*args, **kwargs)
        finally:
            self._intervals.add(start, time.monotonic(), op)


class TimedSandbox(_Timed):
    """The real sandbox, with every operation's interval recorded."""

    def __init__(self, inner: Sandbox, intervals: Intervals) -> None:
        super().__init__(intervals)
        self._inner = inner

    def copy_in(self, src: Path, dest: str) -> None:
        self._timed("copy_in", self._inner.copy_in, src, dest)

    def run(
        self,
        cmd: Sequence[str],
        timeout_s: float,
        *,
        workdir: str | None = None,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> ExecResult:
        extra: dict[str, Any] = {"env": env, "stdin": stdin}
        if workdir is not None:
            extra["workdir"] = workdir
        return self._timed(_run_label(cmd), self._inner.run, cmd, timeout_s, **extra)

    def copy_out(self, src: str, dest: Path, *, skip: Collection[str] = ()) -> CopyReport:
        return self._timed("copy_out", self._inner.copy_out, src, dest, skip=skip)

    def close(self) -> None:
        self._timed("close", self._inner.close)

    def __enter__(self) -> TimedSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # anything beyond the protocol, untimed


def _run_label(cmd: Sequence[str]) -> str:
    """A short name for a command: the agent, its self test, compile/import checks, grading."""
    text = " ".join(cmd)
    for needle, label in (
        ("run.py", "run agent"),
        ("pytest", "run pytest"),
        ("compileall", "run compileall"),
        ("import", "run import"),
    ):
        if needle in text:
            return label
    return f"run {PurePosixPath(cmd[0]).name}" if cmd else "run"


class LocalGateway:
    """What the unsafe local backend leaves out for LLM agents, added for this bench only: the
    gateway client on PYTHONPATH and the socket's host path in GODELBOX_LLM_SOCKET (a real
    sandbox mounts both at fixed places). Everything else is the local sandbox unchanged."""

    def __init__(self, inner: Sandbox, socket: Path | None, client_dir: Path) -> None:
        self._inner = inner
        self._socket = socket
        self._client_dir = client_dir

    def run(self, cmd: Sequence[str], timeout_s: float, **kwargs: Any) -> ExecResult:
        env = dict(kwargs.pop("env", None) or {})
        if self._socket is not None and env.get(contract.ENV_LLM_SOCKET) == GATEWAY_SOCKET:
            env[contract.ENV_LLM_SOCKET] = str(self._socket)
            env["PYTHONPATH"] = str(self._client_dir)
        return self._inner.run(cmd, timeout_s, env=env, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class TimedBackend(_Timed):
    def __init__(self, inner: Backend, intervals: Intervals, scratch: Path) -> None:
        super().__init__(intervals)
        self._inner = inner
        # The local sandbox rewrites every path under /work in env values (the sandbox's
        # WORK_DIR), which a checkout under /work would hit: give it a copy elsewhere.
        self._client_dir = Path(shutil.copytree(CLIENT_DIR, scratch / "agent_client"))
        self.name = inner.name
        self.started = 0

    def start(self, spec: SandboxSpec) -> TimedSandbox:
        self.started += 1
        box = self._timed("start", self._inner.start, spec)
        if self.name == "none":
            box = LocalGateway(box, spec.gateway_socket, self._client_dir)
        return TimedSandbox(box, self._intervals)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class TimedLLMClient(LLMClient):
    """The real client (litellm over HTTP to the fake server); every completion is timed,
    retries and litellm's own work included: that is what the loop waits for."""

    def __init__(self, *args: Any, intervals: Intervals, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.intervals = intervals

    def with_on_call(self, on_call: OnCall) -> TimedLLMClient:
        return TimedLLMClient(
            self.models,
            self.llm,
            on_call,
            run_budget=self.run_budget,
            sleep=self._sleep,
            intervals=self.intervals,
        )

    def complete(
        self,
        role: str,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        *,
        options: Mapping[str, Any] | None = None,
    ) -> Reply:
        start = time.monotonic()
        try:
            return super().complete(role, messages, tools, options=options)
        finally:
            self.intervals.add(start, time.monotonic(), role)


# -- the scripted model --------------------------------------------------------------------------


class ScriptedModel:
    """Answers by the requested model, so the replies fit whichever caller asks."""

    def __init__(self) -> None:
        self._marks = itertools.count(1)
        self._lock = threading.Lock()

    def __call__(self, body: Any) -> ScriptedReply:
        model = body.get("model", "")
        if model == "fake-diagnose":
            return FakeLLM.text(json.dumps(DIAGNOSIS), tokens=(900, 120))
        if model == "fake-implement" and not any(
            m.get("role") == "tool" for m in body.get("messages", [])
        ):
            with self._lock:
                mark = next(self._marks)  # a new value every child: its diff is never empty
            create = {"command": "create", "path": MARKER_FILE, "file_text": f"MARK = {mark}\n"}
            return FakeLLM.tool_call("editor", create, call_id="create")
        return FakeLLM.tool_call("submit", {"summary": "done"}, call_id="submit")


class RequestLog:
    """The fake server keeps every request it gets (for tests to assert on): prompts that pile
    up in this process and would pass for the loop's own RSS growth. They are counted and
    dropped after every generation."""

    def __init__(self, fake: FakeLLM) -> None:
        self._fake = fake
        self.count = 0

    def forget(self) -> int:
        self.count += len(self._fake.requests)
        self._fake.requests.clear()  # no request is in flight between generations
        return self.count


# -- the run -------------------------------------------------------------------------------------


@dataclass
class Checkpoint:
    iteration: int
    at: float
    rss_kib: int


@dataclass
class ProgressReporter:
    """The loop's Reporter: a progress bar, counts, and a checkpoint at chosen generations."""

    progress: Progress
    bar: Any
    checkpoints: set[int]
    taken: list[Checkpoint] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    finished: int = 0
    started: float = field(default_factory=time.monotonic)
    after_generation: Callable[[], None] = lambda: None

    def event(self, kind: str, message: str, **fields: Any) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if kind == "child.failed":
            self.progress.console.print(f"[yellow]{message}[/]", highlight=False)
        if kind != events.GENERATION_FINISHED:
            return
        generation = int(message.split(":", 1)[0].split()[-1])
        self.finished = generation
        self.after_generation()
        self.progress.update(self.bar, completed=generation)
        if generation in self.checkpoints:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Take one at the last finished generation (again at the end of a stopped run)."""
        if self.taken and self.taken[-1].iteration == self.finished:
            return
        mark = Checkpoint(self.finished, time.monotonic(), rss_kib())
        self.taken.append(mark)
        self.progress.console.print(
            f"iteration {mark.iteration}: {mark.at - self.started:.0f} s, "
            f"RSS {mark.rss_kib / 1024:.1f} MiB"
        )

    def status(self, snapshot: Snapshot) -> None:
        self.progress.update(self.bar, description=f"{snapshot.phase:<10}")

    def close(self) -> None:
        return None


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def bench_config(backend: str, fake: FakeLLM, iterations: int, seed: int) -> Config:
    section = BACKENDS[backend]
    return Config.model_validate(
        {
            "run": {"seed": seed},
            "models": fake.models().model_dump(),
            # Loopback answers in milliseconds; a generous timeout keeps a loaded host honest.
            "llm": fake.llm_section(timeout_s=60.0).model_dump(),
            "sandbox": {"backend": section, "unsafe_no_sandbox": section == "none"},
            "evaluation": {
                "bench": "builtin:dev",
                "workers": 1,
                "task_timeout_s": 120.0,
                "stages": [{"tasks": 1, "min_score_to_continue": 0.0}],
            },
            "loop": {"children_per_generation": 1, "proposal_workers": 1, "eval_workers": 1},
            "proposer": {"mode": "llm", "implement_timeout_s": 120.0, "self_test_timeout_s": 120},
            "budget": {"iterations": iterations},
        }
    )


def build_parts(
    archive: Archive,
    config: Config,
    reporter: ProgressReporter,
    sandbox_spans: Intervals,
    llm_spans: Intervals,
    full_self_tests: bool,
) -> tuple[LoopParts, TimedBackend]:
    """`godelbox.loop.setup.build_parts` for LLM mode, with the timing proxies put in."""
    archive.config = config
    scratch = archive.run_dir.parent
    backend = TimedBackend(backend_for(config.sandbox), sandbox_spans, scratch)
    ctx = loop_context(archive, config, backend)
    llm = TimedLLMClient(
        config.models,
        config.llm,
        lambda _record: None,
        run_budget=RunBudget(config.llm.run_budget_usd),
        intervals=llm_spans,
    )
    llm.warm_up()  # litellm's import is start-up cost, not a per-iteration one
    coder = seed_agent_dir("coder")
    seed = coder if full_self_tests else quick_seed(coder, archive.run_dir.parent / "seed")
    proposer = DGMProposer(llm, ctx, config.proposer, config.models, coder)
    parts = LoopParts(
        archive=archive,
        config=config,
        proposer=proposer,
        solver_for=lambda agent_dir, on_call: GatewayAgentSolver(agent_dir, llm, on_call),
        validate=validator(config, ctx),
        bench=load_benchmark(config.evaluation.bench, ctx),
        ctx=ctx,
        seed_dir=seed,
        seed_kind="coder",
        reporter=reporter,
        stop=StopRequest(),
        executor=LocalExecutor(),
    )
    return parts, backend


def quick_seed(coder: Path, dest: Path) -> Path:
    """agents/coder with its test suite replaced by `QUICK_SELF_TEST` and the marker module the
    test imports (every child rewrites it)."""
    shutil.copytree(coder, dest, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    (dest / "tests").mkdir()
    (dest / "tests" / "test_marker.py").write_text(QUICK_SELF_TEST, encoding="utf-8")
    (dest / MARKER_FILE).write_text("MARK = 0\n", encoding="utf-8")
    return dest


@dataclass(frozen=True)
class Segment:
    label: str
    iterations: int
    wall_s: float
    sandbox_s: float
    llm_only_s: float
    rss_kib: int

    @property
    def other_s(self) -> float:
        return max(self.wall_s - self.sandbox_s - self.llm_only_s, 0.0)


def segments(
    started: float,
    checkpoints: list[Checkpoint],
    sandbox: list[tuple[float, float]],
    llm: list[tuple[float, float]],
) -> list[Segment]:
    """One row per span between checkpoints (the seed's evaluation is in the first), and one
    for the whole run."""
    rows = []
    bounds = [(0, started), *((c.iteration, c.at) for c in checkpoints)]
    spans = [(bounds[i], bounds[i + 1], checkpoints[i].rss_kib) for i in range(len(checkpoints))]
    if checkpoints:
        spans.append(((0, started), (checkpoints[-1].iteration, checkpoints[-1].at), -1))
    for (it0, t0), (it1, t1), rss in spans:
        box = covered_s(sandbox, t0, t1)
        both = covered_s(sandbox + llm, t0, t1)
        label = f"{it0 + 1}-{it1}" if rss >= 0 else f"all 1-{it1}"
        rows.append(Segment(label, it1 - it0, t1 - t0, box, both - box, rss))
    return rows


def report(console: Console, rows: list[Segment], checkpoints: list[Checkpoint]) -> None:
    table = Table(title="loop overhead (time outside LLM waits and sandbox operations)")
    for name in ("iters", "wall s", "s/iter", "sandbox", "LLM", "other", "other/it", "RSS MiB"):
        table.add_column(name, justify="right")
    for row in rows:
        wall = max(row.wall_s, 1e-9)
        table.add_row(
            row.label,
            f"{row.wall_s:.1f}",
            f"{row.wall_s / max(row.iterations, 1):.2f}",
            f"{100 * row.sandbox_s / wall:.1f} %",
            f"{100 * row.llm_only_s / wall:.1f} %",
            f"{100 * row.other_s / wall:.2f} %",
            f"{1000 * row.other_s / max(row.iterations, 1):.0f} ms",
            f"{row.rss_kib / 1024:.1f}" if row.rss_kib >= 0 else "",
        )
    console.print(table)
    whole = rows[-1]
    share = whole.other_s / max(whole.wall_s, 1e-9)
    verdict = "met" if share < 0.05 else "NOT met"
    console.print(
        f"outside LLM waits and sandbox operations: {100 * share:.2f} % (goal < 5 %: {verdict})"
    )
    if len(checkpoints) >= 2:
        first, last = checkpoints[0], checkpoints[-1]
        ratio = last.rss_kib / first.rss_kib
        verdict = "met" if abs(ratio - 1) <= 0.10 else "NOT met"
        console.print(
            f"RSS after {last.iteration} / after {first.iteration} iterations: "
            f"{last.rss_kib / 1024:.1f} / {first.rss_kib / 1024:.1f} MiB = {ratio:.3f} "
            f"(goal within 10 %: {verdict})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=1000, help="generations to run")
    parser.add_argument(
        "--checkpoints",
        default="100,1000",
        help="comma-separated iterations at which RSS and time are taken (the last iteration "
        "is always one)",
    )
    parser.add_argument("--backend", choices=sorted(BACKENDS), default="docker")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--full-self-tests",
        action="store_true",
        help="keep the coder agent's real test suite (validation then takes seconds per child)",
    )
    parser.add_argument("--keep", type=Path, help="run dir to keep (default: a temp dir)")
    args = parser.parse_args(argv)
    marks = {int(c) for c in args.checkpoints.split(",") if c.strip()}
    checkpoints = {c for c in marks if 0 < c <= args.iterations} | {args.iterations}

    console = Console()
    if args.backend == "local":
        console.print(
            "[bold white on red] UNSAFE [/] --backend local runs agent code on this host with no "
            "isolation (sandbox.backend = none, unsafe_no_sandbox = true). Acceptable here only "
            "because the one agent is the repo's coder agent driven by this bench's scripted "
            "replies."
        )
    os.environ["OPENAI_API_KEY"] = FAKE_API_KEY  # litellm insists on a key; this one is a dummy
    fake = FakeLLM().start()
    fake.fallback = ScriptedModel()
    log = RequestLog(fake)
    sandbox_spans, llm_spans = Intervals(), Intervals()
    with tempfile.TemporaryDirectory(prefix="godelbox-loop-overhead-") as tmp:
        run_dir = args.keep or Path(tmp) / "run"
        config = bench_config(args.backend, fake, args.iterations, args.seed)
        archive = Archive.create(run_dir, dump_toml(config))
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("iterations"),
            TimeElapsedColumn(),
            console=console,
        )
        reporter = ProgressReporter(
            progress, progress.add_task("starting", total=args.iterations), checkpoints
        )
        try:
            parts, backend = build_parts(
                archive, config, reporter, sandbox_spans, llm_spans, args.full_self_tests
            )
            reporter.after_generation = log.forget
            parts.stop.install()  # Ctrl-C: finish the iteration, then print the table
            with progress:
                started = reporter.started = time.monotonic()
                reason = Evolution(parts).run()
                if reporter.finished:
                    reporter.checkpoint()
        finally:
            archive.close()
            fake.stop()
    console.print(
        f"backend {args.backend}: {reason}; {backend.started} sandboxes, "
        f"{log.forget()} LLM requests; children valid "
        f"{reporter.counts.get('child.valid', 0)}, invalid "
        f"{reporter.counts.get('child.invalid', 0)}, failed "
        f"{reporter.counts.get('child.failed', 0)}"
    )
    ops = ", ".join(
        f"{op} {count}x {seconds:.1f}s"
        for op, (count, seconds) in sorted(
            [*sandbox_spans.by_op.items(), *llm_spans.by_op.items()], key=lambda kv: -kv[1][1]
        )
    )
    console.print(f"time by operation (LLM roles include calls made inside sandboxes): {ops}")
    taken = sorted(reporter.taken, key=lambda c: c.iteration)
    report(console, segments(started, taken, sandbox_spans.spans(), llm_spans.spans()), taken)
    return 0


if __name__ == "__main__":
    sys.exit(main())
