"""SWE-bench's own test commands, log parsers and resolution rule, for every Verified repository.

The official harness runs, per repository (and version), one test command over the test files
the instance's `test_patch` touches (Django's as dotted modules), between two markers, and reads
the log with a per-repository parser into a status map (`PASSED`, `FAILED`, `SKIPPED`, `ERROR`,
`XFAIL`). An instance is RESOLVED_FULL when every FAIL_TO_PASS and PASS_TO_PASS test passes,
RESOLVED_PARTIAL when some but not all FAIL_TO_PASS pass and every PASS_TO_PASS is kept, else
RESOLVED_NO. A test counts as passed when PASSED or XFAIL; a PASS_TO_PASS test may also be
SKIPPED; a test absent from the log is not passed. A log whose command exited non-zero while
reporting no failure is not a description of the run (the harness's own cross-check).

Written from the harness's documented behaviour (docs/benchmarks.md lists the sources); the
parsers reproduce its quirks on purpose, so a status map here equals the official one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from godelbox.evaluator.controls import python_controls
from godelbox.evaluator.results import TestOutcome
from godelbox.evaluator.test_runner import (
    Control,
    ControlSet,
    SessionResult,
    SessionSpec,
    TestReport,
)


class Status(StrEnum):
    FAILED = "FAILED"
    PASSED = "PASSED"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"
    XFAIL = "XFAIL"


class Resolution(StrEnum):
    FULL = "RESOLVED_FULL"
    PARTIAL = "RESOLVED_PARTIAL"
    NO = "RESOLVED_NO"


START_TEST_OUTPUT = ">>>>> Start Test Output"
END_TEST_OUTPUT = ">>>>> End Test Output"
TEST_EXIT_CODE = ">>>>> Test Exit Code"

NON_TEST_EXTS = (".json", ".png", "csv", ".txt", ".md", ".jpg", ".jpeg", ".pkl", ".yml")
NON_TEST_EXTS += (".yaml", ".toml")

StatusMap = dict[str, str]
Parser = Callable[[str], StatusMap]


# -- log parsers ------------------------------------------------------------------------------

_STATUSES = tuple(s.value for s in Status)
_SKIP_COUNT = re.compile(r"^\[\d+\]$")


def _skip_summary(status: str, name: str) -> bool:
    """pytest's `SKIPPED [N] path:line: reason` summary line: `[N]` is not a test."""
    return status == Status.SKIPPED.value and bool(_SKIP_COUNT.match(name))


def parse_pytest(log: str) -> StatusMap:
    """`pytest -rA`: the short summary's `STATUS node-id` lines."""
    statuses: StatusMap = {}
    for line in log.split("\n"):
        if line.startswith(_STATUSES):
            if line.startswith(Status.FAILED.value):
                line = line.replace(" - ", " ")
            parts = line.split()
            if len(parts) > 1 and not _skip_summary(parts[0], parts[1]):
                statuses[parts[1]] = parts[0]
    return statuses


_OPTION = re.compile(r"(.*?)\[(.*)\]")


def parse_pytest_options(log: str) -> StatusMap:
    """As `parse_pytest`, but a parameter that is an absolute path keeps only its last part
    (requests, pylint): ids must not depend on where the repository was checked out."""
    statuses: StatusMap = {}
    for line in log.split("\n"):
        if line.startswith(_STATUSES):
            if line.startswith(Status.FAILED.value):
                line = line.replace(" - ", " ")
            parts = line.split()
            if len(parts) <= 1 or _skip_summary(parts[0], parts[1]):
                continue
            match = _OPTION.search(parts[1])
            name = parts[1]
            if match:
                main, option = match.groups()
                if option.startswith("/") and not option.startswith("//") and "*" not in option:
                    option = "/" + option.split("/")[-1]
                name = f"{main}[{option}]"
            statuses[name] = parts[0]
    return statuses


_CONTROL_CHARS = str.maketrans("", "", "".join(chr(c) for c in range(1, 32)))
_COLOUR = re.compile(r"\[(\d+)m")


