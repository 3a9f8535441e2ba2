"""What a run leaves behind in LOG_DIR: `trajectory.json` (the whole conversation and one record
per step, for machines: the proposer diagnoses from it) and `agent.log` (the same story for
people, appended as it happens)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any


class Recorder:
    def __init__(self, log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / "agent.log"
        self.trajectory_path = log_dir / "trajectory.json"

    def log(self, title: str, body: str = "") -> None:
        stamp = time.strftime("%H:%M:%S")
        with self.log_path.open("a", encoding="utf-8") as f:
            f.write(f"{stamp} {title}\n")
            if body:
                f.write(body.rstrip("\n") + "\n")

    def save(self, trajectory: dict[str, Any]) -> None:
        """Write atomically: a run killed mid-write still leaves the previous complete file."""
        tmp = self.trajectory_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(trajectory, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.trajectory_path)
