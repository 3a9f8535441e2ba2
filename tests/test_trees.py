"""Iterative walking, copying and deleting: agent-shaped trees of any depth and any modes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from godelbox import trees


def _chain(root: Path, depth: int, name: str = "d") -> Path:
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir(name, dir_fd=fd)
        deeper = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = deeper
    os.close(os.open("leaf", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    os.close(fd)
    return root


def test_a_chain_deeper_than_recursion_and_path_max_is_deleted(tmp_path):
    chain = _chain(tmp_path / "chain", 1500, name="d" * 8)  # ~13,500 characters deep
    with pytest.raises(RecursionError):
        shutil.rmtree(chain)  # what the daemon used to do
    trees.remove(chain)
    assert list(tmp_path.iterdir()) == []


def test_walk_and_copy_do_not_recurse(tmp_path):
    chain = _chain(tmp_path / "chain", 1200)
    assert [p.name for p in trees.files(chain)] == ["leaf"]
    copied = trees.copy(chain, tmp_path / "copy")
    assert [p.relative_to(copied).parts.count("d") for p in trees.files(copied)] == [1200]
    trees.remove(tmp_path)  # pytest's own clean-up of old temp dirs would recurse on them


def test_copy_keeps_links_as_links_and_applies_ignore(tmp_path):
    src = tmp_path / "src"
    (src / "pkg" / "__pycache__").mkdir(parents=True)
    (src / "pkg" / "m.py").write_text("x")
    (src / "pkg" / "__pycache__" / "m.pyc").write_text("x")
    os.symlink("/etc/hostname", src / "host")
    trees.copy(src, tmp_path / "dst", ignore=lambda _d, names: [n for n in names if "cache" in n])
    assert os.readlink(tmp_path / "dst" / "host") == "/etc/hostname"
    assert sorted(os.listdir(tmp_path / "dst" / "pkg")) == ["m.py"]


def test_merging_replaces_a_planted_link_instead_of_writing_through_it(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "f").write_text("new")
    (tmp_path / "dst").mkdir()
    (tmp_path / "victim").write_text("keep")
    os.symlink(tmp_path / "victim", tmp_path / "dst" / "f")
    trees.copy(tmp_path / "src", tmp_path / "dst", merge=True)
    assert (tmp_path / "victim").read_text() == "keep"
    assert (tmp_path / "dst" / "f").read_text() == "new"


def test_remove_takes_files_links_and_unreadable_dirs_and_ignores_missing(tmp_path):
    (tmp_path / "t" / "locked" / "inner").mkdir(parents=True)
    (tmp_path / "t" / "locked" / "inner" / "f").write_text("x")
    os.chmod(tmp_path / "t" / "locked", 0)
    os.symlink(tmp_path / "elsewhere", tmp_path / "t" / "link")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "kept").write_text("x")
    trees.remove(tmp_path / "t")
    trees.remove(tmp_path / "never-existed")
    assert sorted(os.listdir(tmp_path)) == ["elsewhere"]
    assert (tmp_path / "elsewhere" / "kept").exists()  # a link is removed, never followed
