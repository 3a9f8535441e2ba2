"""Return another variable of the function than the one returned now."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from edits import Edit, Site, parameters


def mutate(site: Site) -> Iterator[Edit]:
    stmt = site.statement()
    func = site.function()
    if not isinstance(stmt, ast.Return) or stmt.value is None or func is None:
        return
    current = site.text(stmt.value)
    for name in _variables(func):
        if name != current:
            yield Edit(
                f"return {current} -> return {name} at line {site.line}",
                site.replace(stmt.value, name),
            )


def _variables(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Locals in order of first appearance: assigned names, loop targets, then parameters."""
    names: list[str] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in names:
            names.append(node.id)
    names.extend(p for p in parameters(func) if p not in names)
    return names


EXAMPLE = (
    "def dedupe(items):\n    seen = []\n    for x in items:\n        if x not in seen:\n"
    "            seen.append(x)\n    return items\n",
    6,
    "def dedupe(items):\n    seen = []\n    for x in items:\n        if x not in seen:\n"
    "            seen.append(x)\n    return seen\n",
)
