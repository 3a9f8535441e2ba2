"""The web agent contract: how an agent directory plays MiniWoB++ episodes.

Two sandboxes per agent, kept for a batch of episodes (`godelbox.evaluator.web.session`): the
browser sandbox (the web image: Chromium, chromedriver, MiniWoB++ and the driver) and the agent
sandbox (the agent image: the agent and its launcher). They share no user namespace, loopback,
/proc or file; the host relays between them and reads the reward from the driver alone. For
each episode the launcher starts the agent as

    python3 /work/agent/run.py --web --log-dir /work/logs/<episode id>

in /work/agent and speaks a JSONL protocol with it over the agent's stdin/stdout:

driver -> agent, one JSON object per line:
    {"type": "observation", "task": "click-button", "step": 0, "steps_left": 10,
     "utterance": "Click on the \\"ok\\" button.", "fields": [["target", "ok"]],
     "elements": [{"ref": 4, "parent": 2, "tag": "button", "text": "ok", "value": "",
                   "id": "", "classes": "", "left": 12.0, "top": 60.0, "width": 40.0,
                   "height": 22.0, "focused": false}, ...],
     "screenshot": "/work/episodes/<id>/step-0.png" | null,
     "error": null | "why the previous action failed"}
    {"type": "end", "reason": "terminated" | "done" | "step_limit" | ...}   (then stdin closes)

agent -> driver, one JSON object per line (other lines are ignored, so print logs to stderr):
    {"action": "click", "ref": 4}
    {"action": "type", "ref": 7, "text": "hello"}     ("ref" optional: type into the focus)
    {"action": "press", "key": "Enter"}               (a key of `KEYS`; "<Enter>" also works)
    {"action": "scroll", "dx": 0, "dy": 100}          (positive dy scrolls down)
    {"action": "done"}                                (give up / finished without a reward)

An episode ends when MiniWoB reports the task done (the agent submitted something), the agent
says "done", exits, runs out of `step_limit` actions, or passes the episode time limit (the
launcher kills its process group). The agent never sees the reward. `GODELBOX_LLM_SOCKET` /
`GODELBOX_LLM_MODEL` are set as for coding agents when a model is configured (the gateway is
mounted into the agent sandbox only); `GODELBOX_TIME_BUDGET_S` is the episode time limit.

Result per episode (`godelbox.evaluator.web.episodes.EpisodeResult`): `reward` (MiniWoB's
time-decayed reward, clipped to [0, 1]), `raw_reward` (the same without the time decay),
`success` (raw_reward > 0: MiniWoB's binary reward), steps, how it ended, the trajectory
(observations + actions, capped) and the final observation, so a judge can be audited against
the ground-truth reward.

Goal override (PAE practice goals): an `Episode` with `goal_override` plays the same seeded page
but every observation's "utterance" is the override and "fields" is empty (MiniWoB's fields
describe its own goal; MiniWoB already keeps the goal text out of "elements"). MiniWoB still
rewards its own goal (`env_goal` in the result), so `raw_reward` is recorded but is NOT ground
truth for the override: `EpisodeResult.ground_truth` is None and `outcome` never `resolved`.

Integrity: the agent cannot reach the browser's automation channel. chromedriver's port and
Chromium's DevTools listen on the browser sandbox's own loopback, their /proc entries are in
its own pid namespace, and the reward is read by the host from the driver's replies
(tests/integrity/test_web_cheats.py: both cheats forge a reward next to the browser, and are
not rewarded by the harness).
"""

from __future__ import annotations

from godelbox.evaluator.contract import (
    AGENT_DIR,
    ENV_LLM_MODEL,
    ENV_LLM_SOCKET,
    ENV_LLM_TOKEN,
    ENV_TIME_BUDGET,
)
from godelbox.sandbox.base import WORK_DIR

__all__ = [
    "ACTIONS",
    "AGENT_DIR",
    "DRIVER_DIR",
    "ENV_LLM_MODEL",
    "ENV_LLM_SOCKET",
    "ENV_LLM_TOKEN",
    "ENV_TIME_BUDGET",
    "EPISODES_DIR",
    "KEYS",
    "LAUNCHER_DIR",
    "LOG_DIR",
    "web_entrypoint",
]

DRIVER_DIR = f"{WORK_DIR}/driver"
"""Where the evaluator copies the driver (`evaluator/web/driver/`) in the browser sandbox."""
LAUNCHER_DIR = f"{WORK_DIR}/launcher"
"""Where the evaluator copies the launcher (`evaluator/web/launcher/`) in the agent sandbox."""
LOG_DIR = f"{WORK_DIR}/logs"
"""Per-episode log dirs `LOG_DIR/<episode id>/` the agent may write its trajectory into."""
EPISODES_DIR = f"{WORK_DIR}/episodes"
"""Per-episode screenshots (when enabled) `EPISODES_DIR/<episode id>/step-<n>.png`."""

ACTIONS = ("click", "type", "press", "scroll", "done")

KEYS = (
    "Enter",
    "Tab",
    "Backspace",
    "Delete",
    "Space",
    "ArrowUp",
    "ArrowDown",
    "ArrowLeft",
    "ArrowRight",
    "PageUp",
    "PageDown",
    "C-a",
    "C-c",
    "C-v",
    "C-x",
)
"""Keys `press` accepts (MiniWoB's allowed keys; `C-` is Control)."""


def web_entrypoint(episode_id: str) -> tuple[str, ...]:
    return ("python3", f"{AGENT_DIR}/run.py", "--web", "--log-dir", f"{LOG_DIR}/{episode_id}")
