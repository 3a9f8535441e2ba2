"""MiniWoB++ episodes with the real Chromium in the real browser sandbox and the scripted test
policy in its own agent sandbox (both network none): rewards are MiniWoB's own, never computed
by us."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

import pytest

from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.web import session as web_session
from godelbox.evaluator.web.episodes import Episode, WebSettings
from godelbox.evaluator.web.miniwob import run_episodes
from godelbox.evaluator.web.tasks import MINIWOB_TASKS
from godelbox.sandbox.base import Limits, SandboxSpec
from tests.fixtures.docker_engine import BUSY_HOST_CPU_SHARES
from tests.web.conftest import make_scripted_agent

pytestmark = pytest.mark.docker

FAST = WebSettings(step_limit=5, episode_timeout_s=20, startup_s=60)


def test_scripted_policy_is_rewarded_on_basic_tasks(web_ctx, scripted_agent, tmp_path) -> None:
    episodes = [
        Episode("click-button", 0),
        Episode("click-button", 1),
        Episode("click-test", 0),
        Episode("enter-text", 0),
        Episode("enter-text", 3),
    ]
    settings = replace(FAST, screenshots=True)
    shots = tmp_path / "shots"
    results = run_episodes(
        web_ctx, scripted_agent(enter_text="bad-ref"), episodes, settings, artifacts=shots
    )

    assert [(r.task, r.seed) for r in results] == [(e.task, e.seed) for e in episodes]
    for r in results:
        assert r.ended == "terminated", (r.task, r.reason, r.log)
        assert r.success and r.raw_reward == 1.0 and 0 < r.reward <= 1.0, r
        assert r.outcome == "resolved" and r.to_task_result().resolved
    enter = results[3]
    # The bad ref was refused with a reason on the next observation; the page was untouched.
    assert [s["action"]["action"] for s in enter.trajectory] == ["click", "type", "click"]
    retry = enter.trajectory[1]["observation"]
    assert retry["error"] == "no element with ref 99999 on the page" and retry["step"] == 1
    target = dict(retry["fields"])["target"]
    assert enter.trajectory[1]["action"]["text"] == target
    assert enter.final_observation is not None
    assert enter.final_observation["utterance"] == enter.trajectory[-1]["observation"]["utterance"]
    # Each observation came with a real PNG the agent could open; copies came out for a judge.
    sizes = [int(n) for n in re.findall(r"screenshot \d: (\d+) bytes", enter.log)]
    assert len(sizes) == 3 and min(sizes) > 1000, enter.log
    shot = Path(enter.final_observation["screenshot"])
    assert shot == shots / "enter-text-0" / "step-2.png"
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size == sizes[-1]
    # Seeds matter: two click-button seeds ask for different things or lay out differently.
    first, second = (r.trajectory[0]["observation"] for r in results[:2])
    assert (first["utterance"], first["elements"]) != (second["utterance"], second["elements"])


def test_a_goal_override_replaces_the_goal_the_agent_is_told(web_ctx, scripted_agent) -> None:
    goal = "Press the only button on the page."
    own, practice = run_episodes(
        web_ctx,
        scripted_agent(),
        [Episode("click-test", 0), Episode("click-test", 0, goal_override=goal)],
        FAST,
    )
    assert own.trajectory[0]["observation"]["utterance"] == "Click the button."
    assert own.ground_truth is True and own.goal_override is None
    # Every observation the agent got carried the override and no fields; the agent itself
    # was told only the override (it logs what it was told).
    told = [s["observation"] for s in practice.trajectory] + [practice.final_observation]
    assert all(o["utterance"] == goal and o["fields"] == [] for o in told), told
    assert f"told 0: {goal!r} fields=[]" in practice.log and "Click the button." not in practice.log

    # Same seeded page (layout and texts; focus differs after the previous episode).
    def page(result):
        return [
            (e["tag"], e["text"], e["left"], e["top"])
            for e in result.trajectory[0]["observation"]["elements"]
        ]

    assert page(practice) == page(own)
    # MiniWoB still rewarded its own goal: recorded, but not ground truth for the override.
    assert (practice.ended, practice.raw_reward, practice.env_goal) == (
        "terminated",
        1.0,
        "Click the button.",
    )
    assert practice.ground_truth is None and practice.outcome == "unresolved"


HUNG_S = 4.0


@pytest.fixture(scope="module")
def misbehaving(docker_backend, web_image, tmp_path_factory) -> tuple[list, float]:
    """One session (one browser sandbox, one agent sandbox) of agents that misbehave, plus its
    wall time: a wrong click, a forger, an agent that hangs, and a good episode after it."""
    agent = make_scripted_agent(
        tmp_path_factory.mktemp("web") / "agent",
        click_button_0="wrong",
        click_test_0="forge",
        click_test_1="hang",
    )
    limits = Limits(cpu_shares=BUSY_HOST_CPU_SHARES)
    ctx = EvalContext(backend=docker_backend, image=web_image, limits=limits)
    settings = WebSettings(step_limit=5, episode_timeout_s=HUNG_S, startup_s=60)
    episodes = [Episode("click-button", 0), *(Episode("click-test", seed) for seed in range(3))]
    started = time.monotonic()
    results = run_episodes(ctx, agent, episodes, settings)
    return results, time.monotonic() - started


def test_a_wrong_click_gets_zero(misbehaving) -> None:
    wrong = misbehaving[0][0]
    assert wrong.ended == "terminated"  # MiniWoB itself ended the episode...
    assert (wrong.reward, wrong.raw_reward, wrong.success) == (0.0, 0.0, False)  # ...failed
    assert wrong.outcome == "unresolved" and wrong.steps == 1


def test_the_agent_sees_no_browser_and_forged_lines_do_not_count(misbehaving) -> None:
    # The forger looked for the driver, Chromium and chromedriver, and for any port to talk
    # to: its sandbox has none of them. Its fake result line was just an unreadable action.
    forged = misbehaving[0][1]
    assert (forged.success, forged.ended, forged.reward) == (False, "done", 0.0)
    assert "browser processes seen: 0" in forged.log, forged.log
    assert "listening ports: []" in forged.log, forged.log
    assert forged.trajectory[0]["action"] is None


def test_a_hung_agent_is_killed_at_the_episode_limit(misbehaving) -> None:
    (_, _, hung, after), _took = misbehaving
    assert hung.ended == "timeout" and hung.outcome == "timeout" and not hung.success
    assert hung.duration_s >= HUNG_S  # it was given its whole episode
    assert after.success  # the session went on with a fresh agent process


def test_an_agent_cannot_freeze_the_browser(web_ctx, scripted_agent) -> None:
    [result] = run_episodes(
        web_ctx,
        scripted_agent(click_test="freeze-browser"),
        [Episode("click-test", 0)],
        WebSettings(step_limit=5, episode_timeout_s=20, startup_s=60),
    )
    assert "froze 0 browser processes" in result.log, result.log
    assert result.success


HANGING_DRIVER = """
import json, sys, time
sys.stdin.readline()
for line in sys.stdin:
    request = json.loads(line)
    if request.get("cmd") == "reset" and request["seed"] == 1:
        time.sleep(3600)
    if request.get("cmd") == "step":
        reply = {"ok": True, "error": None, "terminated": True, "reward": 0.5, "raw_reward": 1.0}
    else:
        button = {"ref": 4, "parent": 0, "tag": "button", "text": "Click Me!", "value": "",
                  "id": "", "classes": "", "left": 0, "top": 0, "width": 9, "height": 9,
                  "focused": False}
        reply = {"ok": True, "obs": {"utterance": "Click the button.", "fields": [],
                 "elements": [button]}, "png": None}
    print(json.dumps(reply), flush=True)
