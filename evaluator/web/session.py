"""One agent's web session: a browser sandbox and an agent sandbox, kept warm for its episodes.

The browser sandbox (the web image) runs Chromium, chromedriver and the driver
(`driver/miniwob_driver.py`); the agent sandbox (the agent image) runs the agent and its
launcher (`launcher/agent_launcher.py`). They share nothing: no user namespace, no loopback, no
/proc, no files. The host sits between them and plays each episode: it asks the driver for the
seeded page, hands the observation to the launcher, reads the agent's action back, has the
driver perform it, and reads MiniWoB's reward from the driver alone. So the agent cannot reach
chromedriver's port, Chromium's DevTools or the reward, and its code never runs where the
browser runs.

Both sandboxes live for the whole batch (one browser start, one container start each), so an
episode costs what the page and the agent cost. Everything the agent sandbox says is hostile and
bounded (`godelbox.sandbox.stream`); a sandbox that stops answering is replaced before the next
episode.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from godelbox.agent_text import cap_text
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.web import contract
from godelbox.evaluator.web.episodes import Episode, EpisodeEnd, EpisodeResult, WebSettings
from godelbox.sandbox.base import (
    GATEWAY_SOCKET,
    Backend,
    Limits,
    Sandbox,
    SandboxError,
    SandboxSpec,
)
from godelbox.sandbox.image import WEB_RECIPE
from godelbox.sandbox.stream import LineStream

HERE = Path(__file__).resolve().parent
DRIVER_SRC = HERE / "driver"
LAUNCHER_SRC = HERE / "launcher"
DRIVER_ARGV = ("python3", f"{contract.DRIVER_DIR}/miniwob_driver.py")
LAUNCHER_ARGV = ("python3", f"{contract.LAUNCHER_DIR}/agent_launcher.py")
BOX_ENV = {"HOME": "/tmp", "TMPDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"}

BROWSER_SLACK_S = 20.0
"""On top of the episode's time limit, for one page load or action of a healthy browser."""
STOP_GRACE_S = 10.0
"""How long the launcher gets to report the agent gone (it waits 2 s, then kills)."""
BROWSER_CPUS = 2.0
PNG_CAP = 2 * 1024 * 1024
"""A screenshot larger than this is not kept (MiniWoB's are ~10-30 kB)."""
ACTION_LINE_CAP = 65536


class Unanswered(Exception):
    """A sandbox did not answer in time (or its process ended): the session replaces it."""


def browser_backend(backend: Backend) -> Backend:
    """The backend for the browser sandbox: the same kind as the agent's. Docker picks the image
    per sandbox; bubblewrap runs one root filesystem, so the browser gets the web image's."""
    from godelbox.sandbox.bubblewrap import BubblewrapBackend

    if isinstance(backend, BubblewrapBackend):
        return BubblewrapBackend(WEB_RECIPE.rootfs_dir(), sweep=False)
    return backend


def web_limits(limits: Limits) -> Limits:
    """The browser sandbox's limits. Chromium needs ≥ 256 pids (one browser uses ~125) and
    ≥ 300 MB (1 GB leaves headroom), and a CPU quota of two: it is several processes whose work
    comes in bursts, and a quota of one throttles every page load and action (measured: reset
    148 ms vs 70 ms). It runs no agent code, so this gives the agent nothing."""
    return replace(
        limits,
        memory_mb=max(limits.memory_mb, 1024),
        pids=max(limits.pids, 256),
        tmp_mb=max(limits.tmp_mb, 256),
        cpus=max(limits.cpus, BROWSER_CPUS),
    )


@dataclass
class _Conversation:
    """A sandbox and the one process the session talks to in it."""

    box: Sandbox
    stream: LineStream

    def close(self) -> None:
        self.stream.close()
        self.box.close()


