"""QuixBugs adapter: the benchmark's 40 Python programs (each with a one-line bug) as SWE-bench
format tasks, read from a checkout named on the command line (`quixbugs:PATH`).

QuixBugs (Lin et al., 2017, github.com/jkoppel/QuixBugs) is public and fetched at run time;
nothing of it is committed here. Its layout: `python_programs/<name>.py` (buggy),
`correct_python_programs/<name>.py`, `python_testcases/test_<name>.py` (pytest; 31 of them read
`json_testcases/<name>.json`, 9 build graphs with `node.py`). Each program becomes one task:

- the repository: `<name>.py` (the buggy program, its documentation included), `node.py` when the
  tests use it, `tests/test_<name>.py` with every other test case (the visible tests: some fail,
  as a failing test in a bug report would) and `tests/conftest.py`, which fails a single test
  after CASE_TIMEOUT_S seconds of CPU time (several bugs loop forever);
- the problem statement: the program's name and its documentation, as an issue quoting the docs;
- the hidden tests (`test_patch`): `tests/test_<name>_hidden.py` with every test case; all of
  them are FAIL_TO_PASS (the task is resolved when the whole test suite passes, the benchmark's
  own criterion), the visible ones PASS_TO_PASS;
- the gold patch: the buggy program against the correct one (`godelbox eval --oracle` checks
  the adapter with it).

Cases the benchmark itself skips as too slow (`if input_data == ...: pytest.skip(...)`) are
left out of both test files. Test modules are rewritten only where they import: the program
from the repository root instead of `python_programs`, cases inline instead of from JSON.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from godelbox import python_ast
from godelbox.errors import UserError
from godelbox.evaluator.patching import file_diff
from godelbox.evaluator.swebench import SWEBenchmark, SWEBenchTask, materialize_files
from godelbox.evaluator.swebench_format import SWEInstance

PROGRAMS = "python_programs"
CORRECT = "correct_python_programs"
TESTS = "python_testcases"
DATA = "json_testcases"
CASE_TIMEOUT_S = 10
CASE_IDS = "case_ids"
CONFTEST = f'''"""Each test gets {CASE_TIMEOUT_S} s of CPU time: a program that loops forever fails
its test instead of hanging the suite (CPU time, not wall time: a busy machine changes nothing)."""

import signal
import threading

import pytest


@pytest.fixture(autouse=True)
def _time_limit():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise TimeoutError("test used more than {CASE_TIMEOUT_S} s of CPU time")

    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, {CASE_TIMEOUT_S})
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
'''


class QuixBugsLayoutError(UserError):
    """The path is not a QuixBugs checkout."""


def quixbugs_benchmark(root: Path) -> SWEBenchmark:
    tasks = [SWEBenchTask(inst, materializer=materialize_files) for inst in load_quixbugs(root)]
    return SWEBenchmark(name=f"quixbugs:{root}", task_list=tasks)


def load_quixbugs(root: Path) -> list[SWEInstance]:
    """One task per program that has a test module, ordered by name."""
    missing = [d for d in (PROGRAMS, CORRECT, TESTS) if not (root / d).is_dir()]
    if missing:
        raise QuixBugsLayoutError(
            f"{root} is not a QuixBugs checkout (no {', '.join(missing)}/); clone "
            "github.com/jkoppel/QuixBugs outside this repository and pass its path, e.g. "
            "quixbugs:/work/data/QuixBugs"
        )
    names = sorted(
        path.stem[len("test_") :]
        for path in (root / TESTS).glob("test_*.py")
        if (root / PROGRAMS / f"{path.stem[len('test_') :]}.py").is_file()
    )
    if not names:
        raise QuixBugsLayoutError(f"{root / TESTS} has no test_<program>.py for any program")
    return [_instance(root, name) for name in names]


def _instance(root: Path, name: str) -> SWEInstance:
    buggy = _read(root / PROGRAMS / f"{name}.py")
    correct = _read(root / CORRECT / f"{name}.py")
    tests = _read(root / TESTS / f"test_{name}.py")
    data = _cases(root / DATA / f"{name}.json")
    visible_file, hidden_file = f"tests/test_{name}.py", f"tests/test_{name}_hidden.py"
    visible, visible_ids = _test_module(tests, name, data, visible_file, keep=lambda i: i % 2 == 0)
    hidden, hidden_ids = _test_module(tests, name, data, hidden_file, keep=lambda _i: True)
    files = {f"{name}.py": buggy, visible_file: visible, "tests/conftest.py": CONFTEST}
    if "node" in tests:
        files["node.py"] = _read(root / TESTS / "node.py")
    return SWEInstance(
        instance_id=f"quixbugs__{name}",
        repo="quixbugs",
        base_commit="",
        problem_statement=_problem(name, buggy),
        patch=file_diff(f"{name}.py", buggy, correct),
        test_patch=file_diff(hidden_file, "", hidden),
        FAIL_TO_PASS=hidden_ids,
        PASS_TO_PASS=visible_ids,
        split="quixbugs",
        metadata={"files": files, "program": name},
    )


def _problem(name: str, program: str) -> str:
    docs = [
        node.value.value
        for node in python_ast.parse(program).body
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    ]
    text = "\n".join(str(d).strip("\n") for d in docs if isinstance(d, str))
    return (
        f"`{name}` gives wrong results\n\n"
        f"`{name}` in `{name}.py` does not do what its documentation says:\n\n{text}\n"
    )


def _cases(path: Path) -> list[Any] | None:
    if not path.is_file():
        return None
    return [json.loads(line) for line in _read(path).splitlines() if line.strip()]


def _test_module(
    source: str, name: str, data: list[Any] | None, path: str, keep: Any
) -> tuple[str, list[str]]:
    """The test module rewritten to import the program from the repository root and to hold
    its cases inline, keeping the cases (or test functions) `keep(index)` selects; with the
    node ids of the tests it holds."""
    tree = python_ast.parse(source)
    body: list[ast.stmt] = [python_ast.parse(f"from {name} import {name}").body[0]]
    tests: list[ast.FunctionDef] = []
    cases = None
    for stmt in tree.body:
        if _is_program_import(stmt) or _imports(stmt, "load_testdata"):
            continue
        if _loads_cases(stmt):
            continue
        if isinstance(stmt, ast.FunctionDef) and stmt.name.startswith("test"):
            tests.append(stmt)
            if data is not None:
                _name_cases(stmt)
        body.append(stmt)
    ids: list[str] = []
    if data is not None:
        skipped = [_skipped(t) for t in tests]
        runnable = [c for c in data if not any(c[0] in s for s in skipped)]
        cases = [(i, c) for i, c in enumerate(runnable) if keep(i)]
        ids = [f"{path}::{t.name}[case{i}]" for t in tests for i, _ in cases]
    else:
        kept = [t for i, t in enumerate(tests) if keep(i)]
        body = [s for s in body if not isinstance(s, ast.FunctionDef) or s in kept]
        ids = [f"{path}::{t.name}" for t in kept]
    text = ast.unparse(ast.Module(body=body, type_ignores=[]))
    text = text.replace("pytest.run_slow", "False")
    if cases is not None:
        rows = "".join(f"    [{case[0]!r}, {case[1]!r}],\n" for _i, case in cases)
        names = ", ".join(f"'case{i}'" for i, _case in cases)
        text = f"import pytest\n\ntestdata = [\n{rows}]\n{CASE_IDS} = [{names}]\n\n{text}\n"
    return text + ("" if text.endswith("\n") else "\n"), ids


def _name_cases(test: ast.FunctionDef) -> None:
    """`ids=CASE_IDS` on the test's parametrisation over `testdata`, so a case keeps the id of
    its place in the benchmark's JSON whichever module holds it. The cases stay plain lists
    (not pytest.param) because some modules reshape them first (`testdata = [... for inp, out in
    testdata]`)."""
    for decorator in test.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and ast.unparse(decorator.func) == "pytest.mark.parametrize"
            and any(isinstance(a, ast.Name) and a.id == "testdata" for a in decorator.args)
            and not any(k.arg == "ids" for k in decorator.keywords)
        ):
            decorator.keywords.append(ast.keyword("ids", ast.Name(CASE_IDS, ast.Load())))


def _is_program_import(stmt: ast.stmt) -> bool:
    """`if pytest.use_correct: from correct_python_programs... else: from python_programs...`"""
    return isinstance(stmt, ast.If) and "use_correct" in ast.unparse(stmt.test)


def _imports(stmt: ast.stmt, module: str) -> bool:
    return isinstance(stmt, ast.ImportFrom) and stmt.module == module


def _loads_cases(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Assign) and "load_json_testcases" in ast.unparse(stmt.value)


def _skipped(test: ast.FunctionDef) -> list[Any]:
    """Inputs the benchmark's test skips: `if ... input_data == <literal>: pytest.skip(...)`."""
    found = []
    for node in ast.walk(test):
        if not (isinstance(node, ast.If) and "pytest.skip" in ast.unparse(node)):
            continue
        for compare in ast.walk(node.test):
            if (
                isinstance(compare, ast.Compare)
                and isinstance(compare.left, ast.Name)
                and compare.left.id == "input_data"
                and isinstance(compare.ops[0], ast.Eq)
            ):
                try:
                    found.append(ast.literal_eval(compare.comparators[0]))
                except ValueError:
                    continue
    return found


def _read(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text if text.endswith("\n") else text + "\n"
