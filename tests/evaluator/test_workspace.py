"""The answer is a diff between plain trees; the agent's .git never influences it."""

from __future__ import annotations

import shutil

from godelbox.evaluator.workspace import diff_trees, plain_copy
from tests.evaluator.eval_helpers import git, make_repo


def test_diff_between_trees_applies_back_to_the_pristine_repo(tmp_path):
    pristine = make_repo(
        tmp_path / "pristine",
        {"pkg/a.py": "x = 1\n", "pkg/gone.py": "y = 2\n", "README.md": "hi\n"},
    )
    scratch = tmp_path / "scratch"
    plain_copy(pristine, scratch / "a")
    agent = shutil.copytree(pristine, tmp_path / "agent")
    (agent / "pkg" / "a.py").write_text("x = 10\n")
    (agent / "pkg" / "gone.py").unlink()
    (agent / "pkg" / "new.py").write_text("z = 3\n")
    (agent / "blob.bin").write_bytes(bytes(range(256)))
    (agent / "pkg" / "__pycache__").mkdir()
    (agent / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0junk")
    plain_copy(agent, scratch / "b")  # what copy_out(skip=JUNK) brings back
    patch = diff_trees(scratch)
    assert "diff --git a/pkg/a.py b/pkg/a.py" in patch
    assert ".git/" not in patch and "__pycache__" not in patch
    git(pristine, "apply", "-", stdin=patch)
    assert (pristine / "pkg" / "a.py").read_text() == "x = 10\n"
    assert not (pristine / "pkg" / "gone.py").exists()
    assert (pristine / "pkg" / "new.py").read_text() == "z = 3\n"
    assert (pristine / "blob.bin").read_bytes() == bytes(range(256))


def test_identical_trees_give_an_empty_diff(tmp_path):
    pristine = make_repo(tmp_path / "p", {"a.py": "x = 1\n"})
    plain_copy(pristine, tmp_path / "s" / "a")
    plain_copy(shutil.copytree(pristine, tmp_path / "agent"), tmp_path / "s" / "b")
    assert diff_trees(tmp_path / "s") == ""


def test_a_hostile_git_dir_left_by_the_agent_is_never_used(tmp_path):
    pristine = make_repo(tmp_path / "p", {"a.py": "x = 1\n"})
    scratch = tmp_path / "s"
    plain_copy(pristine, scratch / "a")
    agent = shutil.copytree(pristine, tmp_path / "agent")
    marker = tmp_path / "pwned"
    hostile = agent / ".git"
    (hostile / "config").write_text(
        f"[core]\n\tfsmonitor = touch {marker}\n\tpager = touch {marker}\n"
        f"[diff]\n\texternal = touch {marker}\n"
    )
    (agent / ".gitattributes").write_text("* diff=evil\n")
    (agent / "a.py").write_text("x = 2\n")
    plain_copy(agent, scratch / "b")
    patch = diff_trees(scratch)
    assert not marker.exists()
    assert not (scratch / "b" / ".git").exists()
    assert "+x = 2" in patch