class WebSession:
    """`with WebSession(ctx, agent_dir, settings) as session: session.play(episode)`.

    `gateway_socket`, when given, is mounted into the agent sandbox (never into the browser's)
    and the agent is told `gateway_token`, the secret its requests must carry;
    `artifacts`, when given with `settings.screenshots`, receives every screenshot as
    `artifacts/<episode id>/step-<n>.png`, and the results point there. `on_episode` is told
    the task id of the episode about to start (the host attributes model calls to it)."""

    def __init__(
        self,
        ctx: EvalContext,
        agent_dir: Path,
        settings: WebSettings,
        *,
        image: str | None = None,
        gateway_socket: Path | None = None,
        gateway_token: str = "",
        artifacts: Path | None = None,
        on_episode: Callable[[str], None] | None = None,
    ) -> None:
        self.ctx = replace(ctx, gateway_socket=gateway_socket, gateway_token=gateway_token)
        self.agent_dir = agent_dir
        self.settings = settings
        self.image = image or settings.image or WEB_RECIPE.latest
        self.artifacts = artifacts
        self.on_episode = on_episode or (lambda _id: None)
        self._browser: _Conversation | None = None
        self._agent: _Conversation | None = None
        self.restarts = 0
        """Sandboxes replaced after they stopped answering (not counting the first starts)."""

    def __enter__(self) -> WebSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for side in (self._browser, self._agent):
            if side is not None:
                side.close()
        self._browser = self._agent = None

    def open(self, first_task: str | None = None) -> None:
        """Start whichever sandbox is not running, both at once; the browser then starts
        loading `first_task`'s page. The processes are started from this thread: a sandbox
        process may die with the thread that started it (bubblewrap's --die-with-parent)."""
        makers: dict[str, Callable[[], Sandbox]] = {}
        if self._browser is None:
            makers["browser"] = self._browser_box
        if self._agent is None:
            makers["agent"] = self._agent_box
        if not makers:
            return
        boxes: dict[str, Sandbox] = {}
        errors = []
        with ThreadPoolExecutor(len(makers), thread_name_prefix="godelbox-web-start") as pool:
            futures = {name: pool.submit(make) for name, make in makers.items()}
            for name, future in futures.items():
                try:
                    boxes[name] = future.result()
                except Exception as err:
                    errors.append(f"{name} sandbox: {err}")
        try:
            if errors:
                raise SandboxError("; ".join(errors))
            if "browser" in boxes:
                self._browser = self._converse(boxes.pop("browser"), self._start_driver)
            if "agent" in boxes:
                self._agent = self._converse(boxes.pop("agent"), self._start_launcher)
            if first_task is not None and "browser" in makers:
                _ask(self._browser, {"cmd": "prepare", "task": first_task}, self._deadline())
        except BaseException:
            for box in boxes.values():
                box.close()
            raise

    def _converse(self, box: Sandbox, start: Callable[[Sandbox], LineStream]) -> _Conversation:
        try:
            return _Conversation(box, start(box))
        except BaseException:
            box.close()
            raise

    def _browser_box(self) -> Sandbox:
        spec = replace(self.ctx.spec(self.image), limits=web_limits(self.ctx.limits))
        return _with_copies(
            browser_backend(self.ctx.backend), spec, {DRIVER_SRC: contract.DRIVER_DIR}
        )

    def _start_driver(self, box: Sandbox) -> LineStream:
        env = {**BOX_ENV, **dict(WEB_RECIPE.env)}  # also where no image env applies (bwrap)
        stream = box.open(list(DRIVER_ARGV), workdir=contract.DRIVER_DIR, env=env)
        config = {"episode_timeout_s": self.settings.episode_timeout_s}
        if not stream.send(json.dumps(config).encode()):
            raise SandboxError("the browser driver did not start")
        return stream

    def _agent_box(self) -> Sandbox:
        spec = self.ctx.spec(gateway=self.ctx.gateway_socket is not None)
        copies = {self.agent_dir: contract.AGENT_DIR, LAUNCHER_SRC: contract.LAUNCHER_DIR}
        return _with_copies(self.ctx.backend, spec, copies)

    def _start_launcher(self, box: Sandbox) -> LineStream:
        argv = [
            *LAUNCHER_ARGV,
            contract.AGENT_DIR,
            contract.LOG_DIR,
            contract.EPISODES_DIR,
            *contract.web_entrypoint("x")[:-2],
        ]
        stream = box.open(argv, workdir=contract.AGENT_DIR, env=BOX_ENV)
        if not stream.send(json.dumps({"agent_env": self._agent_env()}).encode()):
            raise SandboxError("the agent launcher did not start")
        return stream

    def _agent_env(self) -> dict[str, str]:
        agent_env = {
            contract.ENV_TIME_BUDGET: str(int(self.settings.episode_timeout_s)),
            "HOME": "/tmp",
            "TMPDIR": "/tmp",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            "LANG": "C.UTF-8",
        }
        if self.ctx.gateway_socket is not None:
            agent_env[contract.ENV_LLM_SOCKET] = GATEWAY_SOCKET
            agent_env[contract.ENV_LLM_MODEL] = self.ctx.llm_model
            agent_env[contract.ENV_LLM_TOKEN] = self.ctx.gateway_token
        return agent_env

    def _deadline(self) -> float:
        return time.monotonic() + self.settings.startup_s

    # -- one episode -----------------------------------------------------------------------

    def play(self, episode: Episode) -> EpisodeResult:
        """Play `episode`; never raises for the agent's or a sandbox's failure (the result
        says what happened)."""
        started = time.monotonic()
        try:
            self.open(episode.task)
        except (SandboxError, Unanswered) as err:
            self.close()
            return missing(episode, "error", f"sandbox error: {err}", time.monotonic() - started)
        self.on_episode(episode.task_id)
        started = time.monotonic()  # the episode's clock starts once its sandboxes run
        try:
            return self._play(episode, started)
        except Unanswered as err:
            return missing(episode, "timeout", str(err), time.monotonic() - started)

    def _play(self, episode: Episode, started: float) -> EpisodeResult:
        assert self._browser is not None and self._agent is not None
        settings = self.settings
        deadline = started + settings.episode_timeout_s
        request = {
            "cmd": "reset",
            "task": episode.task,
            "seed": episode.seed,
            "screenshot": settings.screenshots,
        }
        reply = self._browse(request, deadline)
        if not reply.get("ok"):
            why = f"the browser could not show the page: {reply.get('error')}"
            return missing(episode, "error", why, time.monotonic() - started, _trace(reply))
        env_goal = str(reply["obs"].get("utterance", ""))
        current = self._observation(episode, reply, 0)
        ended: EpisodeEnd = "step_limit"
        outcome: dict[str, Any] = {}
        trajectory: list[dict[str, Any]] = []
        agent = _Agent(self._agent)
        agent.start(episode.episode_id)
        png = _png_of(reply)
        try:
            for step in range(settings.step_limit):
                if not agent.observe(current, png):
                    ended = "agent_exit"
                    break
                line = agent.next_action(deadline)
                if line is None:
                    ended = "timeout" if time.monotonic() >= deadline else "agent_exit"
                    break
                action, error = parse_action(line)
                _record(trajectory, current, action, settings.trajectory_cap)
                if action is not None and action["action"] == "done":
                    ended = "done"
                    break
                if action is not None and error is None:
                    reply = self._browse({"cmd": "step", "action": action}, deadline)
                    if not reply.get("ok"):
                        ended, outcome = "error", {"reason": f"browser: {reply.get('error')}"}
                        break
                    error = reply.get("error")
                    if error is None and reply.get("terminated"):
                        ended, outcome = "terminated", reply
                        break
                    if error is None:
                        current = self._observation(episode, reply, step + 1)
                        png = _png_of(reply)
                        continue
                current = {
                    **current,
                    "step": step + 1,
                    "steps_left": settings.step_limit - step - 1,
                    "error": error,
                }
        finally:
            stderr = self._stop_agent(agent, ended)
        return EpisodeResult(
            task=episode.task,
            seed=episode.seed,
            reward=float(outcome.get("reward") or 0.0),
            raw_reward=float(outcome.get("raw_reward") or 0.0),
            success=float(outcome.get("raw_reward") or 0.0) > 0,
            steps=len(trajectory),
            ended=ended,
            reason=str(outcome.get("reason") or ""),
            duration_s=round(time.monotonic() - started, 3),
            trajectory=trajectory,
            final_observation=current,
            log=cap_text(stderr, self.ctx.log_cap_bytes),
            goal_override=episode.goal_override,
            env_goal=env_goal,
        )

    def _browse(self, request: dict[str, Any], deadline: float) -> dict[str, Any]:
        assert self._browser is not None
        try:
            return _ask(self._browser, request, deadline + BROWSER_SLACK_S)
        except Unanswered:
            self._replace("_browser")
            raise

    def _stop_agent(self, agent: _Agent, ended: str) -> str:
        try:
            return agent.stop(ended, time.monotonic() + STOP_GRACE_S)
        except Unanswered as err:
            self._replace("_agent")
            return str(err)

    def _replace(self, side: str) -> None:
        """Close a sandbox that stopped answering; the next episode starts a fresh one."""
        conversation = getattr(self, side)
        if conversation is not None:
            with contextlib.suppress(Exception):
                conversation.close()
        setattr(self, side, None)
        self.restarts += 1

    def _observation(self, episode: Episode, reply: dict[str, Any], step: int) -> dict[str, Any]:
        """What the agent is sent (as the contract says); a goal override replaces MiniWoB's
        utterance and drops its fields (they describe the environment's own goal)."""
        obs = reply.get("obs") or {}
        goal = episode.goal_override
        return {
            "type": "observation",
            "task": episode.task,
            "step": step,
            "steps_left": self.settings.step_limit - step,
            "utterance": str(obs.get("utterance", "")) if goal is None else goal,
            "fields": [] if goal is not None else list(obs.get("fields") or []),
            "elements": list(obs.get("elements") or []),
            "screenshot": self._keep_screenshot(episode, step, reply.get("png")),
            "error": None,
        }

    def _keep_screenshot(self, episode: Episode, step: int, png: Any) -> str | None:
        """The host copy of a screenshot (for judges and people), or None."""
        png = _png_of({"png": png})
        if self.artifacts is None or png is None:
            return None
        try:
            data = base64.b64decode(png, validate=True)
        except (binascii.Error, ValueError):
            return None
        path = self.artifacts / episode.episode_id / f"step-{step}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return str(path)


