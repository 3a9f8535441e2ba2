"""The MiniWoB++ episode driver. Runs INSIDE the web sandbox (stdlib + miniwob only).

Reads its configuration (JSON) from stdin, runs each episode by starting the agent as a child
process and speaking the JSONL protocol of `godelbox.evaluator.web.contract` with it, and prints
one result line per episode, `<nonce> <json>`, on stdout. It owns the browser and the reward;
the agent only ever sees observations. An episode's optional `goal_override` replaces the
environment's goal in every observation the agent gets (its `fields` are withheld: they describe
the environment's own goal); the reward stays MiniWoB's, for its own goal, reported with
`env_goal` so the host can tell the two apart.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import selectors
import signal
import subprocess
import sys
import time
import traceback
from typing import Any

ELEMENT_CAP = 200
"""Elements per observation sent to the agent (MiniWoB pages are small; this bounds abuse)."""
TEXT_CAP = 200
EXIT_GRACE_S = 2.0
"""How long an agent gets to exit by itself after the end message before it is killed."""
PR_SET_DUMPABLE = 4


def main() -> int:
    config = json.loads(sys.stdin.read())
    sys.stdin.close()
    _make_undumpable()
    import gymnasium
    import miniwob
    from miniwob.action import ActionSpaceConfig, ActionTypes

    gymnasium.register_envs(miniwob)
    _lift_page_timer(float(config["episode_timeout_s"]))
    action_config = ActionSpaceConfig(
        action_types=[
            ActionTypes.CLICK_ELEMENT,
            ActionTypes.FOCUS_ELEMENT_AND_TYPE_TEXT,
            ActionTypes.TYPE_TEXT,
            ActionTypes.PRESS_KEY,
            ActionTypes.SCROLL_UP_COORDS,
            ActionTypes.SCROLL_DOWN_COORDS,
        ]
    )
    envs: dict[str, Any] = {}
    try:
        for episode in config["episodes"]:
            task = episode["task"]
            if task not in envs:
                # One browser at a time: close the previous task's before starting another.
                for env in envs.values():
                    env.close()
                envs = {
                    task: gymnasium.make(f"miniwob/{task}-v1", action_space_config=action_config)
                }
            try:
                result = run_episode(envs[task], episode, config)
            except Exception as err:  # one broken episode (browser crash) must not end the batch
                result = failed(episode, err)
                with contextlib.suppress(Exception):
                    envs.pop(task).close()
            print(config["nonce"], json.dumps(result), flush=True)
    finally:
        for env in envs.values():
            env.close()
    return 0


def failed(episode: dict[str, Any], err: Exception) -> dict[str, Any]:
    tb = traceback.format_exc()[-3000:]
    return {
        "id": episode["id"],
        "task": episode["task"],
        "seed": int(episode["seed"]),
        "reward": 0.0,
        "raw_reward": 0.0,
        "reason": f"driver error: {type(err).__name__}: {err}"[:500],
        "ended": "error",
        "steps": 0,
        "agent_stderr": tb,
    }


def _lift_page_timer(timeout_s: float) -> None:
    """MiniWoB pages end an episode with reward -1 after 10 s; an LLM agent needs longer, so
    the page timer is raised to the episode time limit (the driver enforces that limit). The
    time decay of `reward` is then relative to that limit; `raw_reward` has none."""
    from miniwob.selenium_instance import SeleniumInstance

    set_mode = SeleniumInstance.set_mode
    ms = int(timeout_s * 1000)

    def set_mode_and_timer(self: Any, mode: str) -> None:
        set_mode(self, mode)
        self.driver.execute_script(
            f"core.EPISODE_MAX_TIME = Math.max(core.EPISODE_MAX_TIME, {ms});"
        )

    SeleniumInstance.set_mode = set_mode_and_timer  # type: ignore[method-assign]


def _make_undumpable() -> None:
    """Same-uid processes (the agent) can then not read our memory, environ or fds."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def run_episode(env: Any, episode: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    deadline = started + float(config["episode_timeout_s"])
    step_limit = int(config["step_limit"])
    shots = _screenshot_dir(episode, config)
    obs, _info = env.reset(seed=int(episode["seed"]), options={"record_screenshots": bool(shots)})
    env_goal = str(obs["utterance"])
    goal = episode.get("goal_override")
    meta = {"env_reward": 0.0, "raw_reward": 0.0, "reason": None}
    trajectory: list[dict[str, Any]] = []
    current = observation(env, obs, episode["task"], 0, step_limit, goal, shots)
    ended = "step_limit"
    log_dir = os.path.join(config["log_dir"], episode["id"])
    agent = start_agent(log_dir, config)
    reader = LineReader(agent.stdout)
    try:
        for step in range(step_limit):
            if not send(agent, current):
                ended = "agent_exit"
                break
            line = reader.next_action(deadline)
            if line is None:
                ended = "timeout" if time.monotonic() >= deadline else "agent_exit"
                break
            action, error = parse_action(line)
            record(trajectory, current, action, config)
            if action is not None and action.get("action") == "done":
                ended = "done"
                break
            refs = {e["ref"] for e in current["elements"]}
            error = error or _step_error(env, action, refs)
            if error is None:
                obs, _r, terminated, _t, info = env.step(to_miniwob(env, action))
                if terminated:
                    meta = info
                    ended = "terminated"
                    break
                current = observation(env, obs, episode["task"], step + 1, step_limit, goal, shots)
            else:
                current = {
                    **current,
                    "step": step + 1,
                    "steps_left": step_limit - step - 1,
                    "error": error,
                }
        if ended in ("terminated", "done", "step_limit"):
            send(agent, {"type": "end", "reason": ended})
    finally:
        stderr = stop_agent(agent, log_dir)
    return {
        "id": episode["id"],
        "task": episode["task"],
        "seed": int(episode["seed"]),
        "reward": max(0.0, float(meta.get("env_reward") or 0.0)),
        "raw_reward": max(0.0, float(meta.get("raw_reward") or 0.0)),
        "reason": str(meta.get("reason") or ""),
        "ended": ended,
        "steps": len(trajectory),
        "duration_s": round(time.monotonic() - started, 3),
        "trajectory": trajectory[-int(config["trajectory_cap"]) :],
        "final_observation": current,
        "agent_stderr": stderr,
        "env_goal": env_goal,
    }


