"""Mutant tasks made from the built-in suite's fixed programs: each operator's edits, the kill
check (real pytest), the cache, the spec, and grading through the real harness (the gold patch
resolves every mutant, doing nothing resolves none)."""

from __future__ import annotations

import ast
from collections import Counter

import pytest

from godelbox.config import StageSection
from godelbox.evaluator import builtin, mutants
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.evaluation import AgentSolver, OracleSolver, evaluate_benchmark
from godelbox.evaluator.mutants import MutantSpecError, candidates, load_mutants, run_tests
from tests.evaluator.eval_helpers import NOOP_AGENT

SOURCE = """def f(a, b, items):
    total = (a + b) * 2
    if a < b and items:
        return total
    while not items:
        items = [total]
    return items[0] if a == b else -1
"""


def _applied(operator: str) -> list[str]:
    return [m.apply(SOURCE) for m in candidates("m.py", SOURCE) if m.operator == operator]


def _line(text: str, number: int) -> str:
    return text.splitlines()[number - 1].strip()


def test_each_operator_edits_its_token_and_nothing_else():
    aor = _applied("AOR")
    assert "total = (a - b) * 2" in {_line(t, 2) for t in aor}
    assert "total = (a + b) // 2" in {_line(t, 2) for t in aor}
    assert len(aor) == 2 * 6, "two arithmetic sites, six other operators each"
    ror = {_line(t, 3) for t in _applied("ROR")} | {_line(t, 7) for t in _applied("ROR")}
    assert "if a <= b and items:" in ror
    assert "return items[0] if a != b else -1" in ror
    assert {_line(t, 3) for t in _applied("LCR")} == {"if a < b or items:"}
    uoi = _applied("UOI")
    assert {_line(t, 3) for t in uoi} >= {"if not (a < b and items):"}
    assert "while items:" in {_line(t, 5) for t in uoi}, "an existing `not` is removed"
    assert "return items[0] if not a == b else -1" not in {_line(t, 7) for t in uoi}
    for text in aor + _applied("ROR") + _applied("LCR") + uoi:
        ast.parse(text)
        assert len(text.splitlines()) == len(SOURCE.splitlines())


def test_a_surviving_mutant_yields_no_failing_test(tmp_path):
    module = "def double(x):\n    return x * 2\n"
    tests = "from double import double\n\n\ndef test_zero():\n    assert double(0) == 0\n"
    files = {"double.py": module, "tests/test_double.py": tests}
    assert run_tests(files, tmp_path / "a") == []
    killed = dict(
        files,
        **{"tests/test_double.py": tests + "\n\ndef test_two():\n    assert double(2) == 4\n"},
    )
    killed["double.py"] = module.replace("2", "3")
    assert run_tests(killed, tmp_path / "b") == ["tests/test_double.py::test_two"]
    looping = {
        "spin.py": "",
        "tests/test_spin.py": "def test_spin():\n    while True:\n        pass\n",
    }
    mutants_timeout = mutants.TIMEOUT_S
    try:
        mutants.TIMEOUT_S = 2.0
        assert run_tests(looping, tmp_path / "c") is None, "a run that does not end keeps nothing"
    finally:
        mutants.TIMEOUT_S = mutants_timeout


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return cache, load_mutants(builtin.load_builtin("seen"), 4, cache=cache)


def test_mutants_rotate_operators_and_only_killed_ones_are_kept(made, tmp_path):
    _cache, tasks = made
    assert sorted(t.metadata["operator"] for t in tasks) == ["AOR", "LCR", "ROR", "UOI"]
    seen = {t.instance_id for t in builtin.load_builtin("seen")}
    assert all(t.metadata["base"] in seen for t in tasks), "no mutant of an unseen task"
    for i, task in enumerate(tasks):
        files = task.metadata["files"]
        failing = run_tests(files, tmp_path / f"m{i}")
        assert failing, f"{task.instance_id}: the visible suite kills the mutant"
        for test_id in failing:
            assert test_id.split("::")[-1].split("[")[0] in task.problem_statement
        assert task.FAIL_TO_PASS and all("_hidden.py::" in t for t in task.FAIL_TO_PASS)
        assert not set(task.FAIL_TO_PASS) & set(task.PASS_TO_PASS)


def test_mutants_are_cached_and_made_the_same_way_twice(made, monkeypatch, tmp_path):
    cache, tasks = made
    monkeypatch.setattr(mutants, "make_mutants", lambda *a: pytest.fail("made again"))
    again = load_mutants(builtin.load_builtin("seen"), 4, cache=cache)
    assert [t.instance_id for t in again] == [t.instance_id for t in tasks]
    assert again[0].metadata["files"] == tasks[0].metadata["files"]
    monkeypatch.undo()
    fresh = load_mutants(builtin.load_builtin("seen"), 1, cache=tmp_path)
    assert fresh[0].patch == tasks[0].patch, "made again from nothing, the first is the same"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("mutants:", "name a built-in split"),
        ("mutants:seen#x", "must be a number"),
        ("mutants:seen#0", "at least one"),
    ],
)
def test_bad_specs_are_clear_errors(spec, message):
    with pytest.raises(MutantSpecError, match=message):
        load_benchmark(spec)


@pytest.mark.docker
def test_graded_for_real(eval_ctx, made, monkeypatch):
    cache, _tasks = made
    monkeypatch.setattr(mutants, "cache_dir", lambda: cache)
    bench = load_benchmark("mutants:seen#4", eval_ctx)
    stages = [StageSection(tasks=None)]
    gold = evaluate_benchmark(eval_ctx, bench, OracleSolver(), stages=stages, workers=2)
    assert {k: r.reason for k, r in gold.results.items() if not r.resolved} == {}
    noop = evaluate_benchmark(eval_ctx, bench, AgentSolver(NOOP_AGENT), stages=stages, workers=2)
    assert Counter(r.outcome for r in noop.results.values()) == {"unresolved": 4}
