"""Trees stay while leased and while among the most recent idle ones; older ones are deleted."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from godelbox.trash import Trash
from godelbox.treecache import TreeCache


class Builder:
    def __init__(self) -> None:
        self.built: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, name: str):
        def build(dest: Path) -> None:
            with self._lock:
                self.built.append(name)
            dest.mkdir()
            (dest / "name.txt").write_text(name)

        return build


def test_held_trees_survive_eviction_and_old_idle_ones_go(tmp_path: Path) -> None:
    trash, build = Trash(), Builder()
    cache = TreeCache(tmp_path / "trees", trash, keep=2)
    with cache.lease("held", build("held")) as held:
        for name in ("a", "b", "c", "d"):
            with cache.lease(name, build(name)):
                pass
        trash.close()
        assert (held / "name.txt").read_text() == "held"
        assert sorted(p.name for p in (tmp_path / "trees").iterdir()) == ["c", "d", "held"]
    # Releasing "held" made three idle trees: the oldest, "c", went.
    with cache.lease("d", build("d")) as again:  # idle and recent: reused, not rebuilt
        assert (again / "name.txt").read_text() == "d"
    with cache.lease("a", build("a")):  # evicted: built again
        pass
    assert build.built == ["held", "a", "b", "c", "d", "a"]
    trash.close()
    assert sorted(p.name for p in (tmp_path / "trees").iterdir()) == ["a", "d"]


def test_one_build_for_many_concurrent_leases_and_a_failed_build_leaves_nothing(
    tmp_path: Path,
) -> None:
    trash, build = Trash(), Builder()
    cache = TreeCache(tmp_path / "trees", trash, keep=4)
    seen: list[str] = []

    def use() -> None:
        with cache.lease("x", build("x")) as path:
            seen.append((path / "name.txt").read_text())

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert build.built == ["x"] and seen == ["x"] * 8

    def broken(dest: Path) -> None:
        dest.mkdir()
        raise RuntimeError("cannot build")

    with pytest.raises(RuntimeError, match="cannot build"), cache.lease("y", broken):
        pass
    assert sorted(p.name for p in (tmp_path / "trees").iterdir()) == ["x"]
    with cache.lease("y", build("y")) as path:
        assert (path / "name.txt").read_text() == "y"
