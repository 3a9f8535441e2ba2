"""The gateway's wire side: who may connect, and how much of a request we are willing to read.

Everything that arrives on the socket comes from agent code. This module turns it into a parsed
JSON body, or into a refusal, before anything else sees it:

- the socket sits in a private directory (mode 0700) owned by the uid the sandbox runs as on
  the host, and every connection's peer credentials (SO_PEERCRED) must name that uid, ours or
  root; where we cannot hand the directory over (not root, and not that uid) it is made
  traversable but not listable and the peer check is what keeps other users out;
- every request carries the gateway's secret token (`Authorization: Bearer ...`), generated per
  gateway, so another process of the same uid cannot spend the budget by finding the socket;
- a request is read with a deadline for the whole request (not per recv: a client sending one
  byte every few seconds is cut off), with bounded headers, and its body only when it declares
  a `Content-Length` that is present, an integer, non-negative and within the cap; bodies are
  never read to find out how large they are;
- each gateway serves at most `max_connections` connections at once; further ones get a 503
  and are closed at once, so a connection flood costs no threads;
- the JSON parser sees only bodies with a bounded number of containers (a body of 8 MiB of
  `[{},{},...]` would become millions of Python objects).

What a valid request means (roles, budgets, forwarding, accounting) is `gateway.Gateway`'s job.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import secrets
import selectors
import shutil
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SANDBOX_UID = 1000
"""The uid agents run as inside every sandbox, and (docker, or bubblewrap run as root) on the
host: see sandbox/docker.py and the image's user."""

