"""The six Aider Polyglot tracks: how each one's tests are enabled, run and reported, offline.

Aider runs `pytest`, `go test ./...`, `cargo test -- --include-ignored`, `npm run test` (jest,
after `xtest(` -> `test(`), a cmake build that runs Catch with `EXERCISM_RUN_ALL_TESTS`, and
`./gradlew test` (after removing `@Disabled`). We run the same tests with the same switches, but
every runner writes a structured per-test report (JUnit XML, `go test -json`, libtest JSON, jest
JSON) instead of being judged by its exit code, and Gradle (which downloads itself) is replaced
by `javac` plus the JUnit console launcher over Debian's jars.

Every track can also add must-fail control tests (`control_files`): tests of the harness's that
no honest answer can make pass. The grader reads them from the same report: a control reported
as anything but failed means the run was tampered with, and a control missing from the report
means the report does not describe the run.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from godelbox.evaluator.results import TestOutcome
from godelbox.sandbox.image import JAVA_EXTRA_DIR, JS_DIR

REPORT_CAP = 4_000_000
"""Bytes of a structured report read at most (it comes from the sandbox: hostile)."""

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


@dataclass(frozen=True)
class ControlFile:
    """A file the grader writes into the exercise before the tests run: created, or appended
    to an existing harness file (C++ compiles its tests from a fixed list of sources)."""

    path: str
    text: str
    append: bool = False


@dataclass(frozen=True)
class Track:
    name: str
    """The checkout's directory name (`cpp`, `go`, ...)."""
    script: str
    """Bash run in the exercise directory: enables every test and runs them, writing the
    structured report to "$R/report" (R is the grader's report directory; T lists the test
    files, one per line, in "$G/tests")."""
    parse: Callable[[str], dict[str, TestOutcome]]
    control: Callable[[str, Path], list[ControlFile]]
    """Files adding one must-fail test called `name` to the exercise at the given path."""
    control_id: Callable[[str], str]
    """The report's id of the control test called `name`."""


def control_name() -> str:
    """A fresh name per grading: nothing in the answer can know it in advance."""
    return f"test_{secrets.token_hex(6)}"


def _must_fail_value(name: str) -> tuple[str, int]:
    """A string and a length it does not have: a plain-looking assertion that fails."""
    word = name.removeprefix("test_")
    return word, len(word) + 1 + int(word[0], 16) % 3


# -- reports ---------------------------------------------------------------------------------


def _xml_root(text: str) -> ET.Element | None:
    if not text or "<!DOCTYPE" in text or "<!ENTITY" in text:
        return None  # entity tricks never come from a real test runner
    try:
        return ET.fromstring(text[:REPORT_CAP])
    except ET.ParseError:
        return None


def parse_junit(text: str) -> dict[str, TestOutcome]:
    """JUnit XML (pytest, the JUnit console launcher, Catch): `classname.name` -> outcome."""
    root = _xml_root(text)
    if root is None:
        return {}
    outcomes: dict[str, TestOutcome] = {}
    for case in root.iter("testcase"):
        name = case.get("name") or ""
        cls = case.get("classname") or ""
        key = f"{cls}.{name}" if cls else name
        tags = {child.tag for child in case}
        if "error" in tags:
            outcomes[key] = "error"
        elif "failure" in tags:
            outcomes[key] = "failed"
        elif "skipped" in tags:
            outcomes[key] = "skipped"
        else:
            outcomes[key] = "passed"
    return outcomes


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


def parse_go_json(text: str) -> dict[str, TestOutcome]:
    """`go test -json` events: the last pass/fail/skip of each test (subtests included)."""
    outcomes: dict[str, TestOutcome] = {}
    verdicts: dict[str, TestOutcome] = {"pass": "passed", "fail": "failed", "skip": "skipped"}
    for row in _json_lines(text):
        test, action = row.get("Test"), row.get("Action")
        if isinstance(test, str) and action in verdicts:
            outcomes[test] = verdicts[action]
    return outcomes


def parse_libtest_json(text: str) -> dict[str, TestOutcome]:
    """libtest's `--format json` (cargo test): `{"type": "test", "event": "ok", ...}`."""
    outcomes: dict[str, TestOutcome] = {}
    verdicts: dict[str, TestOutcome] = {"ok": "passed", "failed": "failed", "ignored": "skipped"}
    for row in _json_lines(text):
        name, event = row.get("name"), row.get("event")
        if row.get("type") == "test" and isinstance(name, str) and event in verdicts:
            outcomes[name] = verdicts[event]
    return outcomes


def parse_jest_json(text: str) -> dict[str, TestOutcome]:
    """jest's `--json` report: every assertion's full name; a suite that failed to run (a
    syntax error, a missing export) is one `error` entry named after its file."""
    try:
        data = json.loads(text[:REPORT_CAP])
    except json.JSONDecodeError:
        return {}
    if not isinstance(data, dict):
        return {}
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
            outcomes[Path(str(suite.get("name", "suite"))).name] = "error"
        for case in cases:
            if isinstance(case, dict) and case.get("status") in verdicts:
                outcomes[str(case.get("fullName") or case.get("title"))] = verdicts[case["status"]]
    return outcomes


# -- control tests ---------------------------------------------------------------------------


def _python_control(name: str, exercise: Path) -> list[ControlFile]:
    word, wrong = _must_fail_value(name)
    text = f"def {name}():\n    assert len({word!r}) == {wrong}\n"
    return [ControlFile(f"{name}_test.py", text)]


