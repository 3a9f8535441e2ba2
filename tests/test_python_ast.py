"""`python_ast.parse` never lets two threads inside the interpreter's AST converter at once (its
recursion depth is shared process state on the CPython this project runs: python/cpython#106905),
and it returns what `ast.parse` returns."""

from __future__ import annotations

import ast
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from godelbox import python_ast


def test_parse_returns_what_ast_parse_returns() -> None:
    source = "def f(x):\n    return [y for y in x if y]\n"
    assert ast.dump(python_ast.parse(source)) == ast.dump(ast.parse(source))
    assert isinstance(python_ast.parse("1 + 2", mode="eval"), ast.Expression)
    with pytest.raises(SyntaxError):
        python_ast.parse("def broken(:\n", "broken.py")


def test_threads_never_parse_at_the_same_time(monkeypatch: pytest.MonkeyPatch) -> None:
    inside = 0
    most = 0
    count = threading.Lock()
    real = ast.parse

    def slow_parse(*args, **kwargs):  # a conversion long enough for threads to meet in it
        nonlocal inside, most
        with count:
            inside += 1
            most = max(most, inside)
        time.sleep(0.01)
        try:
            return real(*args, **kwargs)
        finally:
            with count:
                inside -= 1

    monkeypatch.setattr(ast, "parse", slow_parse)
    with ThreadPoolExecutor(max_workers=8) as pool:
        trees = list(pool.map(python_ast.parse, [f"x = {i}" for i in range(32)]))
    assert most == 1
    assert [tree.body[0].value.value for tree in trees] == list(range(32))
