"""A gateway that answers from a recording: the agent runs for real, no model is called.

`Playback` is the handler a `PlaybackGateway` serves on the same wire layer as the live gateway
(same socket, token and request bounds, so the agent cannot tell them apart). Call n of the
sandbox gets the answer recorded for call n (the completion, or the same refusal) as long as the
agent's request equals the recorded one. The first request that differs, or a call past the end
of the recording, is a divergence: it is kept (call number, what differs as a diff of the two
requests) and then, by the replay's choice, either refused (`stop`: status 409, and every later
call too) or sent to the live model (`live`: this call and every later one of the sandbox, under
the live gateway's own budget rules).

The first call picks the tape: among the recordings of the sandbox's task not yet used, the first
whose first request matches (a task run twice, for a retry or a second attempt, has two).

Matching: `exact` compares the canonical JSON of both requests. `normalized` (the default)
first masks what a rerun of the same agent cannot reproduce although nothing it decided changed:
durations ("passed in 0.03s", "12 ms") and memory addresses ("0x7f3a9c2b1d90"), which tools
print into the observations an agent sends back. docs/replay.md lists them.
"""

from __future__ import annotations

import difflib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from godelbox.sandbox.base import GATEWAY_SOCKET
from godelbox.sandbox.gateway_server import Refusal, WireLimits, WireServer
from godelbox.sandbox.recording import StoredCall, StoredTape, canonical

Match = Literal["exact", "normalized"]
OnDivergence = Literal["stop", "live"]
Handler = Callable[[Any], dict[str, Any]]

VOLATILE = (
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:s|ms|us|ns|sec|secs|seconds|minutes)\b"), "<duration>"),
    (re.compile(r"\b0x[0-9a-fA-F]{6,}\b"), "<address>"),
)
"""What `normalized` matching masks; each pattern is applied to the request's canonical JSON."""

DIFF_LINES = 80
"""At most this many diff lines are kept per divergence; long messages are cut too."""
DIFF_LINE_CHARS = 400


@dataclass(frozen=True)
class Divergence:
    """Where the agent stopped doing what it did when recorded."""

    task_id: str
    call: int
    """1-based number of the first call that differs."""
    reason: str
    diff: str
    """Unified diff, recorded request (---) against the agent's request now (+++)."""


class Playback:
    """Answers one sandbox's calls from `tapes` (see the module docstring)."""

    def __init__(
        self,
        task_id: str,
        tapes: list[StoredTape],
        *,
        match: Match = "normalized",
        on_divergence: OnDivergence = "stop",
        live: Handler | None = None,
    ) -> None:
        if on_divergence == "live" and live is None:
            raise ValueError("going live needs a live handler")
        self.task_id = task_id
        self._unused = tapes
        """Shared with the other sandboxes of the same task: a used tape is removed."""
        self._match = match
        self._on_divergence = on_divergence
        self._live = live
        self._tape: StoredTape | None = None
        self._lock = threading.Lock()
        self.calls = 0
        self.answered = 0
        """Calls answered from the recording."""
        self.live_calls = 0
        self.divergence: Divergence | None = None

    def handle(self, body: Any) -> dict[str, Any]:
        with self._lock:
            number = self.calls
            self.calls += 1
            if self.divergence is None:
                if number == 0:
                    self._tape = self._pick(body)
                recorded = self._recorded(number)
                if recorded is not None and self._same(body, recorded.request):
                    self.answered += 1
                    return _answer(recorded)
                self.divergence = self._diverged(number, body, recorded)
            going_live = self._on_divergence == "live"
            if going_live:
                self.live_calls += 1
        if going_live and self._live is not None:
            return self._live(body)
        raise Refusal(
            409,
            "replay_diverged",
            f"replay: call {self.divergence.call} of this sandbox differs from the recording; "
            "no model is called in a replay that stops at divergences",
        )

    def finish(self) -> Divergence | None:
        """Call when the sandbox has ended: an agent that made fewer calls than recorded
        diverged too (at the first call it did not make)."""
        with self._lock:
            if self._tape is None and self.calls == 0 and self._unused:
                self._tape = self._unused.pop(0)
            tape = self._tape
            if self.divergence is None and tape is not None and self.calls < tape.calls:
                recorded = self._recorded(self.calls)
                self.divergence = Divergence(
                    self.task_id,
                    self.calls + 1,
                    f"the agent made {self.calls} call(s); the recording has {tape.calls}",
                    _diff(recorded.request if recorded else None, None),
                )
            return self.divergence

    def _pick(self, body: Any) -> StoredTape | None:
        for index, tape in enumerate(self._unused):
            if tape.exchanges and self._same(body, tape.exchanges[0].request):
                return self._unused.pop(index)
        return self._unused.pop(0) if self._unused else None

    def _recorded(self, number: int) -> StoredCall | None:
        if self._tape is None or number >= len(self._tape.exchanges):
            return None
        return self._tape.exchanges[number]

    def _same(self, body: Any, recorded: Any) -> bool:
        return _comparable(body, self._match) == _comparable(recorded, self._match)

    def _diverged(self, number: int, body: Any, recorded: StoredCall | None) -> Divergence:
        if self._tape is None:
            reason = "no recording of this task is left to answer from"
        elif recorded is None:
            cut = " (the recording was cut at its size bound)" if self._tape.truncated else ""
            reason = f"the recording ends after {len(self._tape.exchanges)} call(s){cut}"
        else:
            reason = "the request differs from the recorded one"
        return Divergence(
            self.task_id, number + 1, reason, _diff(recorded.request if recorded else None, body)
        )