"""


def test_a_hung_browser_is_replaced(web_ctx, scripted_agent, tmp_path, monkeypatch) -> None:
    # A browser can hang on its own (a page loops); the agent cannot cause it. Here a driver
    # that hangs on the second page shows the host's side: that episode times out at its
    # limit plus the browser's slack, and the next one gets a new browser sandbox.
    driver = tmp_path / "driver"
    driver.mkdir()
    (driver / "miniwob_driver.py").write_text(HANGING_DRIVER)
    monkeypatch.setattr(web_session, "DRIVER_SRC", driver)
    monkeypatch.setattr(web_session, "BROWSER_SLACK_S", 2.0)
    settings = WebSettings(step_limit=5, episode_timeout_s=3, startup_s=60)
    started = time.monotonic()
    with web_session.WebSession(web_ctx, scripted_agent(), settings) as session:
        before, frozen, after = (session.play(Episode("click-test", seed)) for seed in (0, 1, 2))
        restarts = session.restarts
    took = time.monotonic() - started
    assert before.success and after.success and restarts == 1
    assert (frozen.ended, frozen.success) == ("timeout", False)
    assert "did not answer" in frozen.reason
    assert 3 + 2 <= frozen.duration_s < 3 + 2 + 10
    assert took < 120


def test_the_task_list_matches_the_package_in_the_image(docker_backend, web_image) -> None:
    listing = (
        "import gymnasium, miniwob; gymnasium.register_envs(miniwob); "
        "print('\\n'.join(sorted(k[8:-3] for k in gymnasium.registry "
        "if k.startswith('miniwob/') and not k.startswith('miniwob/flight.'))))"
    )
    with docker_backend.start(SandboxSpec(web_image)) as box:
        out = box.run(["python3", "-c", listing], timeout_s=60)
        tools = box.run(
            ["sh", "-c", "test -x $MINIWOB_CHROME_BINARY -a -x $MINIWOB_CHROMEDRIVER"], 10
        )
    assert out.ok, out.stderr
    assert tuple(out.stdout.split()) == MINIWOB_TASKS
    assert tools.ok


def test_the_bubblewrap_fallback_plays_the_same_episodes(
    bwrap_backend, web_image, scripted_agent
) -> None:
    # Without an engine: the agent in a bubblewrap sandbox over the agent image's rootfs, the
    # browser in another over the web image's (exported when the web image is built).
    ctx = EvalContext(backend=bwrap_backend, image="unused", limits=Limits())
    episodes = [Episode("click-test", 0), Episode("enter-text", 0)]
    for result in run_episodes(ctx, scripted_agent(), episodes, FAST):
        assert result.success and result.ended == "terminated", (result.reason, result.log)
