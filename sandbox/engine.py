"""Finding a working docker engine, and starting one on a fresh Debian machine.

`ensure_engine(fix=True)` is what `make test`, `make demo` and `godelbox doctor --fix` call:
if no engine answers and we are root on Debian, it installs `docker.io` with apt, starts `dockerd`
in the background (log in the cache dir) and waits for the API. Run as a script:
`python -m godelbox.sandbox.engine` (exit 0 when an engine answers).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from godelbox.sandbox.base import SandboxError

API_WAIT_S = 30.0


@dataclass(frozen=True)
class EngineStatus:
    ok: bool
    detail: str
    """Server version when ok, else what is wrong and what to do."""


def docker_client(timeout_s: float = 120.0):  # -> docker.DockerClient | None
    """A client whose engine answers a ping, else None."""
    import docker
    import docker.errors

    try:
        client = docker.from_env(timeout=int(timeout_s))
        client.ping()
    except (docker.errors.DockerException, OSError):
        return None
    return client


def require_client(timeout_s: float = 120.0):
    client = docker_client(timeout_s)
    if client is None:
        raise SandboxError(
            "no docker engine answers; run `godelbox doctor --fix` (as root it installs and "
            "starts one) or start dockerd yourself"
        )
    return client


def engine_status() -> EngineStatus:
    client = docker_client(10)
    if client is None:
        return EngineStatus(False, _what_to_do())
    version = client.version().get("Version", "?")
    return EngineStatus(True, f"docker engine {version}")


def ensure_engine(*, fix: bool = True, log=print) -> EngineStatus:
    """Return the engine status, installing/starting one first when allowed and possible."""
    status = engine_status()
    if status.ok or not fix:
        return status
    if os.geteuid() != 0 or not Path("/etc/debian_version").exists():
        return status
    if shutil.which("dockerd") is None:
        log("installing docker.io with apt-get (one time)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "docker.io"], check=True, env=env)
    if docker_client(5) is None:
        _start_dockerd(log)
    return engine_status()


def _start_dockerd(log) -> None:
    from godelbox.sandbox.image import cache_dir

    logfile = cache_dir() / "dockerd.log"
    log(f"starting dockerd in the background (log: {logfile})")
    with logfile.open("ab") as fh:
        subprocess.Popen(["dockerd"], stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + API_WAIT_S
    while time.monotonic() < deadline:
        if docker_client(5) is not None:
            return
        time.sleep(0.3)
    raise SandboxError(f"dockerd did not answer within {API_WAIT_S:.0f}s; see {logfile}")


def _what_to_do() -> str:
    if shutil.which("dockerd") is None:
        return "no docker engine installed: as root run `godelbox doctor --fix` (apt docker.io)"
    return "docker is installed but its API does not answer: run `godelbox doctor --fix` as root"


def main() -> int:
    status = ensure_engine(fix=True, log=lambda m: print(f"godelbox: {m}", file=sys.stderr))
    print(f"godelbox: {'ok' if status.ok else 'missing'}: {status.detail}", file=sys.stderr)
    return 0 if status.ok else 1


if __name__ == "__main__":
    sys.exit(main())
