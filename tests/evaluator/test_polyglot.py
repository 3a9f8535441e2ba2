"""Aider Polyglot, all six tracks, on our own small exercises in the Polyglot layout (two or three
per language), graded in real docker sandboxes of the Polyglot image: reference solutions pass,
stubs fail, an edited test file is restored before grading, a failing first try gets a second
one with the test output, and a forged report is caught by the must-fail control test."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from conftest import FIXTURES, NOOP_AGENT, POLYGLOT

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
    return replace(eval_ctx, grade_timeout_s=600.0, task_timeout_s=60.0)


@pytest.mark.docker
@pytest.mark.timeout(1800)  # 26 gradings, C++ compiles Catch's main each time: slow under load
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
def test_forged_reports_are_caught_by_the_control_test(poly_ctx):
    """Two cheats that leave the stub wrong: one rewrites pytest's reports so every test
    passes, one prints go test's pass lines and exits before any test runs. Neither is
    resolved, and the grade says why."""
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
        assert result.outcome == "unresolved", (task_id, result.reason)
        assert any("control test" in note for note in result.tampering), result.tampering


def test_report_parsers_read_each_runners_format():
    """Each runner's report format (the go and Catch lines are trimmed from the fixtures' runs,
    the others written to the runners' formats); the docker tests read the real thing."""
    go = (
        '{"Action":"run","Package":"digitsum","Test":"TestSum"}\n'
        '{"Action":"output","Package":"digitsum","Test":"TestSum","Output":"--- PASS"}\n'
        '{"Action":"pass","Package":"digitsum","Test":"TestSum","Elapsed":0}\n'
        "# digitsum [build output, not JSON]\n"
        '{"Action":"fail","Package":"digitsum","Test":"TestTest6a7091a3b019","Elapsed":0}\n'
        '{"Action":"fail","Package":"digitsum","Elapsed":0.008}\n'
    )
    assert TRACKS["go"].parse(go) == {"TestSum": "passed", "TestTest6a7091a3b019": "failed"}
    catch = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
        '  <testsuite name="digit-sum" errors="0" failures="1" tests="4">\n'
        '    <testcase classname="digit-sum.global" name="zero" time="0.000" status="run"/>\n'
        '    <testcase classname="digit-sum.global" name="test_785c6cd51613" time="0.000" '
        'status="run">\n      <failure message="12 == 14" type="REQUIRE">FAILED</failure>\n'
        "    </testcase>\n  </testsuite>\n</testsuites>\n"
    )
    assert TRACKS["cpp"].parse(catch) == {
        "digit-sum.global.zero": "passed",
        "digit-sum.global.test_785c6cd51613": "failed",
    }
    assert TRACKS["cpp"].control_id("test_785c6cd51613") == "test_785c6cd51613"
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaa">]><testsuites><testcase name="&a;"/></testsuites>'
    assert TRACKS["java"].parse(bomb) == {}
    libtest = (
        '{ "type": "suite", "event": "started", "test_count": 2 }\n'
        '{ "type": "test", "event": "ok", "name": "adds" }\n'
        '{ "type": "test", "event": "failed", "name": "rejects_garbage", "stdout": "x" }\n'
        '{ "type": "test", "event": "ignored", "name": "slow" }\n'
    )
    assert TRACKS["rust"].parse(libtest) == {
        "adds": "passed", "rejects_garbage": "failed", "slow": "skipped"
    }  # fmt: skip
    jest = json.dumps(
        {
            "numTotalTests": 2,
            "testResults": [
                {
                    "name": "/work/grade/x/x.spec.js",
                    "status": "failed",
                    "assertionResults": [
                        {"fullName": "digit sum zero", "status": "passed"},
                        {"fullName": "digit sum several", "status": "failed"},
                        {"fullName": "digit sum later", "status": "pending"},
                    ],
                },
                {"name": "/work/grade/x/broken.spec.js", "status": "failed"},
            ],
        }
    )
    assert TRACKS["javascript"].parse(jest) == {
        "digit sum zero": "passed",
        "digit sum several": "failed",
        "digit sum later": "skipped",
        "broken.spec.js": "error",
    }


def test_verdict_needs_the_control_to_fail_and_never_trusts_the_exit_code():
    from godelbox.evaluator.polyglot_grading import TrackRun, verdict

    go = TRACKS["go"]

    def run(*events: tuple[str, str], code: int = 0) -> TrackRun:
        lines = [json.dumps({"Action": a, "Test": t}) for t, a in events]
        return TrackRun("exit", f"done {code}", code, "\n".join(lines), "")

    ctl = "test_00aa11bb22cc"
    cid = go.control_id(ctl)
    honest = verdict(run(("TestA", "pass"), (cid, "fail"), code=1), go, ctl)
    assert honest[0] == "resolved" and honest[3] == []  # exit code 1 (the control) decides nothing
    wrong = verdict(run(("TestA", "fail"), (cid, "fail"), code=1), go, ctl)
    assert wrong[0] == "unresolved" and wrong[3] == []
    forged = verdict(run(("TestA", "pass"), (cid, "pass")), go, ctl)
    assert forged[0] == "unresolved" and "control test was reported passed" in forged[3][0]
    cut_short = verdict(run(("TestA", "pass")), go, ctl)
    assert cut_short[0] == "unresolved" and "missing" in cut_short[3][0]
    panicked = verdict(run(("TestA", "fail")), go, ctl)  # a panic ends the binary early
    assert panicked[0] == "unresolved" and panicked[3] == []
    nothing = verdict(run(code=0), go, ctl)
    assert nothing[0] == "unresolved" and "did not build or run" in nothing[1]