def _screenshot_dir(episode: dict[str, Any], config: dict[str, Any]) -> str | None:
    if not config.get("screenshots"):
        return None
    path = os.path.join(config["episodes_dir"], episode["id"])
    os.makedirs(path, exist_ok=True)
    return path


def observation(
    env: Any,
    obs: dict[str, Any],
    task: str,
    step: int,
    step_limit: int,
    goal: str | None,
    shots: str | None,
) -> dict[str, Any]:
    """What the agent is sent; `goal` (a goal override) replaces MiniWoB's utterance and drops
    its fields. MiniWoB keeps the goal out of `dom_elements` (it skips `#query`), so the page
    part never leaks the environment's goal; a screenshot does show it (known limit)."""
    screenshot = None
    if shots is not None and obs.get("screenshot") is not None:
        from PIL import Image

        screenshot = os.path.join(shots, f"step-{step}.png")
        Image.fromarray(obs["screenshot"]).save(screenshot)
    return {
        "type": "observation",
        "task": task,
        "step": step,
        "steps_left": step_limit - step,
        "utterance": str(obs["utterance"]) if goal is None else goal,
        "fields": [] if goal is not None else [[str(k), str(v)] for k, v in obs.get("fields", ())],
        "elements": [element(e) for e in obs["dom_elements"][:ELEMENT_CAP]],
        "screenshot": screenshot,
        "error": None,
    }


def element(e: dict[str, Any]) -> dict[str, Any]:
    tag = str(e["tag"])
    return {
        "ref": int(e["ref"]),
        "parent": int(e["parent"]),
        "tag": tag.lower() if tag != "t" else "text",
        "text": str(e["text"])[:TEXT_CAP],
        "value": str(e["value"])[:TEXT_CAP],
        "id": str(e["id"]),
        "classes": str(e["classes"]),
        "left": round(float(e["left"][0]), 1),
        "top": round(float(e["top"][0]), 1),
        "width": round(float(e["width"][0]), 1),
        "height": round(float(e["height"][0]), 1),
        "focused": bool(e["flags"][0]),
    }


def start_agent(log_dir: str, config: dict[str, Any]) -> subprocess.Popen[bytes]:
    os.makedirs(log_dir, exist_ok=True)
    argv = [*config["agent_argv"], "--log-dir", log_dir]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", **config["agent_env"]}
    stderr = open(os.path.join(log_dir, "stderr.txt"), "wb")  # noqa: SIM115 - child owns it
    try:
        return subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=config["agent_dir"],
            env=env,
            start_new_session=True,
        )
    finally:
        stderr.close()


def send(agent: subprocess.Popen[bytes], message: dict[str, Any]) -> bool:
    assert agent.stdin is not None
    try:
        agent.stdin.write(json.dumps(message).encode() + b"\n")
        agent.stdin.flush()
    except (BrokenPipeError, OSError):
        return False
    return True


