"""The fake server itself speaks the OpenAI wire format and injects the faults it promises."""

import http.client
import json
from urllib.parse import urlparse

from tests.fixtures.fake_llm import FakeLLM


def _post(fake: FakeLLM, body: dict, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    url = urlparse(fake.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    conn.request("POST", url.path + "/chat/completions", json.dumps(body))
    resp = conn.getresponse()
    return resp.status, dict(resp.getheaders()), resp.read()


def test_scripted_replies_in_order_and_requests_recorded(fake_llm):
    fake_llm.script(fake_llm.text("one", tokens=(7, 2)), fake_llm.tool_call("bash", {"cmd": "ls"}))
    status, _, first = _post(fake_llm, {"model": "m1", "messages": []})
    assert status == 200
    first_json = json.loads(first)
    assert first_json["choices"][0]["message"]["content"] == "one"
    assert first_json["usage"] == {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9}
    _, _, second = _post(fake_llm, {"model": "m2", "messages": []})
    call = json.loads(second)["choices"][0]["message"]["tool_calls"][0]
    assert call["function"] == {"name": "bash", "arguments": '{"cmd": "ls"}'}
    assert [r.body["model"] for r in fake_llm.requests] == ["m1", "m2"]


def test_faults(fake_llm):
    fake_llm.script(fake_llm.error(429, retry_after=3), fake_llm.truncated())
    status, headers, _ = _post(fake_llm, {"model": "m"})
    assert (status, headers["Retry-After"]) == (429, "3")
    status, _, body = _post(fake_llm, {"model": "m"})
    assert status == 200
    try:
        json.loads(body)
    except ValueError:
        pass
    else:
        raise AssertionError("truncated() must send invalid JSON")


def test_exhausted_script_fails_loudly(fake_llm):
    status, _, body = _post(fake_llm, {"model": "m"})
    assert status == 500 and b"script exhausted" in body
