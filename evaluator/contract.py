"""The agent contract: how any agent directory is run on a coding task inside a sandbox.

Every seed agent and every benchmark adapter follows it; docs/agents.md repeats it for users.

Inside the sandbox (paths are under `godelbox.sandbox.base.WORK_DIR`):
- the agent's own directory (a checkout of its git commit) is at `AGENT_DIR`;
- the task's workspace, a git repository at the task's base commit with a clean tree, is at
  `WORKSPACE_DIR`; hidden tests are *not* in it;
- the problem statement (markdown, issue-style) is at `PROBLEM_FILE`;
- the agent writes its human-readable log and any trajectory files under `LOG_DIR`.

The evaluator runs `ENTRYPOINT` (argv) with the environment below, then, once the agent has
exited or been killed, takes the diff of the workspace against the base commit as the agent's
answer. Grading happens afterwards in a *fresh* sandbox built from the original snapshot, so
nothing the agent wrote except its diff reaches the grader.

Environment given to the agent:
- `GODELBOX_TIME_BUDGET_S`: seconds the agent has (it is killed at this limit anyway);
- `GODELBOX_LLM_SOCKET`: path of the gateway's unix socket when a model is configured, else unset;
- `GODELBOX_LLM_MODEL`: the role name to ask the gateway for (the gateway maps it to a model);
- `GODELBOX_LLM_CONTEXT_WINDOW`: tokens the model takes (prompt + answer), when known, so the
  agent can keep its conversation within it;
- `GODELBOX_LLM_MAX_TOKENS`: the answer cap (max_tokens) the agent should ask for;
- `GODELBOX_LLM_TOKEN`: the gateway's per-sandbox secret, sent with every request.
- `GODELBOX_ATTEMPT_SEED`: an integer (`evaluation.attempt_seed`) an agent that draws random
  numbers seeds them with, so the same seed means the same behaviour.
No API key is ever in the environment or in any file of the sandbox.
"""

from __future__ import annotations

from godelbox.sandbox.base import WORK_DIR

AGENT_DIR = f"{WORK_DIR}/agent"
WORKSPACE_DIR = f"{WORK_DIR}/repo"
TASK_DIR = f"{WORK_DIR}/task"
PROBLEM_FILE = f"{TASK_DIR}/problem.md"
LOG_DIR = f"{WORK_DIR}/logs"

ENTRYPOINT = (
    "python3",
    f"{AGENT_DIR}/run.py",
    "--workspace",
    WORKSPACE_DIR,
    "--problem",
    PROBLEM_FILE,
    "--log-dir",
    LOG_DIR,
)

ENV_TIME_BUDGET = "GODELBOX_TIME_BUDGET_S"
ENV_LLM_SOCKET = "GODELBOX_LLM_SOCKET"
ENV_LLM_MODEL = "GODELBOX_LLM_MODEL"
ENV_LLM_TOKEN = "GODELBOX_LLM_TOKEN"
ENV_LLM_CONTEXT_WINDOW = "GODELBOX_LLM_CONTEXT_WINDOW"
ENV_LLM_MAX_TOKENS = "GODELBOX_LLM_MAX_TOKENS"
ENV_ATTEMPT_SEED = "GODELBOX_ATTEMPT_SEED"

AGENT_SELF_TEST = ("python3", "-m", "pytest", "-q", "-x", "tests")
"""How an agent's own test suite is run (from `AGENT_DIR`) when a descendant is validated."""
