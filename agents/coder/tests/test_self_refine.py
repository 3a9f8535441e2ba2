"""The optional self-refine step (SELF): off by default; when on, the model reviews its own diff
on submit, a critique sends it back to work, an approval (or no rounds left) ends the run."""

from dataclasses import replace
from pathlib import Path
from typing import Any

from agent import Agent
from config import AgentConfig
from environment import LocalEnvironment
from recorder import Recorder
from scripted import ScriptedModel, call, git, say

WRONG = {"command": "str_replace", "path": "calc.py", "old_str": "a - b", "new_str": "a * b"}
RIGHT = {"command": "str_replace", "path": "calc.py", "old_str": "a * b", "new_str": "a + b"}


def make_agent(repo: Path, model: ScriptedModel, **settings: Any) -> Agent:
    config = replace(AgentConfig(), **settings)
    env = LocalEnvironment(repo, config.output_limit_chars)
    return Agent(model, env, repo, config, Recorder(repo.parent / "logs"))


def test_off_by_default_a_submit_ends_the_run(repo: Path) -> None:
    model = ScriptedModel(call("editor", WRONG, "c1"), call("submit", {}, "c2"))
    assert make_agent(repo, model).run("add(2, 3) returns -1") == "submitted"
    assert len(model.requests) == 2


def test_a_critique_sends_the_model_back_and_its_refined_answer_is_kept(repo: Path) -> None:
    model = ScriptedModel(
        call("editor", WRONG, "c1"),
        call("submit", {}, "c2"),
        say("add multiplies now; it must add."),
        call("editor", RIGHT, "c3"),
        call("submit", {}, "c4"),
        say("APPROVE"),
    )
    agent = make_agent(repo, model, self_refine_rounds=2)
    assert agent.run("add(2, 3) returns -1") == "submitted"

    assert "+    return a + b" in git(repo, "diff")
    review = model.requests[2]
    assert "-    return a - b\n+    return a * b" in review[-1]["content"]
    # The submit call was answered before the review: no provider sees a dangling tool call.
    assert review[-2] == {
        "role": "tool",
        "tool_call_id": "c2",
        "content": "Submission held for your review.",
    }
    assert model.tools == []  # the review itself offers no tools
    after = model.requests[3]
    assert after[-2] == {"role": "assistant", "content": "add multiplies now; it must add."}
    assert "submit again" in after[-1]["content"]
    assert agent.steps[1]["self_review"] == "add multiplies now; it must add."


def test_no_rounds_left_means_the_submission_stands(repo: Path) -> None:
    model = ScriptedModel(
        call("submit", {}, "c1"),
        say("nothing was changed"),
        call("submit", {}, "c2"),
    )
    assert make_agent(repo, model, self_refine_rounds=1).run("fix add") == "submitted"
    assert len(model.requests) == 3