def parse_pytest_v2(log: str) -> StatusMap:
    """Later pytest (astropy, scikit-learn, sphinx): colour codes stripped, ids may contain
    spaces, a FAILED line's message cut at ` - `, and `node-id STATUS` lines of `-v` too."""
    statuses: StatusMap = {}
    for raw in log.split("\n"):
        line = _COLOUR.sub("", raw).translate(_CONTROL_CHARS)
        if line.startswith(_STATUSES):
            if line.startswith(Status.FAILED.value):
                line = line.split(" - ", 1)[0]
            parts = line.split()
            if len(parts) >= 2 and not _skip_summary(parts[0], parts[1]):
                statuses[" ".join(parts[1:])] = parts[0]
        elif line.endswith(_STATUSES):
            parts = line.split()
            if len(parts) >= 2:
                statuses[" ".join(parts[:-1])] = parts[-1]
    return statuses


def parse_matplotlib(log: str) -> StatusMap:
    """`parse_pytest` with mouse-button enum names folded to the numbers in the dataset."""
    return parse_pytest(log.replace("MouseButton.LEFT", "1").replace("MouseButton.RIGHT", "3"))


def parse_seaborn(log: str) -> StatusMap:
    statuses: StatusMap = {}
    for line in log.split("\n"):
        parts = line.split()
        if len(parts) < 2:
            continue
        if line.startswith(Status.FAILED.value):
            statuses[parts[1]] = Status.FAILED.value
        elif f" {Status.PASSED.value} " in line:
            if parts[1] == Status.PASSED.value:
                statuses[parts[0]] = Status.PASSED.value
        elif line.startswith(Status.PASSED.value):
            statuses[parts[1]] = Status.PASSED.value
    return statuses


_DJANGO_PASS = (" ... ok", " ... OK", " ...  OK")
_DJANGO_INTERRUPTED = (
    r"^(.*?)\s\.\.\.\sTesting\ against\ Django\ installed\ in\ ((?s:.*?))\ silenced\)\.\nok$",
    r"^(.*?)\s\.\.\.\sInternal\ Server\ Error:\ \/(.*)\/\nok$",
    r"^(.*?)\s\.\.\.\sSystem check identified no issues \(0 silenced\)\nok$",
)


def parse_django(log: str) -> StatusMap:
    """Django's `runtests.py --verbosity 2`: `name (module.Class) ... ok|FAIL|ERROR|skipped`,
    the `FAIL:` / `ERROR:` headers, and an `ok` alone on a line after a test that printed."""
    statuses: StatusMap = {}
    previous = None
    for raw in log.split("\n"):
        line = raw.strip()
        if "--version is equivalent to version" in line:
            statuses["--version is equivalent to version"] = Status.PASSED.value
        if " ... " in line:
            previous = line.split(" ... ")[0]
        for suffix in _DJANGO_PASS:
            if line.endswith(suffix):
                if line.startswith("Applying sites.0002_alter_domain_unique...test_no_migrations"):
                    line = line.split("...", 1)[-1].strip()
                statuses[line.rsplit(suffix, 1)[0]] = Status.PASSED.value
                break
        if " ... skipped" in line:
            statuses[line.split(" ... skipped")[0]] = Status.SKIPPED.value
        if line.endswith(" ... FAIL"):
            statuses[line.split(" ... FAIL")[0]] = Status.FAILED.value
        if line.startswith("FAIL:"):
            statuses[line.split()[1].strip()] = Status.FAILED.value
        if line.endswith(" ... ERROR"):
            statuses[line.split(" ... ERROR")[0]] = Status.ERROR.value
        if line.startswith("ERROR:"):
            statuses[line.split()[1].strip()] = Status.ERROR.value
        if line.lstrip().startswith("ok") and previous is not None:
            statuses[previous] = Status.PASSED.value
    for pattern in _DJANGO_INTERRUPTED:
        for match in re.finditer(pattern, log, re.MULTILINE):
            statuses[match.group(1)] = Status.PASSED.value
    return statuses


_SYMPY_HEADER = re.compile(r"(_*) (.*)\.py:(.*) (_*)")


def parse_sympy(log: str) -> StatusMap:
    """sympy's `bin/test --verbose`: `test_name ok|F|E` lines, and the `___ path.py:test ___`
    headers of the failure section."""
    statuses: StatusMap = {}
    for match in _SYMPY_HEADER.findall(log):
        statuses[f"{match[1]}.py:{match[2]}"] = Status.FAILED.value
    for raw in log.split("\n"):
        line = raw.strip()
        if line.startswith("test_"):
            if line.endswith(" E"):
                statuses[line.split()[0]] = Status.ERROR.value
            if line.endswith(" F"):
                statuses[line.split()[0]] = Status.FAILED.value
            if line.endswith(" ok"):
                statuses[line.split()[0]] = Status.PASSED.value
    return statuses


