"""What crosses one sandbox's gateway, kept so the sandbox can be replayed without a model.

A `Recorder` is handed to a `Gateway`; it sees every request body exactly as the agent sent it
(before the gateway sets `max_tokens` or picks a role) and what the agent got back: the
model's completion, or the gateway's refusal (status, kind, message). Exchanges are numbered in
the order their requests arrived. At the end the recorder gives a `Tape`: the sandbox's
exchanges, the model settings it ran under, and the blobs they refer to.

Content-addressed: every message, the tools list, the rest of the request and the response are
stored as separate blobs named by the sha256 of their canonical JSON (sorted keys, ASCII), and
zlib-compressed. An agent resends its whole history with each call, so a call stores only its
new messages: storage grows with what the conversation adds, not with the prompt's length.

Bounded: a tape keeps at most `max_bytes` of compressed new blobs. The exchange that would pass
it, and every later one, is not kept; the tape says it is truncated and how many calls were
made, so a replay can say where its recording ends.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from godelbox.proposer.llm import LLMClient

COMPRESSION_LEVEL = 6
"""zlib's default: agent text compresses ~4x at a few ms per megabyte."""

PURPOSE_TASK = "task"
PURPOSE_SELF_EDIT = "self-edit"

BlobLookup = Callable[[str], Any]
"""sha -> the JSON value stored under it."""


def canonical(value: Any) -> bytes:
    """The bytes a value is addressed by: sorted keys, no spaces, ASCII (a lone surrogate an
    agent sent survives as an escape instead of failing to encode)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def blob_sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_blob(compressed: bytes) -> Any:
    return json.loads(zlib.decompress(compressed))


@dataclass(frozen=True)
class Refused:
    """The gateway's error reply to a call, as the agent received it."""

    status: int
    kind: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "kind": self.kind, "message": self.message}

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Refused:
        return cls(int(row["status"]), str(row["kind"]), str(row["message"]))


@dataclass(frozen=True)
class Exchange:
    """One call: its request as blob references, and its response blob or refusal."""

    seq: int
    """0-based, in the order requests arrived at the gateway."""
    request: dict[str, Any]
    """{"rest": sha, "messages": [sha, ...] | None, "tools": sha | None}; see `request_parts`."""
    response: str | None
    refusal: Refused | None


