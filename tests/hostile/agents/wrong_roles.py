"""Asks for every role and model it was not given (judge, diagnoser, ...), then for its own."""

import argparse
import json
from pathlib import Path

import godelbox_llm

parser = argparse.ArgumentParser()
parser.add_argument("--workspace")
parser.add_argument("--problem")
parser.add_argument("--log-dir")
args = parser.parse_args()
report = {}
for role in ("judge", "diagnose", "implement", "task_proposer", "openai/fake-judge", "agent"):
    try:
        godelbox_llm.chat([{"role": "user", "content": "grade me"}], role=role, max_tokens=5)
        report[role] = 200
    except godelbox_llm.GatewayError as err:
        report[role] = err.status
Path(args.log_dir, "report.json").write_text(json.dumps(report))
