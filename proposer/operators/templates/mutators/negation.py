"""Remove a `not`, or negate a condition (if/while/assert tests, returned predicates)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from edits import Edit, Site


def mutate(site: Site) -> Iterator[Edit]:
    stmt = site.statement()
    conditions = []
    if isinstance(stmt, ast.If | ast.While | ast.Assert):
        conditions.append(stmt.test)
    if isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Compare | ast.BoolOp | ast.Call):
        conditions.append(stmt.value)
    for node in site.expressions():
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield Edit(
                f"negation removed at line {site.line}",
                site.replace(node, site.text(node.operand)),
            )
        elif isinstance(node, ast.IfExp):
            conditions.append(node.test)
    for cond in conditions:
        if isinstance(cond, ast.UnaryOp) and isinstance(cond.op, ast.Not):
            continue
        text = site.text(cond)
        simple = isinstance(cond, ast.Name | ast.Attribute | ast.Call | ast.Subscript)
        negated = f"not {text}" if simple else f"not ({text})"
        yield Edit(f"negation of {text!r} at line {site.line}", site.replace(cond, negated))


EXAMPLE = (
    "def odd(n):\n    if n % 2 == 0:\n        return True\n    return False\n",
    2,
    "def odd(n):\n    if not (n % 2 == 0):\n        return True\n    return False\n",
)
