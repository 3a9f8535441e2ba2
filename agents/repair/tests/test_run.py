"""End to end: the agent fixes a small repository and changes nothing but the buggy file."""

import subprocess
import sys
from pathlib import Path

import pytest

AGENT = Path(__file__).resolve().parent.parent / "run.py"

MODULE = """def count_at_least(values, floor):
    n = 0
    for v in values:
        if v > floor:
            n += 1
    return n


def first(values):
    return values[0]
"""
TESTS = """from shop.counts import count_at_least, first


def test_first():
    assert first([3, 4]) == 3


def test_count_above():
    assert count_at_least([5, 6, 1], 2) == 2
"""
PROBLEM = """count_at_least() forgets values equal to the floor

```python
from shop.counts import count_at_least
assert count_at_least([2, 3], 2) == 2
```

The same as a session:

>>> from shop.counts import count_at_least
>>> count_at_least([4, 4], 4)
2
"""
"""Both a fenced block and a doctest session, so the test holds whichever extractors the
configuration keeps."""


def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    (root / "shop").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "counts.py").write_text(MODULE)
    (root / "tests" / "test_counts.py").write_text(TESTS)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    return root


def run_agent(repo, problem_text, tmp_path):
    problem = tmp_path / "problem.md"
    problem.write_text(problem_text)
    logs = tmp_path / "logs"
    subprocess.run(
        [
            sys.executable,
            str(AGENT),
            "--workspace",
            str(repo),
            "--problem",
            str(problem),
            "--log-dir",
            str(logs),
        ],
        check=True,
        timeout=120,
    )
    return logs


def test_fixes_the_bug_and_touches_only_the_source(repo, tmp_path):
    logs = run_agent(repo, PROBLEM, tmp_path)
    assert git(repo, "status", "--porcelain", "--untracked-files=all").stdout == (
        " M shop/counts.py\n"
    )
    assert "if v >= floor:" in (repo / "shop" / "counts.py").read_text()
    assert "outcome: fixed" in (logs / "agent.log").read_text()


def test_a_failing_visible_test_is_reproduction_enough(repo, tmp_path):
    tests = repo / "tests" / "test_counts.py"
    tests.write_text(
        tests.read_text() + "\n\ndef test_floor_counts():\n"
        "    assert count_at_least([3, 3], 3) == 2\n"
    )
    logs = run_agent(repo, "count_at_least() is off for values equal to the floor.", tmp_path)
    log = (logs / "agent.log").read_text()
    assert "0 failing check(s), 1 failing and 2 passing visible test(s)" in log
    assert "outcome: fixed" in log
    assert "if v >= floor:" in (repo / "shop" / "counts.py").read_text()


def test_without_a_reproduction_it_changes_nothing(repo, tmp_path):
    logs = run_agent(repo, "counting is wrong somehow", tmp_path)
    assert git(repo, "status", "--porcelain", "--untracked-files=all").stdout == ""
    assert "outcome: no_reproduction" in (logs / "agent.log").read_text()
