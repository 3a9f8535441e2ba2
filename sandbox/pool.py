"""A warm pool: sandboxes started ahead of time, each handed out exactly once.

It hides the start cost (create + start of a container) behind the previous evaluation without
giving up anything of "one fresh sandbox per evaluation": a pooled sandbox has never run a
command when it is handed out, and it is destroyed by its user like any other. We deliberately
do NOT reuse sandboxes across evaluations with the work dir wiped: code of the previous
evaluation runs as the same uid as the keeper process (it could ptrace it or leave state in
/tmp, /dev/shm or the kernel keyring), so a wiped sandbox is weaker than a fresh one.

Off by default (`sandbox.warm_pool = 0`): on a 2-core machine the background starts compete
with the evaluation itself; bench/sandbox_overhead.py measures whether it pays.
"""

from __future__ import annotations

import atexit
import contextlib
import queue
import threading
from collections.abc import Callable

from godelbox.sandbox.base import Backend, Sandbox, SandboxSpec


class PooledBackend:
    """Wraps a backend; `start(spec)` takes a pre-started sandbox when one for `spec` is ready."""

    def __init__(self, make_backend: Callable[[], Backend], size: int = 1) -> None:
        self._direct = make_backend()
        self._filler = make_backend()  # its own engine connection, used only by the thread
        self.name = f"{self._direct.name}+pool"
        self._size = size
        self._pools: dict[str, queue.Queue[Sandbox]] = {}
        self._specs: dict[str, SandboxSpec] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._fill, name="godelbox-warm-pool", daemon=True)
        self._thread.start()
        # Pre-started sandboxes must not outlive the process (the sweep would get them only
        # at the next start).
        atexit.register(self.close)

    def start(self, spec: SandboxSpec) -> Sandbox:
        key = repr(spec)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                self._pools[key] = pool = queue.Queue()
                self._specs[key] = spec
        self._wake.set()
        try:
            return pool.get_nowait()
        except queue.Empty:
            return self._direct.start(spec)

    def image_identity(self, image: str) -> str | None:
        return self._direct.image_identity(image)

    def ready(self, spec: SandboxSpec) -> int:
        """How many pre-started sandboxes for `spec` are waiting."""
        pool = self._pools.get(repr(spec))
        return 0 if pool is None else pool.qsize()

    def close(self) -> None:
        """Stop filling and destroy every sandbox not handed out. Idempotent."""
        atexit.unregister(self.close)
        self._stop.set()
        self._wake.set()
        self._thread.join()
        for pool in self._pools.values():
            while True:
                try:
                    pool.get_nowait().close()
                except queue.Empty:
                    break

    def __enter__(self) -> PooledBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _fill(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                wanted = [(k, self._specs[k], p) for k, p in self._pools.items()]
            for _key, spec, pool in wanted:
                while pool.qsize() < self._size and not self._stop.is_set():
                    # A failed start is the direct path's problem to report, not ours.
                    with contextlib.suppress(Exception):
                        pool.put(self._filler.start(spec))
                        continue
                    break
