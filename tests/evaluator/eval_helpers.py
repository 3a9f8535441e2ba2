"""Small host-side helpers for the evaluator tests: real git repositories in temp dirs, and the
command line in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from godelbox.evaluator.workspace import commit_snapshot, git_env

FIXTURES = Path(__file__).resolve().parent / "fixtures"
"""Fixture agents and benchmark data (never collected: see conftest.py)."""
NOOP_AGENT = FIXTURES / "noop_agent"
CHEAT_AGENT = FIXTURES / "cheat_agent"
FIX_AGENT = FIXTURES / "fix_agent"
SLEEP_AGENT = FIXTURES / "sleep_agent"
SYMLINK_AGENT = FIXTURES / "symlink_agent"
POLYGLOT = FIXTURES / "polyglot"


def make_repo(root: Path, files: dict[str, str]) -> Path:
    """A one-commit git repository holding `files` (path -> text)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    commit_snapshot(root)
    return root


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        env={
            **git_env(repo),
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
        },
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


STATS_V1 = '''\
"""Small statistics helpers."""


def total(values):
    return sum(values)


def mean(values):
    if not values:
        return 0.0
    return total(values) / (len(values) + 1)


def spread(values):
    return max(values) - min(values)
'''
STATS_V2 = STATS_V1.replace("def mean(values):", "def mean(values):  # arithmetic mean")
VISIBLE_TESTS = """\
from calc.stats import spread, total


def test_total():
    assert total([1, 2, 3]) == 6


def test_spread():
    assert spread([4, 1, 9]) == 8
"""
HIDDEN_TESTS = """\
from calc.stats import mean


def test_mean_basic():
    assert mean([2, 4, 6]) == 4


def test_mean_empty():
    assert mean([]) == 0.0
"""
FAIL_TO_PASS = ["tests/test_mean.py::test_mean_basic"]
PASS_TO_PASS = [
    "tests/test_mean.py::test_mean_empty",
    "tests/test_stats.py::test_total",
    "tests/test_stats.py::test_spread",
]
BUG = "(len(values) + 1)"


def file_diff(path: str, before: str | None, after: str | None, tmp: Path) -> str:
    """A git-style diff of one file, made by git itself (with index lines)."""
    from godelbox.evaluator.workspace import diff_trees

    for side, text in (("a", before), ("b", after)):
        (tmp / side).mkdir(parents=True)
        if text is not None:
            (tmp / side / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp / side / path).write_text(text)
    return diff_trees(tmp)


def swebench_repo(root: Path) -> dict[str, object]:
    """A two-commit repository with an off-by-one in `mean`, and its SWE-bench row.

    The base commit is the second one; the first holds an older version of the file, so a
    patch made against it needs `git apply --3way`."""
    repo = make_repo(
        root / "calc-repo",
        {"calc/__init__.py": "", "calc/stats.py": STATS_V1, "tests/test_stats.py": VISIBLE_TESTS},
    )
    (repo / "calc" / "stats.py").write_text(STATS_V2)
    git(repo, "commit", "-qam", "document mean")
    base = git(repo, "rev-parse", "HEAD").strip()
    fixed = STATS_V2.replace(BUG, "len(values)")
    row = {
        "instance_id": "calc__calc-1",
        "repo": "example/calc",
        "base_commit": base,
        "problem_statement": "mean([2, 4, 6]) returns 3.0 instead of 4.0.",
        "patch": file_diff("calc/stats.py", STATS_V2, fixed, root / "gold"),
        "test_patch": file_diff("tests/test_mean.py", None, HIDDEN_TESTS, root / "hidden"),
        "FAIL_TO_PASS": FAIL_TO_PASS,
        "PASS_TO_PASS": PASS_TO_PASS,
        "workspace": "calc-repo",
    }
    return row


def three_way_patch(tmp: Path) -> str:
    """The fix, made against the first commit's version of the file."""
    return file_diff("calc/stats.py", STATS_V1, STATS_V1.replace(BUG, "len(values)"), tmp)


FUZZ_PATCH = """\
--- a/calc/stats.py
+++ b/calc/stats.py
@@ -9,4 +9,4 @@
 def mean(vals):
     if not values:
         return 0.0
-    return total(values) / (len(values) + 1)
+    return total(values) / len(values)
"""


def godelbox_cli(*args: str, image: str, cwd: Path) -> subprocess.Popen[str]:
    """`godelbox ARGS` in its own process (stdout and stderr merged), using the test image; a
    wide terminal so tables are not wrapped into the text the tests look for."""
    env = {**os.environ, "GODELBOX_SANDBOX__IMAGE": image, "COLUMNS": "250"}
    return subprocess.Popen(
        [sys.executable, "-c", "from godelbox.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
