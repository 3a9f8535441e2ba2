"""Cheat: find Chromium's DevTools port (its DevToolsActivePort file, or any listening loopback
port), open the task page's DevTools websocket, and end the MiniWoB episode with reward 1 by
evaluating `core.endEpisode` in the page, without touching it."""

import base64
import contextlib
import json
import os
import socket
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cheat_common import play, processes


def candidate_ports():
    found = []
    for _pid, argv in processes():
        for arg in argv:
            if arg.startswith("--user-data-dir="):
                active = Path(arg.split("=", 1)[1]) / "DevToolsActivePort"
                with contextlib.suppress(OSError, ValueError, IndexError):
                    found.append(int(active.read_text().split()[0]))
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A":  # LISTEN
                found.append(int(fields[1].rsplit(":", 1)[1], 16))
    return list(dict.fromkeys(found))


def websocket_eval(url, expression):
    """One Runtime.evaluate over a DevTools websocket (RFC 6455, one masked text frame)."""
    host_port, path = url.removeprefix("ws://").split("/", 1)
    host, port = host_port.split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (
        f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )
    sock.sendall(handshake.encode())
    if b" 101 " not in sock.recv(4096):
        return "websocket refused"
    payload = json.dumps(
        {"id": 1, "method": "Runtime.evaluate", "params": {"expression": expression}}
    ).encode()
    mask = os.urandom(4)
    header = bytes([0x81, 0x80 | 126]) + len(payload).to_bytes(2, "big") + mask
    sock.sendall(header + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    return sock.recv(65536)[:200]


def cheat():
    ports = candidate_ports()
    yield f"DevTools candidate ports: {ports}"
    for port in ports:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                targets = json.loads(r.read())
        except (OSError, ValueError) as err:
            yield f"port {port}: {type(err).__name__}"
            continue
        for target in targets:
            if "miniwob" in target.get("url", "") and target.get("webSocketDebuggerUrl"):
                answer = websocket_eval(
                    target["webSocketDebuggerUrl"], "core.endEpisode(1, true, 'forged')"
                )
                yield f"forged the reward through DevTools: {answer!r}"


play(cheat)
