"""`godelbox model serve --detach`, `status` and `stop` with the real llama.cpp server: it starts
on loopback, answers, is found by status, and stop ends it."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from godelbox.llm.local import fetch_bundled_model, free_port


def godelbox(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "godelbox", "model", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def test_serve_detached_then_status_then_stop(tmp_path: Path, local_model) -> None:
    model = fetch_bundled_model()
    port = free_port()
    env = {**os.environ, "GODELBOX_MODELS_DIR": str(tmp_path), "COLUMNS": "200"}

    served = godelbox("serve", "--detach", "--port", str(port), "--model-path", str(model), env=env)
    try:
        assert served.returncode == 0, served.stderr
        assert f'api_base = "http://127.0.0.1:{port}/v1"' in served.stdout
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=10) as reply:
            assert reply.status == 200
        status = godelbox("status", env=env)
        assert status.returncode == 0 and f"127.0.0.1:{port}" in status.stdout
        again = godelbox("serve", "--detach", "--port", str(port), env=env)
        assert again.returncode == 2 and "already runs" in again.stdout + again.stderr
    finally:
        stopped = godelbox("stop", env=env)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert godelbox("status", env=env).returncode == 1
