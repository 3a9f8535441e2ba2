"""Swap a comparison operator (< for <=, == for !=, in for not in, ...)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from edits import Edit, Site

TOKENS = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
SWAPS = {
    "<": ["<=", ">"],
    "<=": ["<", ">="],
    ">": [">=", "<"],
    ">=": [">", "<="],
    "==": ["!="],
    "!=": ["=="],
    "is": ["is not"],
    "is not": ["is"],
    "in": ["not in"],
    "not in": ["in"],
}


def mutate(site: Site) -> Iterator[Edit]:
    for node in site.expressions():
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            old = TOKENS[type(op)]
            for new in SWAPS[old]:
                source = site.replace_between(operands[i], operands[i + 1], old, new)
                if source is not None:
                    yield Edit(f"comparison {old!r} -> {new!r} at line {site.line}", source)


EXAMPLE = (
    "def is_adult(age):\n    return age > 18\n",
    2,
    "def is_adult(age):\n    return age >= 18\n",
)
