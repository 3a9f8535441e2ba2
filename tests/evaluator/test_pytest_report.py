"""The grader's pytest session, run for real on the host with its event pipe: exact per-test
outcomes and the finish record, the repository's own pytest configuration or a module
shadowing pytest has no effect, and the static enumeration of the tests a file declares."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from godelbox.evaluator.pytest_report import (
    PytestRunner,
    declared_tests,
    expected_outcomes,
    grader_files,
    outcomes_for,
    read_events,
)
from godelbox.evaluator.test_runner import SessionResult
from tests.evaluator.eval_helpers import make_repo

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


def run_session(repo: Path, targets: list[str]) -> tuple[int, str]:
    """The session program as the supervisor starts it, with fd 3 as its event pipe."""
    grader = repo.parent / "grader"
    grader_files(grader, str(repo))
    spec = PytestRunner(str(grader), str(repo), python=sys.executable).session(targets)
    read_end, write_end = os.pipe()
    # The child moves its end to fd 3 itself: this process's fd 3 belongs to pytest's capture.
    to_fd3 = "import os, sys; os.dup2(int(sys.argv[1]), 3); os.execv(sys.argv[2], sys.argv[2:])"
    try:
        proc = subprocess.run(
            [sys.executable, "-c", to_fd3, str(write_end), *spec.argv],
            cwd=repo,
            env={"PATH": "/usr/bin:/bin", **spec.env},
            pass_fds=(write_end,),
            capture_output=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as fh:
        return proc.returncode, fh.read()


def test_every_outcome_is_read_by_exact_node_id(tmp_path):
    repo = make_repo(
        tmp_path / "repo",
        {"calc/__init__.py": "def add(a, b):\n    return a + b\n", "tests/test_calc.py": TESTS},
    )
    code, events = run_session(repo, ["tests/test_calc.py"])
    report = read_events(events)
    base = "tests/test_calc.py::"
    assert report.outcomes == {
        base + "test_pass": "passed",
        base + "test_fail": "failed",
        base + "test_param[1-1]": "passed",
        base + "test_param[2-x y]": "passed",
        base + "test_setup_error": "error",
        base + "test_skipped": "skipped",
        base + "test_xfail": "passed",
        base + "TestGroup::test_method": "passed",
    }
    assert report.finished and report.exit_expected == code == 1
    assert report.collected == set(report.outcomes)
    wanted = [base + "test_pass", base + "test_gone"]
    assert outcomes_for(wanted, report.outcomes) == {wanted[0]: "passed", wanted[1]: "missing"}


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
            "sitecustomize.py": "import os\nos._exit(0)\n",
        },
    )
    code, events = run_session(repo, ["tests/test_calc.py"])
    report = read_events(events)
    assert report.outcomes == {"tests/test_calc.py::test_add": "failed"}
    assert report.finished and code == 1


def test_an_exit_at_import_leaves_no_finish_record(tmp_path):
    repo = make_repo(
        tmp_path / "repo",
        {
            "calc/__init__.py": "import os\nos._exit(0)\n",
            "tests/test_calc.py": "import calc\n\ndef test_x():\n    assert False\n",
        },
    )
    code, events = run_session(repo, ["tests/test_calc.py"])
    report = read_events(events)
    assert code == 0 and not report.finished and report.outcomes == {}


def test_garbage_event_lines_are_skipped():
    text = '{not json\n["a"]\n{"test": "t", "when": "call", "outcome": "bogus"}\n'
    text += '{"test": "u", "when": "call", "outcome": "passed"}\n'
    report = read_events(text)
    assert report.outcomes == {"u": "passed"} and not report.finished
    session = SessionResult("exit", 0, "", text)
    assert PytestRunner("/g", "/r").read(session) == report


def test_declared_tests_follow_pytest_collection_rules():
    text = """\
import unittest

def test_a(): pass
def helper(): pass
async def test_async(): pass

class TestB:
    def test_m(self): pass
    def other(self): pass

class TestWithInit:
    def __init__(self): pass
    def test_never(self): pass

class WordTallyTest(unittest.TestCase):
    def test_c(self): pass
"""
    assert declared_tests("t_test.py", text) == [
        "t_test.py::test_a",
        "t_test.py::test_async",
        "t_test.py::TestB::test_m",
        "t_test.py::WordTallyTest::test_c",
    ]
    assert declared_tests("broken.py", "def (:") == []


def test_expected_outcomes_match_parametrised_instances():
    reported = {"f.py::test_p[1]": "passed", "f.py::test_p[2]": "failed", "f.py::test_a": "passed"}
    assert expected_outcomes(["f.py::test_a", "f.py::test_p", "f.py::test_gone"], reported) == {
        "f.py::test_a": "passed",
        "f.py::test_p[1]": "passed",
        "f.py::test_p[2]": "failed",
        "f.py::test_gone": "missing",
    }
