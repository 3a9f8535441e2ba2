"""SWE-bench harness parity: the per-repository log parsers on real output of the real runners
(tests/evaluator/data/swebench_logs, recorded by running Django's runtests.py, sympy's test
runner and pytest from PyPI; see docs/benchmarks.md), the test commands and directives, the
FULL/PARTIAL/NO rule and the official image names."""

from __future__ import annotations

from pathlib import Path

import pytest

from godelbox.evaluator import swebench_harness as h
from godelbox.evaluator.swebench_format import SWEInstance

LOGS = Path(__file__).resolve().parent / "data" / "swebench_logs"


def log(name: str) -> str:
    return (LOGS / name).read_text(encoding="utf-8")


def test_django_runtests_log():
    statuses = h.parse_django(log("django_runtests.log"))
    demo = "utils_tests.test_text.GodelboxDemoTests"
    assert statuses[f"test_fails ({demo}.test_fails)"] == "FAILED"
    assert statuses[f"test_errors ({demo}.test_errors)"] == "ERROR"
    assert statuses[f"test_skipped ({demo}.test_skipped)"] == "SKIPPED"
    # the test printed between "..." and "ok": the official parser still sees it pass
    assert statuses[f"test_prints ({demo}.test_prints)"] == "PASSED"
    wrap = "test_wrap (utils_tests.test_text.TestUtilsText.test_wrap)"
    assert statuses[wrap] == "PASSED"
    # a module that failed to import is one ERROR under unittest's loader name
    assert statuses["test_broken_import (unittest.loader._FailedTest.test_broken_import)"] == (
        "ERROR"
    )
    # the harness's quirk: "FAIL: name (...)" also records the bare method name
    assert statuses["test_fails"] == "FAILED"
    assert sum(v == "PASSED" for v in statuses.values()) == 17


def test_sympy_bin_test_log():
    statuses = h.parse_sympy(log("sympy_bin_test.log"))
    assert statuses["test_expand_square"] == "PASSED"
    assert statuses["test_count_ops_visual"] == "PASSED"
    assert statuses["test_fails"] == "FAILED"
    assert statuses["test_errors"] == "ERROR"
    # failure-section headers are recorded with their path, as the harness does
    assert statuses["sympy/godelbox_demo/tests/test_demo.py:test_fails"] == "FAILED"
    # a test that printed before "ok" is not seen passing by the official parser (parity)
    assert "test_prints" not in statuses
    # the module that failed to import has no test line, only its header
    assert not any("never" in k for k in statuses)


def test_pytest_summary_logs():
    statuses = h.parse_pytest(log("pytest_rA.log"))
    assert statuses["pkg/test_demo.py::test_passes"] == "PASSED"
    assert statuses["pkg/test_demo.py::test_fails"] == "FAILED"
    assert statuses["pkg/test_demo.py::test_errors"] == "ERROR"
    assert statuses["pkg/test_demo.py::test_xfails"] == "XFAIL"
    assert statuses["pkg/test_demo.py::TestGroup::test_method"] == "PASSED"
    assert statuses["pkg/test_demo.py::test_param[/usr/lib/python3/x.py]"] == "PASSED"
    assert not any(k.startswith("[") for k in statuses)  # "SKIPPED [1] ..." is no test
    # ids with spaces are cut at the first space by the plain parser (as the harness does)
    assert statuses["pkg/test_demo.py::test_param[a"] == "PASSED"
    options = h.parse_pytest_options(log("pytest_rA.log"))
    assert options["pkg/test_demo.py::test_param[/x.py]"] == "PASSED"  # path parameter cut
    v2 = h.parse_pytest_v2(log("pytest_rA.log"))
    assert v2["pkg/test_demo.py::test_param[a b]"] == "PASSED"
    assert v2["pkg/test_demo.py::test_fails"] == "FAILED"


def test_collection_error_reports_the_file_not_the_tests():
    statuses = h.parse_pytest(log("pytest_rA_collection_error.log"))
    assert statuses == {"pkg/test_broken_import.py": "ERROR"}
    content = f"{h.START_TEST_OUTPUT}\n{log('pytest_rA_collection_error.log')}\n"
    content += f"{h.END_TEST_OUTPUT}\n{h.TEST_EXIT_CODE}: 2\n"
    got, valid = h.read_log(content, "pytest-dev/pytest")
    assert valid and got == statuses
    report = h.tests_report(got, ["pkg/test_demo.py::test_passes"], [])
    assert h.resolution(report) is h.Resolution.NO


