"""pytest as a `TestRunner`: how the grader runs it and reads per-test outcomes.

The grader never trusts the repository's own pytest configuration: it passes its own ini file
(`-c`), its own `--rootdir`, `-p no:cacheprovider`, disables plugin autoloading, and starts
`python3 -I -B` (no environment variables, no user site, no working directory or script
directory on `sys.path`, no bytecode written), so neither a `pytest.py` nor a `sitecustomize.py`
in the repository can stand in for anything. Outcomes come from godelbox's reporter
(`grader/pytest_session.py`), which writes exact node ids to the event pipe the supervisor
opened, never to a file: there is no report path for the code under test to find or rewrite.
"""

from __future__ import annotations

import ast
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from godelbox import python_ast
from godelbox.evaluator.controls import python_controls
from godelbox.evaluator.results import TestOutcome
from godelbox.evaluator.test_runner import ControlSet, SessionResult, SessionSpec, TestReport

GRADER_FILES = ("supervise.py", "pytest_session.py")

INI_TEMPLATE = """\
[pytest]
# The grader's own configuration: the repository's ini files are not read. Paths here are
# relative to this file, so the repository root (and a src/ layout) is given absolutely.
pythonpath = {rootdir} {rootdir}/src
"""
KNOWN_OUTCOMES = frozenset({"passed", "failed", "error", "skipped"})


def grader_files(dest: Path, rootdir: str) -> None:
    """Write the supervisor, the pytest session program and the ini file into `dest`;
    `rootdir` is where the repository will be when pytest runs."""
    dest.mkdir(parents=True, exist_ok=True)
    package = Path(__file__).resolve().parent / "grader"
    for name in GRADER_FILES:
        (dest / name).write_bytes((package / name).read_bytes())
    (dest / "pytest.ini").write_text(INI_TEMPLATE.format(rootdir=rootdir), encoding="utf-8")


@dataclass(frozen=True)
class PytestRunner:
    """Python tests through pytest; `python` is the interpreter that has pytest (a prebuilt
    SWE-bench image may keep it in its own environment)."""

    grader_dir: str
    rootdir: str
    python: str = "python3"
    name: str = "pytest"

    def expected_tests(self, files: Mapping[str, str]) -> list[str]:
        return [test_id for path in sorted(files) for test_id in declared_tests(path, files[path])]

    def controls(
        self,
        files: Mapping[str, str],
        test_ids: Sequence[str],
        rng: random.Random,
        seen: Mapping[str, str] | None = None,
    ) -> ControlSet:
        return python_controls(files, test_ids, rng, seen)

    def session(self, test_files: Sequence[str]) -> SessionSpec:
        argv = [
            self.python,
            "-I",
            "-B",
            f"{self.grader_dir}/pytest_session.py",
            "-c",
            f"{self.grader_dir}/pytest.ini",
            f"--rootdir={self.rootdir}",
            "-p",
            "no:cacheprovider",
            "-q",
            "--no-header",
            "-rN",
            *test_files,
        ]
        env = {
            "HOME": "/tmp",
            "TMPDIR": "/tmp",
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "PYTEST_ADDOPTS": "",
        }
        return SessionSpec(argv=argv, env=env, events=True)

    def read(self, session: SessionResult) -> TestReport:
        return read_events(session.events)


def read_events(text: str) -> TestReport:
    """The reporter's records, folded into one outcome per node id: the call phase decides
    (an xfail counts as passed when it failed as expected), a failing setup or teardown makes
    the test an error, a skip counts only when nothing else was reported."""
    outcomes: dict[str, TestOutcome] = {}
    collected: set[str] | None = None
    errors: list[str] = []
    finished: int | None = None
    for line in text.splitlines():
        record = _record(line)
        if record is None:
            continue
        if isinstance(record.get("collected"), list):
            collected = (collected or set()) | {str(i) for i in record["collected"]}
        elif "collect_error" in record:
            errors.append(str(record["collect_error"]))
        elif "finished" in record and isinstance(record["finished"], int):
            finished = record["finished"]
        elif "test" in record:
            _fold(outcomes, record)
    return TestReport(
        outcomes=outcomes,
        finished=finished is not None,
        exit_expected=finished,
        collected=frozenset(collected) if collected is not None else None,
        collect_errors=tuple(errors),
    )


def _record(line: str) -> dict | None:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) else None


def _fold(outcomes: dict[str, TestOutcome], record: dict) -> None:
    node_id, when, outcome = str(record["test"]), record.get("when"), record.get("outcome")
    if outcome not in KNOWN_OUTCOMES:
        return
    if when == "call":
        if record.get("xfail"):
            outcomes[node_id] = "passed" if outcome == "skipped" else "failed"
        else:
            outcomes[node_id] = outcome
    elif outcome == "failed":
        outcomes[node_id] = "error"
    elif outcome == "skipped":
        outcomes.setdefault(node_id, "skipped")


def declared_tests(path: str, text: str) -> list[str]:
    """Node ids pytest would collect from a test file, found without running it: module-level
    `test*` functions, and `test*` methods of `Test*` classes or of `...TestCase` subclasses.
    Parametrised functions appear once, by name (see `expected_outcomes`)."""
    try:
        tree = python_ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    ids: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            ids.append(f"{path}::{node.name}")
        elif isinstance(node, ast.ClassDef) and _collected_class(node):
            ids += [
                f"{path}::{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                and item.name.startswith("test")
            ]
    return list(dict.fromkeys(ids))


def _collected_class(node: ast.ClassDef) -> bool:
    if any(ast.unparse(base).endswith("TestCase") for base in node.bases):
        return True
    has_init = any(isinstance(i, ast.FunctionDef) and i.name == "__init__" for i in node.body)
    return node.name.startswith("Test") and not has_init


def expected_outcomes(
    expected: Iterable[str], reported: Mapping[str, TestOutcome]
) -> dict[str, TestOutcome]:
    """Outcomes of the expected ids: an id reported under its own name, or the parametrised
    instances of it (`id[...]`, all of them), else `missing`."""
    out: dict[str, TestOutcome] = {}
    for test_id in expected:
        if test_id in reported:
            out[test_id] = reported[test_id]
            continue
        instances = {k: v for k, v in reported.items() if k.startswith(test_id + "[")}
        out.update(instances or {test_id: "missing"})
    return out


def outcomes_for(
    test_ids: Iterable[str], reported: Mapping[str, TestOutcome]
) -> dict[str, TestOutcome]:
    return {test_id: reported.get(test_id, "missing") for test_id in test_ids}


def test_files(test_ids: Iterable[str]) -> list[str]:
    """The files holding `test_ids`, in first-seen order: running whole files means an id that
    no longer exists is reported missing instead of aborting the whole pytest run."""
    return list(dict.fromkeys(test_id.split("::", 1)[0] for test_id in test_ids))
