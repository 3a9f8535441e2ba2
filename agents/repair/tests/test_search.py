import config
import search
from localise import Suspect

SOURCE = "def f(a, b, c):\n    x = a + b\n    y = b - c\n    return x < y\n"


def _order(monkeypatch, tmp_path, order: str) -> list[str]:
    (tmp_path / "m.py").write_text(SOURCE, encoding="utf-8")
    monkeypatch.setattr(config, "SEARCH_ORDER", order)
    monkeypatch.setattr(config, "MUTATORS", ["operator_swap"])
    monkeypatch.setattr(config, "TOP_LINES", 3)
    suspects = [Suspect("m.py", line, 1.0) for line in (2, 3, 4)]
    return [edit.description for _path, edit in search.candidates(suspects, tmp_path, "")]


def test_by_rank_takes_every_lines_first_edit_before_any_second(monkeypatch, tmp_path):
    import mutators.operator_swap as swap

    monkeypatch.setattr(swap, "SWAPS", {"Add": ["Sub", "Mult"], "Sub": ["Add"], "Lt": ["LtE"]})
    ranked = _order(monkeypatch, tmp_path, "by_rank")
    assert ranked == [
        "operator '+' -> '-' at line 2",
        "operator '-' -> '+' at line 3",
        "operator '<' -> '<=' at line 4",
        "operator '+' -> '*' at line 2",
    ]
    assert sorted(ranked) == sorted(_order(monkeypatch, tmp_path, "by_operator"))


def test_by_operator_exhausts_a_line_before_the_next(monkeypatch, tmp_path):
    import mutators.operator_swap as swap

    monkeypatch.setattr(swap, "SWAPS", {"Add": ["Sub", "Mult"], "Lt": ["LtE"]})
    assert _order(monkeypatch, tmp_path, "by_operator") == [
        "operator '+' -> '-' at line 2",
        "operator '+' -> '*' at line 2",
        "operator '<' -> '<=' at line 4",
    ]


def test_edits_keep_the_file_of_their_own_line(monkeypatch, tmp_path):
    (tmp_path / "n.py").write_text("def g(a):\n    return a > 1\n", encoding="utf-8")
    (tmp_path / "m.py").write_text(SOURCE, encoding="utf-8")
    monkeypatch.setattr(config, "SEARCH_ORDER", "by_rank")
    monkeypatch.setattr(config, "MUTATORS", ["operator_swap"])
    suspects = [Suspect("m.py", 4, 1.0), Suspect("n.py", 2, 1.0)]
    for path, edit in search.candidates(suspects, tmp_path, ""):
        assert ("line 4" in edit.description) == (path == "m.py"), (path, edit.description)
