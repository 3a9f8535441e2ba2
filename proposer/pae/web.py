"""The web side of PAE: MiniWoB++ episodes as judge input, audit ground truth, proposer context
and SFT demonstrations.

Each episode result carries MiniWoB's reward (the ground truth: raw reward > 0), the trajectory
of observations and actions, and the final observation. The judge reads the goal, the last
observations, the agent's last action (its answer) and a screenshot path when screenshots were
on. The first observation of each environment describes its page for the task proposer; an
accepted proposed goal is then played on that same seeded page with the goal shown instead of the
environment's (`Episode.goal_override`), so its episode's utterance is the proposed goal and its
reward is no ground truth.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from godelbox.proposer.pae.context import WebContext

ELEMENTS_SHOWN = 40
WEB_SYSTEM = (
    "You are a web agent. Each user message is the page as JSON (goal, elements with refs); "
    "reply with one action as JSON: click, type, press, scroll or done."
)


def element_lines(observation: dict[str, Any], cap: int = ELEMENTS_SHOWN) -> list[str]:
    lines = []
    for element in observation.get("elements") or []:
        if element.get("tag") in ("body", "html", "head", "script", "style"):
            continue
        text = str(element.get("text") or "").strip()[:60]
        value = f" value={element['value']!r}" if element.get("value") else ""
        lines.append(f"[{element.get('ref')}] {element.get('tag')} {text!r}{value}".rstrip())
        if len(lines) >= cap:
            break
    return lines


def observations_text(trajectory: Sequence[dict[str, Any]], final: dict[str, Any] | None) -> str:
    """The last two observations (page elements) with the action taken on each."""
    steps = list(trajectory)[-2:]
    parts = []
    for step in steps:
        observation = step.get("observation") or {}
        parts.append(f"step {observation.get('step', '?')}:")
        parts.extend(element_lines(observation))
        parts.append(f"action: {json.dumps(step.get('action'))}")
    if final is not None and (not steps or final is not steps[-1].get("observation")):
        parts.append("final page:")
        parts.extend(element_lines(final))
    return "\n".join(parts)


def goal_of(trajectory: Sequence[dict[str, Any]], final: dict[str, Any] | None) -> str:
    for step in trajectory:
        utterance = (step.get("observation") or {}).get("utterance")
        if utterance:
            return str(utterance)
    return str((final or {}).get("utterance") or "")


def last_action(trajectory: Sequence[dict[str, Any]]) -> str:
    actions = [s.get("action") for s in trajectory if s.get("action")]
    return json.dumps(actions[-1]) if actions else ""


def web_context(task: str, first_observation: dict[str, Any]) -> WebContext:
    """What the proposer knows of an environment: its page's elements and one goal."""
    description = "a page with these elements:\n" + "\n".join(element_lines(first_observation))
    return WebContext(task, description, str(first_observation.get("utterance") or ""))


def web_messages(trajectory: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """An episode as a chat: each observation a user turn, each action the assistant's reply."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": WEB_SYSTEM}]
    for step in trajectory:
        observation = step.get("observation") or {}
        shown = {k: observation.get(k) for k in ("utterance", "step", "elements", "error")}
        messages.append({"role": "user", "content": json.dumps(shown, ensure_ascii=False)})
        if step.get("action") is not None:
            messages.append({"role": "assistant", "content": json.dumps(step["action"])})
    return messages
