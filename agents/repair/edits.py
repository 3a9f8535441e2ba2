"""Source-preserving edits: locate AST nodes in the text and replace exactly their characters.

Mutators change one token or one expression and leave the rest of the file byte for byte, so the
agent's final diff is as small as the bug (ast.unparse of a whole module would reformat it all).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")
OPERATORS = (ast.cmpop, ast.operator, ast.boolop, ast.unaryop)
ATOMS = (ast.Name, ast.Constant, ast.Call, ast.Attribute, ast.Subscript, ast.List, ast.Dict)


@dataclass(frozen=True)
class Edit:
    """One candidate: a readable description and the whole new text of the file."""

    description: str
    source: str


@dataclass
class Site:
    """A suspicious line of one file, with what mutators need to know around it."""

    path: str
    source: str
    tree: ast.Module
    line: int
    problem: str = ""
    parents: dict[int, ast.AST] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.parents:
            for node in ast.walk(self.tree):
                for child in ast.iter_child_nodes(node):
                    self.parents[id(child)] = node
        self._starts = _line_starts(self.source)

    def statement(self) -> ast.stmt | None:
        """The innermost statement whose own text (not its nested body) covers the line."""
        return _innermost_statement(self.tree.body, self.line)

    def expressions(self) -> Iterator[ast.AST]:
        """Every expression node of the line's statement, nested bodies excluded."""
        stmt = self.statement()
        if stmt is None:
            return
        todo: list[ast.AST] = [
            value
            for name, value in ast.iter_fields(stmt)
            if name not in BODY_FIELDS
            for value in (value if isinstance(value, list) else [value])
            if isinstance(value, ast.AST)
        ]
        while todo:
            node = todo.pop(0)
            yield node
            todo.extend(ast.iter_child_nodes(node))

    def operators(self) -> list[str]:
        """The syntax classes of the operators on the line's statement (Lt, Add, And, Not, ...),
        once each, in order: what an operator mutator would have to know to touch the line."""
        names = [type(n).__name__ for n in self.expressions() if isinstance(n, OPERATORS)]
        return list(dict.fromkeys(names))

    def function(self) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The function enclosing the line, if any."""
        node: ast.AST | None = self.statement()
        while node is not None:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
            node = self.parents.get(id(node))
        return None

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(id(node))

    def span(self, node: ast.AST) -> tuple[int, int]:
        """Character offsets [start, end) of `node` in the source."""
        return (
            self._offset(node.lineno, node.col_offset),
            self._offset(node.end_lineno, node.end_col_offset),
        )

    def text(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.source[start:end]

    def replace(self, node: ast.AST, new_text: str) -> str:
        """The source with `node` replaced by `new_text` (parenthesised when precedence needs)."""
        start, end = self.span(node)
        if self._needs_parens(node, new_text):
            new_text = f"({new_text})"
        return self.source[:start] + new_text + self.source[end:]

    def replace_between(self, left: ast.AST, right: ast.AST, old: str, new: str) -> str | None:
        """Replace the operator token `old` in the text between two sibling nodes."""
        start = self.span(left)[1]
        end = self.span(right)[0]
        gap = self.source[start:end]
        at = _find_token(gap, old)
        if at < 0:
            return None
        gap = gap[:at] + new + gap[at + len(old) :]
        return self.source[:start] + gap + self.source[end:]

    def insert_before_statement(self, stmt: ast.stmt, lines: list[str]) -> str:
        """Insert whole lines before `stmt`, at its indentation."""
        line_start = self._starts[stmt.lineno - 1]
        indent = " " * stmt.col_offset
        block = "".join(f"{indent}{line}\n" for line in lines)
        return self.source[:line_start] + block + self.source[line_start:]

    def _needs_parens(self, node: ast.AST, new_text: str) -> bool:
        parent = self.parent(node)
        operator_parent = isinstance(
            parent, ast.BinOp | ast.UnaryOp | ast.BoolOp | ast.Compare | ast.Attribute | ast.Await
        ) or (isinstance(parent, ast.Subscript) and parent.value is node)
        if not operator_parent:
            return False
        try:
            new_node = ast.parse(new_text, mode="eval").body
        except SyntaxError:
            return False
        return not isinstance(new_node, ATOMS)

    def _offset(self, lineno: int, col: int) -> int:
        start = self._starts[lineno - 1]
        end = self._starts[lineno] if lineno < len(self._starts) else len(self.source)
        prefix = self.source[start:end].encode("utf-8")[:col]
        return start + len(prefix.decode("utf-8", errors="ignore"))


def _line_starts(source: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(source):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def _innermost_statement(body: list[ast.stmt], line: int) -> ast.stmt | None:
    for stmt in body:
        if not stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
            continue
        for name in BODY_FIELDS:
            children = getattr(stmt, name, None) or []
            inner_stmts: list[ast.stmt] = []
            for child in children:
                if isinstance(child, ast.stmt):
                    inner_stmts.append(child)
                elif hasattr(child, "body"):
                    inner_stmts.extend(child.body)
            inner = _innermost_statement(inner_stmts, line)
            if inner is not None:
                return inner
        return stmt
    return None


def _find_token(gap: str, token: str) -> int:
    """Position of operator `token` in `gap`, not as part of a longer operator."""
    at = gap.find(token)
    while at >= 0:
        before = gap[at - 1] if at > 0 else " "
        after = gap[at + len(token)] if at + len(token) < len(gap) else " "
        word = token[0].isalpha()
        clash = (
            (before.isalnum() or after.isalnum())
            if word
            else (after in "=<>*/" or before in "=<>!*/")
        )
        if not clash:
            return at
        at = gap.find(token, at + 1)
    return -1


def function_body_start(func: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt:
    """The first statement of a function after its docstring (or the docstring if it is all)."""
    body = func.body
    has_doc = (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )
    return body[1] if has_doc and len(body) > 1 else body[0]


def parameters(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Positional parameter names, without self/cls."""
    args = func.args.posonlyargs + func.args.args
    return [a.arg for a in args if a.arg not in ("self", "cls")]
