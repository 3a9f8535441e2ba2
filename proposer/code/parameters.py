"""Parameter changes: scale or shift one number the agent's code is written with.

The agent's knobs are the numbers of its module-level assignments (including inside literal
tables), of its functions' default arguments, and of keyword arguments it passes to its own
functions: budgets, limits, weights, the deltas an operator tries. Two kinds of number look
like knobs and are not, so they are left out:

- a number in a tuple or list that also holds text is a record (an operator's EXAMPLE: buggy
  source, line, fixed source), and the number points into the text: the agent's own tests
  check such records, so every change to one only failed validation (4 of the 9 parameter
  children of the runs at dbe9e3f, 1d45908 and f5fe053);
- a number passed by keyword to a function the agent does not define (`json.dumps(indent=2)`,
  `re.sub(count=1)`, `min(default=0)`) is that library's option, which changes what the call
  means rather than how hard the agent tries (3 of those 9 children, none better than its
  parent).

Numbers inside expressions are left to the AST mutations.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from godelbox import python_ast
from godelbox.proposer.code.source import AgentCode, Candidate, Module, compiles

KIND = "parameter"


def candidates(agent: AgentCode) -> list[Candidate]:
    own = _defined_functions(agent)
    out = []
    for module in agent.modules.values():
        for node, where in _knobs(module, own):
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


def _defined_functions(agent: AgentCode) -> set[str]:
    return {
        node.name
        for module in agent.modules.values()
        for node in ast.walk(module.tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _knobs(module: Module, own: set[str]) -> Iterator[tuple[ast.Constant, str]]:
    for stmt in module.tree.body:
        if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
            target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
            name = target.id if isinstance(target, ast.Name) else "value"
            for node in _literal_numbers(stmt.value):
                yield node, name
    for node in ast.walk(module.tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                if default is not None and _is_number(default):
                    yield default, f"default of {node.name}()"  # type: ignore[misc]
        elif isinstance(node, ast.Call) and python_ast.call_name(node) in own:
            for keyword in node.keywords:
                if keyword.arg and _is_number(keyword.value):
                    yield keyword.value, f"{keyword.arg}="  # type: ignore[misc]


def _literal_numbers(node: ast.AST) -> Iterator[ast.Constant]:
    """Numbers of a literal (nested lists, tuples, sets, dict values), not of computations,
    and not of records (a tuple or list that also holds text)."""
    if _is_number(node):
        yield node  # type: ignore[misc]
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        if isinstance(node, ast.List | ast.Tuple) and any(_is_text(e) for e in node.elts):
            return
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


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _values(value: int | float) -> list[int | float]:
    """Doubling and halving move far, one step moves near; a sign never flips (a limit of
    zero or below is rarely what a knob means)."""
    if isinstance(value, int):
        options = [value * 2, value // 2, value + 1, value - 1]
    else:
        options = [round(value * 2, 6), round(value / 2, 6)]
    return [v for v in dict.fromkeys(options) if v != value and (v > 0) == (value > 0)]
