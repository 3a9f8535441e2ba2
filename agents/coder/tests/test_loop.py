"""The loop, driven by a scripted model on a real git repository and a real shell."""

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from agent import Agent
from config import AgentConfig
from environment import LocalEnvironment
from errors import BudgetExhausted
from recorder import Recorder
from scripted import ScriptedModel, call, git, say

CHECK = "python3 -c 'from calc import add; assert add(2, 3) == 5; print(\"add ok\")'"
FIX = {"command": "str_replace", "path": "calc.py", "old_str": "a - b", "new_str": "a + b"}


def make_agent(repo: Path, model: ScriptedModel, **limits: Any) -> Agent:
    config = replace(AgentConfig(), **limits)
    env = LocalEnvironment(repo, config.output_limit_chars)
    return Agent(model, env, repo, config, Recorder(repo.parent / "logs"))


def trajectory(repo: Path) -> dict[str, Any]:
    return json.loads((repo.parent / "logs" / "trajectory.json").read_text())


def test_fixes_the_bug_and_records_every_step(repo: Path) -> None:
    model = ScriptedModel(
        call("editor", {"command": "view", "path": "calc.py"}, "c1"),
        call("editor", FIX, "c2"),
        call("bash", {"command": CHECK}, "c3"),
        call("submit", {"summary": "add adds"}, "c4"),
    )
    agent = make_agent(repo, model)
    assert agent.run("add(2, 3) returns -1") == "submitted"

    assert "+    return a + b" in git(repo, "diff")
    assert git(repo, "status", "--porcelain") == " M calc.py\n"  # no caches left behind
    traj = trajectory(repo)
    assert traj["info"]["exit_status"] == "submitted"
    assert traj["info"]["exit_message"] == "add adds"
    assert traj["info"]["usage"] == {
        "calls": 4,
        "prompt_tokens": 40,
        "completion_tokens": 20,
        "tokens": 60,
    }
    assert [s["step"] for s in traj["steps"]] == [1, 2, 3, 4]
    tools = [s["actions"][0]["tool"] for s in traj["steps"]]
    assert tools == ["editor", "editor", "bash", "submit"]
    assert "     2\t    return a - b" in traj["steps"][0]["actions"][0]["observation"]
    assert "add ok" in traj["steps"][2]["actions"][0]["observation"]
    assert traj["steps"][3]["ended"] == "submitted"
    tool_replies = [m for m in traj["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_replies] == ["c1", "c2", "c3"]
    assert "add(2, 3) returns -1" in model.requests[0][1]["content"]
    assert [t["function"]["name"] for t in model.tools] == ["bash", "editor", "submit"]

    log = (repo.parent / "logs" / "agent.log").read_text()
    assert "== step 4" in log and "-- action editor" in log and "add ok" in log
    assert "== end: submitted" in log


def test_the_trajectory_is_on_disk_after_each_step(repo: Path) -> None:
    def check_disk(messages: list) -> dict:
        steps = trajectory(repo)["steps"]
        assert len(steps) == 1 and steps[0]["actions"][0]["observation"].startswith("<return")
        return call("submit", {})

    model = ScriptedModel(call("bash", {"command": "true"}), check_disk)
    assert make_agent(repo, model).run("x") == "submitted"


def test_a_garbage_reply_is_fed_back_and_the_run_recovers(repo: Path) -> None:
    model = ScriptedModel(say("I would fix it, honestly."), call("editor", FIX), call("submit", {}))
    assert make_agent(repo, model).run("fix add") == "submitted"
    feedback = model.requests[1][-1]
    assert feedback["role"] == "user" and "no tool call and no ```bash block" in feedback["content"]
    assert "call `submit`" in feedback["content"]
    steps = trajectory(repo)["steps"]
    assert "no tool call" in steps[0]["error"] and steps[0]["actions"] == []
    assert "a + b" in (repo / "calc.py").read_text()


def test_tool_errors_are_answered_on_the_tool_call_and_the_run_goes_on(repo: Path) -> None:
    model = ScriptedModel(
        call("python", {"code": "1"}, "u1"),
        call("editor", '{"command": "view", "path": ', "u2"),
        call("editor", {**FIX, "old_str": "a * b"}, "u3"),
        call("submit", {}),
    )
    assert make_agent(repo, model).run("x") == "submitted"
    answers = [m for m in model.requests[3] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in answers] == ["u1", "u2", "u3"]
    assert answers[0]["content"].startswith("ERROR: unknown tool 'python'")
    assert "not valid JSON" in answers[1]["content"]
    assert "not found" in answers[2]["content"]


def test_text_fallback_for_models_without_tool_calls(repo: Path) -> None:
    model = ScriptedModel(
        say(f"```bash\nsed -i 's/a - b/a + b/' calc.py && {CHECK}\n```"),
        say("Tests pass.\n```bash\nsubmit\n```"),
    )
    assert make_agent(repo, model).run("x") == "submitted"
    observation = model.requests[1][-1]
    assert observation["role"] == "user" and "add ok" in observation["content"]
    assert "<returncode>0</returncode>" in observation["content"]


def test_step_limit_ends_the_run_cleanly(repo: Path) -> None:
    model = ScriptedModel(*[call("bash", {"command": "true"}) for _ in range(3)])
    assert make_agent(repo, model, step_limit=3).run("x") == "limits_exceeded"
    info = trajectory(repo)["info"]
    assert info["steps"] == 3 and "step limit of 3" in info["exit_message"]


def test_token_limit_ends_the_run_cleanly(repo: Path) -> None:
    model = ScriptedModel(*[call("bash", {"command": "true"}) for _ in range(2)], tokens=(60, 40))
    assert make_agent(repo, model, token_limit=150).run("x") == "limits_exceeded"
    assert trajectory(repo)["info"]["usage"]["tokens"] == 200


def test_time_budget_ends_the_run_before_the_model_is_asked(repo: Path) -> None:
    model = ScriptedModel()
    assert make_agent(repo, model, time_budget_s=1e-6).run("x") == "limits_exceeded"
    assert model.requests == [] and "time budget" in trajectory(repo)["info"]["exit_message"]


def test_commands_never_outlive_the_time_budget(repo: Path) -> None:
    model = ScriptedModel(call("bash", {"command": "sleep 30"}))
    agent = make_agent(repo, model, time_budget_s=1.0, command_timeout_s=120)
    assert agent.run("x") == "limits_exceeded"
    assert "killed after" in trajectory(repo)["steps"][0]["actions"][0]["observation"]


def test_spent_gateway_budget_ends_the_run_with_the_trajectory_saved(repo: Path) -> None:
    model = ScriptedModel(call("editor", FIX), BudgetExhausted("sandbox budget spent"))
    assert make_agent(repo, model).run("x") == "budget_exhausted"
    traj = trajectory(repo)
    assert traj["info"]["exit_message"] == "sandbox budget spent"
    assert [s.get("ended") for s in traj["steps"]] == [None, "budget_exhausted"]
    assert "a + b" in (repo / "calc.py").read_text()  # the work done so far is the answer


def test_a_crash_is_recorded_then_raised(repo: Path) -> None:
    model = ScriptedModel(call("bash", {"command": "true"}), RuntimeError("boom"))
    with pytest.raises(RuntimeError, match="boom"):
        make_agent(repo, model).run("x")
    info = trajectory(repo)["info"]
    assert (info["exit_status"], info["exit_message"]) == ("crashed", "RuntimeError: boom")
    assert info["steps"] == 2
