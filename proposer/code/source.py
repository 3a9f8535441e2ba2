"""An agent's Python source as the code-level proposal kinds see it: every module outside its
tests, parsed, with edits that replace exactly the characters of a syntax node.

Edits splice text instead of unparsing whole modules, so a child's diff is as small as the
change and keeps the parent's comments and formatting. The agent's tests are never offered for
editing: they are what validates a child.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from godelbox import python_ast
from godelbox.evaluator.patching import is_test_path

MAX_MODULE_BYTES = 200_000
"""Larger files are left alone (generated data, not code worth mutating)."""
BUILTIN_NAMES = frozenset(dir(builtins))


@dataclass(frozen=True)
class CodeChange:
    """One proposed edit: complete new texts keyed by path relative to the agent's root."""

    transformation: str
    description: str
    files: dict[str, str]


@dataclass(frozen=True)
class Candidate:
    """A change not yet made: listing is cheap, `make` builds the texts (None: not applicable
    after all, e.g. the result would not compile)."""

    transformation: str
    description: str
    make: Callable[[], dict[str, str] | None]
    weight: float = 1.0
    """How likely the draw is to pick it among its transformation's candidates, relative to
    the others (evidence-directed kinds raise it; blind ones leave every candidate at 1)."""
    facts: Mapping[str, int] = field(default_factory=dict)
    """What the loop may read about the change besides its description, recorded in the
    child's proposal (a graft names its source node: `graft_source`)."""


