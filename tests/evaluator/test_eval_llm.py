"""`godelbox eval` with a model, as a user runs it: a real process, real docker sandboxes, the
seed coding agent reaching the fake OpenAI-compatible server through the per-task gateway, and
the results journal holding what every task's calls cost."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from godelbox.cli.eval_llm import TaskUsage
from godelbox.evaluator.journal import Journal, JournalMismatchError
from godelbox.evaluator.results import TaskResult
from godelbox.paths import seed_agent_dir
from tests.evaluator.eval_helpers import godelbox_cli
from tests.fixtures.fake_llm import FAKE_API_KEY, FAKE_PRICE_IN, FAKE_PRICE_OUT, FakeLLM

CODER = seed_agent_dir("coder")
ROMANIZE = "builtin__romanize-2"
BACKOFF = "builtin__backoff-11"
FIX = {
    "command": "str_replace",
    "path": "romanize/numerals.py",
    "old_str": '("XC", 80)',
    "new_str": '("XC", 90)',
}
TOKENS = (1000, 200)
CALL_USD = TOKENS[0] * FAKE_PRICE_IN + TOKENS[1] * FAKE_PRICE_OUT


def write_config(path: Path, api_base: str) -> Path:
    """Fast retries and an exact price for the fake agent model; no model set (--model does)."""
    path.write_text(
        f'[models]\napi_base = "{api_base}"\n\n'
        "[llm]\ntimeout_s = 2.0\nmax_retries = 2\nbackoff_s = 0.01\n\n"
        '[[llm.prices]]\nmodel = "openai/fake-agent"\n'
        f"input_usd_per_token = {FAKE_PRICE_IN}\noutput_usd_per_token = {FAKE_PRICE_OUT}\n\n"
        "[evaluation]\ntask_timeout_s = 120.0\n"
    )
    return path


def godelbox(*args: str, image: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = godelbox_cli(*args, image=image, cwd=cwd)
    try:
        out, _ = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out)


def eval_coder(tmp: Path, fake: FakeLLM, image: str, *extra: str, api_base: str = "") -> Any:
    config = write_config(tmp / "godelbox.toml", api_base or fake.url)
    return godelbox(
        "eval",
        str(CODER),
        "--bench",
        "builtin:dev",
        "--model",
        "openai/fake-agent",
        "--workers",
        "1",
        "--journal",
        str(tmp / "journal.jsonl"),
        "--config",
        str(config),
        *extra,
        image=image,
        cwd=tmp,
    )


def journal_rows(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return rows[0], [r for r in rows[1:] if r["kind"] == "result"]


def step(body: dict[str, Any]) -> int:
    """How many replies the agent has already had in this conversation."""
    return sum(m.get("role") == "assistant" for m in body["messages"])


@pytest.mark.docker
def test_coder_solves_a_builtin_task_through_the_gateway(agent_image, fake_llm, tmp_path):
    fake_llm.script(
        fake_llm.tool_call("editor", FIX, call_id="c1", tokens=TOKENS),
        fake_llm.tool_call("bash", {"command": "env"}, call_id="c2", tokens=TOKENS),
        fake_llm.tool_call("submit", {"summary": "XC is 90"}, call_id="c3", tokens=TOKENS),
    )
    run = eval_coder(tmp_path, fake_llm, agent_image, "--tasks", ROMANIZE)

    assert run.returncode == 0, run.stdout
    assert "resolved 1/1 (100.0%)" in run.stdout
    assert "LLM 3 calls, 3600 tokens (3000 in, 600 out), $0.0042" in run.stdout
    header, results = journal_rows(tmp_path / "journal.jsonl")
    assert header["model"] == "openai/fake-agent"
    assert [r["task_id"] for r in results] == [ROMANIZE] and results[0]["outcome"] == "resolved"
    llm = results[0]["llm"]
    assert (llm["calls"], llm["errors"], llm["tokens_in"], llm["tokens_out"]) == (3, 0, 3000, 600)
    assert llm["cost_usd"] == pytest.approx(3 * CALL_USD) and llm["latency_s"] > 0

    # The agent printed its sandbox's environment; the model saw it: the socket, never the key.
    assert [r.body["model"] for r in fake_llm.requests] == ["fake-agent"] * 3
    tool_results = [m for m in fake_llm.requests[2].body["messages"] if m["role"] == "tool"]
    env_output = json.dumps(tool_results[-1])
    assert "GODELBOX_LLM_SOCKET" in env_output
    assert "OPENAI_API_KEY" not in env_output
    assert all(FAKE_API_KEY not in json.dumps(r.body) for r in fake_llm.requests)

    # A rerun with the journal redoes nothing and still reports what the finished task cost.
    again = eval_coder(tmp_path, fake_llm, agent_image, "--tasks", ROMANIZE)
    assert again.returncode == 0, again.stdout
    assert "resuming: 1 of 1 tasks already finished" in again.stdout
    assert "resolved 1/1 (100.0%) · LLM 3 calls" in again.stdout and "$0.0042" in again.stdout
    assert len(fake_llm.requests) == 3


@pytest.mark.docker
def test_dollar_budget_stops_the_evaluation_within_one_call(agent_image, fake_llm, tmp_path):
    def look_around(body: dict[str, Any]) -> Any:
        if step(body) < 2:
            return fake_llm.tool_call("bash", {"command": "ls"}, tokens=TOKENS)
        return fake_llm.tool_call("submit", {"summary": "done"}, tokens=TOKENS)

    fake_llm.fallback = look_around
    budget = 1.5 * CALL_USD
    run = eval_coder(
        tmp_path,
        fake_llm,
        agent_image,
        "--tasks",
        f"{ROMANIZE},{BACKOFF}",
        "--set",
        f"llm.run_budget_usd={budget}",
    )

    assert run.returncode == 0, run.stdout
    assert "LLM run budget reached" in run.stdout
    assert f"1 task(s) not run: {ROMANIZE}" in run.stdout
    assert "--set llm.run_budget_usd=" in run.stdout and "Traceback" not in run.stdout
    _, results = journal_rows(tmp_path / "journal.jsonl")
    # The first task in the benchmark's order ran until the gateway refused its third call.
    assert [r["task_id"] for r in results] == [BACKOFF]
    spent = results[0]["llm"]["cost_usd"]
    assert spent == pytest.approx(2 * CALL_USD) and spent <= budget + CALL_USD
    assert len(fake_llm.requests) == 2, "a refused call must never reach the provider"


@pytest.mark.docker
def test_upstream_500_and_timeout_are_retried_and_recorded(agent_image, fake_llm, tmp_path):
    fake_llm.script(
        fake_llm.error(500),
        fake_llm.tool_call("editor", FIX, call_id="c1", tokens=TOKENS),
        fake_llm.slow(3.0),  # past llm.timeout_s = 2
        fake_llm.tool_call("submit", {"summary": "XC is 90"}, call_id="c2", tokens=TOKENS),
    )
    run = eval_coder(tmp_path, fake_llm, agent_image, "--tasks", ROMANIZE)

    assert run.returncode == 0, run.stdout
    assert "resolved 1/1 (100.0%) · LLM 4 calls, 2 failed" in run.stdout
    _, results = journal_rows(tmp_path / "journal.jsonl")
    llm = results[0]["llm"]
    assert (llm["calls"], llm["errors"]) == (4, 2)
    assert "Timeout" in llm["last_error"]
    assert llm["cost_usd"] == pytest.approx(2 * CALL_USD)


@pytest.mark.docker
def test_unreachable_endpoint_is_one_clear_error(agent_image, fake_llm, tmp_path):
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    run = eval_coder(tmp_path, fake_llm, agent_image, "--tasks", ROMANIZE, api_base=dead)

    assert run.returncode == 2, run.stdout
    error = next(line for line in run.stdout.splitlines() if line.startswith("error:"))
    assert "every model call failed" in error and "openai/fake-agent" in error and dead in error
    assert "check that the server is running" in error and "Traceback" not in run.stdout
    _, results = journal_rows(tmp_path / "journal.jsonl")
    assert results == [], "a task the model never answered must be redone by a rerun"


@pytest.mark.slow  # make unit leaves it out (see the Makefile)
def test_bad_model_settings_are_clear_errors(fake_llm, tmp_path):
    config = write_config(tmp_path / "godelbox.toml", fake_llm.url)
    for args, message in (
        (("--oracle", "--model", "openai/fake-agent"), "--oracle runs no agent"),
        (
            (str(CODER), "--model", "openai/no-such-model", "--set", "llm.run_budget_usd=1"),
            "no price is known for models.agent = openai/no-such-model",
        ),
        (
            (str(CODER), "--set", "models.implement=openai/fake-implement"),
            "none for the agent: pass --model",
        ),
    ):
        run = godelbox(
            "eval",
            *args,
            "--bench",
            "builtin:dev",
            "--config",
            str(config),
            image="x",
            cwd=tmp_path,
        )
        assert run.returncode == 2, run.stdout
        assert message in run.stdout and "Traceback" not in run.stdout
    assert fake_llm.requests == []


def test_journal_keeps_each_tasks_llm_usage_with_its_result(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path, {"bench": "builtin:dev", "solver": "agent:x", "model": "m"})
    spent = TaskUsage(calls=3, errors=1, tokens_in=30, tokens_out=6, cost_usd=4.2e-5)
    journal.append(TaskResult("t1", "resolved", "ok"), llm=spent.to_dict())
    journal.append(TaskResult("t2", "unresolved", "no"))
    journal.append(TaskResult("t3", "resolved", "ok"), llm=TaskUsage(calls=1).to_dict())
    raw = path.read_bytes()
    path.write_bytes(raw[: raw.rfind(b'"llm"') + 3])  # killed while writing t3's line
    reopened = Journal(path, {"bench": "builtin:dev", "solver": "agent:x", "model": "m"})
    assert set(reopened.results) == {"t1", "t2"}
    assert {k: TaskUsage.from_dict(v) for k, v in reopened.llm_usage.items()} == {"t1": spent}
    with pytest.raises(JournalMismatchError):
        Journal(path, {"bench": "builtin:dev", "solver": "agent:x", "model": "other"})
