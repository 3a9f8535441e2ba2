"""Turning the gateway's OpenAI response into the conversation's assistant message."""

import pytest
from errors import FormatError
from model import Usage, assistant_message


def test_keeps_role_content_and_tool_calls_only() -> None:
    calls = [{"id": "c", "type": "function", "function": {"name": "bash", "arguments": "{}"}}]
    response = {
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": calls,
                    "provider_specific_fields": {"x": 1},
                }
            }
        ],
    }
    assert assistant_message(response) == {"role": "assistant", "content": "", "tool_calls": calls}


@pytest.mark.parametrize("response", [{}, {"choices": []}, {"choices": [{}]}, []])
def test_a_response_without_a_message_is_a_format_error(response: object) -> None:
    with pytest.raises(FormatError, match="had no message"):
        assistant_message(response)  # type: ignore[arg-type]


def test_usage_adds_up_and_tolerates_missing_fields() -> None:
    usage = Usage()
    usage.add({"prompt_tokens": 100, "completion_tokens": 7})
    usage.add(None)
    usage.add({"prompt_tokens": 50})
    assert usage.as_dict() == {
        "calls": 3,
        "prompt_tokens": 150,
        "completion_tokens": 7,
        "tokens": 157,
    }


def test_retries_never_outlast_the_calls_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model that times out again and again: the retries share one deadline, so the agent's
    time budget holds (it must end the run cleanly, not be killed)."""
    import sys
    import time
    import types

    class GatewayError(Exception):
        def __init__(self, status: int, message: str) -> None:
            super().__init__(message)
            self.status, self.message = status, message

    waits: list[float] = []

    def chat(messages, *, tools, role, timeout, max_tokens):  # type: ignore[no-untyped-def]
        waits.append(timeout)
        time.sleep(min(timeout, 0.6))
        raise GatewayError(0, "timed out")

    stub = types.SimpleNamespace(chat=chat, GatewayError=GatewayError)
    monkeypatch.setitem(sys.modules, "godelbox_llm", stub)
    from errors import ModelError
    from model import GatewayModel

    model = GatewayModel("agent", retries=10, backoff_s=0.0, max_tokens=64)
    started = time.monotonic()
    with pytest.raises(ModelError):
        model.query([{"role": "user", "content": "hi"}], [], timeout_s=2.0)
    assert time.monotonic() - started < 2.5
    assert len(waits) < 11 and all(w <= 2.0 for w in waits)
