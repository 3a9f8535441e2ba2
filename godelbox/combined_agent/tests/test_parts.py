"""The combined agent is valid when each part's own suite passes (run from the part's
directory, as the part's lineage would run it) and its entry point dispatches by contract."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("coding", "web")


@pytest.mark.parametrize("part", PARTS)
def test_the_part_passes_its_own_suite(part: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests"],
        cwd=ROOT / part,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_the_web_contract_reaches_the_web_part(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--web", "--log-dir", str(tmp_path)],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (0, 2), done.stderr
    assert (tmp_path / "agent.log").exists() or "GODELBOX_LLM_SOCKET" in done.stderr
