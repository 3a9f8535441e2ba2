"""One configuration for every real-model test: all roles on the local server, answers and time
budgets small enough that the whole directory stays within minutes on 2 cores (the server
answers one request at a time, at tens of tokens per second on an idle machine)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from godelbox.config import Config, dump_toml
from godelbox.llm.client import LLMCallRecord
from godelbox.llm.local import ServerInfo
from tests.fixtures.local_model import local_models

MAX_OUTPUT_TOKENS = 160
TASK_TIMEOUT_S = 60.0
CONTEXT_WINDOW = 4096
"""What the tests tell godelbox the model takes (the server has 8k): half the prompt to process
per call, and every sizing rule (diagnosis evidence, the agent's history) still at work."""


def realmodel_config(info: ServerInfo, agent_image: str, **sections: Any) -> dict[str, Any]:
    """Config data (as a TOML file or `Config.model_validate` takes it); `sections` are merged
    into the defaults here, one level deep."""
    data: dict[str, Any] = {
        "run": {"seed": 7},
        "models": {
            role: {**table, "context_window": CONTEXT_WINDOW}
            for role, table in local_models(info).items()
        },
        "llm": {
            "max_output_tokens": MAX_OUTPUT_TOKENS,
            "timeout_s": 180.0,
            "max_retries": 2,
            "backoff_s": 0.5,
            "run_budget_usd": 1.0,  # local models are free: set to prove it is never touched
        },
        "sandbox": {"backend": "docker", "image": agent_image},
        "evaluation": {
            "bench": "builtin:dev",
            "task_timeout_s": TASK_TIMEOUT_S,
            "workers": 1,
            "stages": [{"tasks": 1, "min_score_to_continue": 1.0}],
        },
        "proposer": {
            "implement_timeout_s": TASK_TIMEOUT_S,
            "self_test_timeout_s": 180.0,
        },
    }
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return data


def realmodel(info: ServerInfo, agent_image: str, **sections: Any) -> Config:
    return Config.model_validate(realmodel_config(info, agent_image, **sections))


def answered(records: list[LLMCallRecord]) -> list[LLMCallRecord]:
    """The calls that got an answer. The server answers one call at a time, so on a loaded
    machine an attempt can time out while others wait: it is recorded as failed and retried
    (the client's documented behaviour). Any other failure is a test failure."""
    failed = [r.error or "" for r in records if not r.ok]
    assert all("Timeout" in e or "timed out" in e for e in failed), failed
    return [r for r in records if r.ok]


def run_iterations(tmp_path: Path, data: dict[str, Any], iterations: int) -> Path:
    """`godelbox run --iterations N` with config `data` in a fresh run dir under `tmp_path`, as
    a user starts it (a subprocess, JSON logs); the run dir once it has exited cleanly."""
    config_file = tmp_path / "godelbox.toml"
    config_file.write_text(dump_toml(Config.model_validate(data)), encoding="utf-8")
    run_dir = tmp_path / "run"
    argv = ["run", str(run_dir), "--config", str(config_file), "--iterations", str(iterations)]
    done = subprocess.run(
        [sys.executable, "-m", "godelbox", *argv, "--log-format", "json"],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return run_dir