# -- per-repository specs ---------------------------------------------------------------------

TEST_PYTEST = "pytest -rA"
TEST_ASTROPY_PYTEST = "pytest -rA -vv -o console_output_style=classic --tb=no"
TEST_DJANGO = "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1"
TEST_DJANGO_NO_PARALLEL = "./tests/runtests.py --verbosity 2"
TEST_SEABORN = "pytest --no-header -rA"
TEST_SPHINX = "tox --current-env -epy39 -v --"
TEST_SYMPY = "PYTHONWARNINGS='ignore::UserWarning,ignore::SyntaxWarning' bin/test -C --verbose"


@dataclass(frozen=True)
class RepoSpec:
    parser: Parser
    test_cmd: Callable[[str], str]
    """The test command for an instance's `version`."""


def _fixed(cmd: str) -> Callable[[str], str]:
    return lambda _version: cmd


def _django_cmd(version: str) -> str:
    return TEST_DJANGO_NO_PARALLEL if version == "1.9" else TEST_DJANGO


def _astropy_cmd(version: str) -> str:
    early = {"0.1", "0.2", "0.3", "0.4", "1.1", "1.2", "1.3"}
    return TEST_ASTROPY_PYTEST if version in early else TEST_PYTEST


REPOS: dict[str, RepoSpec] = {
    "astropy/astropy": RepoSpec(parse_pytest_v2, _astropy_cmd),
    "django/django": RepoSpec(parse_django, _django_cmd),
    "matplotlib/matplotlib": RepoSpec(parse_matplotlib, _fixed(TEST_PYTEST)),
    "mwaskom/seaborn": RepoSpec(parse_seaborn, _fixed(TEST_SEABORN)),
    "pallets/flask": RepoSpec(parse_pytest, _fixed(TEST_PYTEST)),
    "psf/requests": RepoSpec(parse_pytest_options, _fixed(TEST_PYTEST)),
    "pydata/xarray": RepoSpec(parse_pytest, _fixed(TEST_PYTEST)),
    "pylint-dev/pylint": RepoSpec(parse_pytest_options, _fixed(TEST_PYTEST)),
    "pytest-dev/pytest": RepoSpec(parse_pytest, _fixed(TEST_PYTEST)),
    "scikit-learn/scikit-learn": RepoSpec(parse_pytest_v2, _fixed(TEST_PYTEST)),
    "sphinx-doc/sphinx": RepoSpec(parse_pytest_v2, _fixed(TEST_SPHINX)),
    "sympy/sympy": RepoSpec(parse_sympy, _fixed(TEST_SYMPY)),
}
"""The twelve repositories of SWE-bench Verified (Lite and full SWE-bench use the same)."""


def test_directives(repo: str, test_patch: str) -> list[str]:
    """The test files `test_patch` touches, non-test files dropped; Django's as the dotted
    module names `runtests.py` takes (`tests/a/b.py` -> `a.b`)."""
    paths = re.findall(r"diff --git a/.* b/(.*)", test_patch)
    paths = [p for p in paths if not p.endswith(NON_TEST_EXTS)]
    if repo != "django/django":
        return paths
    modules = []
    for path in paths:
        path = path.removesuffix(".py")
        path = path.removeprefix("tests/")
        modules.append(path.replace("/", "."))
    return modules


def test_command(repo: str, version: str, test_patch: str) -> str | None:
    """The official command line for an instance, or None for a repository outside the map."""
    spec = REPOS.get(repo)
    if spec is None:
        return None
    return " ".join([spec.test_cmd(version), *test_directives(repo, test_patch)])


def official_image(instance_id: str, *, namespace: str | None = None, arch: str = "x86_64") -> str:
    """The harness's instance image name: `sweb.eval.x86_64.<id>:latest` as built locally,
    `<namespace>/sweb.eval.x86_64.<id with __ as _1776_>:latest` as published."""
    key = f"sweb.eval.{arch}.{instance_id.lower()}:latest"
    return f"{namespace}/{key}".replace("__", "_1776_") if namespace else key


# -- grading -----------------------------------------------------------------------------------


