"""What the model can do: the tool schemas it is shown, how its reply becomes actions, and how an
action runs. Tool calls are the normal path; a single ```bash block is the fallback for models
without tool calling, so one agent works with both."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config import AgentConfig, render
from editor import Editor
from environment import Environment
from errors import FormatError, Submitted, ToolError

BASH_BLOCK = re.compile(r"```(?:bash|sh|shell)[ \t]*\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Action:
    tool: str
    arguments: str
    """JSON text, as the model wrote it; parsed when run, so bad JSON is fed back per call."""
    call_id: str | None = None
    """The tool call's id; None for the text fallback (answered with a user message)."""

    def args(self) -> dict[str, Any]:
        try:
            value = json.loads(self.arguments or "{}")
        except ValueError as exc:
            raise ToolError(f"arguments of {self.tool} are not valid JSON ({exc})") from None
        if not isinstance(value, dict):
            raise ToolError(f"arguments of {self.tool} must be a JSON object")
        return value


def parse_actions(message: dict[str, Any]) -> list[Action]:
    """Tool calls if there are any, else exactly one ```bash block (`submit` alone submits)."""
    calls = message.get("tool_calls") or []
    if calls:
        return [
            Action(
                tool=str(call.get("function", {}).get("name", "")),
                arguments=call.get("function", {}).get("arguments") or "{}",
                call_id=call.get("id"),
            )
            for call in calls
        ]
    blocks = BASH_BLOCK.findall(message.get("content") or "")
    if len(blocks) != 1:
        found = "no tool call and no ```bash block" if not blocks else f"{len(blocks)} blocks"
        raise FormatError(f"found {found}")
    command = blocks[0].strip()
    if command == "submit":
        return [Action("submit", "{}")]
    return [Action("bash", json.dumps({"command": command}))]


class Toolbox:
    """Runs actions against the workspace: `bash` through the Environment, `editor` in-process."""

    def __init__(self, env: Environment, workspace: Path, config: AgentConfig) -> None:
        self.env = env
        self.editor = Editor(workspace, config.output_limit_chars)
        self.config = config

    def schemas(self) -> list[dict[str, Any]]:
        c = self.config
        return [
            _function("bash", c.bash_description, {"command": {"type": "string"}}, ["command"]),
            _function("editor", c.editor_description, EDITOR_PARAMETERS, ["command", "path"]),
            _function("submit", c.submit_description, {"summary": {"type": "string"}}, []),
        ]

    def run(self, action: Action, timeout_s: float) -> str:
        """The observation for `action`; raises ToolError (recoverable) or Submitted."""
        args = action.args()
        if action.tool == "bash":
            return self._bash(args, timeout_s)
        if action.tool == "editor":
            return self.editor.run(args)
        if action.tool == "submit":
            raise Submitted(str(args.get("summary", "")))
        raise ToolError(f"unknown tool {action.tool!r}; the tools are bash, editor and submit")

    def _bash(self, args: dict[str, Any], timeout_s: float) -> str:
        command = args.get("command")
        if not isinstance(command, str) or not command.strip():
            raise ToolError("bash needs a non-empty string argument 'command'")
        out = self.env.execute(command, timeout_s)
        if out.timed_out:
            return render(self.config.timeout_template, timeout=f"{timeout_s:g}", output=out.text)
        return render(self.config.observation_template, exit_code=out.exit_code, output=out.text)


EDITOR_PARAMETERS: dict[str, Any] = {
    "command": {"type": "string", "enum": ["view", "create", "str_replace", "insert"]},
    "path": {"type": "string", "description": "Relative to the repository, or absolute."},
    "view_range": {
        "type": "array",
        "items": {"type": "integer"},
        "description": "view: [start, end] lines, 1-based, end -1 = to the end of the file.",
    },
    "file_text": {"type": "string", "description": "create: the whole content of the file."},
    "old_str": {"type": "string", "description": "str_replace: exact text, must be unique."},
    "new_str": {"type": "string", "description": "str_replace / insert: the new text."},
    "insert_line": {"type": "integer", "description": "insert: after this line (0 = top)."},
}


def _function(
    name: str, description: str, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }
