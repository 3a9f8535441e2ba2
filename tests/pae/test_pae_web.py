"""`godelbox pae --web` with the real browser in the real web sandbox: the seed web agent (its
model the fake server, through the gateway) plays two MiniWoB++ environments, the judge is
audited against MiniWoB's rewards, and new goals are proposed from the pages and de-duplicated."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from godelbox.archive.pae_models import ProposedStatus
from godelbox.archive.pae_store import PAEStore
from godelbox.archive.store import Archive
from godelbox.cli import app
from godelbox.proposer.pae.sft import validate_jsonl
from tests.fixtures.fake_llm import FakeLLM, ScriptedReply

BUTTON = re.compile(r'\[(\d+)\] button "Click Me!"')
EXAMPLE = re.compile(r"Example goal: (.*)")
ENVIRONMENT = re.compile(r"Environment `([a-z-]+)`")


def _route(body: dict[str, Any]) -> ScriptedReply:
    prompt = "\n".join(str(m.get("content") or "") for m in body["messages"])
    model = body["model"]
    if model == "fake-agent":  # click-test: click the button; click-button: give up
        ref = BUTTON.search(prompt)
        action = {"action": "click", "ref": int(ref[1])} if ref else {"action": "done"}
        return FakeLLM.text(f"```json\n{json.dumps(action)}\n```")
    if model == "fake-judge":
        success = "<goal>\nClick the button.\n</goal>" in prompt
        return FakeLLM.text(json.dumps({"success": success, "reason": "read the final page"}))
    if model == "fake-task-proposer":
        example, env = EXAMPLE.search(prompt)[1], ENVIRONMENT.search(prompt)[1]
        goals = [example, f"Press the button on the {env.replace('-', ' ')} page."]
        return FakeLLM.text(json.dumps({"tasks": [{"utterance": g} for g in goals]}))
    return ScriptedReply(content=f"unexpected model {model}", status=400)


def test_pae_web_audits_the_judge_against_miniwob_rewards(
    make_run: Callable[..., Path], fake_llm: FakeLLM, web_image: str
) -> None:
    fake_llm.fallback = _route
    run_dir = make_run(web_bench="miniwob:click-test,click-button", tasks_per_context=2)

    result = CliRunner().invoke(app, ["pae", str(run_dir), "--web"])
    assert result.exit_code == 0, result.output
    assert "JUDGE FLAGGED" not in result.output

    with Archive.open(run_dir) as archive:
        store = PAEStore(archive.engine)
        attempts = {a.task_id: a for a in store.attempts()}
        [audit] = store.audits()
        goals = store.tasks(kind="web")

    clicked, gave_up = attempts["miniwob/click-test#0"], attempts["miniwob/click-button#0"]
    assert (clicked.ground_truth, clicked.judge_success) == (True, True)
    assert clicked.details["raw_reward"] > 0 and clicked.details["ended"] == "terminated"
    assert (gave_up.ground_truth, gave_up.judge_success) == (False, False)
    assert gave_up.details["raw_reward"] == 0
    assert (audit.kind, audit.true_pos, audit.true_neg, audit.false_pos) == ("web", 1, 1, 0)
    assert audit.agreement == 1.0 and not audit.flagged

    # Per environment: the example itself (duplicate) and one new goal; the second
    # environment's new goal is a near-duplicate of the first's.
    assert [g.status for g in goals] == [
        ProposedStatus.DUPLICATE,
        ProposedStatus.ACCEPTED,
        ProposedStatus.DUPLICATE,
        ProposedStatus.DUPLICATE,
    ]
    assert goals[0].reason == "duplicate: same text as the example"
    assert goals[3].duplicate_of == goals[1].id
    assert {g.context_id for g in goals} == {"click-test", "click-button"}

    sft = CliRunner().invoke(app, ["export", str(run_dir), "--format", "sft"])
    assert sft.exit_code == 0, sft.output
    assert validate_jsonl(sft.stdout) == 1
    [user, assistant] = json.loads(sft.stdout)["messages"][1:]
    assert json.loads(user["content"])["utterance"] == "Click the button."
    assert json.loads(assistant["content"])["action"] == "click"
