"""The DGM loop through litellm against the fake server: the run's dollar budget stops it
cleanly, and is never exceeded by more than one call."""

from __future__ import annotations

import json
from typing import Any

from godelbox.archive.store import Archive
from tests.daemon.runs import check_invariants, run_to_end, write_config
from tests.fixtures.fake_llm import FAKE_PRICE_IN, FAKE_PRICE_OUT, ScriptedReply

DIAGNOSIS = {
    "log_summarization": "The agent submitted without looking at the code.",
    "potential_improvements": ["read the failing test first"],
    "improvement_proposal": "Make the agent run the tests before submitting.",
    "implementation_suggestion": "Add a reminder to the system prompt in config.py.",
    "problem_description": "Make the agent run the repository's tests before it submits.",
}
TOKENS = (40, 10)
CALL_USD = TOKENS[0] * FAKE_PRICE_IN + TOKENS[1] * FAKE_PRICE_OUT
BUDGET_USD = 6.5 * CALL_USD


def reply(body: dict[str, Any]) -> ScriptedReply:
    """Diagnoses get DGM's JSON; every agent (the evaluated one, the self-editing parent)
    submits at once."""
    if body["model"] == "fake-diagnose":
        return ScriptedReply(
            content=json.dumps(DIAGNOSIS), prompt_tokens=TOKENS[0], completion_tokens=TOKENS[1]
        )
    call = {"id": "call_1", "type": "function", "function": {"name": "submit", "arguments": "{}"}}
    return ScriptedReply(
        content=None,
        tool_calls=[call],
        prompt_tokens=TOKENS[0],
        completion_tokens=TOKENS[1],
        finish_reason="tool_calls",
    )


def test_dollar_budget_stops_the_dgm_loop_within_one_call(tmp_path, fake_llm, agent_image):
    fake_llm.fallback = reply
    prices = "".join(
        f'\n[[llm.prices]]\nmodel = "openai/fake-{role}"\n'
        f"input_usd_per_token = {FAKE_PRICE_IN}\noutput_usd_per_token = {FAKE_PRICE_OUT}\n"
        for role in ("diagnose", "implement", "agent")
    )
    models = (
        f'\n[models]\ndiagnose = "openai/fake-diagnose"\nimplement = "openai/fake-implement"\n'
        f'agent = "openai/fake-agent"\napi_base = "{fake_llm.url}"\n'
        f"\n[llm]\ntimeout_s = 10.0\nmax_retries = 1\nbackoff_s = 0.01\n"
        f"run_budget_usd = {BUDGET_USD}\n" + prices
    )
    config = write_config(
        tmp_path / "llm.toml", agent_image, tasks=1, children=1, iterations=50, extra=models
    )
    run_dir = tmp_path / "llm"
    out = run_to_end(run_dir, "--config", str(config))
    stopped = [json.loads(line) for line in out.splitlines() if '"run.stopped"' in line]
    assert stopped and "budget" in stopped[-1]["message"]
    check_invariants(run_dir, open_nodes=1)  # the child whose proposal the budget stopped
    with Archive.open(run_dir) as archive:
        spent = archive.total_cost()
        nodes = archive.nodes()
    assert len(fake_llm.requests) >= 3  # the seed's evaluation, a diagnosis, an implementation
    assert spent <= BUDGET_USD + CALL_USD + 1e-12
    assert (
        spent == len(fake_llm.requests) * CALL_USD
        or abs(spent - len(fake_llm.requests) * CALL_USD) < 1e-9
    )
    assert nodes[0].agent_kind == "coder" and len(nodes) >= 2