class _Agent:
    """The launcher's side of one episode."""

    def __init__(self, side: _Conversation) -> None:
        self.stream = side.stream
        self.exited = False

    def start(self, episode_id: str) -> None:
        self.stream.send(json.dumps({"cmd": "start", "id": episode_id}).encode())

    def observe(self, obs: dict[str, Any], png: str | None) -> bool:
        if self.exited:
            return False
        shown = {**obs, "screenshot": None}
        message = {"cmd": "obs", "obs": shown, "png": png}
        return self.stream.send(json.dumps(message).encode())

    def next_action(self, deadline: float) -> str | None:
        """The agent's next action line, or None when it exited or the deadline passed."""
        while not self.exited:
            message = _message(self.stream.read_line(deadline))
            if message is None:
                return None
            if message.get("type") == "exit":
                self.exited = True
            elif message.get("type") == "action" and isinstance(message.get("line"), str):
                return message["line"][:ACTION_LINE_CAP]
        return None

    def stop(self, reason: str, deadline: float) -> str:
        """End the episode's agent; its stderr tail. Raises Unanswered if the launcher does
        not confirm (the agent may have killed or stopped it)."""
        if not self.stream.send(json.dumps({"cmd": "end", "reason": reason}).encode()):
            raise Unanswered("the agent sandbox's launcher is gone")
        while True:
            line = self.stream.read_line(deadline)
            if line is None:
                raise Unanswered("the agent sandbox's launcher did not confirm the agent's end")
            message = _message(line)
            if message is not None and message.get("type") == "stopped":
                return str(message.get("stderr") or "")


