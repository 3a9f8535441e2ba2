"""Raw requests with a Content-Length that is negative, huge, missing, not a number, or longer
than the body actually sent; and one with no token. Each sends its headers and part of a body,
then waits for an answer while keeping the connection open (a gateway that reads "until the
client closes" never answers). Reports each status in report.json (0: no answer in 10 s)."""

import argparse
import json
import os
import socket
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--workspace")
parser.add_argument("--problem")
parser.add_argument("--log-dir")
args = parser.parse_args()
path = os.environ["GODELBOX_LLM_SOCKET"]
token = os.environ["GODELBOX_LLM_TOKEN"]


def send(length_header: str, body: bytes, auth: bool = True) -> int:
    conn = socket.socket(socket.AF_UNIX)
    conn.connect(path)
    head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
    if auth:
        head += f"Authorization: Bearer {token}\r\n"
    head += length_header + "\r\n"
    conn.settimeout(10)
    try:
        conn.sendall(head.encode() + body)
        answer = conn.recv(200)
    except OSError:
        return 0
    finally:
        conn.close()
    return int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0


flood = b"x" * 65536
statuses = {
    "negative": send("Content-Length: -1\r\n", flood),
    "huge": send(f"Content-Length: {10**12}\r\n", flood),
    "missing": send("", flood),
    "not_a_number": send("Content-Length: 12abc\r\n", flood),
    "short_body": send("Content-Length: 1000\r\n", b"{}"),
    "no_token": send("Content-Length: 2\r\n", b"{}", auth=False),
}
Path(args.log_dir, "report.json").write_text(json.dumps(statuses))
