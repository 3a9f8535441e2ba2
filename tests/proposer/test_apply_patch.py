"""The implement step's child tree: the editor's diff applied to a plain copy of the parent."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from godelbox.evaluator.workspace import diff_trees, plain_copy
from godelbox.proposer.base import ProposalError
from godelbox.proposer.dgm.implement import apply_patch


def _edited_pair(root: Path) -> str:
    """A diff from tree a to tree b that edits, adds, deletes and adds a binary file."""
    a = root / "pair" / "a"
    (a / "pkg").mkdir(parents=True)
    (a / "pkg" / "core.py").write_text("X = 1\n")
    (a / "gone.py").write_text("print('bye')\n")
    b = plain_copy(a, root / "pair" / "b")
    (b / "pkg" / "core.py").write_text("X = 2\n")
    (b / "pkg" / "new.py").write_text("Y = 3\n")
    (b / "gone.py").unlink()
    (b / "blob.bin").write_bytes(bytes(range(256)))
    return diff_trees(root / "pair")


def test_applies_inside_an_unrelated_repository(tmp_path: Path) -> None:
    # The run dir may live inside a user's git checkout: paths must stay relative to the tree.
    patch = _edited_pair(tmp_path)
    outer = tmp_path / "outer"
    subprocess.run(["git", "init", "-q", str(outer)], check=True)
    child = plain_copy(tmp_path / "pair" / "a", outer / "deep" / "child")

    apply_patch(child, patch)

    assert (child / "pkg" / "core.py").read_text() == "X = 2\n"
    assert (child / "pkg" / "new.py").read_text() == "Y = 3\n"
    assert not (child / "gone.py").exists()
    assert (child / "blob.bin").read_bytes() == bytes(range(256))
    assert not (child / ".git").exists()
    assert not (outer / "pkg").exists() and not (outer / "deep" / "pkg").exists()


def test_a_patch_that_does_not_fit_is_refused_and_leaves_the_tree(tmp_path: Path) -> None:
    patch = _edited_pair(tmp_path)
    child = plain_copy(tmp_path / "pair" / "a", tmp_path / "child")
    (child / "pkg" / "core.py").write_text("X = 'changed meanwhile'\n")

    with pytest.raises(ProposalError, match="does not apply to the parent"):
        apply_patch(child, patch)

    assert (child / "pkg" / "core.py").read_text() == "X = 'changed meanwhile'\n"
    assert (child / "gone.py").exists() and not (child / "pkg" / "new.py").exists()