def _with_copies(backend: Backend, spec: SandboxSpec, copies: dict[Path, str]) -> Sandbox:
    """A started sandbox holding `copies` (host dir -> sandbox dir); closed if a copy fails."""
    box = backend.start(spec)
    try:
        for src, dest in copies.items():
            box.copy_in(src, dest)
    except BaseException:
        box.close()
        raise
    return box


def _message(line: bytes | None) -> dict[str, Any] | None:
    """A JSON object line, or {} for a line that is not one; None for no line."""
    if line is None:
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _ask(side: _Conversation, request: dict[str, Any], deadline: float) -> dict[str, Any]:
    """One request to the driver and its reply; Unanswered when none comes by `deadline`."""
    if not side.stream.send(json.dumps(request).encode()):
        raise Unanswered("the browser sandbox stopped taking requests")
    line = side.stream.read_line(deadline)
    if line is None:
        why = "ended" if side.stream.eof else "did not answer within the time limit"
        tail = side.stream.stderr()[-500:].strip()
        raise Unanswered(f"the browser sandbox {why}" + (f": {tail}" if tail else ""))
    message = _message(line)
    if not message:
        raise Unanswered(f"the browser driver said something unreadable: {line[:200]!r}")
    return message


def parse_action(line: str) -> tuple[dict[str, Any] | None, str | None]:
    """The agent's action, or None with the reason it is not one."""
    try:
        action = json.loads(line)
    except json.JSONDecodeError as err:
        return None, f"not valid JSON: {err}"
    if not isinstance(action, dict) or action.get("action") not in contract.ACTIONS:
        return None, 'an action needs "action": one of click, type, press, scroll, done'
    return action, None


def _record(
    trajectory: list[dict[str, Any]],
    obs: dict[str, Any],
    action: dict[str, Any] | None,
    cap: int,
) -> None:
    trajectory.append({"observation": obs, "action": action})
    if len(trajectory) > cap:
        del trajectory[: len(trajectory) - cap]


def _png_of(reply: dict[str, Any]) -> str | None:
    png = reply.get("png")
    return png if isinstance(png, str) and len(png) <= PNG_CAP * 4 // 3 else None


def _trace(reply: dict[str, Any]) -> str:
    return str(reply.get("trace") or reply.get("error") or "")


def missing(
    episode: Episode, ended: EpisodeEnd, why: str, duration_s: float, log: str = ""
) -> EpisodeResult:
    """The result of an episode that could not be played to its end by the harness."""
    return EpisodeResult(
        task=episode.task,
        seed=episode.seed,
        reward=0.0,
        raw_reward=0.0,
        success=False,
        steps=0,
        ended=ended,
        reason=why,
        duration_s=round(duration_s, 3),
        log=log or why,
        goal_override=episode.goal_override,
    )
