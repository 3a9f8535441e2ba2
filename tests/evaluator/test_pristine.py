"""Pristine workspaces are laid out once, shared, and never served stale or half-made."""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from godelbox.evaluator.pristine import PristineCache, tree_digest
from godelbox.evaluator.workspace import commit_snapshot
from godelbox.trash import Trash


@dataclass
class CountingTask:
    """A task whose materialize counts its calls, and can be told to fail."""

    task_id: str
    files: dict[str, str]
    fail: bool = False
    calls: list[int] = field(default_factory=list)
    image: str | None = None

    def problem(self) -> str:
        return "fix it"

    def oracle_patch(self) -> str:
        return ""

    def materialize(self, dest: Path) -> None:
        self.calls.append(1)
        dest.mkdir(parents=True)
        for name, text in self.files.items():
            (dest / name).write_text(text)
        if self.fail:
            raise RuntimeError("snapshot is broken")
        commit_snapshot(dest)


def _head(repo: Path) -> str:
    out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True)
    return out.stdout.strip()


def test_a_task_is_laid_out_once_even_when_asked_from_many_threads(tmp_path: Path) -> None:
    cache = PristineCache(tmp_path / "cache", Trash())
    task = CountingTask("repo/issue-1", {"a.py": "x = 1\n"})
    got: list[Path] = []
    threads = [threading.Thread(target=lambda: got.append(cache.task(task))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(task.calls) == 1 and len(set(got)) == 1
    assert (got[0] / "a.py").read_text() == "x = 1\n" and _head(got[0])


def test_task_ids_that_share_a_file_name_get_their_own_workspaces(tmp_path: Path) -> None:
    cache = PristineCache(tmp_path / "cache", Trash())
    slash = cache.task(CountingTask("a/b", {"f.py": "SLASH = 1\n"}))
    underscore = cache.task(CountingTask("a_b", {"f.py": "UNDERSCORE = 1\n"}))
    assert slash != underscore
    assert (slash / "f.py").read_text() == "SLASH = 1\n"


def test_a_failed_layout_is_not_cached_and_leaves_nothing_behind(tmp_path: Path) -> None:
    cache = PristineCache(tmp_path / "cache", Trash())
    task = CountingTask("t", {"a.py": "x = 1\n"}, fail=True)
    with pytest.raises(RuntimeError, match="broken"):
        cache.task(task)
    assert list((tmp_path / "cache" / "tasks").iterdir()) == []
    task.fail = False
    assert (cache.task(task) / "a.py").exists() and len(task.calls) == 2


def test_tree_snapshots_follow_the_content_not_the_path(tmp_path: Path) -> None:
    cache = PristineCache(tmp_path / "cache", Trash())
    tree = tmp_path / "agent"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "core.py").write_text("A = 1\n")
    (tree / "pkg" / "__pycache__").mkdir()
    (tree / "pkg" / "__pycache__" / "core.cpython-311.pyc").write_bytes(b"\0")

    with cache.snapshot(tree, "parent agent") as first:
        with cache.snapshot(tree, "parent agent") as again:
            assert again == first
        assert not (first / "pkg" / "__pycache__").exists() and _head(first)
        (tree / "pkg" / "__pycache__" / "other.pyc").write_bytes(b"\1")  # junk: same snapshot
        with cache.snapshot(tree, "parent agent") as again:
            assert again == first
        (tree / "pkg" / "core.py").write_text("A = 2\n")
        with cache.snapshot(tree, "parent agent") as second:
            assert second != first and (second / "pkg" / "core.py").read_text() == "A = 2\n"
        assert (first / "pkg" / "core.py").read_text() == "A = 1\n"


def test_digest_sees_modes_links_and_moves(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    (tree / "d").mkdir(parents=True)
    (tree / "d" / "run.sh").write_text("echo hi\n")
    (tree / "target.txt").write_text("t\n")
    seen = {tree_digest(tree)}
    (tree / "d" / "run.sh").chmod(0o755)
    seen.add(tree_digest(tree))
    (tree / "link").symlink_to("target.txt")
    seen.add(tree_digest(tree))
    (tree / "link").unlink()
    (tree / "link").symlink_to("d")
    seen.add(tree_digest(tree))
    (tree / "d" / "run.sh").rename(tree / "run.sh")
    seen.add(tree_digest(tree))
    assert len(seen) == 5
    assert tree_digest(tree, "one message") != tree_digest(tree, "another")
