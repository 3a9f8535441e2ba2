"""Swap an operator for another of its family (< for <=, == for !=, in for not in, ...).

Which swaps are tried is data: SWAPS maps the name of an operator's syntax class (Python's `ast`
module: Lt, Add, And, Not, ...) to the classes it may become, tried in order. Any operator of the
grammar can be named, whether it compares (Compare), computes (BinOp, `x += ...`), joins
conditions (BoolOp) or prefixes a value (UnaryOp); the table below is simply what this agent has
learnt to try so far. TOKENS is how each class is spelt in source, and is not a choice.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from edits import Edit, Site

SWAPS = {
    "Lt": ["LtE", "Gt"],
    "LtE": ["Lt", "GtE"],
    "Gt": ["GtE", "Lt"],
    "GtE": ["Gt", "LtE"],
    "Eq": ["NotEq"],
    "NotEq": ["Eq"],
    "Is": ["IsNot"],
    "IsNot": ["Is"],
    "In": ["NotIn"],
    "NotIn": ["In"],
}
TOKENS = {
    "Eq": "==",
    "NotEq": "!=",
    "Lt": "<",
    "LtE": "<=",
    "Gt": ">",
    "GtE": ">=",
    "Is": "is",
    "IsNot": "is not",
    "In": "in",
    "NotIn": "not in",
    "Add": "+",
    "Sub": "-",
    "Mult": "*",
    "MatMult": "@",
    "Div": "/",
    "Mod": "%",
    "Pow": "**",
    "LShift": "<<",
    "RShift": ">>",
    "BitOr": "|",
    "BitXor": "^",
    "BitAnd": "&",
    "FloorDiv": "//",
    "And": "and",
    "Or": "or",
    "Invert": "~",
    "Not": "not",
    "UAdd": "+",
    "USub": "-",
}


def mutate(site: Site) -> Iterator[Edit]:
    statement = site.statement()
    if isinstance(statement, ast.AugAssign):
        yield from _swaps(site, statement.op, statement.target, statement.value, suffix="=")
    for node in site.expressions():
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for i, op in enumerate(node.ops):
                yield from _swaps(site, op, operands[i], operands[i + 1])
        elif isinstance(node, ast.BinOp):
            yield from _swaps(site, node.op, node.left, node.right)
        elif isinstance(node, ast.BoolOp):
            for left, right in zip(node.values, node.values[1:], strict=False):
                yield from _swaps(site, node.op, left, right)
        elif isinstance(node, ast.UnaryOp):
            yield from _unary_swaps(site, node)


def _swaps(
    site: Site, op: ast.AST, left: ast.AST, right: ast.AST, suffix: str = ""
) -> Iterator[Edit]:
    name = type(op).__name__
    old = TOKENS[name] + suffix
    for new_name in SWAPS.get(name, []):
        new = TOKENS[new_name] + suffix
        source = site.replace_between(left, right, old, new)
        if source is not None:
            yield Edit(f"operator {old!r} -> {new!r} at line {site.line}", source)


def _unary_swaps(site: Site, node: ast.UnaryOp) -> Iterator[Edit]:
    name = type(node.op).__name__
    old = TOKENS[name]
    text = site.text(node)
    if not text.startswith(old):
        return
    rest = text[len(old) :].lstrip()
    for new_name in SWAPS.get(name, []):
        new = TOKENS[new_name]
        spelt = f"{new} {rest}" if new.isalpha() else f"{new}{rest}"
        yield Edit(f"operator {old!r} -> {new!r} at line {site.line}", site.replace(node, spelt))


EXAMPLE = (
    "def is_adult(age):\n    return age > 18\n",
    2,
    "def is_adult(age):\n    return age >= 18\n",
)
