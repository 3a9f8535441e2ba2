"""Reading an agent's conversation back out of the log the runner collected.

The runner appends every file the agent left in LOG_DIR under a `== NAME ==` header; the seed
agents write `trajectory.json` (`{"messages": [...], ...}`). A log cut by the size cap loses the
JSON's integrity, and then there is no trajectory rather than a wrong one.
"""

from __future__ import annotations

import json
from typing import Any

from godelbox.agent_text import cap_text

HEADER = "== trajectory.json =="
STORED_MESSAGES = 200
STORED_CONTENT_CHARS = 8_000
"""What the archive keeps of one trajectory (see `stored_trajectory`)."""


def trajectory_from_log(log: str) -> list[dict[str, Any]] | None:
    start = log.find(HEADER + "\n")
    if start < 0:
        return None
    body = log[start + len(HEADER) + 1 :]
    lines = body.split("\n")
    end = next(
        (i for i, line in enumerate(lines) if line.startswith("== ") and line.endswith(" ==")),
        len(lines),
    )
    try:
        data = json.loads("\n".join(lines[:end]))
    except ValueError:
        return None
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        return None
    return messages


def stored_trajectory(messages: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """A trajectory as the archive keeps it: the last `STORED_MESSAGES` messages, each text
    content capped, with a visible note where something was cut (it came out of a sandbox)."""
    if messages is None:
        return None
    kept = [
        {**m, "content": cap_text(m["content"], STORED_CONTENT_CHARS)}
        if isinstance(m.get("content"), str)
        else m
        for m in messages[-STORED_MESSAGES:]
    ]
    cut = len(messages) - len(kept)
    if cut:
        kept.insert(0, {"role": "system", "content": f"[... {cut} earlier messages cut ...]"})
    return kept
