"""Running tests in a subprocess: the repository's suite through pytest, or the repro script.

Every run has a timeout (a mutant can loop forever) and writes nothing into the repository:
no bytecode, no .pytest_cache.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

PROBE_DIR = Path(__file__).resolve().parent / "probe"
REPRO_MARK = "test_godelbox_repro_check_"
"""Every reproduction test's name starts with this (its file lies outside the rootdir, so
pytest's node id may not name the file)."""


@dataclass
class SuiteResult:
    outcomes: dict[str, str] = field(default_factory=dict)
    """Test id -> passed | failed | skipped."""
    lines: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    """Test id -> repository file (relative) -> executed line numbers."""
    timed_out: bool = False

    def failing(self) -> list[str]:
        return sorted(t for t, o in self.outcomes.items() if o == "failed")

    def passing(self) -> list[str]:
        return sorted(t for t, o in self.outcomes.items() if o == "passed")


def environment(repo: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    paths = [str(PROBE_DIR), str(repo)]
    if (repo / "src").is_dir():
        paths.append(str(repo / "src"))
    env = dict(os.environ)
    env.update(PYTHONPATH=os.pathsep.join(paths), PYTHONDONTWRITEBYTECODE="1")
    env.update(extra or {})
    return env


def run_suite(
    repo: Path,
    targets: list[str],
    *,
    trace: bool,
    timeout_s: float,
    test_timeout_s: float = 0.0,
    stop_first: bool = False,
) -> SuiteResult:
    """Run pytest on `targets` (paths) from the repository root; outcomes and, with `trace`,
    the lines each test executed. `test_timeout_s` fails a single test that runs longer."""
    with tempfile.TemporaryDirectory(prefix="repair-probe-") as scratch:
        out = Path(scratch) / "probe.json"
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        cmd += ["-p", "godelbox_repair_probe", f"--rootdir={repo}"]
        cmd += ["-x"] if stop_first else []
        env = environment(
            repo,
            {
                "REPAIR_PROBE_ROOT": str(repo),
                "REPAIR_PROBE_OUT": str(out),
                "REPAIR_PROBE_TRACE": "1" if trace else "0",
                "REPAIR_PROBE_TEST_TIMEOUT": str(test_timeout_s),
            },
        )
        try:
            subprocess.run(cmd + targets, cwd=repo, env=env, timeout=timeout_s, capture_output=True)
        except subprocess.TimeoutExpired:
            return SuiteResult(timed_out=True)
        if not out.exists():
            return SuiteResult()
        data = json.loads(out.read_text(encoding="utf-8"))
        return SuiteResult(outcomes=data["outcomes"], lines=data["lines"])


def run_script(
    repo: Path, script: Path, checks: list[int], *, timeout_s: float, cpu_s: int
) -> bool:
    """Run these checks of the repro script; True when every one passes. The script gets
    `cpu_s` seconds of CPU time (the kernel then stops it with SIGXCPU) and `timeout_s` of
    wall time. Why both: in the evaluation at 1d45908 one task took 82 s, its candidate
    budget spent mostly waiting out mutants that looped until the wall-clock timeout."""
    try:
        done = subprocess.run(
            [sys.executable, str(script), *map(str, checks)],
            cwd=repo,
            env=environment(repo),
            timeout=timeout_s,
            capture_output=True,
            preexec_fn=lambda: _limit_cpu(cpu_s),
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def _limit_cpu(seconds: int) -> None:
    """In the child, before exec: SIGXCPU (which ends the process) after `seconds` of CPU
    time, SIGKILL a second later if it is caught."""
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
