"""All prompt text and every limit of the web agent, in one place.

Templates use `string.Template` (`$name`) because prompt text is full of braces (JSON) that
`str.format` would trip on. Changing how the agent talks or how much it remembers is an edit to
this file only.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM_PROMPT = """\
You operate a web page to complete a task. Each turn you get the task and the page as a list of
elements, one per line: `[ref] tag "text" value=... #id .classes` (indented under its parent).

Reply with one short sentence of reasoning, then exactly one action as JSON in a ```json block:
- {"action": "click", "ref": 12}                   click an element
- {"action": "type", "ref": 7, "text": "hello"}    focus an input and type text
- {"action": "press", "key": "Enter"}              press a key (Enter, Tab, Backspace, ...)
- {"action": "scroll", "dy": 100}                  scroll the page (negative dy scrolls up)
- {"action": "done"}                               only when nothing else can be done

Use refs from the current page only. Many tasks need a final click on a Submit button."""

OBSERVATION_TEMPLATE = """\
Task: $utterance
Step $step ($steps_left actions left).$error
Page:
$elements"""

ERROR_TEMPLATE = "\nYour previous action failed: $error"

FORMAT_ERROR_TEMPLATE = """\
I could not read an action from your reply: $error
Reply with exactly one action as JSON in a ```json block, e.g. {"action": "click", "ref": 4}."""


@dataclass(frozen=True)
class AgentConfig:
    system_prompt: str = SYSTEM_PROMPT
    observation_template: str = OBSERVATION_TEMPLATE
    error_template: str = ERROR_TEMPLATE
    format_error_template: str = FORMAT_ERROR_TEMPLATE
    max_elements: int = 80
    """Elements shown per observation (MiniWoB pages are small; this bounds the prompt)."""
    text_chars: int = 60
    """Characters of an element's text shown."""
    history_turns: int = 3
    """Earlier (observation, reply) pairs kept in the conversation."""
    format_retries: int = 2
    """Extra model calls for one observation when a reply holds no readable action."""
    model_retries: int = 2
    model_backoff_s: float = 1.0
    temperature: float = 0.0
    max_tokens: int = 300
