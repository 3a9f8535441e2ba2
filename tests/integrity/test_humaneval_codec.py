"""The values HumanEval answers send back are decoded as plain data only: whatever the answer's
process writes, the checker never gets an object of the answer's (whose `__eq__` could say yes
to anything), a name it could resolve, or a call it would make."""

from __future__ import annotations

import math

import pytest

from godelbox.evaluator.grader.humaneval_answer import Unsupported, decode, encode

PLAIN = [
    None,
    True,
    0,
    -17,
    10**40,
    2.5,
    -0.0,
    math.inf,
    -math.inf,
    'it\'s "quoted"\n',
    b"\x00\xff",
    complex(1, -2),
    [1, [2, (3,)], {"k": {4, 5}}],
    (),
    (1,),
    set(),
    {(1, 2): [None]},
]


@pytest.mark.parametrize("value", PLAIN)
def test_plain_values_round_trip(value):
    back = decode(encode(value))
    assert back == value and type(back) is type(value)


def test_nan_round_trips():
    assert math.isnan(decode(encode(math.nan)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "open('/etc/passwd')",
        "x",
        "(lambda: 1)()",
        "[i for i in range(3)]",
        "a.b",
        "1 + 1",
        "...",
        "{**{}}",
        "-'a'",
        "[" * 100_000 + "]" * 100_000,
        "1" * 5_000_000,
        "not valid (",
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(Unsupported):
        decode(text)


def test_objects_of_the_answer_cannot_be_sent():
    class AlwaysEqual:
        def __eq__(self, other: object) -> bool:
            return True

    with pytest.raises(Unsupported):
        encode(AlwaysEqual())
    with pytest.raises(Unsupported):
        encode([1, map(str, [1])])
