"""The rule-based web agent: no model, rules that map the task and the page to actions.

Usage (the web agent contract, godelbox.evaluator.web.contract):
    python3 run.py --web --log-dir LOGS
Reads observations as JSON lines on stdin, answers each with one action as a JSON line on
stdout until the driver sends {"type": "end"} or closes stdin. Each step is logged (the rule
that acted, or "no rule applies") to stderr and LOGS/agent.log. Stdlib only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent))

import agent
import config


def play(inbox: IO[str], outbox: IO[str], log: IO[str]) -> str:
    """The protocol loop; returns how the episode ended (the driver's end reason, or eof)."""
    memory: dict = {}
    for line in inbox:
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(message, dict):
            continue
        if message.get("type") == "end":
            return str(message.get("reason", "end"))
        if message.get("type") != "observation":
            continue
        rule, action = agent.decide(message, memory)
        note = f"rule {rule}: {json.dumps(action)}" if rule else "no rule applies: done"
        log.write(f"step {message.get('step')}: {note}\n")
        log.flush()
        outbox.write(json.dumps(action) + "\n")
        outbox.flush()
    return "eof"


class Tee:
    """Writes to stderr and the log file alike."""

    def __init__(self, *streams: IO[str]) -> None:
        self.streams = streams

    def write(self, text: str) -> None:
        for stream in self.streams:
            stream.write(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The godelbox rule-based web agent.")
    parser.add_argument("--web", action="store_true", help="play a web episode (the default)")
    parser.add_argument("--log-dir", type=Path, required=True, help="where logs are written")
    parser.add_argument("--workspace", help=argparse.SUPPRESS)
    parser.add_argument("--problem", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.workspace:
        print("error: this agent plays web tasks only (the web agent contract)", file=sys.stderr)
        return 2
    args.log_dir.mkdir(parents=True, exist_ok=True)
    with (args.log_dir / "agent.log").open("a", encoding="utf-8") as fh:
        log = Tee(sys.stderr, fh)
        log.write(f"config: rules={config.RULES} guards={config.GUARDS}\n")
        log.write(f"config: match={config.MATCH} submit={config.SUBMIT_WORDS}\n")
        ended = play(sys.stdin, sys.stdout, log)
        log.write(f"episode ended: {ended}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
