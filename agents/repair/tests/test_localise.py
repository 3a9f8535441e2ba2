"""Spectrum formulas rank a line run only by failing tests above lines every test runs."""

import localise
import pytest

LINES = {
    "fail": {"m.py": [1, 2, 3]},
    "pass1": {"m.py": [1, 2]},
    "pass2": {"m.py": [1]},
}


@pytest.mark.parametrize("formula", sorted(localise.FORMULAS))
def test_failing_only_line_ranks_first(formula):
    ranked = localise.rank(LINES, ["fail"], ["pass1", "pass2"], {"m.py"}, formula)
    assert [s.line for s in ranked] == [3, 2, 1]
    assert ranked[0].score > ranked[1].score > ranked[2].score


def test_lines_outside_sources_are_ignored():
    ranked = localise.rank(LINES, ["fail"], [], {"other.py"}, "ochiai")
    assert ranked == []


def test_ties_keep_file_and_line_order():
    lines = {"fail": {"b.py": [5], "a.py": [9, 2]}}
    ranked = localise.rank(lines, ["fail"], [], {"a.py", "b.py"}, "tarantula")
    assert [(s.path, s.line) for s in ranked] == [("a.py", 2), ("a.py", 9), ("b.py", 5)]
