"""Sends a request one byte at a time, a byte every half second, while making one honest call
on another connection. Reports both outcomes in report.json."""

import argparse
import json
import os
import socket
import threading
import time
from pathlib import Path

import godelbox_llm

parser = argparse.ArgumentParser()
parser.add_argument("--workspace")
parser.add_argument("--problem")
parser.add_argument("--log-dir")
args = parser.parse_args()
path = os.environ["GODELBOX_LLM_SOCKET"]
report = {}


def drip() -> None:
    conn = socket.socket(socket.AF_UNIX)
    conn.connect(path)
    started = time.monotonic()
    request = b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 10\r\n" + b"X" * 500
    try:
        for byte in request:
            conn.send(bytes([byte]))
            time.sleep(0.5)
    except OSError:
        pass
    conn.settimeout(5)
    try:
        answer = conn.recv(200)
        report["drip_status"] = int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0
    except OSError:
        report["drip_status"] = 0
    report["drip_cut_after_s"] = round(time.monotonic() - started, 1)


dripper = threading.Thread(target=drip)
dripper.start()
time.sleep(1)
reply = godelbox_llm.chat([{"role": "user", "content": "hello"}], max_tokens=5)
report["honest"] = reply["choices"][0]["message"]["content"]
dripper.join()
Path(args.log_dir, "report.json").write_text(json.dumps(report))