HTTP_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    411: "Length Required",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class Refusal(Exception):
    """An error reply for the agent: HTTP status, OpenAI-style error type, readable message."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


@dataclass(frozen=True)
class WireLimits:
    """How much of one connection the gateway reads, and for how long."""

    max_body_bytes: int = 8 * 1024 * 1024
    max_header_bytes: int = 32 * 1024
    max_json_containers: int = 200_000
    """Objects plus arrays in one body (counted as `{` and `[` bytes: an upper bound)."""
    read_timeout_s: float = 30.0
    """For the whole request line, headers and body."""
    write_timeout_s: float = 30.0
    max_connections: int = 4
    """Open connections per gateway (that is, per sandbox)."""


Handler = Callable[[Any], dict[str, Any]]
"""Parsed JSON body -> response payload; raises `Refusal` for an error reply."""

ROUTES = ("/v1/chat/completions", "/chat/completions")


class WireServer:
    """Serves `handle` on a unix socket in a private directory; see the module docstring."""

    def __init__(
        self,
        socket_name: str,
        handle: Handler,
        limits: WireLimits,
        *,
        sandbox_uid: int = SANDBOX_UID,
    ) -> None:
        self.token = secrets.token_urlsafe(32)
        self._handle = handle
        self._limits = limits
        self._sandbox_uid = sandbox_uid
        self._slots = threading.BoundedSemaphore(limits.max_connections)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._stopping = False
        self.refused_connections = 0
        self.dir = Path(tempfile.mkdtemp(prefix="godelbox-gw-"))
        self.socket_path = self.dir / socket_name
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._listener.bind(str(self.socket_path))
            _hand_over(self.dir, self.socket_path, sandbox_uid)
            self._listener.listen(64)
        except BaseException:
            self._listener.close()
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        self._wake_r, self._wake_w = os.pipe()
        self._accepting = threading.Thread(
            target=self._accept_loop, name="godelbox-gateway", daemon=True
        )
        self._accepting.start()

    def close(self) -> None:
        """Stop accepting, cut every open connection, remove the directory. Idempotent."""
        if self._stopping:
            return
        self._stopping = True
        os.write(self._wake_w, b"x")
        self._accepting.join()
        self._listener.close()
        os.close(self._wake_r)
        os.close(self._wake_w)
        with self._open_lock:
            for conn in self._open:
                _hang_up(conn)
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def open_connections(self) -> int:
        with self._open_lock:
            return len(self._open)

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select()}
                if self._wake_r in ready:
                    return
                try:
                    conn, _ = self._listener.accept()
                except OSError:
                    continue
                self._admit(conn)

    def _admit(self, conn: socket.socket) -> None:
        if not self._slots.acquire(blocking=False):
            self.refused_connections += 1
            _refuse_now(conn, Refusal(503, "too_many_connections", self._busy_message()))
            return
        with self._open_lock:
            self._open.add(conn)
        threading.Thread(
            target=self._serve, args=(conn,), name="godelbox-gateway-conn", daemon=True
        ).start()

    def _busy_message(self) -> str:
        return (
            f"more than {self._limits.max_connections} connections open to this sandbox's "
            "gateway; wait for an answer before sending more"
        )

    def _serve(self, conn: socket.socket) -> None:
        try:
            status, payload = self._answer(conn)
            _send(conn, status, payload, self._limits.write_timeout_s)
        finally:
            with self._open_lock:
                self._open.discard(conn)
            _hang_up(conn)
            self._slots.release()

    def _answer(self, conn: socket.socket) -> tuple[int, dict[str, Any]]:
        try:
            self._check_peer(conn)
            request = read_request(conn, self._limits)
            if not hmac.compare_digest(request.token.encode(), self.token.encode()):
                raise Refusal(401, "unauthorized", "missing or wrong gateway token")
            if request.method != "POST" or request.path.rstrip("/") not in ROUTES:
                raise Refusal(404, "not_found", f"no route {request.method} {request.path}")
            body = parse_json(read_body(conn, request, self._limits), self._limits)
            return 200, self._handle(body)
        except Refusal as refusal:
            error = {"message": refusal.message, "type": refusal.kind, "code": refusal.status}
            return refusal.status, {"error": error}
        except Exception as exc:  # a bug of ours: the agent still gets an answer, and we go on
            log.exception("gateway request failed")
            error = {"message": f"the gateway failed: {type(exc).__name__}", "code": 500}
            return 500, {"error": {**error, "type": "gateway_error"}}

    def _check_peer(self, conn: socket.socket) -> None:
        uid = peer_uid(conn)
        if uid is not None and uid not in allowed_peers(self._sandbox_uid):
            raise Refusal(403, "forbidden", f"uid {uid} may not use this gateway")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    token: str
    content_length: int
    body_start: bytes
    """Body bytes that arrived with the headers."""
    deadline: float


def read_request(conn: socket.socket, limits: WireLimits) -> Request:
    """The request line and headers, read within the deadline and the header cap. The body is
    not read: `read_body` does that once the token is known good."""
    deadline = time.monotonic() + limits.read_timeout_s
    data = bytearray()
    while b"\r\n\r\n" not in data:
        if len(data) > limits.max_header_bytes:
            raise Refusal(431, "invalid_request", "request headers larger than allowed")
        chunk = _recv(conn, deadline, 65536)
        if not chunk:
            raise Refusal(400, "invalid_request", "the connection closed before the headers ended")
        data += chunk
    head, _, rest = bytes(data).partition(b"\r\n\r\n")
    if len(head) > limits.max_header_bytes:
        raise Refusal(431, "invalid_request", "request headers larger than allowed")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise Refusal(400, "invalid_request", "malformed request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise Refusal(400, "invalid_request", "malformed header line")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise Refusal(411, "invalid_request", "chunked bodies are refused; send Content-Length")
    auth = headers.get("authorization", "")
    token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
    return Request(
        method=parts[0],
        path=parts[1],
        token=token,
        content_length=content_length(headers.get("content-length"), limits.max_body_bytes),
        body_start=rest,
        deadline=deadline,
    )


def content_length(raw: str | None, cap: int) -> int:
    """The declared body size, refused when missing, not a plain integer, negative or over
    `cap`: checked before a single body byte is read."""
    if raw is None:
        raise Refusal(411, "invalid_request", "Content-Length is required")
    if not raw.isdigit():
        raise Refusal(400, "invalid_request", f"Content-Length {raw[:40]!r} is not a size")
    length = int(raw)
    if length > cap:
        raise Refusal(
            413,
            "invalid_request",
            f"request body of {length} bytes is larger than {cap // (1024 * 1024)} MiB",
        )
    return length


def read_body(conn: socket.socket, request: Request, limits: WireLimits) -> bytes:
    body = bytearray(request.body_start[: request.content_length])
    while len(body) < request.content_length:
        chunk = _recv(conn, request.deadline, min(65536, request.content_length - len(body)))
        if not chunk:
            raise Refusal(400, "invalid_request", "the body is shorter than its Content-Length")
        body += chunk
    return bytes(body)


def parse_json(raw: bytes, limits: WireLimits) -> Any:
    containers = raw.count(b"{") + raw.count(b"[")
    if containers > limits.max_json_containers:
        raise Refusal(
            413,
            "invalid_request",
            f"the body has {containers} JSON objects/arrays, more than "
            f"{limits.max_json_containers}",
        )
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise Refusal(400, "invalid_request", "the body is not JSON (or nests too deep)") from None


def _recv(conn: socket.socket, deadline: float, size: int) -> bytes:
    left = deadline - time.monotonic()
    if left <= 0:
        raise Refusal(408, "timeout", "the request was not sent in time")
    try:
        conn.settimeout(left)
        return conn.recv(size)
    except TimeoutError:
        raise Refusal(408, "timeout", "the request was not sent in time") from None
    except OSError:
        return b""


def _send(conn: socket.socket, status: int, payload: dict[str, Any], timeout_s: float) -> None:
    data = json.dumps(payload).encode()
    head = (
        f"HTTP/1.1 {status} {HTTP_REASONS.get(status, 'Error')}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii")
    # OSError: the agent went away (killed on timeout, or gave up), or the gateway closed.
    with contextlib.suppress(OSError):
        conn.settimeout(timeout_s)
        conn.sendall(head + data)
        # Let an unread request body (a refused upload) drain briefly, so the client can
        # finish sending and read the answer instead of a broken pipe.
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(1.0)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and conn.recv(65536):
            pass


def _refuse_now(conn: socket.socket, refusal: Refusal) -> None:
    """Answer from the accepting thread without ever blocking it, then close."""
    error = {"message": refusal.message, "type": refusal.kind, "code": refusal.status}
    data = json.dumps({"error": error}).encode()
    head = (
        f"HTTP/1.1 {refusal.status} {HTTP_REASONS[refusal.status]}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii")
    conn.setblocking(False)
    with contextlib.suppress(OSError):
        conn.send(head + data)
    _hang_up(conn)


def _hang_up(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)
    conn.close()


def peer_uid(conn: socket.socket) -> int | None:
    """The connecting process's uid as the kernel reports it (None where unsupported)."""
    try:
        raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except (OSError, AttributeError):
        return None
    _pid, uid, _gid = struct.unpack("3i", raw)
    return uid


def allowed_peers(sandbox_uid: int) -> Collection[int]:
    return {0, os.geteuid(), sandbox_uid}


def _hand_over(directory: Path, sock: Path, sandbox_uid: int) -> None:
    """Give the directory and socket to the sandbox's uid (mode 0700 / 0600) when we can: as
    root, or when we are that uid. Otherwise the directory must stay ours; it is made
    traversable but not listable (0711) and the socket connectable (0666), and the peer check
    plus the token keep everyone else out."""
    euid = os.geteuid()
    if euid in (0, sandbox_uid):
        sock.chmod(0o600)
        directory.chmod(0o700)
        if euid == 0:
            os.chown(sock, sandbox_uid, sandbox_uid)
            os.chown(directory, sandbox_uid, sandbox_uid)
        return
    sock.chmod(0o666)
    directory.chmod(0o711)
