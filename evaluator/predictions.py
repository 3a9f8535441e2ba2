"""Another tool's SWE-bench predictions as a solver: each instance's `model_patch` is its answer.

The file is SWE-bench's predictions format: JSONL (or a JSON list) of objects with
`instance_id`, `model_name_or_path` and `model_patch` (a unified diff, empty or null for no
answer). Grading is godelbox's own, so a predictions file grades exactly as the same patches
would have graded had an agent of ours written them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from godelbox.errors import UserError
from godelbox.evaluator.benchmark import Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import Solution

FIELDS = ("instance_id", "model_name_or_path", "model_patch")


class InvalidPredictionsError(UserError):
    """The predictions file is not in SWE-bench's format."""


@dataclass(frozen=True)
class Prediction:
    instance_id: str
    model_name_or_path: str
    model_patch: str | None


def load_predictions(path: Path) -> dict[str, Prediction]:
    if not path.is_file():
        raise InvalidPredictionsError(f"predictions file {path} does not exist")
    text = path.read_text(encoding="utf-8")
    try:
        rows = (
            json.loads(text)
            if text.lstrip().startswith("[")
            else [json.loads(line) for line in text.splitlines() if line.strip()]
        )
    except json.JSONDecodeError as err:
        raise InvalidPredictionsError(f"{path}: not JSON lines ({err})") from None
    predictions: dict[str, Prediction] = {}
    for number, row in enumerate(rows, 1):
        missing = [f for f in FIELDS if not isinstance(row, dict) or f not in row]
        if missing:
            raise InvalidPredictionsError(
                f"{path}: prediction {number} lacks {', '.join(missing)}; each needs "
                f"{', '.join(FIELDS)}"
            )
        patch = row["model_patch"]
        if patch is not None and not isinstance(patch, str):
            raise InvalidPredictionsError(f"{path}: prediction {number}: model_patch must be text")
        instance_id = str(row["instance_id"])
        if instance_id in predictions:
            raise InvalidPredictionsError(f"{path}: two predictions for {instance_id}")
        predictions[instance_id] = Prediction(instance_id, str(row["model_name_or_path"]), patch)
    if not predictions:
        raise InvalidPredictionsError(f"{path} holds no predictions")
    return predictions


def predictions_identity(path: Path) -> str:
    return f"predictions:{path.resolve()}@{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"


@dataclass(frozen=True)
class PredictionSolver:
    predictions: dict[str, Prediction]
    name: str = "predictions"

    def solve(self, ctx: EvalContext, task: Task, workspace: Path, problem: str) -> Solution:
        prediction = self.predictions.get(task.task_id)
        patch = prediction.model_patch if prediction is not None else None
        return Solution(patch=patch or "")
