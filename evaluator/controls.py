"""Control versions of Python test files: each graded test made to fail whenever it passes.

For every graded test id the test function is found in its file, and one statement it certainly
executes when it passes is inverted with a minimal textual edit, so the control file reads like
the original: same names, same order, same formatting, one expectation different.

Certainly executed: a *top-level* statement of the function body that comes before any
statement which could leave the body early (`return`/`yield`, or a call to `skip`, `xfail`,
`skipTest`, `exit`). If the original test passes, every such statement ran; the inverted one
runs in the same state (the statements before it are unchanged) and is false exactly where the
original was true. Candidates:

- `assert X`: a literal expectation changes value (`== 4` -> `== 5`, `"go"` -> `"gp"`,
  `True` -> `False`), else a single comparison flips (`==`/`!=`, `<`/`>=`, `in`/`not in`,
  `is`/`is not`), else `assert X` <-> `assert not X`;
- `self.assertXxx(...)`: a literal argument of an equality assertion changes value, else the
  method becomes its negation (`assertEqual` -> `assertNotEqual`, `assertTrue` ->
  `assertFalse`, `assertIn` -> `assertNotIn`, ...);
- a single-item `with pytest.raises(E)` / `with self.assertRaises(E)` block loses its `with`
  line, so the body's exception now fails the test.

Tests marked `xfail` / `expectedFailure` (whose pass means failing) and generators get no
control. The choice of statement and of the new value comes from `rng`, which the grader seeds
from `os.urandom` per grading.
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from godelbox import python_ast
from godelbox.evaluator.test_runner import Control, ControlSet

UNITTEST_NEGATION = {
    "assertEqual": "assertNotEqual",
    "assertEquals": "assertNotEqual",
    "assertNotEqual": "assertEqual",
    "assertTrue": "assertFalse",
    "assertFalse": "assertTrue",
    "assertIs": "assertIsNot",
    "assertIsNot": "assertIs",
    "assertIsNone": "assertIsNotNone",
    "assertIsNotNone": "assertIsNone",
    "assertIn": "assertNotIn",
    "assertNotIn": "assertIn",
    "assertIsInstance": "assertNotIsInstance",
    "assertNotIsInstance": "assertIsInstance",
    "assertAlmostEqual": "assertNotAlmostEqual",
    "assertNotAlmostEqual": "assertAlmostEqual",
    "assertGreater": "assertLessEqual",
    "assertGreaterEqual": "assertLess",
    "assertLess": "assertGreaterEqual",
    "assertLessEqual": "assertGreater",
    "assertRegex": "assertNotRegex",
    "assertNotRegex": "assertRegex",
    "assertDictEqual": "assertNotEqual",
    "assertListEqual": "assertNotEqual",
    "assertTupleEqual": "assertNotEqual",
    "assertSetEqual": "assertNotEqual",
    "assertSequenceEqual": "assertNotEqual",
    "assertMultiLineEqual": "assertNotEqual",
}
EQUALITY_ASSERTIONS = frozenset(
    {"assertEqual", "assertEquals", "assertDictEqual", "assertListEqual", "assertTupleEqual"}
)
RAISES_NAMES = frozenset({"raises", "assertRaises", "assertRaisesRegex"})
NOT_RAISED_HERE = frozenset({"KeyboardInterrupt", "SystemExit", "GeneratorExit", "BaseException"})
"""A raises-block for these is not unwrapped: the exception would end the session, not fail
the test."""
LEAVES_EARLY = frozenset({"skip", "xfail", "skipTest", "exit", "importorskip"})
EXPECTED_FAILURE = re.compile(r"\bxfail\b|\bexpectedFailure\b")
OPERATOR = {
    ast.Eq: (r"==", "!="),
    ast.NotEq: (r"!=", "=="),
    ast.Lt: (r"<(?!=)", ">="),
    ast.LtE: (r"<=", ">"),
    ast.Gt: (r">(?!=)", "<="),
    ast.GtE: (r">=", "<"),
    ast.In: (r"\bin\b", "not in"),
    ast.NotIn: (r"\bnot\s+in\b", "in"),
    ast.Is: (r"\bis\b(?!\s+not\b)", "is not"),
    ast.IsNot: (r"\bis\s+not\b", "is"),
}
NEEDS_PARENS = (ast.BoolOp, ast.IfExp, ast.Lambda, ast.NamedExpr)


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: bytes
    description: str


def python_controls(
    files: Mapping[str, str],
    test_ids: Sequence[str],
    rng: random.Random,
    seen: Mapping[str, str] | None = None,
) -> ControlSet:
    """Control versions of `files` (path -> text) for `test_ids` (pytest node ids). With `seen`
    (the test files as the agent saw them), a test whose source it saw gets no control: code
    that remembers a test would know its twin at a glance and could forge only where the tests
    are true (docs/integrity.md)."""
    by_file: dict[str, list[str]] = {}
    for test_id in test_ids:
        by_file.setdefault(test_id.split("::", 1)[0], []).append(test_id)
    out_files: dict[str, str] = {}
    controls: dict[str, Control] = {}
    for path in sorted(by_file):
        text = files.get(path)
        if text is None:
            continue
        known = None if seen is None else _sources(seen.get(path, ""))
        made = _file_controls(text, by_file[path], rng, known)
        if made is not None:
            out_files[path], file_controls = made
            controls.update(file_controls)
    return ControlSet(files=out_files, controls=controls)


def _file_controls(
    text: str, test_ids: list[str], rng: random.Random, known: set[str] | None
) -> tuple[str, dict[str, Control]] | None:
    try:
        tree = python_ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    if _module_expects_failure(tree):
        return None
    source = _Source(text)
    edits: dict[int, _Edit | None] = {}
    controls: dict[str, Control] = {}
    for test_id in sorted(set(test_ids)):
        func = _find_test(tree, test_id)
        if func is None or (known is not None and _source(func, source) in known):
            continue
        if id(func) not in edits:
            edits[id(func)] = _control_for(func, source, rng)
        edit = edits[id(func)]
        if edit is not None:
            controls[test_id] = Control(test_id, edit.description)
    chosen = sorted((e for e in edits.values() if e is not None), key=lambda e: e.start)
    if not chosen:
        return None
    data = source.data
    for edit in reversed(chosen):
        data = data[: edit.start] + edit.text + data[edit.end :]
    new_text = data.decode("utf-8", "surrogateescape")
    try:
        python_ast.parse(new_text)
    except (SyntaxError, ValueError):
        return None
    return new_text, controls


class _Source:
    """The file as UTF-8 bytes, since ast column offsets count bytes."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8", "surrogateescape")
        self.starts = [0]
        for index, byte in enumerate(self.data):
            if byte == 0x0A:
                self.starts.append(index + 1)

    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (
            self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            self.offset(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )

    def text(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8", "replace")

    def line_end(self, line: int) -> int:
        """Offset just past the newline of `line` (or the end of the file)."""
        return self.starts[line] if line < len(self.starts) else len(self.data)


def _sources(text: str) -> set[str]:
    """The source of every function in `text` (the tests an agent has seen)."""
    try:
        tree = python_ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    source = _Source(text)
    return {
        _source(node, source)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _source(func: ast.FunctionDef | ast.AsyncFunctionDef, source: _Source) -> str:
    start, end = source.span(func)
    return source.text(start, end)


def _module_expects_failure(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            return bool(EXPECTED_FAILURE.search(ast.unparse(node.value)))
    return False


def _find_test(tree: ast.Module, test_id: str) -> ast.FunctionDef | None:
    """The function behind a node id `path::[Class::...]name[params]` (the last definition of
    that name, as Python keeps it); None when it is not written in this file."""
    parts = test_id.split("::")[1:]
    if not parts:
        return None
    *classes, name = parts
    name = name.split("[", 1)[0]
    body: list[ast.stmt] = tree.body
    for class_name in classes:
        found = [n for n in body if isinstance(n, ast.ClassDef) and n.name == class_name]
        if not found or _decorated_to_fail(found[-1]):
            return None
        body = found[-1].body
    funcs = [n for n in body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    matches = [f for f in funcs if f.name == name]
    if not matches or not isinstance(matches[-1], ast.FunctionDef):
        return None
    return matches[-1]


def _decorated_to_fail(node: ast.FunctionDef | ast.ClassDef) -> bool:
    return any(EXPECTED_FAILURE.search(ast.unparse(d)) for d in node.decorator_list)


def _control_for(func: ast.FunctionDef, source: _Source, rng: random.Random) -> _Edit | None:
    if _decorated_to_fail(func) or _is_generator(func):
        return None
    candidates = _candidates(func)
    rng.shuffle(candidates)
    for statement in candidates:
        edit = _invert(statement, source, rng)
        if edit is not None:
            return edit
    return None


def _is_generator(func: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Yield | ast.YieldFrom) for n in _own_nodes(func.body))


def _candidates(func: ast.FunctionDef) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for statement in func.body:
        if _may_leave_early(statement):
            break
        if (
            isinstance(statement, ast.Assert)
            or _unittest_assertion(statement)
            or _raises(statement)
        ):
            out.append(statement)
    return out


def _may_leave_early(statement: ast.stmt) -> bool:
    for node in _own_nodes([statement]):
        if isinstance(node, ast.Return | ast.Yield | ast.YieldFrom):
            return True
        if isinstance(node, ast.Call) and python_ast.call_name(node) in LEAVES_EARLY:
            return True
    return False


def _own_nodes(statements: list[ast.stmt]) -> list[ast.AST]:
    """Every node of `statements`, not descending into functions, classes or lambdas defined
    there (their returns and yields are their own)."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))
    return out


def _unittest_assertion(statement: ast.stmt) -> ast.Call | None:
    if (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and isinstance(statement.value.func, ast.Attribute)
        and statement.value.func.attr in UNITTEST_NEGATION
    ):
        return statement.value
    return None


def _raises(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.With) or len(statement.items) != 1:
        return False
    manager = statement.items[0].context_expr
    if not isinstance(manager, ast.Call) or python_ast.call_name(manager) not in RAISES_NAMES:
        return False
    if not manager.args:
        return False
    expected = ast.unparse(manager.args[0])
    return not any(name in expected for name in NOT_RAISED_HERE)


def _invert(statement: ast.stmt, source: _Source, rng: random.Random) -> _Edit | None:
    if isinstance(statement, ast.Assert):
        return _invert_assert(statement, source, rng)
    call = _unittest_assertion(statement)
    if call is not None:
        return _invert_unittest(call, source, rng)
    if isinstance(statement, ast.With):
        return _unwrap_raises(statement, source)
    return None


def _invert_assert(statement: ast.Assert, source: _Source, rng: random.Random) -> _Edit | None:
    test = statement.test
    line = statement.lineno
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        if isinstance(test.ops[0], ast.Eq):
            for side in (test.comparators[0], test.left):
                edit = _change_literal(side, source, rng, line)
                if edit is not None:
                    return edit
        return _flip_operator(test, source, line)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        start, _ = source.span(test)
        operand_start, _ = source.span(test.operand)
        return _Edit(start, operand_start, b"", f"line {line}: `not` removed")
    start, end = source.span(test)
    inner = source.data[start:end]
    if isinstance(test, NEEDS_PARENS):
        inner = b"(" + inner + b")"
    return _Edit(start, end, b"not " + inner, f"line {line}: assertion negated")


def _flip_operator(test: ast.Compare, source: _Source, line: int) -> _Edit | None:
    _, left_end = source.span(test.left)
    right_start, _ = source.span(test.comparators[0])
    between = source.data[left_end:right_start]
    pattern, replacement = OPERATOR.get(type(test.ops[0]), ("", ""))
    if not pattern:
        return None
    match = re.search(pattern.encode(), between)
    if match is None:
        return None
    start, end = left_end + match.start(), left_end + match.end()
    old = source.text(start, end)
    return _Edit(start, end, replacement.encode(), f"line {line}: `{old}` -> `{replacement}`")


def _invert_unittest(call: ast.Call, source: _Source, rng: random.Random) -> _Edit | None:
    assert isinstance(call.func, ast.Attribute)
    name = call.func.attr
    if name in EQUALITY_ASSERTIONS:
        for arg in reversed(call.args[:2]):
            edit = _change_literal(arg, source, rng, call.lineno)
            if edit is not None:
                return edit
    _, end = source.span(call.func)
    start = end - len(name.encode())
    if source.data[start:end] != name.encode():
        return None
    negated = UNITTEST_NEGATION[name]
    return _Edit(start, end, negated.encode(), f"line {call.lineno}: {name} -> {negated}")


def _unwrap_raises(statement: ast.With, source: _Source) -> _Edit | None:
    """Replace the `with` statement by its body, dedented to the `with`'s own indentation."""
    first = statement.body[0]
    start = source.starts[statement.lineno - 1]
    end = source.line_end(statement.end_lineno or statement.lineno)
    indent = source.data[start : start + statement.col_offset]
    if first.lineno == statement.lineno:
        body_start, _ = source.span(first)
        text = indent + source.data[body_start:end].lstrip()
    else:
        shift = first.col_offset - statement.col_offset
        lines = source.data[source.starts[first.lineno - 1] : end].splitlines(keepends=True)
        text = b"".join(_dedent(line, shift) for line in lines)
    if not text.endswith(b"\n") and end < len(source.data):
        text += b"\n"
    return _Edit(start, end, text, f"line {statement.lineno}: raises-block unwrapped")


def _dedent(line: bytes, shift: int) -> bytes:
    blank = len(line) - len(line.lstrip(b" \t"))
    return line[min(shift, blank) :]


def _change_literal(node: ast.expr, source: _Source, rng: random.Random, line: int) -> _Edit | None:
    """Give one literal of `node` (itself, or an element of a list/tuple/set/dict display) a
    different value, written in the same style."""
    leaves = _literal_leaves(node)
    if not leaves:
        return None
    leaf = rng.choice(leaves)
    start, end = source.span(leaf)
    old = source.text(start, end)
    new = _other_literal(leaf.value, old, rng)
    if new is None:
        return None
    return _Edit(start, end, new.encode("utf-8"), f"line {line}: `{old[:60]}` -> `{new[:60]}`")


def _literal_leaves(node: ast.expr) -> list[ast.Constant]:
    if isinstance(node, ast.Constant):
        return [node] if _changeable(node) else []
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _literal_leaves(node.operand)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [leaf for element in node.elts for leaf in _literal_leaves(element)]
    if isinstance(node, ast.Dict):
        # Values only: changing a key could make two keys equal and the dict shorter.
        return [leaf for value in node.values for leaf in _literal_leaves(value)]
    return []


def _changeable(node: ast.Constant) -> bool:
    return node.value is None or isinstance(node.value, bool | int | float | str)


def _other_literal(value: object, old_source: str, rng: random.Random) -> str | None:
    if value is None:
        return "0"
    if isinstance(value, bool):
        return "False" if value else "True"
    if isinstance(value, int):
        return str(value + rng.choice((1, 2, 3)))
    if isinstance(value, float):
        return repr(value + max(1.0, abs(value)))
    if isinstance(value, str):
        return _other_string(value, old_source, rng)
    return None


def _other_string(value: str, old_source: str, rng: random.Random) -> str | None:
    """The literal's own source with one character of its body changed, so quotes and style
    stay as written; literals with escapes or prefixes are left to the operator flip."""
    quote = _quote_of(old_source)
    if quote is None or "\\" in old_source:
        return None
    body = old_source[len(quote) : -len(quote)]
    return quote + _mutate_text(body, rng) + quote


def _quote_of(source: str) -> str | None:
    """The quotes of a plain single-token string literal; None for prefixed (r, b, u, f) or
    implicitly concatenated literals, whose style is not worth imitating."""
    for quote in ('"""', "'''", '"', "'"):
        if source.startswith(quote) and source.endswith(quote) and len(source) >= 2 * len(quote):
            inner = source[len(quote) : -len(quote)]
            if quote not in inner.replace("\\" + quote[0], ""):
                return quote
    return None


def _mutate_text(value: str, rng: random.Random) -> str:
    """The same text with one letter or digit replaced by another of its kind (or one letter
    added when it has none)."""
    positions = [i for i, ch in enumerate(value) if ch.isascii() and ch.isalnum()]
    if not positions:
        return value + rng.choice("abcdefghijklmnopqrstuvwxyz")
    index = rng.choice(positions)
    ch = value[index]
    pool = "0123456789" if ch.isdigit() else "abcdefghijklmnopqrstuvwxyz"
    if ch.isupper():
        pool = pool.upper()
    replacement = rng.choice([c for c in pool if c != ch])
    return value[:index] + replacement + value[index + 1 :]
