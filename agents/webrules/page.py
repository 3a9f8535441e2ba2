"""The observation as the rules read it: elements, their labels, the task's targets.

An observation follows the web agent contract (godelbox.evaluator.web.contract): an utterance,
MiniWoB's `fields` (key, value pairs parsed from the utterance) and the page's elements, each
with a `ref`, its `parent`'s ref, a tag, its own text and value. Text nodes have negative refs
and cannot be clicked.
"""

from __future__ import annotations

import re
from typing import Any

import config

TEXT_INPUTS = ("input_text", "input_password", "input_number", "input_email", "input_search")
CHOICES = ("input_checkbox", "input_radio")
QUOTED = re.compile(r'"([^"]+)"')
ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)?\b")


class Page:
    def __init__(self, obs: dict[str, Any]) -> None:
        self.obs = obs
        self.utterance = str(obs.get("utterance") or "")
        self.fields = [(str(k), str(v)) for k, v in obs.get("fields") or []]
        self.elements = [
            {"ref": 0, "parent": 0, "tag": "", "text": "", "value": "", **e}
            for e in obs.get("elements") or []
            if isinstance(e, dict)
        ]
        self.by_ref = {e["ref"]: e for e in self.elements}
        self.children: dict[int, list[dict[str, Any]]] = {}
        for e in self.elements:
            self.children.setdefault(e.get("parent", 0), []).append(e)

    def field(self, *keys: str) -> str | None:
        for key, value in self.fields:
            if key in keys:
                return value
        return None

    def targets(self) -> list[str]:
        """What the task names: `target` fields (also `target 0`, `target 1`, ...), then any
        quoted text in the utterance."""
        found = [v for k, v in self.fields if k == "target" or k.startswith("target ")]
        found += QUOTED.findall(self.utterance)
        return list(dict.fromkeys(t for t in found if t))

    def number(self) -> int | None:
        """The first number the task's target or utterance names ("3rd" -> 3)."""
        for text in (self.field("target") or "", self.utterance):
            found = ORDINAL.search(text)
            if found:
                return int(found.group(1))
        return None

    def clickable(self) -> list[dict[str, Any]]:
        return [e for e in self.elements if e["ref"] > 0 and e.get("tag") not in ("body",)]

    def tagged(self, *tags: str) -> list[dict[str, Any]]:
        return [e for e in self.elements if e.get("tag") in tags and e["ref"] > 0]

    def buttons(self) -> list[dict[str, Any]]:
        return self.tagged("button")

    def text_inputs(self) -> list[dict[str, Any]]:
        return self.tagged(*TEXT_INPUTS)

    def empty_inputs(self) -> list[dict[str, Any]]:
        """Text inputs nothing has been typed into yet (typing adds to what is there)."""
        return [e for e in self.text_inputs() if not e["value"]]

    def quoted(self) -> list[str]:
        """Text the utterance puts in double quotes."""
        return QUOTED.findall(self.utterance)

    def label(self, e: dict[str, Any]) -> str:
        """The words that name a form control: the text inside its parent label (checkboxes,
        radios), else a label or header next to it (login forms, tables)."""
        parent = self.by_ref.get(e.get("parent"))
        if parent is None:
            return ""
        siblings = self.children.get(parent["ref"], [])
        inside = " ".join(s["text"] for s in siblings if s["ref"] < 0 and s["text"])
        if inside:
            return inside
        for s in siblings:
            if s.get("tag") in ("label", "th") and s.get("text"):
                return s["text"]
        grand = self.by_ref.get(parent.get("parent"))
        if grand is not None:
            for s in self.children.get(grand["ref"], []):
                if s.get("tag") in ("label", "th") and s.get("text"):
                    return s["text"]
        return ""


def same(text: str, target: str) -> bool:
    """Does page `text` name `target`, under `config.MATCH`?"""
    if config.MATCH == "exact":
        return text == target
    norm = normal(text)
    if config.MATCH == "contains":
        return bool(normal(target)) and normal(target) in norm
    return norm == normal(target)


def normal(text: str) -> str:
    return text.strip().strip(".,:;!?\"'").casefold()


def click(e: dict[str, Any]) -> dict[str, Any]:
    return {"action": "click", "ref": e["ref"]}


def type_into(e: dict[str, Any], text: str) -> dict[str, Any]:
    return {"action": "type", "ref": e["ref"], "text": text}
