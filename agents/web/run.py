"""Entry point of the web agent contract (godelbox.evaluator.web.contract):

    python3 run.py --web --log-dir LOGS

Reads observations as JSON lines on stdin and answers each with one action as a JSON line on
stdout, until the driver sends {"type": "end"} or closes stdin. Logs go to stderr and to LOGS
(trajectory.json, agent.log). Environment: GODELBOX_LLM_SOCKET (the gateway's unix socket) and
GODELBOX_LLM_MODEL (the role to ask for). Exit 0 when the episode ended cleanly, 2 on bad
arguments or no model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import IO

from agent import WebAgent
from config import AgentConfig
from recorder import Recorder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The godelbox seed web agent.")
    parser.add_argument("--web", action="store_true", help="play a web episode (the default)")
    parser.add_argument("--log-dir", type=Path, required=True, help="where logs are written")
    args = parser.parse_args(argv)
    if not os.environ.get("GODELBOX_LLM_SOCKET"):
        print("error: GODELBOX_LLM_SOCKET is not set: this agent needs a model", file=sys.stderr)
        return 2
    config = AgentConfig()
    try:
        from model import GatewayModel

        model = GatewayModel(
            os.environ.get("GODELBOX_LLM_MODEL"),
            retries=config.model_retries,
            backoff_s=config.model_backoff_s,
            temperature=config.temperature,
            max_tokens=config.max_tokens,
        )
    except ImportError:
        print("error: the gateway client godelbox_llm is not importable", file=sys.stderr)
        return 2
    recorder = Recorder(args.log_dir)
    agent = WebAgent(model, config, recorder)
    ended = play(agent, sys.stdin, sys.stdout)
    recorder.save(agent.trajectory(ended))
    print(f"episode ended: {ended} after {len(agent.turns)} observations", file=sys.stderr)
    return 0


def play(agent: WebAgent, inbox: IO[str], outbox: IO[str]) -> str:
    """The protocol loop; returns how the episode ended (the driver's end reason, or eof)."""
    for line in inbox:
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if message.get("type") == "end":
            return str(message.get("reason", "end"))
        if message.get("type") != "observation":
            continue
        outbox.write(json.dumps(agent.act(message)) + "\n")
        outbox.flush()
        agent.recorder.save(agent.trajectory("running"))
    return "eof"


if __name__ == "__main__":
    sys.exit(main())