def read_log(content: str, repo: str) -> tuple[StatusMap, bool]:
    """The status map of a harness log and whether the log is valid: both markers present,
    something parsed, and no non-zero exit without a reported failure."""
    spec = REPOS[repo]
    if START_TEST_OUTPUT not in content or END_TEST_OUTPUT not in content:
        return {}, False
    inside = content.split(START_TEST_OUTPUT, 1)[1].split(END_TEST_OUTPUT, 1)[0]
    statuses = spec.parser(inside) or spec.parser(content)
    if not statuses:
        return {}, False
    match = re.search(rf"{re.escape(TEST_EXIT_CODE)}:\s*(-?\d+)", content)
    code = int(match.group(1)) if match else None
    failing = {Status.FAILED.value, Status.ERROR.value}
    if code not in (None, 0) and not failing & set(statuses.values()):
        return {}, False
    return statuses, True


def _resolve_case(case: str, statuses: StatusMap) -> str | None:
    """The status map's key for `case`; an id cut inside its parameter (more `[` than `]`, as
    hundreds of Verified ids are) matches by prefix when all candidates agree pass-vs-fail."""
    if case in statuses:
        return case
    if case.count("[") > case.count("]"):
        matches = [k for k in statuses if k.startswith(case)]
        passing = {Status.PASSED.value, Status.XFAIL.value}
        if matches and len({statuses[k] in passing for k in matches}) == 1:
            return matches[0]
    return None


def test_passed(case: str, statuses: StatusMap) -> bool:
    key = _resolve_case(case, statuses)
    return key is not None and statuses[key] in (Status.PASSED.value, Status.XFAIL.value)


def test_maintained(case: str, statuses: StatusMap) -> bool:
    """PASS_TO_PASS: a skipped test is not a regression."""
    key = _resolve_case(case, statuses)
    return test_passed(case, statuses) or (
        key is not None and statuses[key] == Status.SKIPPED.value
    )


@dataclass(frozen=True)
class TestsReport:
    """The harness's `tests_status`: success and failure lists per category."""

    f2p_success: list[str]
    f2p_failure: list[str]
    p2p_success: list[str]
    p2p_failure: list[str]

    def to_dict(self) -> dict[str, dict[str, list[str]]]:
        return {
            "FAIL_TO_PASS": {"success": self.f2p_success, "failure": self.f2p_failure},
            "PASS_TO_PASS": {"success": self.p2p_success, "failure": self.p2p_failure},
            "FAIL_TO_FAIL": {"success": [], "failure": []},
            "PASS_TO_FAIL": {"success": [], "failure": []},
        }


def tests_report(
    statuses: StatusMap, fail_to_pass: Sequence[str], pass_to_pass: Sequence[str]
) -> TestsReport:
    f2p_ok = [t for t in fail_to_pass if test_passed(t, statuses)]
    p2p_ok = [t for t in pass_to_pass if test_maintained(t, statuses)]
    return TestsReport(
        f2p_ok,
        [t for t in fail_to_pass if t not in f2p_ok],
        p2p_ok,
        [t for t in pass_to_pass if t not in p2p_ok],
    )


def resolution(report: TestsReport) -> Resolution:
    f2p_total = len(report.f2p_success) + len(report.f2p_failure)
    p2p_total = len(report.p2p_success) + len(report.p2p_failure)
    f2p = len(report.f2p_success) / f2p_total if f2p_total else 1.0
    p2p = len(report.p2p_success) / p2p_total if p2p_total else 1.0
    if f2p == 1 and p2p == 1:
        return Resolution.FULL
    if 0 < f2p < 1 and p2p == 1:
        return Resolution.PARTIAL
    return Resolution.NO


_OUTCOMES: dict[str, TestOutcome] = {
    Status.PASSED.value: "passed",
    Status.XFAIL.value: "passed",
    Status.FAILED.value: "failed",
    Status.ERROR.value: "error",
    Status.SKIPPED.value: "skipped",
}


def outcomes(statuses: StatusMap, test_ids: Sequence[str]) -> dict[str, TestOutcome]:
    """Per-test outcomes in godelbox's vocabulary for the listed ids."""
    result: dict[str, TestOutcome] = {}
    for test_id in test_ids:
        key = _resolve_case(test_id, statuses)
        result[test_id] = _OUTCOMES.get(statuses[key], "error") if key else "missing"
    return result


# -- running under the grading supervisor ------------------------------------------------------

HARNESS_OUTPUT_CAP = 600_000
"""Bytes of the test log kept (head and tail): the log parsers' whole input."""

