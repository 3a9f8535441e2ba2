"""The QuixBugs adapter on a small checkout in QuixBugs' layout written for this test (the real
benchmark is fetched at run time and never committed): tasks, visible/hidden split, skipped slow
cases, and grading through the real harness (gold resolves, doing nothing does not, a program
that loops forever fails its tests instead of hanging the grade)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from godelbox.config import StageSection
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.evaluation import AgentSolver, OracleSolver, evaluate_benchmark
from godelbox.evaluator.quixbugs import QuixBugsLayoutError, load_quixbugs
from tests.evaluator.eval_helpers import NOOP_AGENT

ALL = [StageSection(tasks=None)]
ADD_ONE_BUGGY = '''def add_one(n):
    return n + 2


"""
Add One

Input:
    n: an int

Example:
    >>> add_one(1)
    2
"""
'''
ADD_ONE_TEST = """import pytest
from load_testdata import load_json_testcases

if pytest.use_correct:
    from correct_python_programs.add_one import add_one
else:
    from python_programs.add_one import add_one


testdata = load_json_testcases(add_one.__name__)
testdata = [[inp, out] for inp, out in testdata]


@pytest.mark.parametrize("input_data,expected", testdata)
def test_add_one(input_data, expected):
    if not pytest.run_slow and input_data == [1000000]:
        pytest.skip("Takes too long!")
    assert add_one(*input_data) == expected
"""
SPIN_BUGGY = """def reach(node, goal):
    while True:
        if node is goal:
            return True
        node = node.successor
"""
SPIN_CORRECT = """def reach(node, goal):
    while node is not None:
        if node is goal:
            return True
        node = node.successor
    return False
"""
SPIN_TEST = """import pytest
from node import Node

if pytest.use_correct:
    from correct_python_programs.reach import reach
else:
    from python_programs.reach import reach


def test1():
    goal = Node("b")
    assert reach(Node("a", goal), goal)


def test2():
    assert not reach(Node("a"), Node("z"))


def test3():
    assert reach(Node("a"), Node("a")) is False
"""
NODE = """class Node:
    def __init__(self, value=None, successor=None):
        self.value = value
        self.successor = successor
"""


@pytest.fixture
def checkout(tmp_path) -> Path:
    root = tmp_path / "QuixBugs"
    files = {
        "python_programs/add_one.py": ADD_ONE_BUGGY,
        "correct_python_programs/add_one.py": "def add_one(n):\n    return n + 1\n",
        "python_testcases/test_add_one.py": ADD_ONE_TEST,
        "python_programs/reach.py": SPIN_BUGGY,
        "correct_python_programs/reach.py": SPIN_CORRECT,
        "python_testcases/test_reach.py": SPIN_TEST,
        "python_testcases/node.py": NODE,
        "python_testcases/load_testdata.py": "# the adapter inlines the cases\n",
        "json_testcases/add_one.json": "".join(
            json.dumps(case) + "\n"
            for case in [[[1], 2], [[5], 6], [[-1], 0], [[10**6], 10**6 + 1]]
        ),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_each_program_is_a_task_with_visible_and_hidden_cases(checkout):
    add_one, reach = load_quixbugs(checkout)
    assert (add_one.instance_id, reach.instance_id) == ("quixbugs__add_one", "quixbugs__reach")
    assert add_one.PASS_TO_PASS == [
        "tests/test_add_one.py::test_add_one[case0]",
        "tests/test_add_one.py::test_add_one[case2]",
    ]
    hidden = [f"tests/test_add_one_hidden.py::test_add_one[case{i}]" for i in range(3)]
    assert hidden == add_one.FAIL_TO_PASS, "the case the benchmark skips as slow is left out"
    assert reach.PASS_TO_PASS == ["tests/test_reach.py::test1", "tests/test_reach.py::test3"]
    assert len(reach.FAIL_TO_PASS) == 3
    files = reach.metadata["files"]
    assert set(files) == {"reach.py", "node.py", "tests/test_reach.py", "tests/conftest.py"}
    assert "from reach import reach" in files["tests/test_reach.py"]
    assert "def test2" not in files["tests/test_reach.py"]
    assert ">>> add_one(1)" in add_one.problem_statement
    assert "use_correct" not in add_one.metadata["files"]["tests/test_add_one.py"]


def test_not_a_checkout_is_a_clear_error(tmp_path):
    with pytest.raises(QuixBugsLayoutError, match="is not a QuixBugs checkout"):
        load_quixbugs(tmp_path)


@pytest.mark.docker
def test_graded_for_real(eval_ctx, checkout):
    bench = load_benchmark(f"quixbugs:{checkout}", eval_ctx)
    gold = evaluate_benchmark(eval_ctx, bench, OracleSolver(), stages=ALL, workers=2)
    assert {k: r.reason for k, r in gold.results.items() if not r.resolved} == {}
    noop = evaluate_benchmark(eval_ctx, bench, AgentSolver(NOOP_AGENT), stages=ALL, workers=2)
    assert Counter(r.outcome for r in noop.results.values()) == {"unresolved": 2}
    assert "test2" in noop.results["quixbugs__reach"].reason, "the looping case failed alone"