def stop_agent(agent: subprocess.Popen[bytes], log_dir: str) -> str:
    """Close the agent's stdin, give it a moment, then kill its whole process group."""
    assert agent.stdin is not None
    with contextlib.suppress(OSError):
        agent.stdin.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        agent.wait(timeout=EXIT_GRACE_S)
    with contextlib.suppress(OSError):
        os.killpg(agent.pid, signal.SIGKILL)
    agent.wait()
    try:
        with open(os.path.join(log_dir, "stderr.txt"), "rb") as fh:
            return fh.read()[-4000:].decode("utf-8", errors="replace")
    except OSError:
        return ""


class LineReader:
    """Reads the agent's stdout line by line with a deadline; non-JSON lines are skipped."""

    def __init__(self, stream: Any) -> None:
        self._fd = stream.fileno()
        self._buf = b""
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._fd, selectors.EVENT_READ)

    def next_action(self, deadline: float) -> str | None:
        while True:
            while b"\n" in self._buf:
                line, self._buf = self._buf.split(b"\n", 1)
                text = line.decode("utf-8", errors="replace").strip()
                if text.startswith("{"):
                    return text
            left = deadline - time.monotonic()
            if left <= 0 or not self._sel.select(left):
                return None
            chunk = os.read(self._fd, 65536)
            if not chunk:
                return None
            self._buf += chunk
            if len(self._buf) > 1_000_000:
                self._buf = self._buf[-1_000_000:]


def parse_action(line: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        action = json.loads(line)
    except json.JSONDecodeError as err:
        return None, f"not valid JSON: {err}"
    if not isinstance(action, dict) or action.get("action") not in (
        "click",
        "type",
        "press",
        "scroll",
        "done",
    ):
        return None, 'an action needs "action": one of click, type, press, scroll, done'
    return action, None


def record(
    trajectory: list[dict[str, Any]],
    obs: dict[str, Any] | None,
    action: dict[str, Any] | None,
    config: dict[str, Any],
) -> None:
    cap = int(config["trajectory_cap"])
    trajectory.append({"observation": obs, "action": action})
    if len(trajectory) > 2 * cap:
        del trajectory[:cap]


def _step_error(env: Any, action: dict[str, Any] | None, refs: set[int]) -> str | None:
    """Why `action` cannot be executed (checked before MiniWoB sees it), else None."""
    if action is None:
        return "no action"
    kind = action["action"]
    if kind in ("click", "type") and "ref" in action and not isinstance(action["ref"], int):
        return "ref must be an integer from the observation's elements"
    if kind in ("click", "type") and "ref" in action and action["ref"] not in refs:
        return f"no element with ref {action['ref']} on the page"
    if kind == "click" and "ref" not in action:
        return "click needs a ref"
    if kind == "type" and not isinstance(action.get("text"), str):
        return "type needs a text"
    if kind == "press" and _key(env, action.get("key")) is None:
        return f"unknown key {action.get('key')!r}; use e.g. Enter, Tab, Backspace, ArrowDown"
    if kind == "scroll" and not isinstance(action.get("dy", 0), (int, float)):
        return "scroll needs a numeric dy"
    return None


def _key(env: Any, key: Any) -> int | None:
    allowed = list(env.unwrapped.action_space_config.allowed_keys)
    if not isinstance(key, str):
        return None
    for name in (key, f"<{key}>", f"<{key.strip('<>')}>"):
        if name in allowed:
            return allowed.index(name)
    return None


def to_miniwob(env: Any, action: dict[str, Any]) -> dict[str, Any]:
    from miniwob.action import ActionTypes

    base = env.unwrapped
    kind = action["action"]
    if kind == "click":
        return base.create_action(ActionTypes.CLICK_ELEMENT, ref=action["ref"])
    if kind == "type" and "ref" in action:
        return base.create_action(
            ActionTypes.FOCUS_ELEMENT_AND_TYPE_TEXT, ref=action["ref"], text=action["text"]
        )
    if kind == "type":
        return base.create_action(ActionTypes.TYPE_TEXT, text=action["text"])
    if kind == "press":
        return base.create_action(ActionTypes.PRESS_KEY, key=_key(env, action["key"]))
    dy = float(action.get("dy", 0))
    kind_type = ActionTypes.SCROLL_DOWN_COORDS if dy >= 0 else ActionTypes.SCROLL_UP_COORDS
    import numpy as np

    centre = np.array([80.0, 105.0], dtype=np.float32)
    return base.create_action(kind_type, coords=centre)


if __name__ == "__main__":
    sys.exit(main())
