"""The grader's pytest invocation, run for real on the host: exact per-test outcomes, and the
repository's own pytest configuration or a module shadowing pytest has no effect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from eval_helpers import make_repo

from godelbox.evaluator.pytest_report import (
    grader_files,
    outcomes_for,
    parse_report,
    pytest_command,
    pytest_env,
)

TESTS = """\
import pytest
from calc import add

def test_pass():
    assert add(1, 2) == 3

def test_fail():
    assert add(1, 2) == 4

@pytest.mark.parametrize("a,b", [(1, 1), (2, "x y")])
def test_param(a, b):
    assert a + 0 == a

@pytest.fixture
def broken():
    raise RuntimeError("setup fails")

def test_setup_error(broken):
    pass

@pytest.mark.skip(reason="no")
def test_skipped():
    pass

@pytest.mark.xfail(strict=True)
def test_xfail():
    assert False

class TestGroup:
    def test_method(self):
        assert True
"""


def run_grader_pytest(repo: Path, targets: list[str]) -> dict[str, str]:
    grader = repo.parent / "grader"
    grader_files(grader, str(repo))
    cmd = pytest_command(str(grader), str(repo), targets)
    cmd[0] = sys.executable
    env = {"PATH": "/usr/bin:/bin", **pytest_env(str(grader))}
    subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False)
    report = grader / "report.json"
    return parse_report(report.read_text() if report.exists() else None)


def test_every_outcome_is_read_by_exact_node_id(tmp_path):
    repo = make_repo(
        tmp_path / "repo",
        {"calc/__init__.py": "def add(a, b):\n    return a + b\n", "tests/test_calc.py": TESTS},
    )
    reported = run_grader_pytest(repo, ["tests/test_calc.py"])
    base = "tests/test_calc.py::"
    assert reported == {
        base + "test_pass": "passed",
        base + "test_fail": "failed",
        base + "test_param[1-1]": "passed",
        base + "test_param[2-x y]": "passed",
        base + "test_setup_error": "error",
        base + "test_skipped": "skipped",
        base + "test_xfail": "passed",
        base + "TestGroup::test_method": "passed",
    }
    wanted = [base + "test_pass", base + "test_gone"]
    assert outcomes_for(wanted, reported) == {wanted[0]: "passed", wanted[1]: "missing"}


def test_repository_pytest_config_and_shadow_modules_are_ignored(tmp_path):
    repo = make_repo(
        tmp_path / "repo",
        {
            "calc/__init__.py": "def add(a, b):\n    return a - b\n",
            "tests/test_calc.py": (
                "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n"
            ),
            # Each of these would turn the failure into a pass (or hide it) if pytest read it.
            "pytest.ini": (
                "[pytest]\naddopts = -p fakepass --deselect tests/test_calc.py::test_add\n"
            ),
            "setup.cfg": "[tool:pytest]\naddopts = -k nothing\n",
            "fakepass.py": "def pytest_runtest_logreport(report):\n    report.outcome = 'passed'\n",
            "pytest.py": "import sys\nprint('fake pytest')\nsys.exit(0)\n",
        },
    )
    reported = run_grader_pytest(repo, ["tests/test_calc.py"])
    assert reported == {"tests/test_calc.py::test_add": "failed"}


def test_unreadable_report_means_nothing_reported():
    assert parse_report(None) == {}
    assert parse_report("{not json") == {}
    assert parse_report('["a"]') == {}
    assert parse_report('{"t": "passed", "u": "bogus"}') == {"t": "passed"}
