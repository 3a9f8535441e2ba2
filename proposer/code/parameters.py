"""Parameter changes: scale or shift one number the agent's code is written with.

Numbers in module-level assignments (including inside literal tables), in default arguments and
in keyword arguments are the agent's knobs, wherever they live: budgets, limits, weights, the
deltas an operator tries. Numbers inside expressions are left to the AST mutations.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from godelbox.proposer.code.source import AgentCode, Candidate, Module, compiles

KIND = "parameter"


def candidates(agent: AgentCode) -> list[Candidate]:
    out = []
    for module in agent.modules.values():
        for node, where in _knobs(module):
            for new in _values(node.value):
                out.append(_candidate(module, node, new, where))
    return out


def _candidate(module: Module, node: ast.Constant, new: int | float, where: str) -> Candidate:
    old = node.value
    description = f"{module.path}:{node.lineno}: {where} {old!r} -> {new!r}"

    def make() -> dict[str, str] | None:
        files = {module.path: module.replace(node, repr(new))}
        return files if compiles(files) else None

    return Candidate(KIND, description, make)


def _knobs(module: Module) -> Iterator[tuple[ast.Constant, str]]:
    for stmt in module.tree.body:
        if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
            target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
            name = target.id if isinstance(target, ast.Name) else "value"
            for node in _literal_numbers(stmt.value):
                yield node, name
    for func in ast.walk(module.tree):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            for default in [*func.args.defaults, *func.args.kw_defaults]:
                if default is not None and _is_number(default):
                    yield default, f"default of {func.name}()"  # type: ignore[misc]
        elif isinstance(func, ast.keyword) and func.arg and _is_number(func.value):
            yield func.value, f"{func.arg}="  # type: ignore[misc]


def _literal_numbers(node: ast.AST) -> Iterator[ast.Constant]:
    """Numbers of a literal (nested lists, tuples, sets, dict values), not of computations."""
    if _is_number(node):
        yield node  # type: ignore[misc]
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        for element in node.elts:
            yield from _literal_numbers(element)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _literal_numbers(value)


def _is_number(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    )


def _values(value: int | float) -> list[int | float]:
    """Doubling and halving move far, one step moves near; a sign never flips (a limit of
    zero or below is rarely what a knob means)."""
    if isinstance(value, int):
        options = [value * 2, value // 2, value + 1, value - 1]
    else:
        options = [round(value * 2, 6), round(value / 2, 6)]
    return [v for v in dict.fromkeys(options) if v != value and (v > 0) == (value > 0)]
