"""The protocol loop with a scripted model: one action line per observation, format errors
re-asked, a dead model ends the episode with "done", the trajectory records everything."""

import io
import json
from pathlib import Path

from agent import WebAgent
from config import AgentConfig
from conftest import ScriptedModel, observation
from errors import BudgetExhausted
from recorder import Recorder
from run import play


def run_episode(
    model: ScriptedModel, messages: list[dict], tmp_path: Path
) -> tuple[list, str, WebAgent]:
    agent = WebAgent(model, AgentConfig(history_turns=1), Recorder(tmp_path))
    inbox = io.StringIO("".join(json.dumps(m) + "\n" for m in messages))
    outbox = io.StringIO()
    ended = play(agent, inbox, outbox)
    return [json.loads(line) for line in outbox.getvalue().splitlines()], ended, agent


def test_one_action_per_observation_until_end(tmp_path: Path) -> None:
    model = ScriptedModel('```json\n{"action": "type", "ref": 5, "text": "x"}\n```', "click(4)")
    actions, ended, _ = run_episode(
        model,
        [
            observation(0),
            {"type": "noise"},
            observation(1),
            {"type": "end", "reason": "terminated"},
        ],
        tmp_path,
    )
    assert actions == [{"action": "type", "ref": 5, "text": "x"}, {"action": "click", "ref": 4}]
    assert ended == "terminated"
    # History: the second call carries the first turn (history_turns=1) and the system prompt.
    second = model.calls[1]
    assert second[0]["role"] == "system"
    assert [m["role"] for m in second[1:]] == ["user", "assistant", "user"]
    assert "Step 1" in second[-1]["content"]
    saved = json.loads((tmp_path / "trajectory.json").read_text())
    assert [t["action"] for t in saved["turns"]] == actions
    assert saved["usage"]["calls"] == 2


def test_an_unreadable_reply_is_asked_again_with_the_reason(tmp_path: Path) -> None:
    model = ScriptedModel("the ok button", '{"action": "click", "ref": 4}')
    actions, _, agent = run_episode(model, [observation(0)], tmp_path)
    assert actions == [{"action": "click", "ref": 4}]
    retry = model.calls[1][-1]["content"]
    assert "could not read an action" in retry and "no JSON action" in retry
    assert agent.turns[0]["format_errors"]


def test_a_spent_budget_gives_up_with_done_and_asks_no_more(tmp_path: Path) -> None:
    model = ScriptedModel(BudgetExhausted("402: budget"))
    actions, ended, agent = run_episode(model, [observation(0), observation(1)], tmp_path)
    assert actions == [{"action": "done"}, {"action": "done"}]
    assert ended == "eof"
    assert len(model.calls) == 1
    assert "BudgetExhausted" in agent.stopped


def test_never_more_than_the_format_retries(tmp_path: Path) -> None:
    model = ScriptedModel("no", "still no", "nope", "click(4)")
    actions, _, _ = run_episode(model, [observation(0)], tmp_path)
    assert actions == [{"action": "done"}]
    assert len(model.calls) == AgentConfig().format_retries + 1
