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
