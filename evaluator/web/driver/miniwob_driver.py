"""The MiniWoB++ browser driver. Runs INSIDE the browser sandbox (stdlib + miniwob only).

The browser sandbox holds Chromium, chromedriver and this driver, and no agent code: the agent
runs in a sandbox of its own, so it can reach neither chromedriver's port, nor Chromium's
DevTools, nor their /proc entries. The host asks for pages and actions, one JSON request per
stdin line, and gets one JSON reply per stdout line:

    first line: {"episode_timeout_s": 60}                          (configuration)
    {"cmd": "prepare", "task": "click-test"}                 -> {"ok": true}
    {"cmd": "reset", "task": T, "seed": S, "screenshot": b}  -> {"ok": true, "obs": OBS,
                                                                 "png": base64 or null}
    {"cmd": "step", "action": ACTION}                        -> {"ok": true, "error": null or
        why the action cannot run, "terminated": bool, "reward", "raw_reward", "reason",
        "obs": OBS (when not terminated), "png"}
    any failure                                              -> {"ok": false, "error": "..."}

OBS = {"utterance", "fields": [[k, v]], "elements": [...]} (the element records of the web agent
contract). ACTION is an action of the contract (click/type/press/scroll), already parsed by the
host. The reward is MiniWoB's own, computed by the task page's JavaScript.

One Chromium serves every task of the session: switching task loads the task's page in the same
browser (a browser start costs ~1 s; a page load tens of milliseconds), so the browser stays warm
across the whole batch of episodes of one agent.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import io
import json
import sys
import traceback
from typing import Any

ELEMENT_CAP = 200
"""Elements per observation sent to the agent (MiniWoB pages are small; this bounds abuse)."""
TEXT_CAP = 200
PR_SET_DUMPABLE = 4
SYNC_WAIT_S = 5


class Browser:
    """One Chromium shared by every task's MiniWoB environment."""

    def __init__(self, episode_timeout_s: float) -> None:
        import gymnasium
        import miniwob
        from miniwob.action import ActionSpaceConfig, ActionTypes

        gymnasium.register_envs(miniwob)
        self._gym = gymnasium
        self._action_config = ActionSpaceConfig(
            action_types=[
                ActionTypes.CLICK_ELEMENT,
                ActionTypes.FOCUS_ELEMENT_AND_TYPE_TEXT,
                ActionTypes.TYPE_TEXT,
                ActionTypes.PRESS_KEY,
                ActionTypes.SCROLL_UP_COORDS,
                ActionTypes.SCROLL_DOWN_COORDS,
            ]
        )
        self.shared: Any = None
        """The one selenium WebDriver, once started."""
        self.page = ""
        """URL of the task page the shared browser shows."""
        self.envs: dict[str, Any] = {}
        self.env: Any = None
        self.refs: set[int] = set()
        _share_one_browser(self)
        _lift_page_timer(episode_timeout_s)

    def environment(self, task: str) -> Any:
        if task not in self.envs:
            self.envs[task] = self._gym.make(
                f"miniwob/{task}-v1", action_space_config=self._action_config
            )
        env = self.envs[task]
        instance = env.unwrapped.instance
        if self.page != instance.url:
            _show(self, instance)
        return env

    def reset(self, task: str, seed: int, screenshot: bool) -> dict[str, Any]:
        self.env = self.environment(task)
        obs, _info = self.env.reset(seed=seed, options={"record_screenshots": screenshot})
        return self._observed(obs, screenshot)

    def step(self, action: dict[str, Any]) -> dict[str, Any]:
        if self.env is None:
            return {"ok": False, "error": "step before reset"}
        error = _step_error(self.env, action, self.refs)
        if error is not None:
            return {"ok": True, "error": error, "terminated": False}
        obs, _r, terminated, _t, info = self.env.step(_to_miniwob(self.env, action))
        reply: dict[str, Any] = {
            "ok": True,
            "error": None,
            "terminated": bool(terminated),
            "reward": max(0.0, float(info.get("env_reward") or 0.0)),
            "raw_reward": max(0.0, float(info.get("raw_reward") or 0.0)),
            "reason": str(info.get("reason") or ""),
        }
        if not terminated:
            shots = bool(self.env.unwrapped.instance.record_screenshots)
            reply.update(self._observed(obs, shots))
        return reply

    def _observed(self, obs: dict[str, Any], screenshot: bool) -> dict[str, Any]:
        elements = [_element(e) for e in obs["dom_elements"][:ELEMENT_CAP]]
        self.refs = {e["ref"] for e in elements}
        return {
            "ok": True,
            "obs": {
                "utterance": str(obs["utterance"]),
                "fields": [[str(k), str(v)] for k, v in obs.get("fields", ())],
                "elements": elements,
            },
            "png": _png(obs) if screenshot else None,
        }

    def close(self) -> None:
        self.envs.clear()
        self.env = None
        self.page = ""
        if self.shared is not None:
            with contextlib.suppress(Exception):
                self.shared.quit()
            self.shared = None


