"""Sends a 1 MB tools list with a one-line prompt (the budget check used to count only the
messages), then a plain call."""

import argparse
import json
from pathlib import Path

import godelbox_llm

parser = argparse.ArgumentParser()
parser.add_argument("--workspace")
parser.add_argument("--problem")
parser.add_argument("--log-dir")
args = parser.parse_args()
tools = [
    {
        "type": "function",
        "function": {"name": f"tool_{i}", "description": " ".join(f"w{j}" for j in range(900))},
    }
    for i in range(230)
]
report = {"tools_bytes": len(json.dumps(tools))}
try:
    godelbox_llm.chat([{"role": "user", "content": "hi"}], tools=tools, max_tokens=5)
    report["big"] = 200
except godelbox_llm.GatewayError as err:
    report["big"] = err.status
    report["big_message"] = err.message
reply = godelbox_llm.chat([{"role": "user", "content": "hi"}], max_tokens=5)
report["small"] = reply["choices"][0]["message"]["content"]
Path(args.log_dir, "report.json").write_text(json.dumps(report))
