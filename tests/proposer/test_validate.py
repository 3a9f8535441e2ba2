"""Child validation in the real sandbox: only a child that changes agent code, compiles, imports
and passes its own test suite is valid; every other child is invalid with a specific reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from godelbox.evaluator.workspace import plain_copy
from godelbox.proposer.validate import diff_stats, is_agent_code, tree_diff, validate_child
from godelbox.trash import Trash
from tests.proposer.dgm_helpers import no_sandbox

docker = pytest.mark.docker


def child_of(parent: Path, tmp_path: Path, edits: dict[str, tuple[str, str] | str]) -> Path:
    """A copy of `parent` with `edits`: path -> (old, new) replaced once, or the new file text."""
    child = plain_copy(parent, tmp_path / "child")
    for path, edit in edits.items():
        target = child / path
        if isinstance(edit, str):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(edit)
            continue
        old, new = edit
        text = target.read_text()
        assert text.count(old) == 1, f"{old!r} must occur once in {path}"
        target.write_text(text.replace(old, new))
    return child


@docker
def test_a_good_child_is_valid(parent_dir, dgm_ctx, tmp_path) -> None:
    child = child_of(
        parent_dir, tmp_path, {"config.py": ("step_limit: int = 60", "step_limit: int = 90")}
    )

    result = validate_child(parent_dir, child, dgm_ctx, timeout_s=120)

    assert (result.ok, result.reason) == (True, "valid")
    stats = result.diff_stats
    assert (stats.files, stats.insertions, stats.deletions, stats.paths) == (1, 1, 1, ["config.py"])


def test_the_proposers_own_diff_is_judged_when_given(parent_dir, tmp_path) -> None:
    # The loop passes the diff the proposer computed on the host; validation does not diff the
    # trees again. A tests-only diff is refused before any sandbox (no_sandbox would raise).
    child = child_of(
        parent_dir, tmp_path, {"config.py": ("step_limit: int = 60", "step_limit: int = 90")}
    )
    only_tests = tree_diff(
        parent_dir, child_of(parent_dir, tmp_path / "t", {"tests/test_x.py": "X = 1\n"}), Trash()
    )

    result = validate_child(parent_dir, child, no_sandbox(), patch=only_tests)

    assert (result.ok, result.reason) == (False, "diff only touches tests: tests/test_x.py")
    assert validate_child(parent_dir, child, no_sandbox(), patch="").reason == "empty diff"


@docker
def test_a_child_that_breaks_its_own_tests_is_invalid(parent_dir, dgm_ctx, tmp_path) -> None:
    # The editor's error message is asserted by tests/test_editor.py.
    child = child_of(
        parent_dir, tmp_path, {"editor.py": ("old_str occurs {len", "old_str seen {len")}
    )

    result = validate_child(parent_dir, child, dgm_ctx, timeout_s=120)

    assert not result.ok
    assert result.reason.startswith("own tests failed: ")
    assert "test_editor.py" in result.reason and "1 failed" in result.reason
    assert len(result.reason) < 1_600


@docker
def test_a_child_that_does_not_compile_is_invalid(parent_dir, dgm_ctx, tmp_path) -> None:
    child = child_of(
        parent_dir, tmp_path, {"tools.py": ("def parse_actions(", "def parse_actions((")}
    )

    result = validate_child(parent_dir, child, dgm_ctx, timeout_s=120)

    assert not result.ok
    assert result.reason.startswith("does not compile: ") and "tools.py" in result.reason


@docker
def test_a_child_whose_entry_point_cannot_import_is_invalid(parent_dir, dgm_ctx, tmp_path) -> None:
    child = child_of(
        parent_dir, tmp_path, {"run.py": ("from agent import Agent", "from agent import Agnet")}
    )

    result = validate_child(parent_dir, child, dgm_ctx, timeout_s=120)

    assert not result.ok
    assert result.reason.startswith("run.py does not import: ") and "Agnet" in result.reason


@docker
def test_own_tests_that_hang_time_out(parent_dir, dgm_ctx, tmp_path) -> None:
    child = child_of(
        parent_dir,
        tmp_path,
        {
            "config.py": ("step_limit: int = 60", "step_limit: int = 61"),
            "tests/test_aaa_hang.py": "import time\n\n\ndef test_hang():\n    time.sleep(600)\n",
        },
    )

    result = validate_child(parent_dir, child, dgm_ctx, timeout_s=8)

    assert (result.ok, result.reason) == (False, "own tests failed: timed out after 8s")


def test_an_empty_diff_is_invalid_without_a_sandbox(parent_dir, tmp_path) -> None:
    child = plain_copy(parent_dir, tmp_path / "child")
    (child / "__pycache__").mkdir(exist_ok=True)
    (child / "__pycache__" / "junk.pyc").write_bytes(b"\0")  # caches are not a change

    result = validate_child(parent_dir, child, no_sandbox(), timeout_s=1)

    assert (result.ok, result.reason, result.diff_stats.files) == (False, "empty diff", 0)


def test_a_diff_that_only_touches_tests_is_invalid(parent_dir, tmp_path) -> None:
    child = child_of(parent_dir, tmp_path, {"tests/x.py": "def test_x():\n    assert True\n"})

    result = validate_child(parent_dir, child, no_sandbox(), timeout_s=1)

    assert (result.ok, result.reason) == (False, "diff only touches tests: tests/x.py")


def test_a_diff_that_only_touches_docs_is_invalid(parent_dir, tmp_path) -> None:
    child = child_of(
        parent_dir,
        tmp_path,
        {"NOTES.md": "# notes\n", "docs/design.txt": "why\n", "tests/test_notes.py": "x = 1\n"},
    )

    result = validate_child(parent_dir, child, no_sandbox(), timeout_s=1)

    assert not result.ok
    assert result.reason == (
        "diff only touches tests and docs: NOTES.md, docs/design.txt, tests/test_notes.py"
    )


@pytest.mark.parametrize(
    ("path", "agent_code"),
    [
        ("agent.py", True),
        ("tools/bash.py", True),
        ("pytest.ini", True),
        ("tests/test_x.py", False),
        ("test_agent.py", False),
        ("README.md", False),
        ("docs/tools.py", False),
    ],
)
def test_what_counts_as_agent_code(path: str, agent_code: bool) -> None:
    assert is_agent_code(path) is agent_code


def test_diff_stats_count_lines_and_files(tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "m.py").write_text("one\ntwo\nthree\n")
    plain_copy(tmp_path / "a", tmp_path / "b")
    (tmp_path / "b" / "m.py").write_text("one\n--two\nthree\n+four\n")
    (tmp_path / "b" / "n.py").write_text("new\n")

    stats = diff_stats(tree_diff(tmp_path / "a", tmp_path / "b", Trash()))

    # Content lines that start with +/- ("--two", "+four") are counted as content, not headers.
    assert (stats.files, stats.insertions, stats.deletions) == (2, 3, 1)
    assert stats.paths == ["m.py", "n.py"]
