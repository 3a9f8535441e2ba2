"""The background deleter: names are free at once, trees are gone after close, nothing else is."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from godelbox import trees
from godelbox.trash import IDLE_S, Trash


def _tree(root: Path, files: int = 20) -> Path:
    for i in range(files):
        (root / f"d{i % 4}").mkdir(parents=True, exist_ok=True)
        (root / f"d{i % 4}" / f"f{i}.txt").write_text("x" * 100)
    return root


def test_discarded_name_is_free_at_once_and_the_tree_is_gone_after_close(tmp_path: Path) -> None:
    trash = Trash()
    draft = _tree(tmp_path / "draft-7")
    keep = _tree(tmp_path / "keep")

    trash.discard(draft)
    assert not draft.exists()
    _tree(draft)  # the same name is used again while the old tree may still be deleting
    trash.close()

    assert sorted(p.name for p in tmp_path.iterdir()) == ["draft-7", "keep"]
    assert len(list(draft.rglob("*.txt"))) == 20 and len(list(keep.rglob("*.txt"))) == 20


def test_temporary_dirs_are_deleted_and_a_missing_path_is_no_error(tmp_path: Path) -> None:
    trash = Trash()
    with trash.temporary("godelbox-test-", tmp_path) as scratch:
        _tree(scratch)
        seen = scratch
    trash.discard(tmp_path / "never-made")
    trash.close()
    assert not seen.exists()
    assert list(tmp_path.iterdir()) == []


def test_usable_after_close_and_from_many_threads(tmp_path: Path) -> None:
    trash = Trash()
    trash.discard(_tree(tmp_path / "first"))
    trash.close()
    trees = [_tree(tmp_path / f"t{i}", files=5) for i in range(40)]
    workers = [threading.Thread(target=trash.discard, args=(t,)) for t in trees]
    for w in workers:
        w.start()
    trash.close()  # may run while discards still arrive: those go to a fresh worker
    for w in workers:
        w.join()
    trash.close()
    assert list(tmp_path.iterdir()) == []


def _trash_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "godelbox-trash")


def test_the_thread_ends_when_idle_and_comes_back_for_more_work(tmp_path: Path) -> None:
    trash = Trash()
    before = _trash_threads()
    trash.discard(_tree(tmp_path / "one"))
    deadline = time.monotonic() + 10 * IDLE_S
    while _trash_threads() > before and time.monotonic() < deadline:
        time.sleep(IDLE_S / 5)
    assert _trash_threads() == before  # idle: no thread left behind
    assert list(tmp_path.iterdir()) == []
    trash.discard(_tree(tmp_path / "two"))
    trash.close()
    assert list(tmp_path.iterdir()) == []


def test_a_process_that_exits_right_after_discarding_still_deletes(tmp_path: Path) -> None:
    _tree(tmp_path / "big", files=400)
    script = (
        "import sys; from pathlib import Path; from godelbox.trash import Trash; "
        "Trash().discard(Path(sys.argv[1]))"  # no close(): the exit must not lose the work
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "big")], check=True, timeout=60)
    assert list(tmp_path.iterdir()) == []


def _chain(root: Path, depth: int) -> Path:
    """A directory chain `depth` levels deep (made with dir fds: deeper than PATH_MAX)."""
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        deeper = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = deeper
    os.close(os.open("leaf", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    os.close(fd)
    return root


def test_one_trees_failure_never_stops_the_others_and_is_reported(tmp_path, monkeypatch):
    """A 1,500-level chain (shutil.rmtree raises RecursionError on it), a tree whose deletion
    raises, then ordinary trees: all but the failing one are deleted, and it is reported."""
    trash = Trash()
    real_remove = trees.remove

    def flaky(path: Path) -> None:
        if "cursed" in path.name:
            raise RecursionError("maximum recursion depth exceeded")
        real_remove(path)

    monkeypatch.setattr(trees, "remove", flaky)
    trash.discard(_chain(tmp_path / "deep", 1500))
    trash.discard(_tree(tmp_path / "cursed"))
    for i in range(3):
        trash.discard(_tree(tmp_path / f"after{i}"))
    trash.close()
    [left] = list(tmp_path.iterdir())
    assert left.name.startswith("cursed.trash-")
    [report] = trash.leftovers
    assert str(left) in report and "RecursionError" in report
