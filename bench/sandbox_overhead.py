"""Per-evaluation overhead of godelbox's sandboxes vs the bare minimum, measured in one process.

  docker:       start a hardened container + copy a small dir in + run + copy it out + close,
                against a raw `docker run --rm --network none IMAGE CMD` of the same image;
  docker, pool: the same evaluation taking a sandbox the warm pool started ahead of time. The
                pool refills in the background while an evaluation's agent runs (seconds); here
                each sample waits, untimed, until a sandbox is ready again, and the refill time
                is printed beside it;
  bubblewrap:   start + copy in + run + copy out + close against a bare host subprocess.
Samples of the docker variants are interleaved (raw, direct, pooled) so load drifts hit them
alike, and none is taken while the pool is still refilling.

Goals: docker <= 1.2x raw, docker with the pool <= 0.3x raw. Needs the engine and image
(`godelbox doctor --fix`):

    .venv/bin/python bench/sandbox_overhead.py [-n 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from godelbox.sandbox.base import Backend, SandboxSpec
from godelbox.sandbox.bubblewrap import BubblewrapBackend
from godelbox.sandbox.docker import DockerBackend
from godelbox.sandbox.image import ensure_image
from godelbox.sandbox.pool import PooledBackend

CMD = ["python3", "-c", "print('ok')"]
HOST_PYTHON = "/usr/bin/python3"
"""The bare baseline runs Debian's python3 like the image does (not a pyenv shim)."""


def _timed(fn: Callable[[], None]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _task_dir() -> Path:
    root = Path(tempfile.mkdtemp(prefix="godelbox-bench-"))
    (root / "task").mkdir()
    (root / "task" / "main.py").write_text("print('ok')\n")
    (root / "task" / "data.txt").write_text("x" * 4096)
    return root / "task"


def _evaluation(backend: Backend, spec: SandboxSpec, task: Path, out: Path) -> Callable[[], None]:
    counter = iter(range(10**9))

    def once() -> None:
        with backend.start(spec) as box:
            box.copy_in(task, "/work/task")
            res = box.run(["python3", "/work/task/main.py"], timeout_s=30)
            assert res.ok and res.stdout == "ok\n", res
            box.copy_out("/work/task", out / str(next(counter)))

    return once


def _refilled(pool: PooledBackend, spec: SandboxSpec, size: int) -> float:
    """Wait until the pool is full again; how long that took."""
    started = time.perf_counter()
    while pool.ready(spec) < size:
        time.sleep(0.005)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30)
    n = parser.parse_args().n
    built = ensure_image()
    spec = SandboxSpec(built.tag, labels={"run": f"bench-{os.getpid()}"})
    task, out = _task_dir(), Path(tempfile.mkdtemp(prefix="godelbox-bench-out-"))

    def raw_docker() -> None:
        subprocess.run(["docker", "run", "--rm", "--network", "none", built.tag, *CMD],
                       check=True, capture_output=True)  # fmt: skip

    samples: dict[str, list[float]] = {"raw": [], "direct": [], "pooled": [], "refill": []}
    with PooledBackend(DockerBackend, size=1) as pool:
        direct = _evaluation(DockerBackend(), spec, task, out / "d")
        pooled = _evaluation(pool, spec, task, out / "p")
        pool.prepare(spec)
        variants = (("raw", raw_docker), ("direct", direct), ("pooled", pooled))
        for _name, fn in variants:
            _refilled(pool, spec, 1)
            fn()  # warm caches (image layers, page cache) so the first sample is no outlier
        for _ in range(n):
            for name, fn in variants:
                _refilled(pool, spec, 1)
                samples[name].append(_timed(fn))
            samples["refill"].append(_refilled(pool, spec, 1))
        stats = pool.stats
    bwrap = _evaluation(BubblewrapBackend(built.rootfs), spec, task, out / "b")
    bwrap_s = statistics.median(_timed(bwrap) for _ in range(n))
    bare_s = statistics.median(
        _timed(lambda: subprocess.run([HOST_PYTHON, *CMD[1:]], check=True, capture_output=True))
        for _ in range(n)
    )
    raw, direct_s, pooled_s = (statistics.median(samples[k]) for k in ("raw", "direct", "pooled"))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"sandbox overhead, N={n} each, medians; {os.cpu_count()} cpus, load average {load}")
    rows = [
        ("docker (start+copy in+run+copy out+close)", direct_s, "raw docker run --rm", raw, 1.2),
        ("docker, warm pool (copy in+run+copy out)", pooled_s, "raw docker run --rm", raw, 0.3),
        ("bubblewrap (start+copy in+run+copy out)", bwrap_s, "bare subprocess", bare_s, None),
    ]
    for name, value, base_name, base, goal in rows:
        target = f"  (goal <= {goal})" if goal else ""
        print(f"  {name:44s} {value * 1000:7.0f} ms | {base_name:20s} {base * 1000:6.0f} ms"
              f" | ratio {value / base:5.2f}{target}")  # fmt: skip
    refill = statistics.median(samples["refill"])
    print(f"  pool: {stats.taken} sandboxes taken ready, {stats.direct} started on the "
          f"caller's clock; after a pooled evaluation the next was ready {refill * 1000:.0f} ms "
          "later (median), in the background")  # fmt: skip


if __name__ == "__main__":
    main()
