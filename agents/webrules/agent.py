"""Choosing an action: the rules of config.RULES in order, each subject to its guards."""

from __future__ import annotations

from typing import Any

import config
import rules
from page import Page


def guards() -> dict[str, list[str]]:
    """config.GUARDS ("rule:word") as rule -> words."""
    found: dict[str, list[str]] = {}
    for entry in config.GUARDS:
        rule, _, word = entry.partition(":")
        found.setdefault(rule, []).append(word.lower())
    return found


def decide(obs: dict[str, Any], memory: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(the rule that acted, its action); ("", done) when no rule applies."""
    page = Page(obs)
    words = guards()
    said = page.utterance.lower()
    for name in config.RULES:
        if name in words and not any(w in said for w in words[name]):
            continue
        action = rules.load(name).act(page, memory.setdefault(name, {}))
        if action is not None:
            return name, action
    return "", {"action": "done"}
