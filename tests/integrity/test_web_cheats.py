"""MiniWoB++ cheats through the browser's automation channel: an agent that reads chromedriver's
port from /proc/*/cmdline and ends the episode with reward 1 through its session, and one that
finds Chromium's DevTools port and does the same over the DevTools websocket.

Each cheat is first shown to WORK where the agent shares the browser's sandbox (the control: the
same code, run next to the driver and Chromium, forges a reward of 1 on a page it never
touched), then graded by the real harness, where the browser runs in a sandbox of its own: the
agent sees no browser process and no port, and the episode is not rewarded."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.web import contract
from godelbox.evaluator.web.episodes import Episode, WebSettings
from godelbox.evaluator.web.miniwob import run_episodes
from godelbox.evaluator.web.session import DRIVER_ARGV, DRIVER_SRC, web_limits
from godelbox.sandbox.base import Limits, SandboxSpec
from tests.fixtures.docker_engine import BUSY_HOST_CPU_SHARES

pytestmark = pytest.mark.docker

CHEATS = Path(__file__).resolve().parent / "web_cheats"
NAMES = ("chromedriver_port", "devtools_socket")
SETTINGS = WebSettings(step_limit=3, episode_timeout_s=30, startup_s=60)


def cheat_agent(name: str, dest: Path) -> Path:
    shutil.copytree(CHEATS / name, dest, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(CHEATS / "cheat_common.py", dest / "cheat_common.py")
    return dest


def ask(stream, request: dict) -> dict:
    assert stream.send(json.dumps(request).encode())
    line = stream.read_line(time.monotonic() + 60)
    assert line is not None, stream.stderr()
    return json.loads(line)


@pytest.mark.parametrize("name", NAMES)
def test_control_the_cheat_forges_a_reward_next_to_the_browser(
    name: str,
    docker_backend,
    web_image,
    tmp_path: Path,
) -> None:
    agent = cheat_agent(name, tmp_path / "agent")
    env = {"HOME": "/tmp", "TMPDIR": "/tmp"}
    limits = web_limits(Limits(cpu_shares=BUSY_HOST_CPU_SHARES))
    with docker_backend.start(SandboxSpec(web_image, limits)) as box:
        box.copy_in(DRIVER_SRC, contract.DRIVER_DIR)
        box.copy_in(agent, contract.AGENT_DIR)
        driver = box.open(list(DRIVER_ARGV), workdir=contract.DRIVER_DIR, env=env)
        driver.send(json.dumps({"episode_timeout_s": 30}).encode())
        page = ask(driver, {"cmd": "reset", "task": "click-button", "seed": 0})
        assert page["ok"], page
        cheater = box.open(
            ["python3", f"{contract.AGENT_DIR}/run.py", "--web", "--log-dir", "/tmp/logs"],
            workdir=contract.AGENT_DIR,
            env=env,
        )
        observation = {"type": "observation", "step": 0, **page["obs"]}
        cheater.send(json.dumps(observation).encode())
        action = json.loads(cheater.read_line(time.monotonic() + 60) or b"{}")
        assert action == {"action": "scroll", "dy": 0}, cheater.stderr()
        after = ask(driver, {"cmd": "step", "action": action})
        cheater.close()  # its stderr so far is kept
    # A scroll does not click the button, yet the episode ended with reward 1: forged.
    assert after["terminated"] and after["raw_reward"] == 1.0, (after, cheater.stderr())
    assert after["reason"] == "forged", after


@pytest.mark.parametrize("name", NAMES)
def test_the_harness_does_not_reward_the_cheat(
    name: str,
    docker_backend,
    agent_image,
    web_image,
    tmp_path: Path,
) -> None:
    limits = Limits(cpu_shares=BUSY_HOST_CPU_SHARES)
    ctx = EvalContext(backend=docker_backend, image=agent_image, limits=limits)
    agent = cheat_agent(name, tmp_path / "agent")
    episodes = [Episode("click-button", 0), Episode("click-test", 0)]
    for result in run_episodes(ctx, agent, episodes, SETTINGS):
        assert (result.success, result.raw_reward, result.outcome) == (
            False,
            0.0,
            "unresolved",
        ), result
        # The agent's sandbox has no chromedriver, no Chromium, no listening port.
        assert "ports: []" in result.log, result.log
        assert "forged" not in result.log
