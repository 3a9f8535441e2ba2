"""A scripted PAE scenario on the built-in `backoff` repository, answered by the fake model.

The proposer writes five tasks: two real ones (one the scripted agent fixes, one it gives up on),
a rephrasing of the first (a near-duplicate), one whose tests already pass (trivial) and one whose
test file does not even parse (not runnable). The judge calls both attempts successful, so it is
right once and wrong once: agreement 0.5, below the default minimum of 0.8.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fixtures.fake_llm import FakeLLM, ScriptedReply

FIXED = "REJECT-NEGATIVE"
GIVEN_UP = "JITTER-KEYWORD"

REJECT_TESTS = """\
import pytest


def test_delays_rejects_negative():
    from backoff import delays

    with pytest.raises(ValueError):
        delays(-1)


def test_delays_zero():
    from backoff import delays

    assert delays(0) == []
"""

JITTER_TESTS = """\
def test_jitter_zero_is_accepted():
    from backoff import exponential

    assert exponential(1, jitter=0.0) == 0.5
"""

TRIVIAL_TESTS = """\
def test_first_delay_is_base():
    from backoff import exponential

    assert exponential(0) == 0.5
"""

PROPOSED = [
    {
        "title": "delays accepts negative counts",
        "problem_statement": f"[{FIXED}] delays() silently returns an empty schedule when the "
        "number of attempts is negative; it must raise ValueError like exponential() does.",
        "test_path": "tests/test_delays_negative.py",
        "test_content": REJECT_TESTS,
    },
    {
        "title": "jitter keyword",
        "problem_statement": f"[{GIVEN_UP}] exponential() should accept a `jitter` keyword "
        "(fraction of random spread, default 0) so callers can desynchronise their retries.",
        "test_path": "tests/test_jitter.py",
        "test_content": JITTER_TESTS,
    },
    {
        "title": "negative counts (again)",
        "problem_statement": f"[{FIXED}] delays() silently returns an empty schedule when the "
        "number of attempts is negative: it must raise ValueError like exponential() does!",
        "test_path": "tests/test_delays_negative_again.py",
        "test_content": REJECT_TESTS,
    },
    {
        "title": "first delay",
        "problem_statement": "The very first retry must wait exactly `base` seconds.",
        "test_path": "tests/test_first.py",
        "test_content": TRIVIAL_TESTS,
    },
    {
        "title": "broken tests",
        "problem_statement": "Schedules longer than the cap should stop growing early.",
        "test_path": "tests/test_broken.py",
        "test_content": "def test_broken(:\n    pass\n",
    },
]

FIX = {
    "command": "str_replace",
    "path": "backoff/schedule.py",
    "old_str": "    return [exponential(i, **kwargs) for i in range(attempts)]",
    "new_str": "    if attempts < 0:\n        raise ValueError('attempts must be >= 0')\n"
    "    return [exponential(i, **kwargs) for i in range(attempts)]",
}


def _text(body: dict[str, Any]) -> str:
    return json.dumps(body.get("messages", []))


def _agent(body: dict[str, Any]) -> ScriptedReply:
    steps = sum(1 for m in body["messages"] if m.get("role") == "assistant")
    if FIXED in _text(body) and steps == 0:
        return FakeLLM.tool_call("editor", FIX, call_id="call_fix")
    return FakeLLM.tool_call("submit", {"summary": "done"}, call_id=f"call_submit_{steps}")


def route(body: dict[str, Any]) -> ScriptedReply:
    """One reply per role, chosen by the model name the request carries."""
    model = body.get("model", "")
    if model == "fake-task-proposer":
        return FakeLLM.text(json.dumps({"tasks": PROPOSED}))
    if model == "fake-judge":
        return FakeLLM.text(json.dumps({"success": True, "reason": "the patch looks right"}))
    if model == "fake-agent":
        return _agent(body)
    return ScriptedReply(content=f"unexpected model {model}", status=400)
