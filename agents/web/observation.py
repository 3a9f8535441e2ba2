"""Rendering the driver's observation as the text the model reads."""

from __future__ import annotations

from string import Template
from typing import Any

from config import AgentConfig

SKIPPED_TAGS = {"body", "html", "head", "script", "style"}


def render(obs: dict[str, Any], config: AgentConfig) -> str:
    error = obs.get("error")
    return Template(config.observation_template).substitute(
        utterance=obs.get("utterance", ""),
        step=obs.get("step", 0),
        steps_left=obs.get("steps_left", "?"),
        error=Template(config.error_template).substitute(error=error) if error else "",
        elements=render_elements(obs.get("elements") or [], config),
    )


def render_elements(elements: list[dict[str, Any]], config: AgentConfig) -> str:
    depth: dict[int, int] = {}
    lines: list[str] = []
    for e in elements:
        level = depth.get(int(e.get("parent", 0)), -1) + 1
        depth[int(e["ref"])] = level
        if e.get("tag") in SKIPPED_TAGS:
            continue
        lines.append("  " * min(level, 6) + element_line(e, config))
        if len(lines) >= config.max_elements:
            lines.append(f"... ({len(elements) - len(lines)} more elements not shown)")
            break
    return "\n".join(lines) or "(the page shows no elements)"


def element_line(e: dict[str, Any], config: AgentConfig) -> str:
    parts = [f"[{e['ref']}]", str(e.get("tag", "?"))]
    text = str(e.get("text") or "").strip()
    if text:
        parts.append(repr_text(text[: config.text_chars]))
    if e.get("value"):
        parts.append(f"value={repr_text(str(e['value'])[: config.text_chars])}")
    if e.get("id"):
        parts.append(f"#{e['id']}")
    if e.get("classes"):
        parts.append("." + ".".join(str(e["classes"]).split()))
    if e.get("focused"):
        parts.append("(focused)")
    return " ".join(parts)


def repr_text(text: str) -> str:
    return '"' + text.replace('"', "'").replace("\n", " ") + '"'