@dataclass
class Module:
    path: str
    text: str
    tree: ast.Module
    _starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._starts = [0]
        for index, char in enumerate(self.text):
            if char == "\n":
                self._starts.append(index + 1)

    def span(self, node: ast.AST) -> tuple[int, int]:
        """Character offsets [start, end) of `node` (ast columns count UTF-8 bytes)."""
        return (
            self._offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            self._offset(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )

    def segment(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def replace(self, node: ast.AST, new_text: str) -> str:
        start, end = self.span(node)
        return self.text[:start] + new_text + self.text[end:]

    def statement_lines(self, stmt: ast.stmt) -> tuple[int, int]:
        """Offsets of the whole lines a statement occupies (decorators included)."""
        first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
        last = stmt.end_lineno or stmt.lineno
        end = self._starts[last] if last < len(self._starts) else len(self.text)
        return self._starts[first - 1], end

    def insert_after(self, node: ast.AST, new_text: str) -> str:
        """The text with `new_text` right after `node` (a table's next element or entry)."""
        end = self.span(node)[1]
        return self.text[:end] + new_text + self.text[end:]

    def line_start(self, lineno: int) -> int:
        """Offset of the first character of line `lineno` (1-based)."""
        return self._starts[lineno - 1]

    def indent_of(self, stmt: ast.stmt) -> str:
        start = self._starts[stmt.lineno - 1]
        line = self.text[start : start + stmt.col_offset]
        return line if not line.strip() else " " * stmt.col_offset

    def _offset(self, lineno: int, col: int) -> int:
        start = self._starts[lineno - 1]
        end = self._starts[lineno] if lineno < len(self._starts) else len(self.text)
        prefix = self.text[start:end].encode("utf-8")[:col]
        return start + len(prefix.decode("utf-8", errors="ignore"))


@dataclass(frozen=True)
class AgentCode:
    root: Path
    modules: dict[str, Module]
    """Relative posix path -> parsed module, for every non-test `.py` file that parses."""

    @classmethod
    def read(cls, root: Path) -> AgentCode:
        modules = {}
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            parts = PurePosixPath(rel).parts
            if is_test_path(rel) or any(p.startswith(".") or p == "__pycache__" for p in parts):
                continue
            if path.is_symlink() or path.stat().st_size > MAX_MODULE_BYTES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            try:
                tree = python_ast.parse(text)
            except SyntaxError:
                continue
            modules[rel] = Module(rel, text, tree)
        return cls(root, modules)


def compiles(files: dict[str, str]) -> bool:
    """Every new text is valid Python (compiling runs nothing)."""
    try:
        for rel, text in files.items():
            compile(text, rel, "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def functions(module: Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function of a module, nested ones and methods included, in source order."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def top_level_names(module: Module) -> dict[str, ast.stmt]:
    """Name -> the top-level statement that defines it (imports, assignments, defs, classes)."""
    found: dict[str, ast.stmt] = {}
    for stmt in module.tree.body:
        for name in defined_names(stmt):
            found.setdefault(name, stmt)
    return found


def defined_names(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [stmt.name]
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return [(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"]
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
        targets = [stmt.target]
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def free_names(node: ast.AST) -> set[str]:
    """Names a piece of code reads but does not bind itself (nor are builtins)."""
    bound: set[str] = set()
    read: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            (bound if isinstance(sub.ctx, ast.Store | ast.Del) else read).add(sub.id)
        elif isinstance(sub, ast.arg):
            bound.add(sub.arg)
        elif isinstance(
            sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.ExceptHandler
        ):
            bound.add(sub.name or "")
        elif isinstance(sub, ast.Import | ast.ImportFrom):
            bound.update(defined_names(sub))
    return read - bound - BUILTIN_NAMES


def dependencies(source: Module, node: ast.AST, target: Module) -> list[ast.stmt] | None:
    """Top-level statements of `source` that `node` needs and `target` lacks, in source order
    (found transitively), or None when `target` defines one of those names differently."""
    defs = top_level_names(source)
    have = top_level_names(target)
    needed: list[ast.stmt] = []
    todo = sorted(free_names(node))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        seen.add(name)
        stmt = defs[name]
        if name in have:
            if ast.dump(have[name]) != ast.dump(stmt):
                return None
            continue
        if stmt not in needed:
            needed.append(stmt)
            todo.extend(sorted(free_names(stmt)))
    return sorted(needed, key=lambda s: s.lineno)


def insert_definitions(
    target: Module, module_text: str, source: Module, stmts: list[ast.stmt]
) -> str:
    """`module_text` (the target's possibly edited text) with `stmts` of `source` added: imports
    after the target's last top-level import, other definitions before its first function or
    class (so they exist before anything runs)."""
    if not stmts:
        return module_text
    imports = [s for s in stmts if isinstance(s, ast.Import | ast.ImportFrom)]
    others = [s for s in stmts if s not in imports]
    body = target.tree.body
    last_import, first_def = insertion_points(body)
    text = module_text
    # Insert the later position first so the earlier offset stays valid; both positions are
    # in the unedited prefix of the target (edits happen inside functions).
    spots = [
        (_after(target, body, last_import), imports),
        (_before(target, body, first_def), others),
    ]
    for offset, group in sorted(spots, key=lambda s: -s[0]):
        if group:
            block = "".join(statement_text(source, s) for s in group)
            text = text[:offset] + block + text[offset:]
    return text


def insertion_points(body: list[ast.stmt]) -> tuple[int, int]:
    """(index of the last top-level import or -1, index of the first function or class or
    len(body)): new imports go after the first, new definitions before the second, so they
    exist before anything that runs reads them."""
    last_import = max(
        (i for i, s in enumerate(body) if isinstance(s, ast.Import | ast.ImportFrom)), default=-1
    )
    first_def = next(
        (
            i
            for i, s in enumerate(body)
            if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        ),
        len(body),
    )
    return last_import, first_def


def statement_text(module: Module, stmt: ast.stmt) -> str:
    """The statement's source lines, ending with a newline."""
    start, end = module.statement_lines(stmt)
    chunk = module.text[start:end]
    return chunk if chunk.endswith("\n") else chunk + "\n"


def _after(module: Module, body: list[ast.stmt], index: int) -> int:
    if index < 0:
        docstring = (
            body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
        )
        return module.statement_lines(body[0])[1] if docstring else 0
    return module.statement_lines(body[index])[1]


def _before(module: Module, body: list[ast.stmt], index: int) -> int:
    if index >= len(body):
        return len(module.text)
    return module.statement_lines(body[index])[0]
