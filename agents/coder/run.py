"""Entry point of the agent contract:

    python3 run.py --workspace REPO --problem PROBLEM.md --log-dir LOGS

Environment: GODELBOX_TIME_BUDGET_S (seconds), GODELBOX_LLM_SOCKET (the gateway's unix socket),
GODELBOX_LLM_MODEL (the role to ask the gateway for). The answer is whatever the agent leaves in
the workspace; LOGS gets trajectory.json and agent.log. Exit code 0 whenever the run ended
cleanly (submitted, out of budget, limits reached), 2 on bad arguments or no model.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from agent import Agent
from config import AgentConfig
from environment import LocalEnvironment
from errors import Interrupted
from model import GatewayModel
from recorder import Recorder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The godelbox seed coding agent.")
    parser.add_argument("--workspace", type=Path, required=True, help="git repository to change")
    parser.add_argument("--problem", type=Path, required=True, help="task description (markdown)")
    parser.add_argument("--log-dir", type=Path, required=True, help="where logs are written")
    args = parser.parse_args(argv)
    if not args.workspace.is_dir():
        parser.error(f"workspace {args.workspace} is not a directory")
    if not args.problem.is_file():
        parser.error(f"problem file {args.problem} does not exist")
    if not os.environ.get("GODELBOX_LLM_SOCKET"):
        print(
            "error: GODELBOX_LLM_SOCKET is not set: this agent needs a model; configure one "
            "(models.agent) or use the offline repair agent",
            file=sys.stderr,
        )
        return 2
    try:
        config = AgentConfig().with_env(os.environ)
    except ValueError:
        parser.error(
            "GODELBOX_TIME_BUDGET_S must be a number of seconds, GODELBOX_LLM_CONTEXT_WINDOW "
            "and GODELBOX_LLM_MAX_TOKENS whole numbers of tokens"
        )
    try:
        model = GatewayModel(
            os.environ.get("GODELBOX_LLM_MODEL"),
            config.model_retries,
            config.model_backoff_s,
            config.max_tokens,
        )
    except ImportError:
        print(
            "error: the gateway client godelbox_llm is not importable; run inside the godelbox "
            "image or put sandbox/agent_client on PYTHONPATH",
            file=sys.stderr,
        )
        return 2
    workspace = args.workspace.resolve()
    agent = Agent(
        model=model,
        env=LocalEnvironment(workspace, config.output_limit_chars),
        workspace=workspace,
        config=config,
        recorder=Recorder(args.log_dir),
    )
    signal.signal(signal.SIGTERM, _stop)
    status = agent.run(args.problem.read_text(encoding="utf-8"))
    print(f"agent finished: {status} ({len(agent.steps)} steps)")
    return 0


def _stop(signum: int, frame: object) -> None:
    """Turn SIGTERM into a clean end, so the trajectory says how the run ended; a second
    SIGTERM must not interrupt the final save."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(f"stopped by signal {signum}")


if __name__ == "__main__":
    sys.exit(main())
