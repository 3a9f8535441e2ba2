"""Aider Polyglot, all six tracks, on our own small exercises in the Polyglot layout (two or three
per language), graded in real docker sandboxes of the Polyglot image: reference solutions pass,
stubs fail, an edited test file is restored before grading, a failing first try gets a second
one with the test output, and a forged report is caught by the control run (one assertion per
test inverted)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from godelbox.config import StageSection
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.evaluation import AgentSolver, OracleSolver, evaluate_benchmark
from godelbox.evaluator.polyglot import (
    DGM_SUBSETS,
    PolyglotLayoutError,
    polyglot_benchmark,
    reference_pairs,
)
from godelbox.evaluator.polyglot_tracks import TRACKS
from tests.evaluator.eval_helpers import FIXTURES, NOOP_AGENT, POLYGLOT

ALL = [StageSection(tasks=None)]
EXPECTED = [
    "cpp/digit-sum", "cpp/reverse-words", "go/digit-sum", "go/reverse-words",
    "java/digit-sum", "java/reverse-words", "javascript/digit-sum", "javascript/reverse-words",
    "python/clock-angle", "python/run-length", "python/word-tally", "rust/digit-sum",
    "rust/parse-sum",
]  # fmt: skip


def test_every_track_is_found_with_aiders_prompt(tmp_path):
    bench = polyglot_benchmark(POLYGLOT)
    assert [t.task_id for t in bench.tasks()] == EXPECTED
    tally = next(t for t in bench.task_list if t.task_id == "python/word-tally")
    problem = tally.problem()
    # intro, instructions, append, then Aider's own closing paragraph naming the files
    assert problem.index("newsroom") < problem.index("Count how often") < problem.index("`dict`")
    assert "Use the above instructions to modify the supplied files: word_tally.py" in problem
    assert problem.rstrip().endswith("don't suggest installing any packages.")
    tally.materialize(tmp_path / "ws")
    names = {p.name for p in (tmp_path / "ws").iterdir()}
    assert names == {".git", "word_tally.py", "word_tally_test.py"}  # no .meta, no .docs
    java = next(t for t in bench.task_list if t.task_id == "java/digit-sum")
    assert reference_pairs(java) == [
        ("src/main/java/DigitSum.java", ".meta/src/reference/java/DigitSum.java")
    ]
    rust = next(t for t in bench.task_list if t.task_id == "rust/parse-sum")
    assert reference_pairs(rust) == [("src/lib.rs", ".meta/example.rs")]
    assert "+use anyhow::{Context, Result};" in rust.oracle_patch()
    retry = bench.retry_problem(tally, _grade("E   AssertionError: boom"))
    assert retry is not None and retry.index("AssertionError") > retry.index("newsroom")
    assert "See the testing errors above." in retry and "Fix the code in word_tally.py" in retry
    with pytest.raises(PolyglotLayoutError, match="not an Aider Polyglot checkout"):
        polyglot_benchmark(tmp_path)


def _grade(feedback: str):
    from godelbox.evaluator.results import Grade

    return Grade("unresolved", "r", feedback=feedback)


def test_tracks_and_subsets_are_selected_by_spec():
    only = load_benchmark(f"polyglot:{POLYGLOT}#go,rust")
    assert [t.task_id for t in only.tasks()] == [
        "go/digit-sum", "go/reverse-words", "rust/digit-sum", "rust/parse-sum"
    ]  # fmt: skip
    track_dir = polyglot_benchmark(POLYGLOT / "java")
    assert [t.task_id for t in track_dir.tasks()] == ["java/digit-sum", "java/reverse-words"]
    practice = polyglot_benchmark(POLYGLOT / "cpp" / "exercises" / "practice")
    assert len(practice.tasks()) == 2
    with pytest.raises(PolyglotLayoutError, match="unknown Polyglot track or subset kotlin"):
        polyglot_benchmark(POLYGLOT, select="kotlin")
    with pytest.raises(PolyglotLayoutError, match="lacks exercises of the subset"):
        polyglot_benchmark(POLYGLOT, select="dgm-small")
    assert len(DGM_SUBSETS["dgm-small"]) == 10 and len(DGM_SUBSETS["dgm-medium"]) == 50
    assert {i.split("/")[0] for i in DGM_SUBSETS["dgm-medium"]} == set(TRACKS)


@pytest.fixture(scope="module")
def poly_ctx(eval_ctx, polyglot_image):
    return replace(eval_ctx, grade_timeout_s=1200.0, task_timeout_s=60.0)


@pytest.mark.docker
@pytest.mark.timeout(3600)  # 26 gradings + 26 control runs, C++ compiles Catch's main each time
def test_reference_solutions_pass_and_stubs_fail_in_every_language(poly_ctx):
    bench = polyglot_benchmark(POLYGLOT, tries=1)
    oracle = evaluate_benchmark(poly_ctx, bench, OracleSolver(), stages=ALL, workers=2)
    failed = {k: r.reason for k, r in oracle.results.items() if not r.resolved}
    assert oracle.resolved == len(EXPECTED), failed
    for result in oracle.results.values():
        assert result.tests and all(v in ("passed", "skipped") for v in result.tests.values())
        assert not result.tampering
    # every test ran, the ones the exercises switch off included (Aider's rules)
    assert len(oracle.results["java/digit-sum"].tests) == 2
    assert len(oracle.results["javascript/reverse-words"].tests) == 2
    assert len(oracle.results["rust/parse-sum"].tests) == 2
    assert len(oracle.results["cpp/digit-sum"].tests) == 3
    stubs = evaluate_benchmark(poly_ctx, bench, AgentSolver(NOOP_AGENT), stages=ALL, workers=2)
    assert stubs.resolved == 0 and stubs.evaluated == len(EXPECTED)
    for task_id, result in stubs.results.items():
        assert result.outcome == "unresolved", (task_id, result.reason)
        assert not result.tampering, (task_id, result.tampering)


@pytest.mark.docker
def test_an_edited_test_file_is_restored_before_grading(poly_ctx):
    bench = polyglot_benchmark(POLYGLOT, tries=1, select="python")
    outcome = evaluate_benchmark(
        poly_ctx, bench, AgentSolver(FIXTURES / "test_edit_agent"), stages=ALL, workers=2
    )
    assert outcome.resolved == 0
    for result in outcome.results.values():
        assert "_test.py: not a solution file" in " ".join(result.tampering)
        assert "_test.py" in result.patch  # the agent's edit is kept as evidence


@pytest.mark.docker
def test_second_try_gets_the_failure_output(poly_ctx):
    agent = AgentSolver(FIXTURES / "second_try_agent")
    two = evaluate_benchmark(
        poly_ctx,
        polyglot_benchmark(POLYGLOT, tries=2),
        agent,
        stages=ALL,
        task_ids=["python/word-tally"],
    )
    result = two.results["python/word-tally"]
    assert result.outcome == "resolved", result.reason
    assert result.attempts == 2 and "second try: True" in result.log
    one = evaluate_benchmark(
        poly_ctx,
        polyglot_benchmark(POLYGLOT, tries=1),
        agent,
        stages=ALL,
        task_ids=["python/word-tally"],
    )
    assert one.results["python/word-tally"].outcome == "unresolved"


@pytest.mark.docker
def test_forged_reports_are_caught_by_the_control_run(poly_ctx):
    """Two cheats that leave the stub wrong: one rewrites pytest's reports so every test
    passes, one prints go test's pass lines and exits 0 before any test runs. The control run
    (one assertion per test inverted) passes too: both are tampered, with that evidence."""
    bench = polyglot_benchmark(POLYGLOT, tries=1)
    outcome = evaluate_benchmark(
        poly_ctx,
        bench,
        AgentSolver(FIXTURES / "report_forging_agent"),
        stages=ALL,
        task_ids=["python/clock-angle", "go/digit-sum"],
        workers=2,
    )
    for task_id in ("python/clock-angle", "go/digit-sum"):
        result = outcome.results[task_id]
        assert result.outcome == "tampered", (task_id, result.reason)
        assert "control_passed" in {e.kind for e in result.evidence}, result.evidence


def test_report_readers_read_each_runners_format():
    """Each runner's report format (the go and Catch lines are trimmed from the fixtures' runs,
    the others written to the runners' formats), with the runner's own finish record; the
    docker tests read the real thing."""
    go = (
        '{"Action":"run","Package":"digitsum","Test":"TestSum"}\n'
        '{"Action":"output","Package":"digitsum","Test":"TestSum","Output":"--- PASS"}\n'
        '{"Action":"pass","Package":"digitsum","Test":"TestSum","Elapsed":0}\n'
        "# digitsum [build output, not JSON]\n"
        '{"Action":"fail","Package":"digitsum","Test":"TestBig/one","Elapsed":0}\n'
        '{"Action":"fail","Package":"digitsum","Test":"TestBig","Elapsed":0}\n'
    )
    cut = TRACKS["go"].reader(go)
    assert cut.outcomes == {"TestSum": "passed", "TestBig": "failed"} and not cut.finished
    done = TRACKS["go"].reader(go + '{"Action":"fail","Package":"digitsum","Elapsed":0.008}\n')
    assert done.finished and done.exit_expected == 1
    catch = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
        '  <testsuite name="digit-sum" errors="0" failures="1" tests="4">\n'
        '    <testcase classname="digit-sum.global" name="zero" time="0.000" status="run"/>\n'
        '    <testcase classname="digit-sum.global" name="big/one" time="0.000" '
        'status="run">\n      <failure message="12 == 14" type="REQUIRE">FAILED</failure>\n'
        "    </testcase>\n  </testsuite>\n</testsuites>\n"
    )
    report = TRACKS["cpp"].reader(catch)
    assert report.outcomes == {"zero": "passed", "big": "failed", "big/one": "failed"}
    assert report.finished and report.exit_expected == 1
    java = (
        '<testsuite name="JUnit Jupiter" tests="3" failures="0" errors="0">'
        '<testcase name="sumOfZero()" classname="DigitSumTest"/>'
        '<testcase name="many(int)[1]" classname="DigitSumTest"/>'
        '<testcase name="many(int)[2]" classname="DigitSumTest"><skipped/></testcase>'
        "</testsuite>"
    )
    assert TRACKS["java"].reader(java).outcomes == {"sumOfZero": "passed", "many": "skipped"}
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaa">]><testsuites><testcase name="&a;"/></testsuites>'
    assert TRACKS["java"].reader(bomb).outcomes == {}
    libtest = (
        '{ "type": "suite", "event": "started", "test_count": 3 }\n'
        '{ "type": "test", "event": "ok", "name": "adds" }\n'
        '{ "type": "test", "event": "failed", "name": "parsing::rejects_garbage" }\n'
        '{ "type": "test", "event": "ignored", "name": "slow" }\n'
    )
    rust = TRACKS["rust"].reader(libtest)
    assert rust.outcomes == {"adds": "passed", "rejects_garbage": "failed", "slow": "skipped"}
    assert not rust.finished  # the suite never ended
    ended = TRACKS["rust"].reader(libtest + '{ "type": "suite", "event": "failed" }\n')
    assert ended.finished and ended.exit_expected == 1
    jest = json.dumps(
        {
            "numTotalTests": 2,
            "numFailedTests": 1,
            "testResults": [
                {
                    "name": "/work/grade/x/x.spec.js",
                    "status": "failed",
                    "assertionResults": [
                        {"title": "zero", "fullName": "digit sum zero", "status": "passed"},
                        {"title": "several", "status": "failed"},
                        {"title": "later", "status": "pending"},
                    ],
                },
                {"name": "/work/grade/x/broken.spec.js", "status": "failed"},
            ],
        }
    )
    js = TRACKS["javascript"].reader(jest)
    assert js.outcomes == {
        "zero": "passed",
        "several": "failed",
        "later": "skipped",
        "broken.spec.js": "error",
    }
    assert js.finished and js.exit_expected == 1
    assert not TRACKS["javascript"].reader('{"testResults": []}').finished


@pytest.mark.parametrize("lang", ["cpp", "go", "java", "javascript", "rust"])
def test_every_fixture_test_gets_a_twin_that_differs_by_one_small_edit(lang):
    """The ids the fixtures' test files declare, and a control twin for each: the text changes
    in one place per test (Go: `!(` and `)` around a guard) and nothing else (names, order and
    lines stay)."""
    import difflib
    import random

    track = TRACKS[lang]
    for task in polyglot_benchmark(POLYGLOT / lang).task_list:
        files = {
            path: track.enable(path, (task.exercise_dir / path).read_text(encoding="utf-8"))
            for path in task.test_files
        }
        ids = track.expected_tests(files)
        assert ids, task.task_id
        twins = track.controls(files, ids, random.Random(7))
        assert set(twins.controls) == set(ids), task.task_id
        for path, text in twins.files.items():
            changed = [
                op
                for op in difflib.SequenceMatcher(None, files[path], text).get_opcodes()
                if op[0] != "equal"
            ]
            assert 0 < len(changed) <= 2 * len(ids), (task.task_id, changed)  # `!(` and `)`
            assert text.count("\n") - files[path].count("\n") <= 2 * len(ids)
