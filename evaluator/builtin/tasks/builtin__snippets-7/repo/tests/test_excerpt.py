import pytest

from snippets import excerpt, render

SOURCE = "\n".join(f"line {n}" for n in range(1, 11))


def test_starts_context_lines_before():
    assert excerpt(SOURCE, 5, context=2)[0] == (3, "line 3")


def test_rejects_line_past_end():
    with pytest.raises(ValueError):
        excerpt(SOURCE, 11)


def test_render_marks_line():
    text = render([(9, "a"), (10, "b")], mark=10)
    assert text.splitlines() == ["    9 | a", "-> 10 | b"]


def test_render_empty():
    assert render([]) == ""
