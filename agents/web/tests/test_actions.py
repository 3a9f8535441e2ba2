"""Reading actions out of free-text replies: the usual model slips are tolerated, nonsense is a
FormatError with a reason the model can act on."""

import pytest
from actions import parse_action
from errors import FormatError


@pytest.mark.parametrize(
    ("reply", "action"),
    [
        (
            'The ok button is 4.\n```json\n{"action": "click", "ref": 4}\n```',
            {"action": "click", "ref": 4},
        ),
        (
            'I will type. {"action": "type", "ref": "[5]", "text": "hi"}',
            {"action": "type", "ref": 5, "text": "hi"},
        ),
        ('```\n{"action": "press", "key": "<Enter>"}\n```', {"action": "press", "key": "Enter"}),
        ('{"action": "scroll", "dy": -50}', {"action": "scroll", "dy": -50.0}),
        ("Nothing left. done()", {"action": "done"}),
        ("Click it: click(12)", {"action": "click", "ref": 12}),
        ('type(7, "hello world")', {"action": "type", "ref": 7, "text": "hello world"}),
        ("press(Tab)", {"action": "press", "key": "Tab"}),
        ('{"action": "TYPE", "text": "x"}', {"action": "type", "text": "x"}),
    ],
)
def test_reads_actions(reply: str, action: dict) -> None:
    assert parse_action(reply) == action


def test_a_fenced_block_wins_over_an_earlier_example() -> None:
    reply = (
        'Unlike {"action": "click", "ref": 1}, I pick:\n```json\n{"action": "click", "ref": 9}\n```'
    )
    assert parse_action(reply) == {"action": "click", "ref": 9}


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("I think the answer is the ok button.", "no JSON action"),
        ('{"action": "hover", "ref": 3}', "unknown action"),
        ('{"action": "click"}', "click needs a ref"),
        ('{"action": "click", "ref": "ok"}', "not an element number"),
        ('{"action": "type", "ref": 3}', "type needs a text"),
    ],
)
def test_rejects_unreadable_replies(reply: str, why: str) -> None:
    with pytest.raises(FormatError, match=why):
        parse_action(reply)
