"""From the model's reply to actions: tool calls, the ```bash fallback, and errors fed back."""

from dataclasses import replace
from pathlib import Path

import pytest
from config import AgentConfig
from environment import LocalEnvironment
from errors import FormatError, Submitted, ToolError
from scripted import call, say
from tools import Action, Toolbox, parse_actions


@pytest.fixture
def toolbox(tmp_path: Path) -> Toolbox:
    return Toolbox(LocalEnvironment(tmp_path), tmp_path, AgentConfig())


def test_tool_calls_become_actions_with_their_ids_in_order() -> None:
    message = call("bash", {"command": "ls"}, "a")
    message["tool_calls"] += call("editor", {"command": "view", "path": "x"}, "b")["tool_calls"]
    actions = parse_actions(message)
    assert [(a.tool, a.call_id) for a in actions] == [("bash", "a"), ("editor", "b")]
    assert actions[0].args() == {"command": "ls"}


def test_tool_calls_win_over_a_bash_block_in_the_same_reply() -> None:
    message = {**call("submit", {}), "content": "```bash\nrm -rf /\n```"}
    assert [a.tool for a in parse_actions(message)] == ["submit"]


@pytest.mark.parametrize("fence", ["bash", "sh"])
def test_text_fallback_runs_the_single_bash_block(fence: str) -> None:
    (action,) = parse_actions(say(f"Let me look.\n```{fence}\nls -la\ncat x\n```\nthen..."))
    assert action.tool == "bash" and action.call_id is None
    assert action.args() == {"command": "ls -la\ncat x"}


def test_text_fallback_submit() -> None:
    (action,) = parse_actions(say("All done.\n```bash\nsubmit\n```"))
    assert action.tool == "submit"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("I think the bug is in calc.py.", "no tool call and no ```bash block"),
        ("```bash\nls\n```\nand\n```bash\npwd\n```", "2 blocks"),
        ("```python\nprint(1)\n```", "no tool call"),
        ("", "no tool call"),
    ],
)
def test_replies_without_exactly_one_action_are_format_errors(content: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        parse_actions(say(content))


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (Action("bash", '{"command": "ls"'), "not valid JSON"),
        (Action("bash", "[1, 2]"), "must be a JSON object"),
        (Action("bash", '{"cmd": "ls"}'), "non-empty string argument 'command'"),
        (Action("python", "{}"), "unknown tool 'python'"),
        (Action("editor", '{"command": "view"}'), "needs argument"),
    ],
)
def test_bad_actions_are_tool_errors(toolbox: Toolbox, action: Action, message: str) -> None:
    with pytest.raises(ToolError, match=message):
        toolbox.run(action, timeout_s=10)


def test_submit_ends_with_the_summary(toolbox: Toolbox) -> None:
    with pytest.raises(Submitted, match="fixed add"):
        toolbox.run(Action("submit", '{"summary": "fixed add"}'), timeout_s=10)


def test_bash_observation_follows_the_templates(toolbox: Toolbox) -> None:
    out = toolbox.run(Action("bash", '{"command": "echo hi; exit 4"}'), timeout_s=10)
    assert out == "<returncode>4</returncode>\n<output>\nhi\n</output>"
    late = toolbox.run(Action("bash", '{"command": "echo a; sleep 30"}'), timeout_s=2.5)
    assert late.startswith("The command was killed after 2.5 s (timeout)") and "a\n" in late


def test_schemas_are_openai_function_tools_built_from_the_config(tmp_path: Path) -> None:
    config = replace(AgentConfig(), bash_description="RUN THINGS")
    schemas = Toolbox(LocalEnvironment(tmp_path), tmp_path, config).schemas()
    assert [s["function"]["name"] for s in schemas] == ["bash", "editor", "submit"]
    assert all(s["type"] == "function" for s in schemas)
    assert schemas[0]["function"]["description"] == "RUN THINGS"
    editor = schemas[1]["function"]["parameters"]
    assert editor["required"] == ["command", "path"]
    assert editor["properties"]["command"]["enum"] == ["view", "create", "str_replace", "insert"]
