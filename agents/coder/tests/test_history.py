"""The history sent to the model stays within its context window (history.py), and a run whose
history cannot be cut enough ends with `context_length_exceeded` instead of a provider error."""

from __future__ import annotations

import pytest
from config import AgentConfig
from errors import ContextWindowExceeded
from history import CUT_NOTE, estimate_tokens, fit_history


def conversation(observations: int, size: int) -> list[dict]:
    messages = [
        {"role": "system", "content": "SYSTEM " * 50},
        {"role": "user", "content": "TASK " * 50},
    ]
    for i in range(observations):
        messages.append({"role": "assistant", "content": f"thinking {i} " * 40})
        messages.append({"role": "user", "content": f"OUT{i} " + "x" * size})
    return messages


def test_a_short_history_is_sent_unchanged() -> None:
    messages = conversation(2, 100)
    sent, cut = fit_history(messages, 10_000)
    assert sent is messages and cut == 0


def test_old_observations_are_cut_first_and_the_head_and_recent_steps_kept() -> None:
    messages = conversation(12, 3_000)
    budget = 6_000
    sent, cut = fit_history(messages, budget, keep_recent=4)

    assert estimate_tokens(sent) <= budget and cut > 0
    assert sent[:2] == messages[:2]
    assert sent[-4:] == messages[-4:]
    assert sent[3]["content"] == CUT_NOTE.format(chars=len(messages[3]["content"]))
    # assistant messages are cut only once every old observation is
    assert sent[2] == messages[2]
    # the agent's own record (the trajectory) is not touched
    assert messages[3]["content"].startswith("OUT0 ")


def test_tool_calls_survive_a_cut_so_every_call_keeps_its_answer() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "bash", "arguments": "{}"}}
    messages = [
        *conversation(0, 0),
        {"role": "assistant", "content": "a" * 5_000, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "b" * 5_000},
        *conversation(3, 10)[2:],
    ]
    sent, _ = fit_history(messages, 1_000, keep_recent=2)
    assert sent[2]["tool_calls"] == [call] and sent[3]["tool_call_id"] == "c1"


def test_a_history_that_cannot_fit_ends_the_run_with_the_context_status() -> None:
    messages = conversation(3, 100)
    messages[1]["content"] = "TASK " * 10_000  # the task statement itself is too long
    with pytest.raises(ContextWindowExceeded) as info:
        fit_history(messages, 2_000)
    assert info.value.status == "context_length_exceeded"


def test_the_window_and_answer_cap_come_from_the_environment() -> None:
    env = {"GODELBOX_LLM_CONTEXT_WINDOW": "8192", "GODELBOX_LLM_MAX_TOKENS": "512"}
    config = AgentConfig().with_env(env)
    assert (config.context_window, config.max_tokens) == (8192, 512)
    assert AgentConfig().with_env({}).context_window is None
