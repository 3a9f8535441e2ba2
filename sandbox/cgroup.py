"""A memory + pids cgroup for one bubblewrap sandbox, where the host lets us make one.

Handles cgroup v1 (one hierarchy per controller, as on this kind of machine) and v2 (unified).
The group is created under the cgroup this process already lives in, so it nests inside
whatever limits the host applies to us. Everything is best effort: `create` returns None when
the hierarchy is missing or not writable, and the caller falls back to rlimits (and says so).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PREFIX = "godelbox-"


def _own_paths() -> dict[str, str]:
    """controller (or "" for v2) -> this process's cgroup path."""
    out: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            out[name] = path
    return out


@dataclass
class Cgroup:
    dirs: list[Path]
    """One per controller (v1) or one (v2). A pid written to each `cgroup.procs` joins."""
    oom_file: Path
    oom_key: str

    @classmethod
    def create(cls, memory_bytes: int, pids: int, owner: str) -> Cgroup | None:
        """A new group named `godelbox-<owner>-<random>` (the owner token lets a sweep tell
        leftovers of dead processes from live ones)."""
        name = f"{PREFIX}{owner}-{uuid.uuid4().hex[:8]}"
        try:
            if (ROOT / "cgroup.controllers").exists():
                return cls._create_v2(name, memory_bytes, pids)
            return cls._create_v1(name, memory_bytes, pids)
        except (OSError, KeyError):
            return None

    @classmethod
    def _create_v1(cls, name: str, memory_bytes: int, pids: int) -> Cgroup:
        own = _own_paths()
        mem = ROOT / "memory" / own["memory"].lstrip("/") / name
        pid = ROOT / "pids" / own["pids"].lstrip("/") / name
        group = cls([], mem / "memory.oom_control", "oom_kill")
        try:
            mem.mkdir()
            group.dirs.append(mem)
            (mem / "memory.limit_in_bytes").write_text(str(memory_bytes))
            if (mem / "memory.memsw.limit_in_bytes").exists():
                (mem / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
            pid.mkdir()
            group.dirs.append(pid)
            (pid / "pids.max").write_text(str(pids))
        except OSError:
            group.remove()
            raise
        return group

    @classmethod
    def _create_v2(cls, name: str, memory_bytes: int, pids: int) -> Cgroup:
        path = ROOT / _own_paths()[""].lstrip("/") / name
        path.mkdir()
        group = cls([path], path / "memory.events", "oom_kill")
        try:
            (path / "memory.max").write_text(str(memory_bytes))
            with contextlib.suppress(OSError):
                (path / "memory.swap.max").write_text("0")
            (path / "pids.max").write_text(str(pids))
        except OSError:
            group.remove()
            raise
        return group

    def join(self, pid: int) -> None:
        """Move `pid` in (called in the child before exec, so everything it starts is in)."""
        for d in self.dirs:
            (d / "cgroup.procs").write_text(str(pid))

    def oom_kills(self) -> int:
        try:
            for line in self.oom_file.read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == self.oom_key:
                    return int(value)
        except OSError:
            pass
        return 0

    def kill_all(self) -> None:
        for _ in range(50):
            pids = self._pids()
            if not pids:
                return
            for p in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p, signal.SIGKILL)
            time.sleep(0.02)

    def remove(self) -> None:
        self.kill_all()
        for d in self.dirs:
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # busy until the last killed task is reaped
                    time.sleep(0.02)

    def _pids(self) -> set[int]:
        pids: set[int] = set()
        for d in self.dirs:
            with contextlib.suppress(OSError):
                pids.update(int(x) for x in (d / "cgroup.procs").read_text().split())
        return pids


def sweep(owner_alive: Callable[[str], bool]) -> list[str]:
    """Remove our groups (siblings of the ones we would create) whose owner is gone."""
    try:
        own = _own_paths()
    except OSError:
        return []
    if (ROOT / "cgroup.controllers").exists():
        parents = [ROOT / own.get("", "/").lstrip("/")]
    else:
        parents = [ROOT / c / own[c].lstrip("/") for c in ("memory", "pids") if c in own]
    removed: list[str] = []
    for parent in parents:
        for d in parent.glob(f"{PREFIX}*"):
            owner = d.name[len(PREFIX) :].rsplit("-", 1)[0]
            if d.is_dir() and not owner_alive(owner):
                Cgroup([d], d / "memory.events", "oom_kill").remove()
                removed.append(str(d))
    return removed
