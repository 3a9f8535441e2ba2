"""MiniWoB++ episodes per minute in the sandboxes, against the same harness on the host.

Every configuration plays the SAME episodes (click-button, click-test, enter-text, seeds 0..)
with the scripted test policy (tests/web/scripted_agent: the harness's cost, not a model's) and
the SAME code: a web session (evaluator/web/session.py) whose driver keeps one Chromium warm for
the whole batch and whose launcher starts the agent per episode. Measured in this process:

  host         the session on the unsafe local backend: driver, Chromium, launcher and agent
               as plain host processes (Debian chromium, no container): the baseline
  sandbox x1   one browser sandbox + one agent sandbox play the whole batch (one per agent)
  sandbox x2   two such pairs in parallel, half the episodes each
  fresh x1     a new pair of sandboxes per episode (the worst case: two containers and a
               browser start each)

Prints episodes/minute, seconds per episode, the throughput ratio to the host (goal: >= 0.8 for
sandbox x1), the overhead per episode, and how many episodes were rewarded (all must be).

    .venv/bin/python bench/web_throughput.py -n 60

On a busy host with cgroup v1 whose own processes run in the root cgroup, each container weighs
like ONE host process, so the sandboxes are starved against the host baseline; `--cpu-shares
8192` gives them a weight comparable to the processes they run (docs/web.md has numbers).

Needs the engine, the web image (`godelbox sandbox build --web`) and, for the baseline,
`apt-get install chromium chromium-driver` on the host.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.web.episodes import Episode, EpisodeResult, WebSettings
from godelbox.evaluator.web.miniwob import MiniWoBBenchmark, by_task, run_episodes
from godelbox.sandbox.base import Limits, SandboxSpec
from godelbox.sandbox.docker import DockerBackend
from godelbox.sandbox.image import AGENT_RECIPE, WEB_RECIPE, ensure_image
from godelbox.sandbox.local import LocalBackend

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "tests" / "web" / "scripted_agent"
TASKS = ("click-button", "click-test", "enter-text")


def episodes(n: int) -> list[Episode]:
    """`n` episodes over TASKS, a task's episodes next to each other (its page stays loaded)."""
    return by_task([Episode(TASKS[i % len(TASKS)], i // len(TASKS)) for i in range(n)])


class HostBackend(LocalBackend):
    """The local backend with a PATH whose `python3` is this process's (with miniwob). The
    local backend gives commands a minimal environment, never this process's, so the PATH is
    passed in each sandbox's spec; `python3` is a wrapper script because the backend rewrites
    paths under /work in the environment (a checkout under /work would lose its venv)."""

    def __init__(self, bin_dir: Path) -> None:
        super().__init__()
        for tool in ("chromium", "chromedriver"):
            if shutil.which(tool) is None:
                sys.exit(f"{tool} is not on the host: apt-get install chromium chromium-driver")
        bin_dir.mkdir(parents=True, exist_ok=True)
        wrapper = bin_dir / "python3"
        wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
        wrapper.chmod(0o755)
        self._path = f"{bin_dir}:/usr/local/bin:/usr/bin:/bin"

    def start(self, spec: SandboxSpec):
        return super().start(replace(spec, env={**spec.env, "PATH": self._path}))


def timed(fn: Callable[[], list[EpisodeResult]]) -> tuple[float, list[EpisodeResult]]:
    started = time.perf_counter()
    results = fn()
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=24, help="episodes per configuration")
    parser.add_argument("--fresh", type=int, default=4, help="episodes for the fresh mode")
    parser.add_argument(
        "--cpu-shares",
        type=int,
        default=0,
        help="docker CPU weight of the sandboxes (sandbox.cpu_shares; 0 = engine default): on "
        "a busy cgroup-v1 host a container weighs like one host process",
    )
    args = parser.parse_args()
    agent_image = ensure_image(AGENT_RECIPE).tag
    settings = WebSettings(
        step_limit=5, episode_timeout_s=30, startup_s=120, image=ensure_image(WEB_RECIPE).tag
    )
    limits = Limits(cpu_shares=args.cpu_shares)
    docker = EvalContext(backend=DockerBackend(sweep=False), image=agent_image, limits=limits)
    todo = episodes(args.n)
    bench = MiniWoBBenchmark(TASKS, settings=settings)
    with tempfile.TemporaryDirectory() as tmp:
        host = HostBackend(Path(tmp) / "bin")
        local = EvalContext(backend=host, image="host", limits=Limits())
        agent = Path(tmp) / "agent"
        shutil.copytree(POLICY, agent, ignore=shutil.ignore_patterns("__pycache__"))
        run_episodes(local, agent, todo[:3], settings)  # warm the page cache for both sides
        run_episodes(docker, agent, todo[:3], settings)
        rows = [
            ("host", len(todo), timed(lambda: run_episodes(local, agent, todo, settings))),
            ("sandbox x1", len(todo), timed(lambda: run_episodes(docker, agent, todo, settings))),
            ("sandbox x2", len(todo), timed(lambda: bench.run(docker, agent, todo, workers=2))),
        ]
        fresh = todo[: args.fresh]
        rows.append(
            (
                "fresh x1",
                len(fresh),
                timed(lambda: [run_episodes(docker, agent, [e], settings)[0] for e in fresh]),
            )
        )
    base = rows[0][2][0] / rows[0][1]
    print(f"{'mode':<12} {'episodes':>8} {'ep/min':>8} {'s/ep':>7} {'vs host':>8} "
          f"{'+s/ep':>7} {'rewarded':>9}")  # fmt: skip
    for name, n, (took, results) in rows:
        per = took / n
        ok = sum(r.success for r in results)
        print(
            f"{name:<12} {n:>8} {60 / per:>8.1f} {per:>7.2f} {base / per:>8.2f} "
            f"{per - base:>7.2f} {ok:>5}/{n:<3}"
        )
        for r in [r for r in results if not r.success][:3]:
            print(f"  not rewarded: {r.task_id} ended={r.ended} {r.reason[:120]}")
    print("vs host = episodes per minute relative to the host (goal for sandbox x1: >= 0.8)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cpus")


if __name__ == "__main__":
    main()