@dataclass
class Tape:
    """Everything one sandbox's gateway saw."""

    task_id: str
    purpose: str
    settings: dict[str, Any]
    """The model settings the sandbox ran under (models and llm sections, the gateway's roles
    and budgets); API key variable names only, never a key."""
    exchanges: list[Exchange] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)
    """sha -> zlib(canonical JSON), only the blobs this tape added."""
    calls: int = 0
    """Calls the agent made, kept or not."""
    truncated: bool = False
    raw_bytes: int = 0
    """Uncompressed size of the kept blobs."""

    @property
    def stored_bytes(self) -> int:
        return sum(len(b) for b in self.blobs.values())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form (for a Ray unit's result)."""
        return {
            "kind": "tape",
            "task_id": self.task_id,
            "purpose": self.purpose,
            "settings": self.settings,
            "exchanges": [
                {
                    "seq": e.seq,
                    "request": e.request,
                    "response": e.response,
                    "refusal": e.refusal.to_dict() if e.refusal else None,
                }
                for e in self.exchanges
            ],
            "blobs": {sha: base64.b64encode(b).decode() for sha, b in self.blobs.items()},
            "calls": self.calls,
            "truncated": self.truncated,
            "raw_bytes": self.raw_bytes,
        }

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Tape:
        return cls(
            task_id=row["task_id"],
            purpose=row["purpose"],
            settings=row["settings"],
            exchanges=[
                Exchange(
                    e["seq"],
                    e["request"],
                    e["response"],
                    Refused.from_dict(e["refusal"]) if e["refusal"] else None,
                )
                for e in row["exchanges"]
            ],
            blobs={sha: base64.b64decode(b) for sha, b in row["blobs"].items()},
            calls=row["calls"],
            truncated=row["truncated"],
            raw_bytes=row["raw_bytes"],
        )


@dataclass(frozen=True)
class StoredCall:
    """One recorded call, assembled: what the agent sent and what it got back."""

    seq: int
    request: Any
    response: dict[str, Any] | None
    refusal: Refused | None


@dataclass(frozen=True)
class StoredTape:
    id: int
    node_id: int
    task_id: str
    purpose: str
    settings: dict[str, Any]
    calls: int
    """Calls the agent made; `len(exchanges)` < calls means the recording was cut."""
    truncated: bool
    raw_bytes: int
    stored_bytes: int
    exchanges: tuple[StoredCall, ...]


class TapeFull(Exception):
    """The tape reached its byte bound."""


class Recorder:
    """The gateway's hook: `begin(body)` when a request arrives, `end(...)` when it is answered."""

    def __init__(
        self, task_id: str, purpose: str, settings: dict[str, Any], max_bytes: int
    ) -> None:
        self._tape = Tape(task_id, purpose, settings)
        self._max_bytes = max_bytes
        self._stored = 0
        self._requests: dict[int, dict[str, Any] | None] = {}
        self._done: dict[int, Exchange] = {}
        self._lock = threading.Lock()

    def begin(self, body: Any) -> int:
        """Number the call and store its request; returns the call's number."""
        with self._lock:
            seq = self._tape.calls
            self._tape.calls += 1
            full = self._tape.truncated
        self._requests[seq] = None if full else self._store_request(body)
        return seq

    def end(self, seq: int, response: Any = None, refusal: Refused | None = None) -> None:
        request = self._requests.pop(seq, None)
        if request is None:
            return
        try:
            sha = None if refusal is not None else self._put(response)
        except TapeFull:
            return
        with self._lock:
            self._done[seq] = Exchange(seq, request, sha, refusal)

    def tape(self) -> Tape:
        """The recording so far; exchanges in call order, up to the first one not kept (a
        replay must never skip a call in the middle)."""
        with self._lock:
            kept: list[Exchange] = []
            for seq in range(self._tape.calls):
                if seq not in self._done:
                    break
                kept.append(self._done[seq])
            self._tape.exchanges = kept
            if len(kept) < self._tape.calls:
                self._tape.truncated = True  # not kept, or still unanswered when it closed
            return self._tape

    def _store_request(self, body: Any) -> dict[str, Any] | None:
        try:
            return request_parts(body, self._put)
        except TapeFull:
            return None

    def _put(self, value: Any) -> str:
        data = canonical(value)
        sha = blob_sha(data)
        with self._lock:
            if sha in self._tape.blobs:
                return sha
        compressed = zlib.compress(data, COMPRESSION_LEVEL)
        with self._lock:
            if sha in self._tape.blobs:
                return sha
            if self._tape.truncated or self._stored + len(compressed) > self._max_bytes:
                self._tape.truncated = True
                raise TapeFull
            self._tape.blobs[sha] = compressed
            self._stored += len(compressed)
            self._tape.raw_bytes += len(data)
        return sha


def request_parts(body: Any, put: Callable[[Any], str]) -> dict[str, Any]:
    """Split a request into blobs: each message, the tools list, and the rest of the body."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return {"rest": put(body), "messages": None, "tools": None}
    rest = {k: v for k, v in body.items() if k not in ("messages", "tools")}
    tools = body.get("tools", _ABSENT)
    return {
        "rest": put(rest),
        "messages": [put(m) for m in body["messages"]],
        "tools": None if tools is _ABSENT else put(tools),
    }


_ABSENT = object()


def assemble_request(parts: Mapping[str, Any], blob: BlobLookup) -> Any:
    """The request body a tape's parts stand for (equal, as JSON, to what the agent sent)."""
    rest = blob(parts["rest"])
    if parts.get("messages") is None:
        return rest
    body = dict(rest)
    body["messages"] = [blob(sha) for sha in parts["messages"]]
    if parts.get("tools") is not None:
        body["tools"] = blob(parts["tools"])
    return body


def recording_settings(
    llm: LLMClient, roles: tuple[str, ...], budget_usd: float, budget_tokens: int
) -> dict[str, Any]:
    """The model settings a tape keeps: what the sandbox could ask for and under which limits
    (key variable names, never keys)."""
    return {
        "models": llm.models.model_dump(mode="json"),
        "llm": llm.llm.model_dump(mode="json", exclude={"prices"}),
        "roles": list(roles),
        "budget_usd": budget_usd,
        "budget_tokens": budget_tokens,
    }