def _share_one_browser(browser: Browser) -> None:
    """Every MiniWoB environment gets the same WebDriver instead of starting its own Chromium,
    and closing an environment leaves the browser running (the driver quits it at the end)."""
    from miniwob.selenium_instance import SeleniumInstance

    create = SeleniumInstance.create_driver

    def create_or_share(self: Any) -> None:
        if browser.shared is None:
            create(self)
            browser.shared, browser.page = self.driver, self.url
        else:
            self.driver = browser.shared

    def keep_open(self: Any) -> None:
        self.died = True

    SeleniumInstance.create_driver = create_or_share  # type: ignore[method-assign]
    SeleniumInstance.close = keep_open  # type: ignore[method-assign]


def _show(browser: Browser, instance: Any) -> None:
    """Load `instance`'s task page in the shared browser and wait for its start screen."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.wait import WebDriverWait

    driver = browser.shared
    driver.get(instance.url)
    WebDriverWait(driver, SYNC_WAIT_S).until(
        ec.element_to_be_clickable((By.ID, instance.SYNC_SCREEN_ID))
    )
    instance.inner_width, instance.inner_height = driver.execute_script(
        "return [window.innerWidth, window.innerHeight];"
    )
    browser.page = instance.url


def _lift_page_timer(timeout_s: float) -> None:
    """MiniWoB pages end an episode with reward -1 after 10 s; an LLM agent needs longer, so
    the page timer is raised to the episode time limit (the host enforces that limit). The
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
    """Nothing else should read this process's memory, environ or fds."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _png(obs: dict[str, Any]) -> str | None:
    if obs.get("screenshot") is None:
        return None
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(obs["screenshot"]).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _element(e: dict[str, Any]) -> dict[str, Any]:
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


def _step_error(env: Any, action: dict[str, Any], refs: set[int]) -> str | None:
    """Why `action` cannot be executed (checked before MiniWoB sees it), else None."""
    kind = action.get("action")
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
    if kind not in ("click", "type", "press", "scroll"):
        return 'an action needs "action": one of click, type, press, scroll, done'
    return None


def _key(env: Any, key: Any) -> int | None:
    allowed = list(env.unwrapped.action_space_config.allowed_keys)
    if not isinstance(key, str):
        return None
    for name in (key, f"<{key}>", f"<{key.strip('<>')}>"):
        if name in allowed:
            return allowed.index(name)
    return None


def _to_miniwob(env: Any, action: dict[str, Any]) -> dict[str, Any]:
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


def handle(browser: Browser, request: dict[str, Any]) -> dict[str, Any]:
    cmd = request.get("cmd")
    if cmd == "prepare":
        browser.environment(str(request["task"]))
        return {"ok": True}
    if cmd == "reset":
        return browser.reset(
            str(request["task"]), int(request["seed"]), bool(request.get("screenshot"))
        )
    if cmd == "step":
        return browser.step(dict(request["action"]))
    return {"ok": False, "error": f"unknown command {cmd!r}"}


def main() -> int:
    config = json.loads(sys.stdin.readline())
    _make_undumpable()
    browser = Browser(float(config["episode_timeout_s"]))
    try:
        for line in sys.stdin:
            try:
                reply = handle(browser, json.loads(line))
            except Exception as err:  # a crashed page or browser: the next reset starts afresh
                reply = {
                    "ok": False,
                    "error": f"{type(err).__name__}: {err}"[:500],
                    "trace": traceback.format_exc()[-3000:],
                }
                browser.close()
            print(json.dumps(reply), flush=True)
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
