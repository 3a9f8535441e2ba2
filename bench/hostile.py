"""What hostile agents cost the host: peak RSS and scratch-disk high-water of an evaluating
process, with a mix of honest and hostile agents vs honest agents only.

Each run is a child process that evaluates 100 (agent, task) units on `builtin:dev` with 2
workers, the way the daemon does (docker backend, one fresh sandbox per attempt, a pristine
cache and a Trash in its scratch dir, which it deletes at the end). Honest agents apply the
task's reference fix; in the mixed run every other unit is a hostile agent from tests/hostile
(escaping links, the link-ordering trick, a 1,200-level chain, a 1 GB sparse file, 100k files,
FIFOs and device names, unsafe names, a background writer, and, through the loop's per-task
gateway to a local fake model: a connection flood, bad Content-Lengths, roles not given, a 1 MB
tools list). The parent samples the scratch filesystem (a tmpfs of its own when run as root,
so the figure is exact) every 20 ms and reads the child's VmHWM at its end.

Prints both runs, the RSS ratio (goal <= 1.2) and whether scratch is back to its baseline.
Run: .venv/bin/python bench/hostile.py [--units 100] [--workers 2]
Needs the engine and the agent image (`godelbox doctor --fix`); root for the scratch tmpfs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

from godelbox import trees  # noqa: E402
from godelbox.evaluator.bench_spec import load_benchmark  # noqa: E402
from godelbox.evaluator.builtin import load_builtin  # noqa: E402
from godelbox.evaluator.context import EvalContext  # noqa: E402
from godelbox.evaluator.evaluation import AgentSolver, evaluate_tasks  # noqa: E402
from godelbox.evaluator.pristine import PristineCache  # noqa: E402
from godelbox.llm.client import LLMClient  # noqa: E402
from godelbox.loop.solvers import GatewayAgentSolver  # noqa: E402
from godelbox.sandbox.docker import DockerBackend  # noqa: E402
from godelbox.sandbox.image import ensure_image  # noqa: E402
from godelbox.trash import Trash  # noqa: E402

AGENTS = REPO_ROOT / "tests" / "hostile" / "agents"
COPY_ATTACKS = (
    "escaping_links",
    "sorted_links",
    "deep_chain",
    "sparse_file",
    "many_files",
    "special_files",
    "nasty_names",
    "background_writer",
)
GATEWAY_ATTACKS = ("gateway_flood", "gateway_lengths", "wrong_roles", "big_tools")
SCRATCH_MB = 3072


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", choices=("honest", "mixed"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.units, args.workers)
        return
    ensure_image()
    with _scratch() as (scratch, exact):
        baseline = _used(scratch)
        rows = {mix: _measure(mix, args, scratch) for mix in ("honest", "mixed")}
        end = _used(scratch)
    print(f"hostile bench: {args.units} units, {args.workers} workers, builtin:dev, docker")
    if not exact:
        print("  (not root: scratch is a plain directory; its filesystem is shared, so the")
        print("   disk figures include whatever else writes there)")
    for mix, row in rows.items():
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(row["outcomes"].items()))
        print(
            f"  {mix:7s} peak RSS {row['rss_mb']:7.1f} MB | scratch high-water "
            f"{row['scratch_mb']:7.1f} MB | {row['seconds']:6.0f} s | {outcomes}"
        )
    ratio = rows["mixed"]["rss_mb"] / rows["honest"]["rss_mb"]
    print(f"  peak RSS ratio mixed/honest: {ratio:.2f} (goal <= 1.2)")
    back = abs(end - baseline) < 1024 * 1024
    print(f"  scratch at the end: {(end - baseline) / 2**20:+.1f} MB vs before "
          f"({'back to baseline' if back else 'NOT back to baseline'})")  # fmt: skip


def _measure(mix: str, args: argparse.Namespace, scratch: Path) -> dict:
    base = _used(scratch)
    peak = [base]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            peak[0] = max(peak[0], _used(scratch))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    env = {**os.environ, "TMPDIR": str(scratch)}
    argv = [sys.executable, __file__, "--child", mix, "--units", str(args.units),
            "--workers", str(args.workers)]  # fmt: skip
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    stop.set()
    sampler.join()
    if done.returncode != 0:
        raise SystemExit(f"the {mix} run failed:\n{done.stderr[-4000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["scratch_mb"] = (peak[0] - base) / 2**20
    return report


def _child(mix: str, units: int, workers: int) -> None:
    """One evaluating process: `units` attempts on `workers` threads, then its clean-up."""
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="godelbox-bench-run-"))
    trash = Trash()
    ctx = EvalContext(
        backend=DockerBackend(sweep=False),
        image=ensure_image().tag,
        labels={"run": "bench-hostile"},
        task_timeout_s=120.0,
        grade_timeout_s=120.0,
        trash=trash,
        pristine=PristineCache(scratch / "pristine", trash),
    )
    bench = load_benchmark("builtin:dev", ctx)
    tasks = bench.tasks()
    agents = scratch / "agents"
    fixes = {t.instance_id: t.patch for t in load_builtin("dev")}
    fake = _fake_model()
    # Both runs load the model client and make a call (litellm, its HTTP client, a tokenizer),
    # as a daemon with models does: the ratio then shows what the attacks cost, not litellm.
    warm = LLMClient(fake.models(), fake.llm_section(), lambda _: None)
    hello = [{"role": "user", "content": "warm"}]
    warm.count_tokens("agent", hello)
    warm.complete("agent", hello, None, options={"max_tokens": 1})

    def unit(index: int) -> str:
        task = tasks[index % len(tasks)]
        hostile = mix == "mixed" and index % 2 == 1
        attacks = COPY_ATTACKS + GATEWAY_ATTACKS
        name = attacks[(index // 2) % len(attacks)] if hostile else "honest_fix"
        agent = _agent_dir(agents, name, task.task_id, fixes[task.task_id])
        solver = AgentSolver(agent)
        if name in GATEWAY_ATTACKS:
            client = LLMClient(fake.models(), fake.llm_section(), lambda _: None)
            solver = GatewayAgentSolver(agent, client, on_call=lambda _: None)
        [result] = evaluate_tasks(ctx, bench, [task], solver)
        return result.outcome if not hostile else f"hostile {result.outcome}"

    with ThreadPoolExecutor(workers) as pool:
        outcomes = Counter(pool.map(unit, range(units)))
    fake.stop()
    trash.close()
    trees.remove(scratch)  # what the daemon does with its scratch dir when it stops
    print(json.dumps({
        "rss_mb": _status_kb("VmHWM") / 1024,
        "outcomes": dict(outcomes),
        "seconds": time.monotonic() - started,
    }))  # fmt: skip


def _agent_dir(root: Path, name: str, task_id: str, fix: str) -> Path:
    folder = root / (f"{name}-{task_id}" if name == "honest_fix" else name)
    if not folder.exists():
        staging = Path(tempfile.mkdtemp(dir=root.parent))
        shutil.copyfile(AGENTS / f"{name}.py", staging / "run.py")
        if name == "honest_fix":
            (staging / "fix.patch").write_text(fix, encoding="utf-8")
        root.mkdir(exist_ok=True)
        try:
            staging.rename(folder)
        except OSError:  # the other worker made it first
            trees.remove(staging)
    return folder


def _fake_model():
    from godelbox.llm.fake_server import FakeLLM, text

    fake = FakeLLM().start()
    fake.fallback = text("ok")
    os.environ["OPENAI_API_KEY"] = "sk-bench-fake"
    return fake


class _scratch:
    """A tmpfs for the children's temp dirs when root (exact high-water marks), else a plain
    temporary directory."""

    def __enter__(self) -> tuple[Path, bool]:
        self.path = Path(tempfile.mkdtemp(prefix="godelbox-bench-scratch-"))
        self.mounted = os.geteuid() == 0 and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={SCRATCH_MB}m", "tmpfs", str(self.path)],
            check=False,
        ).returncode == 0  # fmt: skip
        return self.path, self.mounted

    def __exit__(self, *exc: object) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], check=False)
        trees.remove(self.path)


def _used(path: Path) -> int:
    st = os.statvfs(path)
    return (st.f_blocks - st.f_bfree) * st.f_frsize


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


if __name__ == "__main__":
    main()
