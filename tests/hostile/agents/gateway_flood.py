"""Opens hundreds of connections to the gateway and holds them, then makes one real call (it
retries while its own flood keeps the gateway busy). Reports what it saw in report.json."""

import argparse
import json
import os
import socket
import time
from pathlib import Path

import godelbox_llm

parser = argparse.ArgumentParser()
parser.add_argument("--workspace")
parser.add_argument("--problem")
parser.add_argument("--log-dir")
args = parser.parse_args()
path = os.environ["GODELBOX_LLM_SOCKET"]
held, refused, failed = [], 0, 0
for _ in range(400):
    conn = socket.socket(socket.AF_UNIX)
    try:
        conn.connect(path)
    except OSError:
        failed += 1
        conn.close()
        continue
    held.append(conn)
time.sleep(0.5)
for conn in held:
    conn.settimeout(0.05)
    try:
        if b" 503 " in conn.recv(200):
            refused += 1
    except OSError:
        pass
for conn in held:
    conn.close()
answer = None
deadline = time.monotonic() + 60
while answer is None and time.monotonic() < deadline:
    try:
        reply = godelbox_llm.chat([{"role": "user", "content": "still there?"}], max_tokens=5)
        answer = reply["choices"][0]["message"]["content"]
    except godelbox_llm.GatewayError as err:
        if err.status not in (0, 503):
            answer = f"error {err.status}"
        time.sleep(0.2)
report = {"held": len(held), "refused": refused, "connect_failed": failed, "answer": answer}
Path(args.log_dir, "report.json").write_text(json.dumps(report))
