"""The six Aider Polyglot tracks: how each one's tests are enabled, run and reported, offline.

Aider runs `pytest`, `go test ./...`, `cargo test -- --include-ignored`, `npm run test` (jest,
after `xtest(` -> `test(`), a cmake build that runs Catch with `EXERCISM_RUN_ALL_TESTS`, and
`./gradlew test` (after removing `@Disabled`). We run the same tests with the same switches, but
every runner writes a structured per-test report (JUnit XML, `go test -json`, libtest JSON, jest
JSON) instead of being judged by its exit code, and Gradle (which downloads itself) is replaced
by `javac` plus the JUnit console launcher over Debian's jars.

Each track is a `test_runner.TestRunner` (docs/integrity.md): the graded test files' declared
tests and their control twins come from `polyglot_controls`; the grading core runs the real and
the control session under the grading supervisor and decides. A report is only a claim made
from inside the process that ran the answer: the control run is what can contradict it.
"""

from __future__ import annotations

import json
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from godelbox.evaluator.polyglot_controls import brace_controls, find_tests
from godelbox.evaluator.results import TestOutcome
from godelbox.evaluator.test_runner import ControlSet, SessionResult, SessionSpec, TestReport
from godelbox.sandbox.base import WORK_DIR
from godelbox.sandbox.image import JAVA_EXTRA_DIR, JS_DIR, POLYGLOT_RECIPE

REPORT_CAP = 600_000
"""Bytes of a structured report read back (it comes from the sandbox: hostile); it travels in
the supervisor's verdict line, which must stay under the sandbox's output cap."""
OUT_DIR = f"{WORK_DIR}/grade/out"
"""The runners' scratch and report directory, outside the graded repository."""
REPORT = f"{OUT_DIR}/report"

JAVA_JARS = (
    "junit-platform-console",
    "junit-platform-launcher",
    "junit-platform-engine",
    "junit-platform-commons",
    "junit-platform-reporting",
    "junit-jupiter-api",
    "junit-jupiter-engine",
    "junit-jupiter-params",
    "opentest4j",
    "apiguardian-api",
    "picocli",
    "univocity-parsers",
    "assertj-core",
    "byte-buddy",
    "json-latest",
)
"""Debian's jars (/usr/share/java) for JUnit 5, AssertJ and org.json (rest-api)."""
JAVA_CP = ":".join(
    [f"/usr/share/java/{jar}.jar" for jar in JAVA_JARS] + [f"{JAVA_EXTRA_DIR}/rxjava.jar"]
)
"""...and our RxJava 2 stand-in (hangman), built into the image."""


# -- reports ---------------------------------------------------------------------------------


_RANK: dict[TestOutcome, int] = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


def _fold(outcomes: dict[str, TestOutcome], key: str, outcome: TestOutcome) -> None:
    """The worst outcome under one id (a Rust name in two modules, a Java parameterised test's
    invocations, a Catch test case's sections)."""
    old = outcomes.get(key)
    if old is None or _RANK.get(outcome, 3) > _RANK.get(old, 3):
        outcomes[key] = outcome


# -- reports ---------------------------------------------------------------------------------


def _xml_root(text: str) -> ET.Element | None:
    if not text or "<!DOCTYPE" in text or "<!ENTITY" in text:
        return None  # entity tricks never come from a real test runner
    try:
        return ET.fromstring(text[:REPORT_CAP])
    except ET.ParseError:
        return None


def _case_outcome(case: ET.Element) -> TestOutcome:
    tags = {child.tag for child in case}
    if "error" in tags:
        return "error"
    if "failure" in tags:
        return "failed"
    return "skipped" if "skipped" in tags else "passed"


def _junit(text: str, key: Callable[[str], list[str]]) -> TestReport:
    """JUnit XML (the JUnit console launcher, Catch). `finished`: a `testsuite` element with
    its counts, written once every test ran."""
    root = _xml_root(text)
    if root is None:
        return TestReport({}, finished=False)
    outcomes: dict[str, TestOutcome] = {}
    for case in root.iter("testcase"):
        for name in key(case.get("name") or ""):
            _fold(outcomes, name, _case_outcome(case))
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    finished = any(suite.get("tests") is not None for suite in suites)
    bad = any(_count(suite, "failures") + _count(suite, "errors") for suite in suites)
    return TestReport(outcomes, finished=finished, exit_expected=1 if bad else 0)


