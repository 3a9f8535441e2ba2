"""Control tests, on the host: each inversion kind, the statements that may not be inverted, and
the properties the control run relies on (one small edit per test, names and order kept, the
file still parses, every test of the built-in suite controlled). That every control really
fails on a correct answer is proven in docker by the oracle runs (`tests/evaluator`)."""

from __future__ import annotations

import ast
import difflib
import random
import tempfile
from pathlib import Path

import pytest

from godelbox.evaluator.builtin import load_builtin, materialize
from godelbox.evaluator.controls import python_controls
from godelbox.evaluator.grading import graded_files
from godelbox.evaluator.pytest_report import test_files as files_of

PATH = "tests/test_x.py"


def control_of(source: str, test: str, seed: int = 0) -> tuple[str, str]:
    """(the control file, the description) for one test of `source`."""
    made = python_controls({PATH: source}, [f"{PATH}::{test}"], random.Random(seed))
    return made.files[PATH], made.controls[f"{PATH}::{test}"].description


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++")]


@pytest.mark.parametrize(
    ("line", "inverted"),
    [
        ("assert mean([2, 4, 6]) == 4", ("assert mean([2, 4, 6]) == 5", "== 6", "== 7")),
        ('assert name(x) == "go"', ('assert name(x) == "',)),
        ("assert flag(x) == True", ("assert flag(x) == False",)),
        ("assert f(x) == -1.5", ("assert f(x) == -3.0",)),
        ("assert f(x) == {'a': 3}", ("assert f(x) == {'a': 4}", "{'a': 5}", "{'a': 6}")),
        ("assert f(x) != g(x)", ("assert f(x) == g(x)",)),
        ("assert f(x) < 3 * y", ("assert f(x) >= 3 * y",)),
        ("assert x in seen", ("assert x not in seen",)),
        ("assert x not in seen", ("assert x in seen",)),
        ("assert f(x) is None", ("assert f(x) is not None",)),
        ("assert f(x)", ("assert not f(x)",)),
        ("assert not f(x)", ("assert f(x)",)),
        ("assert a or b", ("assert not (a or b)",)),
        ("self.assertTrue(ok())", ("self.assertFalse(ok())",)),
        ("self.assertIn(a, b)", ("self.assertNotIn(a, b)",)),
        ("self.assertEqual(tally(s), 3)", ("self.assertEqual(tally(s), 4)", "5)", "6)")),
        ("self.assertEqual(tally(s), other)", ("self.assertNotEqual(tally(s), other)",)),
        ("self.assertGreater(a, b)", ("self.assertLessEqual(a, b)",)),
    ],
)
def test_each_assertion_kind_is_inverted_in_place(line, inverted):
    source = f"def test_one(self=None):\n    x = 1\n    {line}\n"
    control, description = control_of(source, "test_one")
    [removed, added] = changed_lines(source, control)
    assert removed == f"-    {line}"
    assert any(part in added for part in inverted), added
    assert added.startswith("+    ") and description.startswith("line 3: ")


def test_a_string_expectation_keeps_its_quotes_and_changes_one_character():
    source = "def test_s():\n    assert greet() == 'Hello, World'\n"
    control, _ = control_of(source, "test_s", seed=3)
    value = ast.literal_eval(control.splitlines()[1].split("== ", 1)[1])
    assert value != "Hello, World" and len(value) == len("Hello, World")
    assert control.splitlines()[1].endswith("'")


def test_a_raises_block_is_unwrapped():
    source = (
        "import pytest\n\ndef test_r():\n    with pytest.raises(ValueError):\n"
        "        parse('')\n        parse('x')\n\ndef test_one_line():\n"
        "    with pytest.raises(KeyError): lookup({}, 'k')\n"
    )
    made = python_controls(
        {PATH: source}, [f"{PATH}::test_r", f"{PATH}::test_one_line"], random.Random(0)
    )
    control = made.files[PATH]
    assert "    parse('')\n    parse('x')\n" in control
    assert "    lookup({}, 'k')\n" in control and "raises" not in control
    ast.parse(control)