def _answer(recorded: StoredCall) -> dict[str, Any]:
    if recorded.refusal is not None:
        refused = recorded.refusal
        raise Refusal(refused.status, refused.kind, refused.message)
    assert recorded.response is not None
    return recorded.response


def _comparable(body: Any, match: Match) -> str:
    text = canonical(body).decode()
    if match == "normalized":
        for pattern, mask in VOLATILE:
            text = pattern.sub(mask, text)
    return text


def request_lines(body: Any) -> list[str]:
    """A request as lines a diff can point into: options, then each message's text by line."""
    if body is None:
        return []
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return json.dumps(body, indent=1, sort_keys=True).splitlines()
    lines = [
        f"{key}: {json.dumps(value, sort_keys=True)}"
        for key, value in sorted(body.items())
        if key not in ("messages", "tools")
    ]
    if "tools" in body:
        lines.append(f"tools: {json.dumps(body['tools'], sort_keys=True)}")
    for index, message in enumerate(body["messages"], start=1):
        if not isinstance(message, dict):
            lines.append(f"[message {index}] {json.dumps(message)}")
            continue
        lines.append(f"[message {index}: {message.get('role')}]")
        content = message.get("content")
        if isinstance(content, str):
            lines.extend(content.splitlines() or [""])
        elif content is not None:
            lines.append(json.dumps(content, sort_keys=True))
        for key in sorted(k for k in message if k not in ("role", "content")):
            lines.append(f"  {key}: {json.dumps(message[key], sort_keys=True)}")
    return lines


def _diff(recorded: Any, now: Any) -> str:
    lines = list(
        difflib.unified_diff(
            request_lines(recorded),
            request_lines(now),
            "recorded request" if recorded is not None else "(no recorded call)",
            "request now" if now is not None else "(no call made)",
            n=2,
            lineterm="",
        )
    )
    kept = [line[:DIFF_LINE_CHARS] for line in lines[:DIFF_LINES]]
    if len(lines) > DIFF_LINES:
        kept.append(f"[... {len(lines) - DIFF_LINES} more diff lines ...]")
    return "\n".join(kept)


class PlaybackGateway:
    """`with PlaybackGateway(playback) as gw:` serves `playback.handle` like a live `Gateway`
    (same socket name, token and wire bounds); mount `gw.socket_path.parent` into the sandbox."""

    def __init__(self, playback: Playback, wire: WireLimits | None = None) -> None:
        self.playback = playback
        self._wire = wire or WireLimits()
        self._server: WireServer | None = None

    @property
    def socket_path(self) -> Path:
        return self._started().socket_path

    @property
    def token(self) -> str:
        return self._started().token

    def _started(self) -> WireServer:
        if self._server is None:
            raise RuntimeError("the playback gateway is not started")
        return self._server

    def __enter__(self) -> PlaybackGateway:
        name = PurePosixPath(GATEWAY_SOCKET).name
        self._server = WireServer(name, self.playback.handle, self._wire)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