_SESSION = f"""\
# The official harness's test step: its markers around the repository's own test command,
# then the command's exit code. An official image's conda environment is activated.
if [ -f /opt/miniconda3/bin/activate ]; then
  . /opt/miniconda3/bin/activate && conda activate testbed
fi
echo "{START_TEST_OUTPUT}"
bash -c "$GODELBOX_TEST_COMMAND" < /dev/null
code=$?
echo "{END_TEST_OUTPUT}"
echo "{TEST_EXIT_CODE}: $code"
exit $code
"""


def test_files(test_patch: str) -> list[str]:
    """The files `test_patch` touches that hold tests: watched during the run, and the ones
    whose tests get control twins."""
    paths = re.findall(r"diff --git a/.* b/(.*)", test_patch)
    return list(dict.fromkeys(p for p in paths if p.endswith(".py")))


@dataclass(frozen=True)
class HarnessRunner:
    """A Verified repository's official test command and log parser as a `TestRunner`: the
    command runs under the grading supervisor like any other session, the log is read with
    the repository's parser, and the harness's rules (a test passed when PASSED or XFAIL, a
    PASS_TO_PASS test kept when also SKIPPED, ids cut inside their parameter matched by
    prefix) turn it into per-test outcomes for the grading core. The log is a claim made by the
    process that ran the answer: the control run decides whether to believe it."""

    __test__ = False

    repo: str
    command: str
    fail_to_pass: tuple[str, ...]
    pass_to_pass: tuple[str, ...]
    rootdir: str
    """Where the graded copy sits: put ahead of an official image's install of /testbed."""
    name: str = "swebench-harness"

    def expected_tests(self, files: Mapping[str, str]) -> list[str]:
        return list(dict.fromkeys([*self.fail_to_pass, *self.pass_to_pass]))

    def controls(
        self,
        files: Mapping[str, str],
        test_ids: Sequence[str],
        rng: random.Random,
        seen: Mapping[str, str] | None = None,
    ) -> ControlSet:
        """The Python control twins, found by the pytest node id each harness id names."""
        nodes = {node: test_id for test_id in test_ids if (node := node_id(test_id, files))}
        made = python_controls(files, list(nodes), rng, seen)
        return ControlSet(
            files=made.files,
            controls={
                nodes[node]: Control(nodes[node], ctl.description)
                for node, ctl in made.controls.items()
            },
        )

    def session(self, test_files: Sequence[str]) -> SessionSpec:
        return SessionSpec(
            argv=["bash", "-c", _SESSION, "harness"],
            env={
                "GODELBOX_TEST_COMMAND": self.command,
                "PYTHONPATH": self.rootdir,
                "HOME": "/tmp",
                "TMPDIR": "/tmp",
            },
            output_cap=HARNESS_OUTPUT_CAP,
        )

    def read(self, session: SessionResult) -> TestReport:
        statuses, valid = read_log(session.output, self.repo)
        outcomes: dict[str, TestOutcome] = {}
        for test_id in dict.fromkeys([*self.fail_to_pass, *self.pass_to_pass]):
            kept = test_id in self.pass_to_pass and test_maintained(test_id, statuses)
            key = _resolve_case(test_id, statuses)
            if kept or test_passed(test_id, statuses):
                outcomes[test_id] = "passed"
            elif key is not None:
                outcomes[test_id] = _OUTCOMES.get(statuses[key], "error")
        finished = valid and re.search(rf"{re.escape(TEST_EXIT_CODE)}:\s*-?\d+", session.output)
        return TestReport(outcomes, finished=bool(finished))


_DJANGO_ID = re.compile(r"^(\w+) \(([\w.]+)\)")


def node_id(test_id: str, files: Mapping[str, str]) -> str | None:
    """The pytest node id of a harness id, when its file is among `files`: pytest ids as they
    are, Django's `test_x (app.tests.Class)` as `tests/app/tests.py::Class::test_x`, sympy's
    bare `test_x` in the one file that defines it."""
    if "::" in test_id:
        return test_id if test_id.split("::", 1)[0] in files else None
    django = _DJANGO_ID.match(test_id)
    if django:
        method, dotted = django.groups()
        dotted = dotted.removesuffix("." + method)  # Django 4.1+ repeats the method
        module, _, cls = dotted.rpartition(".")
        path = "tests/" + module.replace(".", "/") + ".py"
        return f"{path}::{cls}::{method}" if path in files else None
    if re.fullmatch(r"test_\w+", test_id):
        hits = [p for p, text in files.items() if re.search(rf"^def {test_id}\(", text, re.M)]
        return f"{hits[0]}::{test_id}" if len(hits) == 1 else None
    return None