def test_statements_a_passing_test_might_skip_are_never_chosen():
    source = """\
import pytest

def test_early(x):
    if x:
        return
    assert x == 1

def test_skip():
    pytest.skip("later")
    assert False

def test_nested():
    for i in range(3):
        assert i < 3
    with open("f") as fh:
        assert fh
    assert done()

def test_generator():
    yield 1
    assert True

@pytest.mark.xfail(reason="known")
def test_xfail():
    assert 1 == 2

def test_keyboard():
    with pytest.raises(KeyboardInterrupt):
        stop()
"""
    ids = ["test_early", "test_skip", "test_nested", "test_generator", "test_xfail"]
    ids.append("test_keyboard")
    for seed in range(20):
        made = python_controls({PATH: source}, [f"{PATH}::{i}" for i in ids], random.Random(seed))
        assert set(made.controls) == {f"{PATH}::test_nested"}
        assert changed_lines(source, made.files[PATH]) == [
            "-    assert done()",
            "+    assert not done()",
        ]


def test_parametrised_ids_classes_and_unknown_ids():
    source = """\
import pytest
import unittest

@pytest.mark.parametrize("a", [1, 2])
def test_p(a):
    assert a > 0

class TestGroup:
    def test_m(self):
        assert value() == 2

class TallyTest(unittest.TestCase):
    def test_c(self):
        self.assertEqual(tally("x"), {"x": 1})
"""
    ids = [
        f"{PATH}::test_p[1]",
        f"{PATH}::test_p[2]",
        f"{PATH}::TestGroup::test_m",
        f"{PATH}::TallyTest::test_c",
        f"{PATH}::test_gone",
        "tests/other.py::test_elsewhere",
    ]
    made = python_controls({PATH: source}, ids, random.Random(1))
    assert set(made.controls) == set(ids[:4])
    assert made.controls[ids[0]].description == made.controls[ids[1]].description
    assert len(changed_lines(source, made.files[PATH])) == 6  # three lines, each once


def test_non_ascii_columns_and_unparsable_files():
    source = "def test_u():\n    assert größe('café') == 'ünï'\n"
    control, _ = control_of(source, "test_u")
    assert control.startswith("def test_u():\n    assert größe('café') == '")
    assert control != source
    ast.parse(control)
    assert python_controls({PATH: "def (:"}, [f"{PATH}::test_x"], random.Random(0)).files == {}


def test_the_draw_depends_on_the_rng():
    source = "def test_m():\n" + "".join(f"    assert f({i}) == {i}\n" for i in range(8))
    seen = {control_of(source, "test_m", seed)[1] for seed in range(12)}
    assert len(seen) > 3


def test_tests_the_agent_saw_get_no_control():
    seen = "def test_old():\n    assert f(1) == 1\n"
    changed = "def test_changed():\n    assert f(2) == 2\n"
    files = {
        PATH: seen + "\n" + changed.replace("== 2", "== 3") + "\ndef test_new():\n    assert g()\n"
    }
    ids = [f"{PATH}::test_old", f"{PATH}::test_changed", f"{PATH}::test_new"]
    made = python_controls(files, ids, random.Random(0), {PATH: seen + "\n" + changed})
    assert set(made.controls) == set(ids[1:])
    assert python_controls(files, ids, random.Random(0)).controls.keys() == set(ids)


def test_every_hidden_builtin_test_gets_a_control_that_keeps_the_file_shape():
    uncontrolled = []
    for instance in load_builtin("all"):
        with tempfile.TemporaryDirectory() as tmp:
            workspace = Path(tmp) / "ws"
            materialize(instance, workspace)
            ids = list(dict.fromkeys([*instance.FAIL_TO_PASS, *instance.PASS_TO_PASS]))
            files = graded_files(workspace, instance.test_patch, files_of(ids))
            seen = graded_files(workspace, "", files_of(ids))
        made = python_controls(files, ids, random.Random(7), seen)
        visible = python_controls(seen, ids, random.Random(7), seen).controls
        assert not visible  # nothing the agent saw is controlled
        uncontrolled += [i for i in instance.FAIL_TO_PASS if i not in made.controls]
        for path, control in made.files.items():
            before, after = ast.parse(files[path]), ast.parse(control)
            names = [n.name for n in ast.walk(before) if isinstance(n, ast.FunctionDef)]
            assert names == [n.name for n in ast.walk(after) if isinstance(n, ast.FunctionDef)]
            controlled = {i.split("::")[-1] for i in made.controls if i.startswith(path + "::")}
            assert len(changed_lines(files[path], control)) <= 3 * len(controlled)
    assert uncontrolled == []
