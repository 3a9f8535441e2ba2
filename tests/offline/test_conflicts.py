"""Merge conflicts between two edits of one list literal are resolved as ordered sets, and
between two edits of the entries of one dict literal as ordered maps; every other conflict, and
any text that could forge conflict markers, is left unresolved."""

from __future__ import annotations

import pytest

from godelbox.proposer.code.conflicts import has_markers, merge_entries, merge_lists, resolve


def conflict(mine: str, base: str, theirs: str) -> str:
    """One conflict as `git merge-file -p --diff3` prints it, between two unchanged lines."""
    return (
        f"A = 1\n<<<<<<< mine\n{mine}||||||| base\n{base}=======\n{theirs}>>>>>>> theirs\nB = 2\n"
    )


@pytest.mark.parametrize(
    ("mine", "base", "theirs", "merged"),
    [
        (["x", "a", "b"], ["a", "b"], ["a", "b", "y"], '["x", "a", "b", "y"]'),
        (["a", "x", "b"], ["a", "b"], ["y", "a", "b"], '["y", "a", "x", "b"]'),
        (["a", "b", "x"], ["a", "b"], ["a", "y", "b"], '["a", "y", "b", "x"]'),
        (["a", "b", "x"], ["a", "b"], ["b", "y"], '["b", "y", "x"]'),
        (["a", "x"], ["a", "b"], ["a", "b", "x"], '["a", "x"]'),
        ([1, 2, 3], [1, 2], [0, 1, 2], "[0, 1, 2, 3]"),
    ],
    ids=["both-append", "front-and-middle", "after-anchor", "theirs-removed", "same-add", "ints"],
)
def test_list_edits_merge_as_ordered_sets(mine, base, theirs, merged) -> None:
    assert merge_lists(mine, base, theirs) == merged


def test_a_conflict_on_one_list_line_is_resolved_in_place() -> None:
    text = conflict(
        'MUTATORS = ["constant", "swap"]  # old\n',
        'MUTATORS = ["swap"]\n',
        'MUTATORS = ["swap", "raise_insert"]\n',
    )
    assert resolve(text) == 'A = 1\nMUTATORS = ["constant", "swap", "raise_insert"]\nB = 2\n'


def test_a_line_only_one_side_changed_keeps_that_sides_text() -> None:
    text = conflict(
        'M = ["a", "c"]\nTOP = 5  # lines\n',
        'M = ["a"]\nTOP = 5  # lines\n',
        'M = ["a", "b"]\nTOP = 10\n',
    )
    assert resolve(text) == 'A = 1\nM = ["a", "b", "c"]\nTOP = 10\nB = 2\n'


def entries(text: str) -> list[str]:
    return [f"    {line}\n" for line in text.split(";") if line]


@pytest.mark.parametrize(
    ("mine", "base", "theirs", "merged"),
    [
        (
            '"And": ["Or"],;"Or": ["And"],',
            "",
            '"Add": ["Sub"],',
            '"Add": ["Sub"],;"And": ["Or"],;"Or": ["And"],',
        ),
        (
            '"Lt": ["LtE", "Gt"],;"And": ["Or"],',
            '"Lt": ["LtE"],',
            '"Lt": ["LtE"],;"Add": ["Sub"],',
            '"Lt": ["LtE", "Gt"],;"Add": ["Sub"],;"And": ["Or"],',
        ),
        ('"A": [1],;"B": [2],', '"A": [1],;"B": [2],', '"B": [2],', '"B": [2],'),
        ('"X": 1,', "", '"Y": 2,;"X": 1,', '"Y": 2,;"X": 1,'),
        ("3: 1,", "", "4: 2,", "4: 2,;3: 1,"),
    ],
    ids=["both-append", "one-rewrites-both-append", "theirs-removed", "same-add", "int-keys"],
)
def test_dict_entry_edits_merge_as_ordered_maps(mine, base, theirs, merged) -> None:
    assert merge_entries(entries(mine), entries(base), entries(theirs)) == entries(merged)


def test_two_families_appended_to_one_table_are_both_kept_in_place() -> None:
    text = (
        "SWAPS = {\n"
        '    "Lt": ["LtE"],\n'
        "<<<<<<< mine\n"
        '    "And": ["Or"],\n'
        "||||||| base\n"
        "=======\n"
        '    "Add": ["Sub", "Mult"],\n'
        ">>>>>>> theirs\n"
        "}\n"
    )
    merged = resolve(text)
    assert merged == (
        'SWAPS = {\n    "Lt": ["LtE"],\n    "Add": ["Sub", "Mult"],\n    "And": ["Or"],\n}\n'
    )
    assert compile(merged, "swaps.py", "exec")


@pytest.mark.parametrize(
    ("mine", "base", "theirs"),
    [
        ('"Lt": ["Gt"],', '"Lt": ["LtE"],', '"Lt": ["GtE"],'),  # two values for one key
        ('"A": 1,;"A": 2,', "", '"B": 3,'),  # a key twice on one side
        ('"A": 1', "", '"B": 2,'),  # no trailing comma: not a whole entry line
        ('"A": f(1),', "", '"B": 2,'),  # not a literal
        ('"A": 1,  # note', "", '"B": 2,'),  # a comment: not only an entry
        ("True: 1,", "", '"B": 2,'),  # a key that is not a string or an integer
        ('"A": 1,;}', "", '"B": 2,'),  # the table's end is in the conflict
    ],
    ids=["one-key", "repeated", "no-comma", "call", "comment", "bool-key", "closing"],
)
def test_other_entry_conflicts_stay_conflicts(mine, base, theirs) -> None:
    assert resolve(conflict(*(("".join(entries(x))) for x in (mine, base, theirs)))) is None


@pytest.mark.parametrize(
    ("mine", "base", "theirs"),
    [
        ("TOP = 7\n", "TOP = 5\n", "TOP = 10\n"),  # two values for one scalar
        ('M = ["a"]\n', 'M = ["a"]\n', 'N = ["a", "b"]\n'),  # not the same statements
        ("def f():\n", "def g():\n", "def h():\n"),  # not assignments
        ('M = ["a", "b"]\n\n', 'M = ["a"]\n\n', 'M = ["a", "c"]\n\n'),  # a blank line
        ("M = [f(1)]\n", "M = []\n", "M = [g(2)]\n"),  # not literals
        ('M = [["a"]]\n', "M = []\n", 'M = [["b"]]\n'),  # not scalars
    ],
    ids=["scalar", "names", "code", "blank", "calls", "nested"],
)
def test_anything_else_stays_a_conflict(mine, base, theirs) -> None:
    assert resolve(conflict(mine, base, theirs)) is None


def test_text_that_could_forge_markers_is_recognised() -> None:
    assert has_markers("x = 1\n=======\ny = 2\n")
    assert has_markers(">>>>>>> theirs\n")
    assert not has_markers("x = '======='\n")
    assert resolve("A = 1\n<<<<<<< mine\nM = [1]\n") is None, "an unterminated conflict"
