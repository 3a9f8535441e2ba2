"""Reading an agent's conversation back out of the log the runner collected.

The runner appends every file the agent left in LOG_DIR under a `== NAME ==` header; the seed
agents write `trajectory.json` (`{"messages": [...], ...}`). A log cut by the size cap loses the
JSON's integrity, and then there is no trajectory rather than a wrong one.
"""

from __future__ import annotations

import json
from typing import Any

HEADER = "== trajectory.json =="


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