def test_astropy_verbose_and_seaborn_logs():
    verbose = h.parse_pytest_v2(log("pytest_astropy_vv.log"))
    assert verbose["pkg/test_demo.py::test_errors"] == "ERROR"
    assert verbose["pkg/test_demo.py::test_param[a b]"] == "PASSED"
    # "-vv" prints "SKIPPED (reason)" and the summary "SKIPPED [1]": neither names the test
    assert not any("test_skipped" in k for k in verbose)
    # summary lines carry their message into the id, as the official parser keeps them
    assert verbose["pkg/test_demo.py::test_xfails - known bug"] == "XFAIL"
    seaborn = h.parse_seaborn(log("pytest_seaborn.log"))
    assert seaborn["pkg/test_demo.py::test_passes"] == "PASSED"
    assert seaborn["pkg/test_demo.py::test_fails"] == "FAILED"


def test_every_verified_repository_has_a_command_and_parser():
    verified = {
        "astropy/astropy", "django/django", "matplotlib/matplotlib", "mwaskom/seaborn",
        "pallets/flask", "psf/requests", "pydata/xarray", "pylint-dev/pylint",
        "pytest-dev/pytest", "scikit-learn/scikit-learn", "sphinx-doc/sphinx", "sympy/sympy",
    }  # fmt: skip
    assert set(h.REPOS) == verified
    patch = (
        "diff --git a/tests/queries/test_q.py b/tests/queries/test_q.py\n"
        "diff --git a/tests/queries/fixtures/data.json b/tests/queries/fixtures/data.json\n"
    )
    assert h.test_command("django/django", "3.0", patch) == (
        "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1 queries.test_q"
    )
    assert h.test_command("django/django", "1.9", patch) == (
        "./tests/runtests.py --verbosity 2 queries.test_q"
    )
    sym = "diff --git a/sympy/core/tests/test_basic.py b/sympy/core/tests/test_basic.py\n"
    assert h.test_command("sympy/sympy", "1.12", sym).endswith(
        "bin/test -C --verbose sympy/core/tests/test_basic.py"
    )
    assert h.test_command("astropy/astropy", "1.3", sym).startswith("pytest -rA -vv")
    assert h.test_command("astropy/astropy", "5.0", sym).startswith("pytest -rA sympy")
    assert h.test_command("octo/unknown", "1", sym) is None


def test_resolution_full_partial_no_and_exit_code_cross_check():
    statuses = {"a": "PASSED", "b": "FAILED", "c": "SKIPPED", "d": "XFAIL"}
    assert h.resolution(h.tests_report(statuses, ["a", "d"], ["c"])) is h.Resolution.FULL
    assert h.resolution(h.tests_report(statuses, ["a", "b"], ["c"])) is h.Resolution.PARTIAL
    assert h.resolution(h.tests_report(statuses, ["b"], ["a"])) is h.Resolution.NO
    assert h.resolution(h.tests_report(statuses, ["a"], ["b"])) is h.Resolution.NO
    # a skipped FAIL_TO_PASS test is not resolved; a missing one neither
    assert h.resolution(h.tests_report(statuses, ["c"], [])) is h.Resolution.NO
    assert h.resolution(h.tests_report(statuses, ["zz"], [])) is h.Resolution.NO
    # an id cut inside its parameter matches by prefix when the candidates agree
    cut = {"t.py::f[log(photon)]": "PASSED", "t.py::f[log(photon)2]": "PASSED"}
    assert h.test_passed("t.py::f[log(photon", cut)
    forged = f"{h.START_TEST_OUTPUT}\nPASSED t.py::f\n{h.END_TEST_OUTPUT}\n{h.TEST_EXIT_CODE}: 1\n"
    assert h.read_log(forged, "pytest-dev/pytest") == ({}, False)
    assert h.read_log("PASSED t.py::f\n", "pytest-dev/pytest") == ({}, False)


