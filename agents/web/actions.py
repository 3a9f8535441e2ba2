"""Reading one action out of a model's free-text reply, tolerantly.

Accepted, in order of preference: a ```json block, the first {...} object anywhere, or a call
written like `click(12)`, `type(7, "hi")`, `press(Enter)`, `scroll(100)`, `done()`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from errors import FormatError

ACTIONS = ("click", "type", "press", "scroll", "done")
_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)
_CALL = re.compile(r"\b(click|type|press|scroll|done)\s*\(([^()]*)\)", re.IGNORECASE)


def parse_action(reply: str) -> dict[str, Any]:
    for candidate in _json_candidates(reply):
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict) and "action" in data:
            return normalise(data)
    call = _CALL.search(reply)
    if call:
        return normalise(_from_call(call.group(1).lower(), call.group(2)))
    raise FormatError("no JSON action and no call like click(12) in the reply")


def _json_candidates(reply: str) -> list[str]:
    found = [m.group(1) for m in _FENCE.finditer(reply)]
    start = reply.find("{")
    while start != -1:
        depth = 0
        for end in range(start, len(reply)):
            depth += {"{": 1, "}": -1}.get(reply[end], 0)
            if depth == 0:
                found.append(reply[start : end + 1])
                break
        start = reply.find("{", start + 1)
    return found


def _from_call(name: str, args: str) -> dict[str, Any]:
    parts = [p.strip().strip("\"'") for p in args.split(",", 1)] if args.strip() else []
    if name in ("click", "type") and parts:
        action: dict[str, Any] = {"action": name, "ref": parts[0]}
        if name == "type":
            action["text"] = parts[1] if len(parts) > 1 else ""
        return action
    if name == "press" and parts:
        return {"action": "press", "key": parts[0]}
    if name == "scroll":
        return {"action": "scroll", "dy": parts[-1] if parts else 100}
    return {"action": name}


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Check the fields and coerce the usual slips (ref as "12" or "[12]", key as "<Enter>")."""
    name = str(data.get("action", "")).lower().strip()
    if name not in ACTIONS:
        raise FormatError(f"unknown action {data.get('action')!r}; use one of {', '.join(ACTIONS)}")
    action: dict[str, Any] = {"action": name}
    if name in ("click", "type") and "ref" in data:
        try:
            action["ref"] = int(str(data["ref"]).strip("[] "))
        except ValueError:
            raise FormatError(f"ref {data['ref']!r} is not an element number") from None
    if name == "click" and "ref" not in action:
        raise FormatError("click needs a ref")
    if name == "type":
        if "text" not in data:
            raise FormatError("type needs a text")
        action["text"] = str(data["text"])
    if name == "press":
        key = str(data.get("key", "")).strip().strip("<>")
        if not key:
            raise FormatError("press needs a key")
        action["key"] = key
    if name == "scroll":
        try:
            action["dy"] = float(data.get("dy", 100))
        except (TypeError, ValueError):
            raise FormatError("scroll needs a numeric dy") from None
    return action