def _count(suite: ET.Element, attr: str) -> int:
    value = suite.get(attr) or "0"
    return int(value) if value.isdigit() else 1


def _java_names(name: str) -> list[str]:
    """`shouldScore()` / `shouldScore(int)[2]` -> the method's name."""
    m = re.match(r"[\w$]+", name)
    return [m.group(0) if m else name]


def _catch_names(name: str) -> list[str]:
    """A section is reported as `case/section`: it counts for the case too."""
    parts = name.split("/")
    return ["/".join(parts[: k + 1]) for k in range(len(parts))]


def read_junit_java(text: str) -> TestReport:
    return _junit(text, _java_names)


def read_junit_catch(text: str) -> TestReport:
    return _junit(text, _catch_names)


def _json_lines(text: str) -> list[dict]:
    rows = []
    for line in text[:REPORT_CAP].splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict):
                rows.append(row)
    return rows


def read_go_json(text: str) -> TestReport:
    """`go test -json` events: each top-level test's last pass/fail/skip (subtests count in
    their parent's); `finished` is the package's own final pass/fail event."""
    outcomes: dict[str, TestOutcome] = {}
    verdicts: dict[str, TestOutcome] = {"pass": "passed", "fail": "failed", "skip": "skipped"}
    end: str | None = None
    for row in _json_lines(text):
        test, action = row.get("Test"), row.get("Action")
        if action not in verdicts:
            continue
        if isinstance(test, str):
            if "/" not in test:
                outcomes[test] = verdicts[action]
        elif test is None:
            end = action
    return TestReport(
        outcomes,
        finished=end is not None,
        exit_expected=None if end is None else int(end == "fail"),  # `skip`: no test files
    )


def read_libtest_json(text: str) -> TestReport:
    """libtest's `--format json` (cargo test): a name's last `::` part (Rust tests in modules,
    which the files declare by function name); `finished`: every suite that started ended."""
    outcomes: dict[str, TestOutcome] = {}
    verdicts: dict[str, TestOutcome] = {"ok": "passed", "failed": "failed", "ignored": "skipped"}
    started = ended = failed = 0
    for row in _json_lines(text):
        name, event, kind = row.get("name"), row.get("event"), row.get("type")
        if kind == "test" and isinstance(name, str) and event in verdicts:
            _fold(outcomes, name.rsplit("::", 1)[-1], verdicts[event])
        elif kind == "suite":
            started += event == "started"
            ended += event in ("ok", "failed")
            failed += event == "failed"
    return TestReport(
        outcomes, finished=started > 0 and started == ended, exit_expected=int(failed > 0)
    )


def read_jest_json(text: str) -> TestReport:
    """jest's `--json` report: each test by its own title (what the files declare); a suite
    that failed to run (a syntax error, a missing export) is one `error` entry named after its
    file. `finished`: the run's totals, written after every suite."""
    try:
        data = json.loads(text[:REPORT_CAP])
    except json.JSONDecodeError:
        return TestReport({}, finished=False)
    if not isinstance(data, dict):
        return TestReport({}, finished=False)
    outcomes: dict[str, TestOutcome] = {}
    verdicts: dict[str, TestOutcome] = {
        "passed": "passed",
        "failed": "failed",
        "pending": "skipped",
        "skipped": "skipped",
        "todo": "skipped",
        "disabled": "skipped",
    }
    for suite in data.get("testResults") or []:
        if not isinstance(suite, dict):
            continue
        cases = suite.get("assertionResults") or []
        if suite.get("status") == "failed" and not cases:
            outcomes[str(suite.get("name", "suite")).rsplit("/", 1)[-1]] = "error"
        for case in cases:
            if isinstance(case, dict) and case.get("status") in verdicts:
                _fold(outcomes, str(case.get("title")), verdicts[case["status"]])
    finished = isinstance(data.get("numTotalTests"), int)
    failing = any(data.get(k) for k in ("numFailedTests", "numRuntimeErrorTestSuites"))
    return TestReport(outcomes, finished=finished, exit_expected=int(failing))


# -- Aider's switches, applied to the graded files on the host -------------------------------


def _enable_js(path: str, text: str) -> str:
    return re.sub(r"\bxtest\(", "test(", text) if path.endswith(".spec.js") else text


