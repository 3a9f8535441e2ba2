"""`godelbox pae --web` with the real browser in the real web sandbox: the seed web agent (its
model the fake server, through the gateway) plays two MiniWoB++ environments, the judge is
audited against MiniWoB's rewards, new goals are proposed from the pages and de-duplicated, and
the accepted goal is attempted on its page (shown instead of the environment's goal), judged,
stored with its provenance and exported as a demonstration."""

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
PROPOSED = "Press the button on the click test page."
JUDGED_DONE = ("Click the button.", PROPOSED)


def _route(body: dict[str, Any]) -> ScriptedReply:
    prompt = "\n".join(str(m.get("content") or "") for m in body["messages"])
    model = body["model"]
    if model == "fake-agent":  # click-test: click the button; click-button: give up
        ref = BUTTON.search(prompt)
        action = {"action": "click", "ref": int(ref[1])} if ref else {"action": "done"}
        return FakeLLM.text(f"```json\n{json.dumps(action)}\n```")
    if model == "fake-judge":
        success = any(f"<goal>\n{goal}\n</goal>" in prompt for goal in JUDGED_DONE)
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

    own = {t: a for t, a in attempts.items() if a.proposed_task_id is None}
    clicked, gave_up = own["miniwob/click-test#0"], own["miniwob/click-button#0"]
    assert (clicked.ground_truth, clicked.judge_success) == (True, True)
    assert clicked.details["raw_reward"] > 0 and clicked.details["ended"] == "terminated"
    assert (gave_up.ground_truth, gave_up.judge_success) == (False, False)
    assert gave_up.details["raw_reward"] == 0
    assert (audit.kind, audit.judged, audit.true_pos, audit.true_neg) == ("web", 2, 1, 1)
    assert audit.agreement == 1.0 and not audit.flagged and audit.false_pos == 0

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

    # The accepted goal was attempted on the seeded page it was proposed from, the agent shown
    # it INSTEAD of the environment's own goal; the judge alone graded it (MiniWoB rewarded its
    # own goal: kept, but not as ground truth, and outside the audit).
    accepted = goals[1]
    assert (accepted.text, accepted.payload) == (PROPOSED, {"env": "click-test", "seed": 0})
    [practice] = [a for a in attempts.values() if a.proposed_task_id is not None]
    assert practice.proposed_task_id == accepted.id
    assert practice.task_id.startswith("miniwob/click-test#0+goal-")
    assert (practice.problem, practice.ground_truth, practice.judge_success) == (
        PROPOSED,
        None,
        True,
    )
    assert practice.audit_id is None and practice.outcome == "judged_only"
    assert practice.details["raw_reward"] > 0 and not practice.details["raw_reward_is_ground_truth"]
    assert practice.details["env_goal"] == "Click the button."
    agent_prompts = [
        json.dumps(r.body["messages"]) for r in fake_llm.requests if r.body["model"] == "fake-agent"
    ]
    shown = [p for p in agent_prompts if PROPOSED in p]
    assert shown and not any("Click the button." in p for p in shown)
    assert sum("Click the button." in p for p in agent_prompts) >= 1  # the audited episode
    judged = [
        json.dumps(r.body["messages"]) for r in fake_llm.requests if r.body["model"] == "fake-judge"
    ]
    assert sum(f"<goal>\\n{PROPOSED}\\n</goal>" in j for j in judged) == 1
    assert "attempted 1 proposed goals: judged successful 1" in result.output

    sft = CliRunner().invoke(app, ["export", str(run_dir), "--format", "sft"])
    assert sft.exit_code == 0, sft.output
    assert validate_jsonl(sft.stdout) == 2
    utterances = []
    for line in sft.stdout.splitlines():
        [user, assistant] = json.loads(line)["messages"][1:]
        utterances.append(json.loads(user["content"])["utterance"])
        assert json.loads(assistant["content"])["action"] == "click"
    assert sorted(utterances) == sorted(JUDGED_DONE)
