"""Recombination of the agent's functions: two functions with the same name and parameters in
different modules (plug-ins of one kind: two mutation operators, two extractors) exchange code.

- `transplant`: A's function takes B's body;
- `splice`: A's function keeps its first statements and ends with B's last ones (one-point
  crossover of the two bodies);
- `union`: two generator functions become one that yields what both yield.

Whatever B's code reads from its own module (helpers, tables, imports) and A lacks comes along;
a name both modules define differently makes the pair ineligible rather than silently wrong.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator

from godelbox.proposer.code.source import (
    AgentCode,
    Candidate,
    Module,
    compiles,
    dependencies,
    insert_definitions,
)

KIND = "recombination"
Function = ast.FunctionDef | ast.AsyncFunctionDef


def candidates(agent: AgentCode) -> list[Candidate]:
    out: list[Candidate] = []
    for (mod_a, func_a), (mod_b, func_b) in _pairs(agent):
        out.extend(_recombinations(mod_a, func_a, mod_b, func_b))
    return out


def _pairs(agent: AgentCode) -> Iterator[tuple[tuple[Module, Function], tuple[Module, Function]]]:
    by_signature: dict[tuple[str, tuple[str, ...]], list[tuple[Module, Function]]] = {}
    for module in agent.modules.values():
        for stmt in module.tree.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and _body(stmt):
                key = (stmt.name, tuple(a.arg for a in stmt.args.args))
                by_signature.setdefault(key, []).append((module, stmt))
    for group in by_signature.values():
        for a in group:
            for b in group:
                if a[0].path != b[0].path and ast.dump(a[1]) != ast.dump(b[1]):
                    yield a, b


def _recombinations(
    mod_a: Module, func_a: Function, mod_b: Module, func_b: Function
) -> Iterator[Candidate]:
    body_a, body_b = _body(func_a), _body(func_b)
    name = f"{func_a.name}() of {mod_a.path} with {mod_b.path}"
    pair = (mod_a, func_a, mod_b, func_b)
    yield _candidate(*pair, "transplant", f"{name}: body transplanted", body_b)
    for cut_a in range(1, len(body_a)):
        for cut_b in range(1, len(body_b)):
            yield _candidate(
                *pair,
                "splice",
                f"{name}: first {cut_a} statement(s) + last {len(body_b) - cut_b} of the other",
                body_b[cut_b:],
                keep=body_a[:cut_a],
            )
    if _is_generator(func_a) and _is_generator(func_b):
        yield _candidate(*pair, "union", f"{name}: yields what both yield", body_b, keep=body_a)


def _candidate(
    mod_a: Module,
    func_a: Function,
    mod_b: Module,
    func_b: Function,
    transformation: str,
    description: str,
    taken: list[ast.stmt],
    keep: list[ast.stmt] | None = None,
) -> Candidate:
    def make() -> dict[str, str] | None:
        if _inline(func_a) or _inline(func_b):
            return None
        needed: list[ast.stmt] = []
        for stmt in taken:
            found = dependencies(mod_b, stmt, mod_a)
            if found is None:
                return None
            needed.extend(s for s in found if s not in needed)
        indent = mod_a.indent_of(_body(func_a)[0])
        kept = "".join(_text(mod_a, s, indent) for s in keep or [])
        new_body = kept + "".join(_text(mod_b, s, indent) for s in taken)
        start = mod_a.statement_lines(_body(func_a)[0])[0]
        end = mod_a.statement_lines(_body(func_a)[-1])[1]
        text = mod_a.text[:start] + new_body + mod_a.text[end:]
        text = insert_definitions(mod_a, text, mod_b, sorted(needed, key=lambda s: s.lineno))
        files = {mod_a.path: text}
        return files if text != mod_a.text and compiles(files) else None

    return Candidate(transformation, description, make)


def _body(func: Function) -> list[ast.stmt]:
    """The function's statements after its docstring."""
    body = list(func.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body


def _inline(func: Function) -> bool:
    """A body that starts on the `def` line cannot be cut out by whole lines."""
    body = _body(func)
    return not body or body[0].lineno == func.lineno


def _text(module: Module, stmt: ast.stmt, indent: str) -> str:
    start, end = module.statement_lines(stmt)
    chunk = textwrap.dedent(module.text[start:end])
    if not chunk.endswith("\n"):
        chunk += "\n"
    return textwrap.indent(chunk, indent, lambda line: bool(line.strip()))


def _is_generator(func: Function) -> bool:
    return any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(func))
