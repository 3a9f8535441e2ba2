"""Patch splitting, the integrity guard, and the apply chain run for real (git, GNU patch)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from godelbox.evaluator.patching import (
    APPLY_SCRIPT,
    allowlist_guard,
    drop_guarded,
    pytest_reach,
    read_apply_output,
    split_patch,
    swebench_guard,
    touched_paths,
)
from tests.evaluator.eval_helpers import git, make_repo

MULTI = """\
From: someone
Subject: a commit message that must be ignored

diff --git a/pkg/core.py b/pkg/core.py
index 1111111..2222222 100644
--- a/pkg/core.py
+++ b/pkg/core.py
@@ -1,3 +1,3 @@
 a = 1
--- this removed line looks like a header
+-- and so does this added one
 b = 2
diff --git a/tests/test_core.py b/tests/test_core.py
deleted file mode 100644
index 3333333..0000000
--- a/tests/test_core.py
+++ /dev/null
@@ -1 +0,0 @@
-def test_x(): assert False
diff --git a/conftest.py b/conftest.py
new file mode 100644
index 0000000..4444444
--- /dev/null
+++ b/conftest.py
@@ -0,0 +1 @@
+import pytest
diff --git a/old_name.py b/new_name.py
similarity index 100%
rename from old_name.py
rename to new_name.py
--- plain/setup.py
+++ plain/setup.py
@@ -1 +1 @@
-x
+y
"""


def test_split_patch_finds_every_file_and_reads_hunks_by_count():
    sections = split_patch(MULTI)
    assert [(s.old_path, s.new_path) for s in sections] == [
        ("pkg/core.py", "pkg/core.py"),
        ("tests/test_core.py", None),
        (None, "conftest.py"),
        ("old_name.py", "new_name.py"),
        ("plain/setup.py", "plain/setup.py"),
    ]
    assert "-- and so does this added one" in sections[0].text
    assert "Subject" not in "".join(s.text for s in sections)


def test_no_index_headers_with_repeated_prefixes_are_read():
    patch = (
        "diff --git b/new.py b/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/new.py\n"
        "@@ -0,0 +1 @@\n+x\n"
        "diff --git a/tests/t.py a/tests/t.py\ndeleted file mode 100644\n--- a/tests/t.py\n"
        "+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
    )
    assert [(s.old_path, s.new_path) for s in split_patch(patch)] == [
        (None, "new.py"),
        ("tests/t.py", None),
    ]


def test_guard_drops_tests_and_pytest_control_files_and_records_them():
    filtered = drop_guarded(MULTI, swebench_guard(["tests/test_hidden.py"]))
    kept = touched_paths(filtered.patch)
    assert kept == ["pkg/core.py", "old_name.py", "new_name.py", "plain/setup.py"]
    assert any("tests/test_core.py" in t for t in filtered.tampering)
    assert any("conftest.py" in t for t in filtered.tampering)


def test_swebench_guard_rules():
    guard = swebench_guard(["pkg/checks.py"])
    assert guard("pkg/checks.py")  # a hidden test path, whatever its name
    for path in (
        "tests/test_a.py",
        "test/helpers.py",
        "tests",
        "pkg/test_b.py",
        "pkg/b_test.py",
        "pkg/conftest.py",
        "pytest.ini",
        "tox.ini",
        "pytest.py",
        "_pytest/runner.py",
        "sitecustomize.py",
        "evil.pth",
    ):
        assert guard(path), path
    for path in ("pkg/core.py", "README.md", "setup.cfg", "pyproject.toml", "pkg/testing_utils.py"):
        assert guard(path) is None, path


def test_allowlist_guard_keeps_only_solution_files():
    patch = "".join(
        f"--- a/{name}\n+++ b/{name}\n@@ -1 +1 @@\n-x\n+y\n"
        for name in ("bob.py", "bob_test.py", "helper.py")
    )
    filtered = drop_guarded(patch, allowlist_guard(["bob.py"]))
    assert touched_paths(filtered.patch) == ["bob.py"]
    assert len(filtered.tampering) == 2


def apply(repo: Path, patch: str) -> tuple[bool, str, str]:
    patch_file = repo.parent / "model.patch"
    patch_file.write_text(patch, encoding="utf-8")
    done = subprocess.run(
        ["bash", "-c", APPLY_SCRIPT, "apply", str(patch_file)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    outcome = read_apply_output(done.stdout + done.stderr)
    return outcome.applied, outcome.strategy, git(repo, "status", "--porcelain")


LINES = "".join(f"line {i}\n" for i in range(1, 21))


def test_exact_patch_applies_with_git_apply(tmp_path):
    repo = make_repo(tmp_path / "r", {"f.txt": LINES})
    (repo / "f.txt").write_text(LINES.replace("line 10\n", "line ten\n"))
    patch = git(repo, "diff")
    git(repo, "checkout", "--", "f.txt")
    assert apply(repo, patch)[:2] == (True, "git-apply")
    assert "line ten" in (repo / "f.txt").read_text()


def test_patch_against_an_older_blob_needs_3way(tmp_path):
    repo = make_repo(tmp_path / "r", {"f.txt": LINES})
    (repo / "f.txt").write_text(LINES.replace("line 10\n", "line ten\n"))
    patch = git(repo, "diff")  # made against the first commit's blob
    git(repo, "checkout", "--", "f.txt")
    (repo / "f.txt").write_text(LINES.replace("line 7\n", "line seven\n"))
    git(repo, "commit", "-qam", "upstream moved on")
    applied, strategy, _ = apply(repo, patch)
    assert (applied, strategy) == (True, "git-apply-3way")
    text = (repo / "f.txt").read_text()
    assert "line ten" in text and "line seven" in text


def test_patch_with_stale_context_and_no_blob_needs_fuzz(tmp_path):
    repo = make_repo(tmp_path / "r", {"f.txt": LINES.replace("line 8\n", "line eight\n")})
    patch = (
        "--- a/f.txt\n+++ b/f.txt\n@@ -8,5 +8,5 @@\n line 8\n line 9\n-line 10\n+line ten\n"
        " line 11\n line 12\n"
    )
    applied, strategy, _ = apply(repo, patch)
    assert (applied, strategy) == (True, "patch-fuzz")
    assert "line ten" in (repo / "f.txt").read_text()


def test_garbage_patch_fails_and_leaves_the_tree_clean(tmp_path):
    repo = make_repo(tmp_path / "r", {"f.txt": LINES})
    for garbage in (
        "this is not a patch at all\n",
        "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n-nothing like this\n+x\n-here\n",
        "--- a/missing.txt\n+++ b/missing.txt\n@@ -1 +1 @@\n-a\n+b\n",
    ):
        applied, strategy, status = apply(repo, garbage)
        assert not applied and strategy == ""
        assert status == ""
        assert (repo / "f.txt").read_text() == LINES


def test_empty_patch_is_applied_as_nothing(tmp_path):
    repo = make_repo(tmp_path / "r", {"f.txt": LINES})
    assert apply(repo, "")[:2] == (True, "empty")


def test_library_code_reaching_into_pytest_is_flagged_but_tests_may_import_it():
    patch = (
        "--- a/pkg/__init__.py\n+++ b/pkg/__init__.py\n@@ -1 +1,2 @@\n x = 1\n"
        "+import _pytest.reports as r; r.TestReport.outcome = 'passed'\n"
        "--- a/tests/test_x.py\n+++ b/tests/test_x.py\n@@ -1 +1,2 @@\n x = 1\n+import pytest\n"
        "--- a/pkg/core.py\n+++ b/pkg/core.py\n@@ -1 +1 @@\n-x = 1\n+x = 2  # no pytest here\n"
    )
    found = pytest_reach(patch)
    assert len(found) == 1
    assert found[0].startswith("pkg/__init__.py")
    assert pytest_reach("--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n") == []