def _go_package(exercise: Path) -> str:
    for test in sorted(exercise.glob("*_test.go")):
        match = re.search(r"^package\s+(\w+)", test.read_text(encoding="utf-8"), re.M)
        if match:
            return match.group(1)
    return exercise.name.replace("-", "")


def _go_control(name: str, exercise: Path) -> list[ControlFile]:
    word, wrong = _must_fail_value(name)
    text = (
        f'package {_go_package(exercise)}\n\nimport "testing"\n\n'
        f"func Test{_camel(name)}(t *testing.T) {{\n"
        f'\tif got := len("{word}"); got != {wrong} {{\n'
        f'\t\tt.Fatalf("len = %d, want {wrong}", got)\n\t}}\n}}\n'
    )
    return [ControlFile(f"{name}_test.go", text)]


def _rust_control(name: str, exercise: Path) -> list[ControlFile]:
    word, wrong = _must_fail_value(name)
    text = f'#[test]\nfn {name}() {{\n    assert_eq!("{word}".len(), {wrong});\n}}\n'
    return [ControlFile(f"tests/{name}.rs", text)]


def _js_control(name: str, exercise: Path) -> list[ControlFile]:
    word, wrong = _must_fail_value(name)
    text = f"test('{name}', () => {{\n  expect('{word}'.length).toEqual({wrong});\n}});\n"
    return [ControlFile(f"{name}.spec.js", text)]


def _java_control(name: str, exercise: Path) -> list[ControlFile]:
    word, wrong = _must_fail_value(name)
    cls = _camel(name) + "Test"
    text = (
        "import org.junit.jupiter.api.Test;\n\n"
        "import static org.assertj.core.api.Assertions.assertThat;\n\n"
        f"public class {cls} {{\n\n    @Test\n    public void {name}() {{\n"
        f'        assertThat("{word}".length()).isEqualTo({wrong});\n    }}\n}}\n'
    )
    return [ControlFile(f"src/test/java/{cls}.java", text)]


def _cpp_control(name: str, exercise: Path) -> list[ControlFile]:
    word, wrong = _must_fail_value(name)
    text = f'\nTEST_CASE("{name}") {{\n    REQUIRE(std::string("{word}").size() == {wrong});\n}}\n'
    return [ControlFile("test/tests-main.cpp", text, append=True)]


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


# -- the tracks ------------------------------------------------------------------------------

_PYTHON = """\
printf '[pytest]\\n' > "$R/pytest.ini"
mapfile -t tests < "$G/tests"
PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 PYTEST_ADDOPTS= python3 -P -m pytest -c "$R/pytest.ini" \\
  --rootdir="$PWD" -p no:cacheprovider -q --no-header -o junit_family=xunit2 \\
  --junitxml="$R/report" "${tests[@]}"
"""

_GO = """\
go test -json ./... > "$R/report"
"""

_RUST = """\
RUSTC_BOOTSTRAP=1 cargo test --offline --no-fail-fast -q -- --include-ignored \\
  -Z unstable-options --format json > "$R/report"
"""
"""`--no-fail-fast`: the control test is a test target of its own, run even when the
exercise's target fails (cargo stops at the first failing target otherwise)."""

_JAVASCRIPT = f"""\
[ -e node_modules ] || ln -s {JS_DIR}/node_modules node_modules
sed -i 's/\\bxtest(/test(/g' *.spec.js
node {JS_DIR}/node_modules/jest/bin/jest.js --ci --watchman=false --json \\
  --outputFile="$R/report" ./*
"""

_JAVA = f"""\
mapfile -t tests < "$G/tests"
sed -i -E '/^\\s*@Disabled(\\(.*\\))?\\s*$/d' "${{tests[@]}}"
mkdir -p "$R/classes" "$R/xml"
find src/main/java src/test/java -name '*.java' > "$R/sources"
javac -encoding UTF-8 -nowarn -d "$R/classes" -cp "{JAVA_CP}" @"$R/sources" || exit 1
java -cp "{JAVA_CP}" org.junit.platform.console.ConsoleLauncher --disable-banner \\
  --details=tree --class-path "$R/classes:{JAVA_CP}" --scan-class-path "$R/classes" \\
  --reports-dir="$R/xml"
cat "$R"/xml/*.xml > "$R/report"
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
        Track("cpp", _CPP, parse_junit, _cpp_control, lambda n: n),
        Track("go", _GO, parse_go_json, _go_control, lambda n: f"Test{_camel(n)}"),
        Track("java", _JAVA, parse_junit, _java_control, lambda n: f"{_camel(n)}Test.{n}()"),
        Track("javascript", _JAVASCRIPT, parse_jest_json, _js_control, lambda n: n),
        Track("python", _PYTHON, parse_junit, _python_control, lambda n: f"{n}_test.{n}"),
        Track("rust", _RUST, parse_libtest_json, _rust_control, lambda n: n),
    )
}
"""By the checkout's directory names, in Aider's order of languages (alphabetical)."""


def encode_report(path: str) -> str:
    """Shell that prints a report file as one base64 line (reports span many lines)."""
    return f'base64 -w0 "{path}" 2>/dev/null | head -c {REPORT_CAP * 2}'


def decode_report(line: str) -> str:
    try:
        return base64.b64decode(line.strip(), validate=False).decode("utf-8", "replace")
    except ValueError:
        return ""
