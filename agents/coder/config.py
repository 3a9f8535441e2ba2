"""All prompt text and every limit of the agent, in one place.

Templates use `string.Template` (`$name`) rather than `str.format`, because prompt text is full of
braces (code, JSON) that `format` would trip on. Changing how the agent talks or how long it may
work is an edit to this file only; the loop never holds a literal prompt.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, replace

SYSTEM_TEMPLATE = """\
You are an autonomous software engineer working in a git repository at $workspace.
You change files so that the task you are given is done, then you submit.

You act only through tools:
- `bash` runs one shell command in the repository (non-interactive, no network, $command_timeout s
  timeout; long output is cut in the middle).
- `editor` views files with line numbers, creates files, replaces a unique snippet
  (`str_replace`) and inserts text after a line (`insert`).
- `submit` ends your work; the repository as it is then is your answer.

If you cannot call tools, put exactly one command in a fenced block per reply instead:
```bash
<command>
```
and reply with a block holding only `submit` when you are done.

Work like this: read the relevant code, reproduce the problem when you can, make the smallest
change that solves it, run the tests that cover it, then submit. Do not ask questions: nobody
will answer. Every reply must contain at least one tool call (or one ```bash block)."""

INSTANCE_TEMPLATE = """\
<task>
$problem
</task>

The repository is at $workspace and is your current directory."""

FORMAT_ERROR_TEMPLATE = """\
Your reply contained no action: $error
Call one of the tools (`bash`, `editor`, `submit`), or reply with exactly one ```bash block.
When the task is done, call `submit`."""

OBSERVATION_TEMPLATE = """\
<returncode>$exit_code</returncode>
<output>
$output</output>"""

TIMEOUT_TEMPLATE = """\
The command was killed after $timeout s (timeout). Partial output:
<output>
$output</output>
Run long jobs with a smaller scope, or in the background with output redirected to a file."""

TOOL_ERROR_TEMPLATE = "ERROR: $error"

SELF_REFINE_TEMPLATE = """\
Before your submission is accepted, review your own change as a strict reviewer would.
<diff>
$diff</diff>
Does it solve the task completely without breaking anything? If yes, reply with exactly
$approve. Otherwise reply with a short critique of what is wrong or missing (no tool calls)."""

SELF_REFINE_CONTINUE_TEMPLATE = """\
Address your review above: fix what it found, check your change, then submit again."""

BASH_DESCRIPTION = (
    "Run a bash command in the repository (current directory) and return its exit code and "
    "combined stdout/stderr. Each call is a fresh non-interactive shell: `cd` does not persist. "
    "Long output is truncated in the middle."
)
EDITOR_DESCRIPTION = (
    "View and edit files. Paths are relative to the repository or absolute. "
    "`view`: show a file with line numbers (optionally `view_range` [start, end], 1-based, "
    "end -1 = to the end) or list a directory. `create`: write `file_text` to a new or existing "
    "file. `str_replace`: replace `old_str`, which must occur exactly once, with `new_str`. "
    "`insert`: insert `new_str` after line `insert_line` (0 = at the top)."
)
SUBMIT_DESCRIPTION = (
    "Finish: the repository as it is now is your answer. Call it once the task is done and "
    "checked. Optionally give a one-paragraph `summary` of what you changed."
)


@dataclass(frozen=True)
class AgentConfig:
    system_template: str = SYSTEM_TEMPLATE
    instance_template: str = INSTANCE_TEMPLATE
    format_error_template: str = FORMAT_ERROR_TEMPLATE
    observation_template: str = OBSERVATION_TEMPLATE
    timeout_template: str = TIMEOUT_TEMPLATE
    tool_error_template: str = TOOL_ERROR_TEMPLATE
    bash_description: str = BASH_DESCRIPTION
    editor_description: str = EDITOR_DESCRIPTION
    submit_description: str = SUBMIT_DESCRIPTION
    self_refine_template: str = SELF_REFINE_TEMPLATE
    self_refine_continue_template: str = SELF_REFINE_CONTINUE_TEMPLATE
    self_refine_approve: str = "APPROVE"

    step_limit: int = 60
    """Model calls per run; 0 = unlimited."""
    token_limit: int = 0
    """Prompt + completion tokens per run; 0 = unlimited (the gateway enforces its own cap)."""
    time_budget_s: float = 0.0
    """Wall-clock seconds per run; 0 = unlimited. run.py sets it from GODELBOX_TIME_BUDGET_S."""
    time_margin_s: float = 15.0
    """Stop this long before the time budget (at most a fifth of it), so the run ends cleanly
    instead of being killed: the host's clock starts before this process does, which takes
    seconds on a loaded machine."""
    command_timeout_s: float = 120.0
    output_limit_chars: int = 10_000
    """Longer tool output keeps its head and tail and says how much was cut."""
    model_timeout_s: float = 300.0
    model_retries: int = 2
    """Extra attempts on transient gateway errors (429, 5xx, connection failures)."""
    model_backoff_s: float = 2.0
    """Wait before the first retry; doubles each retry."""
    self_refine_rounds: int = 0
    """SELF: reviews of its own diff when the model submits (self_refine.py); 0 = off."""
    context_window: int | None = None
    """Tokens the model takes; older messages are cut to stay within it (history.py).
    run.py sets it from GODELBOX_LLM_CONTEXT_WINDOW; None = no cutting."""
    max_tokens: int = 1024
    """The answer cap of every model call; run.py sets it from GODELBOX_LLM_MAX_TOKENS."""
    keep_recent: int = 4
    """The newest messages are never cut from the history."""

    def with_env(self, env: Mapping[str, str]) -> AgentConfig:
        """Apply the agent contract's environment: time budget, context window, answer cap."""
        changes: dict[str, float | int] = {}
        raw = env.get("GODELBOX_TIME_BUDGET_S", "").strip()
        if raw:
            changes["time_budget_s"] = float(raw)
        window = env.get("GODELBOX_LLM_CONTEXT_WINDOW", "").strip()
        if window:
            changes["context_window"] = int(window)
        cap = env.get("GODELBOX_LLM_MAX_TOKENS", "").strip()
        if cap:
            changes["max_tokens"] = int(cap)
        return replace(self, **changes)


def render(template: str, **values: object) -> str:
    """Fill a template; a missing value is a bug in the caller, so it raises."""
    return string.Template(template).substitute({k: str(v) for k, v in values.items()})
