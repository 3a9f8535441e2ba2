"""Per-evaluation overhead of godelbox's sandboxes vs the bare minimum, measured in one process.

  docker:     N x (start hardened container + copy a small dir in + run + copy it out + remove)
              vs N x raw `docker run --rm --network none IMAGE CMD` of the same image;
              the same through a warm pool of 1 pre-started (never reused) container.
  bubblewrap: N x (start + copy in + run + copy out + close) vs N x a bare host subprocess.

Prints medians and the ratios (goal for docker: <= 1.3). Run: .venv/bin/python
bench/sandbox_overhead.py [-n 30]. Needs the engine and image (`godelbox doctor --fix`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from godelbox.sandbox.base import SandboxSpec
from godelbox.sandbox.bubblewrap import BubblewrapBackend
from godelbox.sandbox.docker import DockerBackend
from godelbox.sandbox.image import ensure_image
from godelbox.sandbox.pool import PooledBackend

CMD = ["python3", "-c", "print('ok')"]
HOST_PYTHON = "/usr/bin/python3"
"""The bare baseline runs Debian's python3 like the image does (not a pyenv shim)."""


def _median_s(fn: Callable[[], None], n: int) -> float:
    fn()  # warm caches (image layers, page cache) so the first sample is not an outlier
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def _task_dir() -> Path:
    root = Path(tempfile.mkdtemp(prefix="godelbox-bench-"))
    (root / "task").mkdir()
    (root / "task" / "main.py").write_text("print('ok')\n")
    (root / "task" / "data.txt").write_text("x" * 4096)
    return root / "task"


def _evaluation(backend, image: str, task: Path, out_root: Path) -> Callable[[], None]:
    counter = iter(range(10**9))

    def once() -> None:
        with backend.start(SandboxSpec(image)) as box:
            box.copy_in(task, "/work/task")
            res = box.run(["python3", "/work/task/main.py"], timeout_s=30)
            assert res.ok and res.stdout == "ok\n", res
            box.copy_out("/work/task", out_root / str(next(counter)))

    return once


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=30)
    n = parser.parse_args().n
    built = ensure_image()
    task, out_root = _task_dir(), Path(tempfile.mkdtemp(prefix="godelbox-bench-out-"))

    def raw_docker() -> None:
        subprocess.run(["docker", "run", "--rm", "--network", "none", built.tag, *CMD],
                       check=True, capture_output=True)  # fmt: skip

    def bare() -> None:
        subprocess.run([HOST_PYTHON, *CMD[1:]], check=True, capture_output=True)

    rows = []
    docker_s = _median_s(_evaluation(DockerBackend(), built.tag, task, out_root / "d"), n)
    raw_s = _median_s(raw_docker, n)
    rows.append(("docker backend (copy in+run+copy out)", docker_s, "raw docker run --rm", raw_s))
    with PooledBackend(DockerBackend, size=1) as pooled:
        pool_s = _median_s(_evaluation(pooled, built.tag, task, out_root / "p"), n)
    rows.append(("docker backend, warm pool of 1", pool_s, "raw docker run --rm", raw_s))
    bwrap_s = _median_s(_evaluation(BubblewrapBackend(built.rootfs), built.tag, task,
                                    out_root / "b"), n)  # fmt: skip
    bare_s = _median_s(bare, n)
    rows.append(("bubblewrap backend (copy in+run+copy out)", bwrap_s, "bare subprocess", bare_s))
    print(f"sandbox overhead, N={n} each, medians")
    for name, value, base_name, base in rows:
        print(f"  {name:44s} {value * 1000:7.0f} ms | {base_name:22s} {base * 1000:6.0f} ms"
              f" | ratio {value / base:5.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
