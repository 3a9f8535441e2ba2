"""The editor tool: what the model sees, and that bad requests change nothing and say why."""

from pathlib import Path

import pytest
from editor import Editor
from errors import ToolError


@pytest.fixture
def editor(tmp_path: Path) -> Editor:
    (tmp_path / "f.py").write_text("".join(f"line {i}\n" for i in range(1, 11)))
    return Editor(tmp_path, output_limit_chars=2000)


def test_view_numbers_lines_and_honours_ranges(editor: Editor) -> None:
    full = editor.run({"command": "view", "path": "f.py"}).splitlines()
    assert len(full) == 10 and full[0] == "     1\tline 1" and full[-1] == "    10\tline 10"
    part = editor.run({"command": "view", "path": "f.py", "view_range": [3, 5]})
    assert part.splitlines() == ["     3\tline 3", "     4\tline 4", "     5\tline 5"]
    tail = editor.run({"command": "view", "path": "f.py", "view_range": [9, -1]})
    assert [row.split("\t")[1] for row in tail.splitlines()] == ["line 9", "line 10"]
    clamped = editor.run({"command": "view", "path": "f.py", "view_range": [9, 500]})
    assert clamped == tail


@pytest.mark.parametrize(
    ("view_range", "message"),
    [([11, 12], "outside the file"), ([5, 2], "before start"), (["1", 2], "two integers")],
)
def test_view_rejects_bad_ranges(editor: Editor, view_range: list, message: str) -> None:
    with pytest.raises(ToolError, match=message):
        editor.run({"command": "view", "path": "f.py", "view_range": view_range})


def test_view_of_a_long_file_keeps_head_and_tail_and_points_to_view_range(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("".join(f"row {i}\n" for i in range(1, 2001)))
    shown = Editor(tmp_path, output_limit_chars=1000).run({"command": "view", "path": "big.txt"})
    assert "row 1\n" in shown and shown.splitlines()[-2].endswith("row 2000")
    assert "omitted" in shown and "use view_range" in shown
    assert len(shown) < 1300


def test_view_of_a_directory_lists_files_but_not_hidden_ones(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub" / "deep").mkdir(parents=True)
    (tmp_path / "pkg" / "a.py").write_text("")
    (tmp_path / "pkg" / "sub" / "deep" / "hidden_by_depth.py").write_text("")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("")
    listing = Editor(tmp_path).run({"command": "view", "path": "."}).splitlines()
    assert listing == ["pkg/a.py", "pkg/sub/"]


def test_create_makes_parents_and_says_when_it_overwrites(editor: Editor, tmp_path: Path) -> None:
    out = editor.run({"command": "create", "path": "new/dir/x.py", "file_text": "a\nb\n"})
    assert out.startswith("Created") and (tmp_path / "new/dir/x.py").read_text() == "a\nb\n"
    absolute = str(tmp_path / "new/dir/x.py")
    again = editor.run({"command": "create", "path": absolute, "file_text": "c\n"})
    assert again.startswith("Overwrote") and (tmp_path / "new/dir/x.py").read_text() == "c\n"


def test_str_replace_edits_a_unique_match_and_shows_the_result(
    editor: Editor, tmp_path: Path
) -> None:
    out = editor.run(
        {"command": "str_replace", "path": "f.py", "old_str": "line 5\n", "new_str": "five\n"}
    )
    assert "     5\tfive" in out and "     1\tline 1" in out  # the edit with context around it
    assert (tmp_path / "f.py").read_text().splitlines()[4] == "five"


def test_str_replace_refuses_ambiguous_or_missing_text_and_leaves_the_file(
    editor: Editor, tmp_path: Path
) -> None:
    before = (tmp_path / "f.py").read_text()
    with pytest.raises(ToolError, match=r"occurs 2 times .*lines 1, 10"):
        editor.run({"command": "str_replace", "path": "f.py", "old_str": "line 1", "new_str": ""})
    with pytest.raises(ToolError, match="not found"):
        editor.run({"command": "str_replace", "path": "f.py", "old_str": "line 99"})
    with pytest.raises(ToolError, match="empty"):
        editor.run({"command": "str_replace", "path": "f.py", "old_str": ""})
    assert (tmp_path / "f.py").read_text() == before


def test_str_replace_without_new_str_deletes(editor: Editor, tmp_path: Path) -> None:
    editor.run({"command": "str_replace", "path": "f.py", "old_str": "line 2\n"})
    assert "line 2\n" not in (tmp_path / "f.py").read_text()


def test_insert_at_top_middle_and_end(tmp_path: Path) -> None:
    target = tmp_path / "g.txt"
    target.write_text("a\nb")  # no newline at the end: insert must not glue lines together
    ed = Editor(tmp_path)
    ed.run({"command": "insert", "path": "g.txt", "insert_line": 0, "new_str": "top"})
    ed.run({"command": "insert", "path": "g.txt", "insert_line": 2, "new_str": "mid\n"})
    out = ed.run({"command": "insert", "path": "g.txt", "insert_line": 4, "new_str": "end"})
    assert target.read_text() == "top\na\nmid\nb\nend\n"
    assert "     5\tend" in out


def test_insert_out_of_range_is_an_error(editor: Editor) -> None:
    with pytest.raises(ToolError, match="from 0 to 10"):
        editor.run({"command": "insert", "path": "f.py", "insert_line": 11, "new_str": "x"})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"command": "delete", "path": "f.py"}, "must be one of"),
        ({"command": "create", "path": "x.py"}, r"needs argument\(s\) \['file_text'\]"),
        ({"command": "view", "path": "f.py", "line": 3}, r"does not take argument\(s\) \['line'\]"),
        ({"command": "view", "path": "nope.py"}, "does not exist"),
        ({"command": "str_replace", "path": ".", "old_str": "x"}, "is a directory"),
    ],
)
def test_bad_requests_say_what_is_wrong(editor: Editor, args: dict, message: str) -> None:
    with pytest.raises(ToolError, match=message):
        editor.run(args)
