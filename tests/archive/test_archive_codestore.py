"""The agent code store on real git: add, checkout, diff, lineage, determinism, and patches
that do not apply leaving no trace."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import git
import pytest

from godelbox.archive.codestore import CodeStore, CodeStoreError, DiffStats, PatchApplyError
from godelbox.errors import UserError


def write_tree(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def tree_of(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): p.read_text()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


SEED = {"run.py": "print('v1')\n", "lib/util.py": "X = 1\n", "README.md": "seed\n"}
CHILD = {"run.py": "print('v2')\n", "lib/util.py": "X = 1\n", "lib/new.py": "Y = 2\n"}


def git_state(store: CodeStore) -> tuple[str, list[str]]:
    """Every ref and every object file: what a failed operation must leave untouched."""
    refs = subprocess.run(
        ["git", "--git-dir", str(store.path), "for-each-ref"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    objects = sorted(str(p.relative_to(store.path)) for p in (store.path / "objects").rglob("*"))
    return refs, objects


@pytest.fixture
def store(tmp_path: Path) -> CodeStore:
    return CodeStore.init(tmp_path / "agents.git")


def test_add_checkout_diff_lineage(store: CodeStore, tmp_path: Path) -> None:
    seed_dir = write_tree(tmp_path / "seed", SEED)
    (seed_dir / "run.py").chmod(0o755)
    root = store.add_root(seed_dir)
    child = store.add_child(root, write_tree(tmp_path / "child", CHILD), message="edit run")
    grandchild = store.add_child(child, write_tree(tmp_path / "gc", {**CHILD, "z.txt": "z\n"}))

    repo = git.Repo(store.path)
    assert repo.bare
    assert [p.hexsha for p in repo.commit(child).parents] == [root]
    assert [p.hexsha for p in repo.commit(grandchild).parents] == [child]
    assert store.lineage(grandchild) == [root, child, grandchild]
    assert store.lineage(root) == [root]

    out = tmp_path / "out"
    store.checkout(child, out)
    assert tree_of(out) == CHILD
    store.checkout(root, tmp_path / "out-root")
    assert tree_of(tmp_path / "out-root") == SEED
    assert os.stat(tmp_path / "out-root" / "run.py").st_mode & stat.S_IXUSR

    patch = store.diff(root, child)
    assert "-print('v1')" in patch and "+print('v2')" in patch and "lib/new.py" in patch
    assert store.diff_stats(root, child) == DiffStats(files=3, insertions=2, deletions=2)
    assert store.diff(child, child) == ""


def test_commits_are_deterministic_and_patches_equal_trees(tmp_path: Path) -> None:
    """Same content on the same parent gives the same sha, in another store and via a patch."""
    one = CodeStore.init(tmp_path / "one.git")
    two = CodeStore.init(tmp_path / "two.git")
    seed_dir, child_dir = write_tree(tmp_path / "s", SEED), write_tree(tmp_path / "c", CHILD)
    root1, root2 = one.add_root(seed_dir), two.add_root(seed_dir)
    assert root1 == root2
    child1 = one.add_child(root1, child_dir)
    child_from_patch = two.add_child(root2, one.diff(root1, child1))
    assert child_from_patch == child1
    assert two.has(child1) and not two.has("0" * 40)


@pytest.mark.parametrize(
    "patch",
    [
        "--- a/run.py\n+++ b/run.py\n@@ -1 +1 @@\n-print('something else')\n+print('v3')\n",
        "",
        "not a diff at all\n",
        "--- a/../escape.py\n+++ b/../escape.py\n@@ -0,0 +1 @@\n+boom\n",
    ],
    ids=["context-mismatch", "empty", "garbage", "path-escape"],
)
def test_failed_patch_leaves_the_store_unchanged(
    store: CodeStore, tmp_path: Path, patch: str
) -> None:
    root = store.add_root(write_tree(tmp_path / "seed", SEED))
    before = git_state(store)
    with pytest.raises(PatchApplyError) as info:
        store.add_child(root, patch)
    assert isinstance(info.value, UserError) and "\n" not in str(info.value)
    assert git_state(store) == before
    assert not (tmp_path / "escape.py").exists()


def test_hooks_never_run(store: CodeStore, tmp_path: Path) -> None:
    """A hook planted in the store (as a malicious agent with file access might) never fires."""
    marker = tmp_path / "hook-ran"
    for name in ("reference-transaction", "post-commit", "pre-commit", "post-checkout"):
        hook = store.path / "hooks" / name
        hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
        hook.chmod(0o755)
    root = store.add_root(write_tree(tmp_path / "seed", SEED))
    store.add_child(root, write_tree(tmp_path / "child", CHILD))
    store.checkout(root, tmp_path / "out")
    assert not marker.exists()


def test_clear_errors(store: CodeStore, tmp_path: Path) -> None:
    root = store.add_root(write_tree(tmp_path / "seed", SEED))
    with pytest.raises(CodeStoreError, match="not empty"):
        store.checkout(root, write_tree(tmp_path / "busy", {"x": "1"}))
    with pytest.raises(CodeStoreError, match="no agent commit"):
        store.add_child("deadbeef" * 5, "")
    with pytest.raises(CodeStoreError, match="not a directory"):
        store.add_root(tmp_path / "missing")
    with pytest.raises(CodeStoreError, match="not an agent code store"):
        CodeStore(tmp_path / "seed")


def test_every_agent_survives_garbage_collection(store: CodeStore, tmp_path: Path) -> None:
    root = store.add_root(write_tree(tmp_path / "s", SEED))
    child = store.add_child(root, write_tree(tmp_path / "c", CHILD))
    sibling = store.add_child(root, "--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-seed\n+sib\n")
    git = ["git", "--git-dir", str(store.path)]
    subprocess.run([*git, "gc", "-q", "--prune=now"], check=True, capture_output=True)
    refs = subprocess.run(
        [*git, "for-each-ref", "--format=%(refname) %(objectname)", "refs/agents"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert sorted(filter(None, refs)) == sorted(
        f"refs/agents/{s} {s}" for s in (root, child, sibling)
    )
    fresh = CodeStore(store.path)  # nothing remembered: git itself must find every commit
    assert all(fresh.has(sha) for sha in (root, child, sibling))
    assert fresh.lineage(sibling) == [root, sibling]


def test_equal_code_has_equal_trees_whatever_its_history(store: CodeStore, tmp_path: Path) -> None:
    """A child that takes back its parent's change has the grandparent's tree (another commit):
    what the loop compares to skip remaking an archive member."""
    root = store.add_root(write_tree(tmp_path / "a", {"config.py": "A = 1\n"}))
    child = store.add_child(root, write_tree(tmp_path / "b", {"config.py": "A = 2\n"}))
    back = write_tree(tmp_path / "c", {"config.py": "A = 1\n"})
    assert store.tree_of(back) == store.tree(root) != store.tree(child)
    undone = store.add_child(child, back)
    assert undone != root and store.tree(undone) == store.tree(root)
    with pytest.raises(CodeStoreError, match="not a directory"):
        store.tree_of(tmp_path / "missing")
