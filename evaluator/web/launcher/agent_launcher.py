"""Starts the agent for each episode. Runs INSIDE the agent sandbox (stdlib only).

The agent sandbox holds the agent and this launcher, and no browser: the host relays between
the launcher and the browser driver (another sandbox). It runs as the agent's user, so nothing
it says is trusted: the host reads its lines as the agent's words, bounded.

    agent_launcher.py AGENT_DIR LOG_DIR EPISODES_DIR AGENT_ARGV...
    first line: {"agent_env": {...}}          the agent's environment
    {"cmd": "start", "id": EPISODE_ID}        start `AGENT_ARGV --log-dir LOG_DIR/EPISODE_ID`
                                              in AGENT_DIR
    {"cmd": "obs", "obs": OBS, "png": b64}    write the screenshot (when given) under
                                              episodes_dir/EPISODE_ID/ and send OBS (with its
                                              path) to the agent as one line
                                              (EPISODES_DIR/EPISODE_ID/step-<n>.png)
    {"cmd": "end", "reason": R}               send {"type": "end", "reason": R}, close its
                                              stdin, wait a moment, kill its process group

and tells the host, one JSON object per stdout line:
    {"type": "action", "line": TEXT}          each line the agent printed that starts with "{"
    {"type": "exit"}                          the agent closed its stdout (exited)
    {"type": "stopped", "stderr": TAIL}       after "end": the agent is gone
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from typing import Any

EXIT_GRACE_S = 2.0
"""How long an agent gets to exit by itself after the end message before it is killed."""
LINE_CAP = 65536
"""An action line longer than this is cut (actions are a few dozen bytes)."""
STDERR_TAIL = 4000


class Episode:
    def __init__(self, episode_id: str, config: dict[str, Any]) -> None:
        self.id = episode_id
        self.log_dir = os.path.join(config["log_dir"], episode_id)
        self.shots = os.path.join(config["episodes_dir"], episode_id)
        os.makedirs(self.log_dir, exist_ok=True)
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", **config["agent_env"]}
        stderr = open(os.path.join(self.log_dir, "stderr.txt"), "wb")  # noqa: SIM115
        try:
            self.proc = subprocess.Popen(  # an OSError here is the caller's to report
                [*config["agent_argv"], "--log-dir", self.log_dir],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                cwd=config["agent_dir"],
                env=env,
                start_new_session=True,
            )
        finally:
            stderr.close()
        self.buffer = b""

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.write(json.dumps(message).encode() + b"\n")
            self.proc.stdin.flush()

    def screenshot(self, step: Any, png: str) -> str:
        os.makedirs(self.shots, exist_ok=True)
        path = os.path.join(self.shots, f"step-{int(step)}.png")
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(png))
        return path

    def stop(self, reason: str) -> str:
        self.send({"type": "end", "reason": reason})
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=EXIT_GRACE_S)
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        try:
            with open(os.path.join(self.log_dir, "stderr.txt"), "rb") as fh:
                fh.seek(0, 2)
                fh.seek(max(0, fh.tell() - STDERR_TAIL))
                return fh.read().decode("utf-8", errors="replace")
        except OSError:
            return ""


def tell(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def agent_output(episode: Episode) -> bool:
    """Relay the agent's complete JSON-looking lines; False once its stdout is closed."""
    assert episode.proc.stdout is not None
    chunk = os.read(episode.proc.stdout.fileno(), 65536)
    if not chunk:
        return False
    episode.buffer += chunk
    while b"\n" in episode.buffer:
        line, episode.buffer = episode.buffer.split(b"\n", 1)
        text = line[:LINE_CAP].decode("utf-8", errors="replace").strip()
        if text.startswith("{"):
            tell({"type": "action", "line": text})
    episode.buffer = episode.buffer[-LINE_CAP:]
    return True


def main() -> int:
    agent_dir, log_dir, episodes_dir, *agent_argv = sys.argv[1:]
    paths = {
        "agent_dir": agent_dir,
        "log_dir": log_dir,
        "episodes_dir": episodes_dir,
        "agent_argv": agent_argv,
    }
    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ, "host")
    pending = b""
    config: dict[str, Any] | None = None
    episode: Episode | None = None
    while True:
        for key, _ in selector.select():
            if key.data == "agent":
                assert episode is not None
                if not agent_output(episode):
                    selector.unregister(key.fileobj)
                    tell({"type": "exit"})
                continue
            chunk = os.read(0, 1 << 20)
            if not chunk:
                if episode is not None:
                    episode.stop("eof")
                return 0
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if config is None:
                    config = {**json.loads(line), **paths}
                else:
                    episode = command(json.loads(line), episode, config, selector)


def command(
    request: dict[str, Any],
    episode: Episode | None,
    config: dict[str, Any],
    selector: selectors.BaseSelector,
) -> Episode | None:
    cmd = request.get("cmd")
    if cmd == "start":
        try:
            episode = Episode(str(request["id"]), config)
        except OSError as err:
            print(f"cannot start the agent: {err}", file=sys.stderr, flush=True)
            tell({"type": "exit"})
            return None
        assert episode.proc.stdout is not None
        selector.register(episode.proc.stdout, selectors.EVENT_READ, "agent")
        return episode
    if episode is None:
        if cmd == "end":
            tell({"type": "stopped", "stderr": "the agent could not be started"})
        return None
    if cmd == "obs":
        obs = dict(request["obs"])
        png = request.get("png")
        obs["screenshot"] = episode.screenshot(obs.get("step", 0), png) if png else None
        episode.send(obs)
    elif cmd == "end":
        with contextlib.suppress(KeyError, ValueError):
            assert episode.proc.stdout is not None
            selector.unregister(episode.proc.stdout)
        started = time.monotonic()
        tail = episode.stop(str(request.get("reason") or "end"))
        tell({"type": "stopped", "stderr": tail, "stop_s": round(time.monotonic() - started, 3)})
        return None
    return episode


if __name__ == "__main__":
    sys.exit(main())
