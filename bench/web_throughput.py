"""MiniWoB++ episodes per minute in the web sandbox, and its overhead per episode vs the host.

Every configuration plays the SAME episodes (click-button, click-test, enter-text, seeds 0..)
with the scripted test policy (tests/web/scripted_agent: the harness's cost, not a model's) and
the SAME driver (evaluator/web/driver), measured in this process:

  host         the driver run directly on the host (Debian chromium, no container): baseline
  sandbox x1   one web sandbox plays all episodes (one browser start per task)
  sandbox x2   two sandboxes in parallel, half the episodes each
  fresh x1     a fresh sandbox per episode (the worst case: container + browser start each)

Prints episodes/minute, seconds per episode, the ratio to the host, the overhead per episode,
and how many episodes were rewarded (all must be). Run: .venv/bin/python
bench/web_throughput.py [-n 12]. Needs the engine, the web image (`godelbox sandbox build
--web`) and, for the baseline, `apt-get install chromium chromium-driver` on the host.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.web.miniwob import (
    DRIVER_SRC,
    Episode,
    EpisodeResult,
    MiniWoBBenchmark,
    WebSettings,
    by_task,
    collect,
    driver_config,
    run_episodes,
)
from godelbox.sandbox.base import ExecResult, Limits
from godelbox.sandbox.docker import DockerBackend
from godelbox.sandbox.image import WEB_RECIPE, ensure_image

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "tests" / "web" / "scripted_agent"
TASKS = ("click-button", "click-test", "enter-text")
SETTINGS = WebSettings(step_limit=5, episode_timeout_s=30, startup_s=60)


def episodes(n: int) -> list[Episode]:
    return [Episode(TASKS[i % len(TASKS)], i // len(TASKS)) for i in range(n)]


def on_host(agent: Path, todo: list[Episode], ctx: EvalContext) -> list[EpisodeResult]:
    """The same driver and policy as a plain host process: no container, same browser."""
    for tool in ("chromium", "chromedriver"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not on the host: apt-get install chromium chromium-driver")
    with tempfile.TemporaryDirectory(prefix="godelbox-webbench-") as tmp:
        nonce = secrets.token_hex(16)
        config = driver_config(nonce, by_task(todo), SETTINGS, ctx)
        config |= {
            "agent_argv": [sys.executable, str(agent / "run.py"), "--web"],
            "agent_dir": str(agent),
            "log_dir": f"{tmp}/logs",
            "episodes_dir": f"{tmp}/episodes",
        }
        env = {
            **os.environ,
            "MINIWOB_CHROME_BINARY": shutil.which("chromium") or "",
            "MINIWOB_CHROMEDRIVER": shutil.which("chromedriver") or "",
            "TMPDIR": tmp,
        }
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, str(DRIVER_SRC / "miniwob_driver.py")],
            input=json.dumps(config),
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        took = time.monotonic() - started
    result = ExecResult(proc.returncode, proc.stdout, proc.stderr, took, "exit")
    return collect(nonce, todo, result, 10_000)


def timed(fn: Callable[[], list[EpisodeResult]]) -> tuple[float, list[EpisodeResult]]:
    started = time.perf_counter()
    results = fn()
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=12, help="episodes per configuration")
    parser.add_argument("--fresh", type=int, default=4, help="episodes for the fresh mode")
    args = parser.parse_args()
    image = ensure_image(WEB_RECIPE).tag
    ctx = EvalContext(backend=DockerBackend(sweep=False), image=image, limits=Limits(cpus=1.0))
    todo = episodes(args.n)
    bench = MiniWoBBenchmark(TASKS, settings=SETTINGS)
    with tempfile.TemporaryDirectory() as tmp:
        agent = Path(tmp) / "agent"
        shutil.copytree(POLICY, agent, ignore=shutil.ignore_patterns("__pycache__"))
        on_host(agent, todo[:3], ctx)  # warm the page cache for both sides
        run_episodes(ctx, agent, todo[:3], SETTINGS)
        rows = [
            ("host", len(todo), timed(lambda: on_host(agent, todo, ctx))),
            ("sandbox x1", len(todo), timed(lambda: bench.run(ctx, agent, todo, workers=1))),
            ("sandbox x2", len(todo), timed(lambda: bench.run(ctx, agent, todo, workers=2))),
        ]
        fresh = todo[: args.fresh]
        rows.append(
            (
                "fresh x1",
                len(fresh),
                timed(lambda: [run_episodes(ctx, agent, [e], SETTINGS)[0] for e in fresh]),
            )
        )
    base = rows[0][2][0] / rows[0][1]
    print(f"{'mode':<12} {'episodes':>8} {'ep/min':>8} {'s/ep':>7} {'x host':>7} "
          f"{'+s/ep':>7} {'rewarded':>9}")  # fmt: skip
    for name, n, (took, results) in rows:
        per = took / n
        ok = sum(r.success for r in results)
        print(
            f"{name:<12} {n:>8} {60 / per:>8.1f} {per:>7.2f} {per / base:>7.2f} "
            f"{per - base:>7.2f} {ok:>5}/{n:<3}"
        )
        bad = [r for r in results if not r.success]
        for r in bad[:3]:
            print(f"  not rewarded: {r.task_id} ended={r.ended} {r.reason[:120]}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cpus")


if __name__ == "__main__":
    main()
