"""Directory trees built on demand, kept while in use and for a while after, then deleted.

A daemon runs for days: one checkout per node and one workspace per parent would fill the disk
if every tree were kept for the whole run, and rebuilding a tree for every use costs git
processes. `TreeCache` keeps each tree while anyone holds a lease on it, plus the `keep` most
recently released ones; older idle trees go to the `Trash`.

Trees are built aside and renamed into place, so a half-built tree is never served, and a
build that fails leaves nothing behind (the next lease tries again).
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path

from godelbox.trash import Trash

Build = Callable[[Path], object]
"""Creates the tree at the path it is given (which does not exist yet)."""


class TreeCache:
    def __init__(self, root: Path, trash: Trash, keep: int | None = 32) -> None:
        """`keep`: idle trees kept for reuse (None: all, for a set that cannot grow)."""
        self.root = root
        self._trash = trash
        self._keep = keep
        self._guard = threading.Lock()
        self._building: dict[str, threading.Lock] = {}
        self._leases: dict[str, int] = {}
        self._idle: OrderedDict[str, None] = OrderedDict()
        """Built trees nobody holds, least recently released first."""

    @contextlib.contextmanager
    def lease(self, name: str, build: Build) -> Iterator[Path]:
        """The tree `name` (built with `build` if absent), kept at least until the block ends.
        Never write into it: other leases see the same tree."""
        with self._guard:
            self._leases[name] = self._leases.get(name, 0) + 1
            self._idle.pop(name, None)
            building = self._building.setdefault(name, threading.Lock())
        try:
            with building:
                path = self._built(name, build)
            yield path
        finally:
            self._release(name)

    def _built(self, name: str, build: Build) -> Path:
        dest = self.root / name
        if dest.is_dir():
            return dest
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{name[:40]}-", dir=self.root))
        try:
            build(staging / "tree")
            (staging / "tree").rename(dest)
        finally:
            self._trash.delete(staging)
        return dest

    def _release(self, name: str) -> None:
        with self._guard:
            self._leases[name] -= 1
            if self._leases[name] > 0:
                return
            del self._leases[name]
            self._idle[name] = None
            while self._keep is not None and len(self._idle) > self._keep:
                # Idle means no lease holds or waits for it, so nothing can see it go. Moved
                # aside under the guard: a lease taken right after must not find it half gone.
                old, _ = self._idle.popitem(last=False)
                del self._building[old]
                self._trash.discard(self.root / old)