def _enable_java(path: str, text: str) -> str:
    return re.sub(r"(?m)^[ \t]*@Disabled(\(.*\))?[ \t]*\n", "", text)


def _as_is(path: str, text: str) -> str:
    return text


@dataclass(frozen=True)
class Track:
    """One language's `TestRunner`."""

    name: str
    """The checkout's directory name (`cpp`, `go`, ...)."""
    script: str
    """Bash run in the exercise directory (its arguments: the test files): runs every test,
    writing the structured report to "$R/report" (R: the runners' directory)."""
    reader: Callable[[str], TestReport]
    enable: Callable[[str, str], str] = _as_is
    """Aider's switches that turn every test on (`xtest(` -> `test(`, `@Disabled` removed),
    applied to the graded files' text before they are written: the files the tests run from
    are exactly the ones the supervisor hashes."""

    def expected_tests(self, files: Mapping[str, str]) -> list[str]:
        ids = [t.test_id for path in sorted(files) for t in find_tests(self.name, files[path])]
        return list(dict.fromkeys(ids))

    def controls(
        self,
        files: Mapping[str, str],
        test_ids: Sequence[str],
        rng: random.Random,
        seen: Mapping[str, str] | None = None,
    ) -> ControlSet:
        # `seen` is always None here: Polyglot shows the agent every test.
        return brace_controls(self.name, files, test_ids, rng)

    def session(self, test_files: Sequence[str]) -> SessionSpec:
        return SessionSpec(
            argv=["bash", "-c", f"mkdir -p {OUT_DIR}\n{self.script}", self.name, *test_files],
            # The supervisor gives the session a bare environment: the toolchains' own
            # settings (offline Go proxy and cache dirs, the Cargo registry) come from the image
            # recipe, as the agent sees them.
            env={**dict(POLYGLOT_RECIPE.env), "HOME": "/tmp", "TMPDIR": "/tmp", "R": OUT_DIR},
            reports=(REPORT,),
            report_cap=REPORT_CAP,
        )

    def read(self, session: SessionResult) -> TestReport:
        return self.reader(session.reports.get(REPORT) or "")


# -- the tracks ------------------------------------------------------------------------------

_GO = """\
go test -json ./... > "$R/report"
"""

_RUST = """\
RUSTC_BOOTSTRAP=1 cargo test --offline --no-fail-fast -q -- --include-ignored \\
  -Z unstable-options --format json > "$R/report"
"""
"""`--no-fail-fast`: every test target runs, even after one fails."""

_JAVASCRIPT = f"""\
[ -e node_modules ] || ln -s {JS_DIR}/node_modules node_modules
node {JS_DIR}/node_modules/jest/bin/jest.js --ci --watchman=false --json \\
  --outputFile="$R/report" ./*
"""

_JAVA = f"""\
mkdir -p "$R/classes" "$R/xml"
find src/main/java src/test/java -name '*.java' > "$R/sources"
javac -encoding UTF-8 -nowarn -d "$R/classes" -cp "{JAVA_CP}" @"$R/sources" || exit 1
java -cp "{JAVA_CP}" org.junit.platform.console.ConsoleLauncher --disable-banner \\
  --details=tree --class-path "$R/classes:{JAVA_CP}" --scan-class-path "$R/classes" \\
  --reports-dir="$R/xml"
code=$?
cat "$R"/xml/*.xml > "$R/report"
exit $code
"""

_CPP = """\
exercise=$(basename "$PWD")
cmake -S . -B "$R/build" -DEXERCISM_RUN_ALL_TESTS=1 -G "Unix Makefiles" > "$R/cmake.out" \\
  || { cat "$R/cmake.out"; exit 1; }
make -C "$R/build" "$exercise" || exit 1
"$R/build/$exercise" --reporter junit --out "$R/report"
"""

TRACKS: dict[str, Track] = {
    track.name: track
    for track in (
        Track("cpp", _CPP, read_junit_catch),
        Track("go", _GO, read_go_json),
        Track("java", _JAVA, read_junit_java, _enable_java),
        Track("javascript", _JAVASCRIPT, read_jest_json, _enable_js),
        Track("python", "", lambda text: TestReport({}, finished=False)),
        Track("rust", _RUST, read_libtest_json),
    )
}
"""By the checkout's directory names, in Aider's order of languages (alphabetical). Python is
graded by `pytest_report.PytestRunner` (its reporter writes to an event pipe, not a file)."""