def test_official_image_names_and_published_rows():
    assert (
        h.official_image("django__django-11099") == "sweb.eval.x86_64.django__django-11099:latest"
    )
    assert h.official_image("django__django-11099", namespace="swebench") == (
        "swebench/sweb.eval.x86_64.django_1776_django-11099:latest"
    )
    row = {
        "instance_id": "django__django-11099",
        "repo": "django/django",
        "base_commit": "abc",
        "problem_statement": "p",
        "patch": "",
        "test_patch": "",
        "FAIL_TO_PASS": '["test_a (x.Y)"]',
        "PASS_TO_PASS": "[]",
        "version": "3.0",
        "environment_setup_commit": "419a78300f7cd27611196e1e464d50fd0385ff27",
        "hints_text": "",
        "created_at": "2019-03-20T03:46:18Z",
        "difficulty": "<15 min fix",
    }
    inst = SWEInstance.from_dict(row)
    assert inst.FAIL_TO_PASS == ["test_a (x.Y)"] and inst.version == "3.0"
    assert inst.environment_setup_commit.startswith("419a")
    from godelbox.evaluator.swebench import SWEBenchTask

    assert SWEBenchTask(inst).image == "sweb.eval.x86_64.django__django-11099:latest"


@pytest.mark.docker
def test_a_missing_official_image_is_named(docker_engine, tmp_path):
    from godelbox.evaluator.swebench import WorkspaceUnavailableError, require_image

    with pytest.raises(WorkspaceUnavailableError) as err:
        require_image("django__django-0", "sweb.eval.x86_64.django__django-0:latest")
    assert "sweb.eval.x86_64.django__django-0:latest" in str(err.value)
    assert "swebench/sweb.eval.x86_64.django_1776_django-0:latest" in str(err.value)


def test_the_harness_runner_reads_the_log_with_the_harness_rules():
    """The official log, as the grading supervisor captured it, read into per-test outcomes
    with the harness's rules: PASSED/XFAIL pass, a skipped PASS_TO_PASS test is kept, an id
    absent from the log is missing; the finish record is the exit-code line after the end
    marker (written by the session's wrapper, after the command)."""
    from godelbox.evaluator.test_runner import SessionResult

    text = log("django_runtests.log")
    f2p = ("test_fails (utils_tests.test_text.GodelboxDemoTests.test_fails)",)
    p2p = (
        "test_wrap (utils_tests.test_text.TestUtilsText.test_wrap)",
        "test_skipped (utils_tests.test_text.GodelboxDemoTests.test_skipped)",
        "test_gone (utils_tests.test_text.TestUtilsText.test_gone)",
    )
    runner = h.HarnessRunner("django/django", "./tests/runtests.py", f2p, p2p, "/r")
    body = f"{h.START_TEST_OUTPUT}\n{text}\n{h.END_TEST_OUTPUT}\n"
    done = runner.read(SessionResult("exit", 1, body + f"{h.TEST_EXIT_CODE}: 1\n", ""))
    assert done.finished
    assert done.outcomes == {f2p[0]: "failed", p2p[0]: "passed", p2p[1]: "passed"}
    assert not runner.read(SessionResult("exit", 0, body, "")).finished
    spec = runner.session(["tests/utils_tests/test_text.py"])
    assert spec.env["GODELBOX_TEST_COMMAND"] == "./tests/runtests.py"
    assert spec.env["PYTHONPATH"] == "/r" and not spec.events


def test_harness_ids_map_to_the_tests_that_get_control_twins():
    import random

    files = {
        "tests/utils_tests/test_text.py": (
            "from unittest import TestCase\n\n\nclass TextTests(TestCase):\n"
            "    def test_wrap(self):\n        self.assertEqual(wrap('a'), 'a')\n"
        ),
        "sympy/core/tests/test_basic.py": "def test_sub():\n    assert 3 - 1 == 2\n",
    }
    new_django = "test_wrap (utils_tests.test_text.TextTests.test_wrap)"
    old_django = "test_wrap (utils_tests.test_text.TextTests)"
    assert h.node_id(new_django, files) == "tests/utils_tests/test_text.py::TextTests::test_wrap"
    assert h.node_id(old_django, files) == h.node_id(new_django, files)
    assert h.node_id("test_sub", files) == "sympy/core/tests/test_basic.py::test_sub"
    assert h.node_id("test_absent", files) is None
    runner = h.HarnessRunner("django/django", "x", (old_django,), ("test_sub",), "/r")
    twins = runner.controls(files, [old_django, "test_sub"], random.Random(3))
    assert set(twins.controls) == {old_django, "test_sub"}
    assert twins.files["sympy/core/tests/test_basic.py"] != files["sympy/core/tests/test_basic.py"]
    assert h.test_files(
        "diff --git a/tests/a.py b/tests/a.py\ndiff --git a/docs/x.txt b/docs/x.txt\n"
    ) == ["tests/a.py"]
