"""The operator table is data the agent's evolution may grow: every entry must name operators
the grammar has, and every swap it lists must produce valid Python where that operator occurs."""

import ast

import pytest
from edits import Site
from mutators import operator_swap

SAMPLES = {
    ast.cmpop: "ok = a {} b",
    ast.operator: "total = a {} b",
    ast.boolop: "ok = a {} b",
    ast.unaryop: "value = {} a",
}
"""A statement where an operator of each family occurs, `{}` its token."""


def _family(name: str) -> type:
    cls = getattr(ast, name)
    return next(base for base in SAMPLES if issubclass(cls, base))


def _site(source: str) -> Site:
    return Site("m.py", source, ast.parse(source), 1)


@pytest.mark.parametrize("name", sorted(operator_swap.SWAPS))
def test_every_swap_of_the_table_is_valid_python(name):
    family = _family(name)
    assert all(_family(new) is family for new in operator_swap.SWAPS[name]), "one family"
    source = SAMPLES[family].format(operator_swap.TOKENS[name]) + "\n"
    produced = [edit.source for edit in operator_swap.mutate(_site(source))]
    assert len(produced) == len(operator_swap.SWAPS[name])
    for new, text in zip(operator_swap.SWAPS[name], produced, strict=True):
        assert any(type(n).__name__ == new for n in ast.walk(ast.parse(text))), text


def test_every_operator_of_the_grammar_has_a_token():
    grammar = {c.__name__ for base in SAMPLES for c in base.__subclasses__()}
    assert set(operator_swap.TOKENS) == grammar


def test_arithmetic_boolean_unary_and_augmented_operators_swap_once_named(monkeypatch):
    monkeypatch.setattr(
        operator_swap,
        "SWAPS",
        {"Add": ["Sub"], "And": ["Or"], "Not": ["USub"], "FloorDiv": ["Div"]},
    )
    cases = {
        "x = (a + b) * c\n": "x = (a - b) * c\n",
        "if a and not b:\n    pass\n": "if a or not b:\n    pass\n",
        "y = not (a or b)\n": "y = -(a or b)\n",
        "n //= 2\n": "n /= 2\n",
    }
    for source, wanted in cases.items():
        assert wanted in [e.source for e in operator_swap.mutate(_site(source))], source


def test_operators_outside_the_table_are_left_alone(monkeypatch):
    monkeypatch.setattr(operator_swap, "SWAPS", {"Lt": ["Gt"]})
    assert list(operator_swap.mutate(_site("x = a + b - c if not d or e else f\n"))) == []
