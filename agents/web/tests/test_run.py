"""The entry point refuses to start without a model, with one clear line and exit code 2."""

import os
import subprocess
import sys
from pathlib import Path

from conftest import AGENT_DIR


def test_without_a_gateway_socket_it_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GODELBOX_LLM_SOCKET"}
    proc = subprocess.run(
        [sys.executable, str(AGENT_DIR / "run.py"), "--web", "--log-dir", str(tmp_path)],
        input="",
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert proc.returncode == 2
    assert "GODELBOX_LLM_SOCKET is not set" in proc.stderr
