"""`ast.parse` that several threads of one process may call at once.

CPython before 3.11.9 / 3.12.1 keeps the recursion depth of the converter that turns the parser's
tree into `ast` objects in module state shared by every thread (python/cpython#106905). When a
thread switch lands inside one conversion (a garbage collection running a finalizer is enough)
and another thread converts a tree meanwhile, the first one fails with `SystemError: AST
constructor recursion depth mismatch`. The daemon parses Python on the host from several threads
at once (proposal workers reading agent sources, graders building control tests, the cache key
digesting the grader's code); one offline run lost a child to it. Parsing is milliseconds, so
one lock for the process costs nothing measurable.

It also holds the small readings of a tree that the proposer and the evaluator both make.
"""

from __future__ import annotations

import ast
import threading

_CONVERTER = threading.Lock()
"""Guards the interpreter's own shared converter state, which is per process as well."""


def parse(source: str | bytes, filename: str = "<unknown>", mode: str = "exec") -> ast.Module:
    """`ast.parse(source, filename, mode)`, one thread at a time."""
    with _CONVERTER:
        return ast.parse(source, filename, mode)


def call_name(call: ast.Call) -> str:
    """The called function's own name: `f` of `f(...)` and of `module.f(...)`; "" for any
    other callee (`f()()`, `table[k](...)`)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""
