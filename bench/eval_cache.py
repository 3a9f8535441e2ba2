"""The evaluation cache on the offline loop: a repeated run against its first, and the hit rate
of one evolution.

Runs `godelbox run` (offline mode: the repair agent and the operator proposer on builtin:dev,
docker) twice with the same seed and configuration into two run dirs, sharing one fresh cache
directory:
  first run   cold cache: its hits are children whose evaluation an earlier node already ran
              (an identical agent tree on the same task), the cache's worth within one evolution;
  second run  warm cache: the same archive again (the run is deterministic), every evaluation a
              hit; what remains is proposing, validating children and the daemon's own work.
Both runs happen in this process's lifetime on the same machine, so the ratio is comparable
under load; absolute times are not. Goal: second / first <= 0.2.

    .venv/bin/python bench/eval_cache.py [--iterations 30] [--seed 0] [--workers 2] [--tasks N]

`--tasks N` evaluates every node on the first N tasks only (one stage), for a short check.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from godelbox.archive.store import Archive
from godelbox.sandbox.image import ensure_image


def run(run_dir: Path, config: Path, cache: Path) -> float:
    """Seconds of one `godelbox run` to its iteration budget."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "godelbox", "run", str(run_dir), "--config", str(config),
         "--log-format", "json", "--set", "cache.enabled=true", "--set", f"cache.dir={cache}"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.monotonic() - started


def counts(run_dir: Path) -> tuple[int, int, int]:
    """(nodes, task results, of which served by the cache)."""
    with Archive.open(run_dir) as archive:
        total, cached = archive.evaluation_counts()
        return len(archive.nodes()), total, cached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="evaluation.workers")
    parser.add_argument("--tasks", type=int, help="One stage of this many tasks (default: all).")
    args = parser.parse_args()
    image = ensure_image().tag
    root = Path(tempfile.mkdtemp(prefix="godelbox-bench-cache-"))
    config = root / "run.toml"
    config.write_text(
        f'[run]\nseed = {args.seed}\n\n[sandbox]\nimage = "{image}"\n\n'
        f"[evaluation]\nworkers = {args.workers}\n\n[budget]\niterations = {args.iterations}\n"
        + (f"\n[[evaluation.stages]]\ntasks = {args.tasks}\n" if args.tasks else "")
    )
    cache = root / "cache"
    first_s = run(root / "first", config, cache)
    nodes, total, hits = counts(root / "first")
    print(f"first run : {first_s:7.1f} s  {nodes} nodes, {total} task results, "
          f"{hits} from the cache ({hits / max(total, 1):.1%} hit rate)", flush=True)  # fmt: skip
    second_s = run(root / "second", config, cache)
    nodes2, total2, hits2 = counts(root / "second")
    print(f"second run: {second_s:7.1f} s  {nodes2} nodes, {total2} task results, "
          f"{hits2} from the cache ({hits2 / max(total2, 1):.1%} hit rate)")  # fmt: skip
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    scope = f"first {args.tasks} tasks" if args.tasks else "default stages"
    print(f"offline builtin:dev ({scope}), {args.iterations} iterations, seed {args.seed}, "
          f"{os.cpu_count()} cpus, load average {load}")  # fmt: skip
    print(f"hit rate of one evolution (cold cache): {hits / max(total, 1):.1%}")
    print(f"repeated run / first run: {second_s / first_s:.2f}  (goal <= 0.2)")


if __name__ == "__main__":
    main()
