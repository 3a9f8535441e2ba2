"""A warm pool: sandboxes created and started ahead of time in the background, each handed out
exactly once, so an evaluation pays only for copy-in, its commands and copy-out. Each pooled
sandbox also has its first command's exec started ahead (`DockerSandbox.prime`): the engine's
exec round trip is most of what a short command costs once the start is hidden.

It hides the start cost (create + start of a container) without giving up anything of "one fresh
sandbox per evaluation": a pooled sandbox has never run a command when it is handed out, and it
is destroyed by its user like any other. We deliberately do NOT reuse sandboxes across
evaluations with the work dir wiped: code of the previous evaluation runs as the same uid as the
keeper process (it could ptrace it or leave state in /tmp, /dev/shm or the kernel keyring), so a
wiped sandbox is weaker than a fresh one.

Sandboxes are pooled per *kind*: image, limits and environment. Labels other than the run's are
left out of the kind (a node's evaluation takes a sandbox started before the node existed), so
pooled containers carry the run and owner labels but no node label. A spec with a gateway socket
is never pooled: the socket's directory is bound when the container is created.

Refilling is off the caller's path: `start` takes a ready sandbox (or, when none is ready, starts
one directly, as without a pool) and wakes a filler thread, which tops every kind seen so far
(or announced with `prepare`) back up to `size`. A ready sandbox that died meanwhile is
discarded, not handed out. `close` (also run at exit) destroys what was never handed out; a
killed process leaves them to the owner-label sweep.
"""

from __future__ import annotations

import atexit
import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from godelbox.sandbox.base import SandboxSpec
from godelbox.sandbox.docker import DockerBackend, DockerSandbox

POOLED_LABELS = ("run",)
"""Labels that are part of a sandbox's kind; the others are left off pooled sandboxes."""


@dataclass(frozen=True)
class PoolStats:
    taken: int = 0
    """Starts served by a ready sandbox."""
    direct: int = 0
    """Starts of a poolable kind that found none ready and started one on the caller's clock."""
    discarded: int = 0
    """Ready sandboxes found dead, never handed out."""


def pool_kind(spec: SandboxSpec) -> SandboxSpec | None:
    """The spec pooled sandboxes for `spec` are started with, or None when it cannot be pooled."""
    if spec.gateway_socket is not None:
        return None
    labels = {k: v for k, v in spec.labels.items() if k in POOLED_LABELS}
    return replace(spec, labels=labels)


class PooledBackend:
    """Wraps a backend; `start(spec)` takes a pre-started sandbox when one of its kind is ready."""

    def __init__(self, make_backend: Callable[[], DockerBackend], size: int = 1) -> None:
        # Each sweeps leftovers of dead runs at its first start (whichever starts first).
        self._direct = make_backend()
        self._filler = make_backend()  # its own engine connection, used only by the thread
        self.name = f"{self._direct.name}+pool"
        self._size = size
        self._pools: dict[str, queue.Queue[DockerSandbox]] = {}
        self._kinds: dict[str, SandboxSpec] = {}
        self._stats = PoolStats()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._fill, name="godelbox-warm-pool", daemon=True)
        self._thread.start()
        # Pre-started sandboxes must not outlive the process (the sweep would get them only
        # at the next start).
        atexit.register(self.close)

    @property
    def stats(self) -> PoolStats:
        return self._stats

    def prepare(self, spec: SandboxSpec) -> None:
        """Start keeping sandboxes of `spec`'s kind ready, before the first `start` asks."""
        kind = pool_kind(spec)
        if kind is not None:
            self._pool(kind)
            self._wake.set()

    def start(self, spec: SandboxSpec) -> DockerSandbox:
        kind = pool_kind(spec)
        if kind is None:
            return self._direct.start(spec)
        pool = self._pool(kind)
        self._wake.set()
        while True:
            try:
                box = pool.get_nowait()
            except queue.Empty:
                self._count(direct=1)
                return self._direct.start(kind)
            if box.alive():
                self._count(taken=1)
                return box
            self._count(discarded=1)
            box.close()

    def image_identity(self, image: str) -> str | None:
        return self._direct.image_identity(image)

    def ready(self, spec: SandboxSpec) -> int:
        """How many pre-started sandboxes of `spec`'s kind are waiting."""
        kind = pool_kind(spec)
        pool = None if kind is None else self._pools.get(repr(kind))
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
                    pool.get_nowait().discard()
                except queue.Empty:
                    break

    def __enter__(self) -> PooledBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pool(self, kind: SandboxSpec) -> queue.Queue[DockerSandbox]:
        key = repr(kind)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                self._pools[key] = pool = queue.Queue()
                self._kinds[key] = kind
            return pool

    def _count(self, **more: int) -> None:
        with self._lock:
            self._stats = PoolStats(
                taken=self._stats.taken + more.get("taken", 0),
                direct=self._stats.direct + more.get("direct", 0),
                discarded=self._stats.discarded + more.get("discarded", 0),
            )

    def _fill(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                wanted = [(self._kinds[k], p) for k, p in self._pools.items()]
            for kind, pool in wanted:
                while pool.qsize() < self._size and not self._stop.is_set():
                    # A failed start is the direct path's problem to report, not ours.
                    with contextlib.suppress(Exception):
                        box = self._filler.start(kind)
                        box.prime()
                        pool.put(box)
                        continue
                    break
