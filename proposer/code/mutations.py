"""AST-level mutations of the agent's own code, the program-transformation operators of genetic
improvement applied to the agent itself:

- `extend_collection`: a literal list/tuple/set of constants gains an element that a sibling
  literal of the same module holds (tables grow from material already in the code);
- `drop_element`: a literal collection loses one element;
- `delete_statement`: a statement of a function body goes (a guard, a filter, a step);
- `swap_statements`: two adjacent statements of a function body trade places;
- `flip_operator`: a comparison, boolean or arithmetic operator in a function becomes a
  sibling operator.

Each is blind to what the code means; the agent's own tests decide whether a child is valid.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterator

from godelbox.proposer.code.source import AgentCode, Candidate, Module, compiles, functions

KIND = "ast"
COMPARE_FLIPS = {
    ast.Lt: ("<", ["<=", ">"]),
    ast.LtE: ("<=", ["<", ">="]),
    ast.Gt: (">", [">=", "<"]),
    ast.GtE: (">=", [">", "<="]),
    ast.Eq: ("==", ["!="]),
    ast.NotEq: ("!=", ["=="]),
    ast.In: ("in", ["not in"]),
    ast.NotIn: ("not in", ["in"]),
    ast.Is: ("is", ["is not"]),
    ast.IsNot: ("is not", ["is"]),
}
BINOP_FLIPS = {ast.Add: ("+", ["-"]), ast.Sub: ("-", ["+"]), ast.Mult: ("*", ["//"])}
BOOL_FLIPS = {ast.And: ("and", "or"), ast.Or: ("or", "and")}


def candidates(agent: AgentCode) -> list[Candidate]:
    out: list[Candidate] = []
    for module in agent.modules.values():
        out.extend(_extend_collections(module))
        out.extend(_drop_elements(module))
        for func in functions(module):
            out.extend(_statement_edits(module, func))
            out.extend(_operator_flips(module, func))
    return out


def _lazy(
    module: Module, transformation: str, description: str, build: Callable[[], str]
) -> Candidate:
    """A candidate whose text is built only if it is drawn."""

    def make() -> dict[str, str] | None:
        text = build()
        files = {module.path: text}
        return files if text != module.text and compiles(files) else None

    return Candidate(transformation, f"{module.path}: {description}", make)


# -- literal collections ----------------------------------------------------------------------


def _collections(module: Module) -> list[ast.List | ast.Tuple | ast.Set]:
    """Literal collections whose elements are all constants of one type (strings, numbers)."""
    found = []
    for node in ast.walk(module.tree):
        if not (isinstance(node, ast.List | ast.Tuple | ast.Set) and node.elts):
            continue
        if all(isinstance(e, ast.Constant) for e in node.elts):
            kinds = {type(e.value) for e in node.elts}  # type: ignore[attr-defined]
            if len(kinds) == 1 and kinds <= {str, int, float}:
                found.append(node)
    return found


def _extend_collections(module: Module) -> Iterator[Candidate]:
    tables = _collections(module)
    for table in tables:
        kind = type(table.elts[0].value)  # type: ignore[attr-defined]
        have = [e.value for e in table.elts]  # type: ignore[attr-defined]
        material: list[object] = []
        for other in tables:
            if other is table or type(other.elts[0].value) is not kind:  # type: ignore[attr-defined]
                continue
            for element in other.elts:
                value = element.value  # type: ignore[attr-defined]
                if value not in have and value not in material:
                    material.append(value)
        for value in material:
            yield _lazy(
                module,
                "extend_collection",
                f"line {table.lineno}: {module.segment(table)[:60]} gains {value!r}",
                lambda table=table, value=value: module.insert_after(
                    table.elts[-1], f", {value!r}"
                ),
            )


def _drop_elements(module: Module) -> Iterator[Candidate]:
    for table in _collections(module):
        if len(table.elts) < 2:
            continue
        for index, element in enumerate(table.elts):
            yield _lazy(
                module,
                "drop_element",
                f"line {table.lineno}: {module.segment(table)[:60]} loses "
                f"{module.segment(element)}",
                lambda table=table, index=index: _without(module, table, index),
            )


def _without(module: Module, table: ast.List | ast.Tuple | ast.Set, index: int) -> str:
    elts = table.elts
    if index + 1 < len(elts):
        start, end = module.span(elts[index])[0], module.span(elts[index + 1])[0]
    else:
        start, end = module.span(elts[index - 1])[1], module.span(elts[index])[1]
    return module.text[:start] + module.text[end:]


# -- statements ------------------------------------------------------------------------------


def _bodies(func: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[list[ast.stmt]]:
    """Every statement list inside the function (its body, branches, loop bodies, handlers)."""
    todo: list[ast.AST] = [func]
    while todo:
        node = todo.pop(0)
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block
                todo.extend(block)
        for handler in getattr(node, "handlers", []) or []:
            yield handler.body
            todo.extend(handler.body)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _statement_edits(
    module: Module, func: ast.FunctionDef | ast.AsyncFunctionDef
) -> Iterator[Candidate]:
    for block in _bodies(func):
        statements = [s for s in block if not _is_docstring(s)]
        alone = len(block) == 1
        for stmt in statements:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            first = module.segment(stmt).splitlines()[0][:60]
            yield _lazy(
                module,
                "delete_statement",
                f"{func.name}() line {stmt.lineno}: delete {first!r}",
                lambda stmt=stmt, alone=alone: _delete(module, stmt, alone),
            )
        for first, second in itertools.pairwise(statements):
            if first.end_lineno == second.lineno:
                continue
            yield _lazy(
                module,
                "swap_statements",
                f"{func.name}() lines {first.lineno} and {second.lineno} swapped",
                lambda a=first, b=second: _swap(module, a, b),
            )


def _delete(module: Module, stmt: ast.stmt, alone: bool) -> str:
    start, end = module.statement_lines(stmt)
    if module.text[start : module.span(stmt)[0]].strip():
        return module.text  # shares its line with other code: leave it
    replacement = f"{module.indent_of(stmt)}pass\n" if alone else ""
    return module.text[:start] + replacement + module.text[end:]


def _swap(module: Module, first: ast.stmt, second: ast.stmt) -> str:
    a0, a1 = module.statement_lines(first)
    b0, b1 = module.statement_lines(second)
    if module.text[a1:b0].strip():
        return module.text
    return (
        module.text[:a0]
        + module.text[b0:b1]
        + module.text[a1:b0]
        + module.text[a0:a1]
        + module.text[b1:]
    )


# -- operators -------------------------------------------------------------------------------


def _operator_flips(
    module: Module, func: ast.FunctionDef | ast.AsyncFunctionDef
) -> Iterator[Candidate]:
    for node in ast.walk(func):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for i, op in enumerate(node.ops):
                old, news = COMPARE_FLIPS[type(op)]
                for new in news:
                    yield _token_flip(module, func, operands[i], operands[i + 1], old, new)
        elif isinstance(node, ast.BinOp) and type(node.op) in BINOP_FLIPS:
            old, news = BINOP_FLIPS[type(node.op)]
            for new in news:
                yield _token_flip(module, func, node.left, node.right, old, new)
        elif isinstance(node, ast.BoolOp):
            old, new = BOOL_FLIPS[type(node.op)]
            for left, right in zip(node.values, node.values[1:], strict=False):
                yield _token_flip(module, func, left, right, old, new)


def _token_flip(
    module: Module,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    left: ast.AST,
    right: ast.AST,
    old: str,
    new: str,
) -> Candidate:
    def build() -> str:
        start, end = module.span(left)[1], module.span(right)[0]
        gap = module.text[start:end]
        at = _token_at(gap, old)
        if at < 0:
            return module.text
        return module.text[:start] + gap[:at] + new + gap[at + len(old) :] + module.text[end:]

    line = getattr(left, "lineno", func.lineno)
    return _lazy(module, "flip_operator", f"{func.name}() line {line}: {old!r} -> {new!r}", build)


def _token_at(gap: str, token: str) -> int:
    """Where operator `token` stands in the text between two operands (not inside a longer
    operator, not inside brackets or a comment)."""
    depth = 0
    for at in range(len(gap)):
        char = gap[at]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "#":
            return -1
        if depth or not gap.startswith(token, at):
            continue
        before = gap[at - 1] if at else " "
        after = gap[at + len(token)] if at + len(token) < len(gap) else " "
        if token[0].isalpha():
            if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
                return at
        elif after not in "=<>*/" and before not in "=<>!*/":
            return at
    return -1
