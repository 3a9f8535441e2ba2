"""Every mutation operator present can produce its own example fix, and only valid Python."""

import ast

import mutators
import pytest
from edits import Site


@pytest.mark.parametrize("name", mutators.available())
def test_operator_produces_its_example_fix(name):
    buggy, line, fixed, *problem = mutators.load(name).EXAMPLE
    site = Site("example.py", buggy, ast.parse(buggy), line, problem[0] if problem else "")
    produced = [edit.source for edit in mutators.load(name).mutate(site)]
    assert fixed in produced
    for source in produced:
        compile(source, "candidate", "exec")
    assert buggy not in produced


@pytest.mark.parametrize("name", mutators.available())
def test_operator_leaves_other_lines_alone(name):
    buggy, line, _fixed, *problem = mutators.load(name).EXAMPLE
    padded = "import os\n\n\n" + buggy + "\n\nSENTINEL = os.sep  # untouched\n"
    site = Site("example.py", padded, ast.parse(padded), line + 3, problem[0] if problem else "")
    for edit in mutators.load(name).mutate(site):
        assert edit.source.startswith("import os\n\n\n")
        assert edit.source.endswith("\n\nSENTINEL = os.sep  # untouched\n")


def test_unknown_operator_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown mutator 'nope'"):
        mutators.load("nope")


def test_replacement_keeps_precedence():
    source = "x = a * b\n"
    tree = ast.parse(source)
    site = Site("m.py", source, tree, 1)
    name_b = tree.body[0].value.right
    assert site.replace(name_b, "b + 1") == "x = a * (b + 1)\n"
