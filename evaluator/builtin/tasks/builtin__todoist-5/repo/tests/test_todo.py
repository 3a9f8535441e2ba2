import pytest

from todoist import TodoList


def test_complete_unknown_task():
    with pytest.raises(KeyError):
        TodoList().complete("nothing")


def test_overdue_skips_done_tasks():
    todo = TodoList()
    todo.add("pay rent", due=1)
    todo.add("taxes", due=3)
    todo.complete("pay rent")
    assert [t.title for t in todo.overdue(today=5)] == ["taxes"]


def test_progress():
    todo = TodoList()
    todo.add("a")
    todo.add("b")
    todo.complete("a")
    assert todo.progress() == 0.5
