"""One coding task in SWE-bench format, shared by the built-in suite and the SWE-bench adapter.

Field names are exactly SWE-bench's so a row of an official JSONL maps onto it one to one. The
fields SWE-bench does not have (`workspace`, `image`, `split`, `metadata`) say where the repository
snapshot comes from when it is not cloned from GitHub, and carry data the agent never sees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from godelbox.errors import UserError


class InvalidInstanceError(UserError):
    """A task row lacks a required field or has one of the wrong type."""


REQUIRED_FIELDS = (
    "instance_id",
    "repo",
    "base_commit",
    "problem_statement",
    "patch",
    "test_patch",
    "FAIL_TO_PASS",
    "PASS_TO_PASS",
)


@dataclass(frozen=True)
class SWEInstance:
    """A repository at `base_commit`, an issue, the hidden tests and the gold fix.

    `patch` (the gold fix) and `test_patch` (the hidden tests) are unified diffs applied with
    `git apply -p1`; `FAIL_TO_PASS` / `PASS_TO_PASS` are pytest node ids. The instance is resolved
    when, after the model patch and `test_patch` are applied, every listed test passes.
    """

    instance_id: str
    repo: str
    base_commit: str
    problem_statement: str
    patch: str
    test_patch: str
    FAIL_TO_PASS: list[str]
    PASS_TO_PASS: list[str]
    workspace: Path | None = None
    image: str | None = None
    split: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    version: str = ""
    """The repository's version in SWE-bench's sense: picks the official test command."""
    environment_setup_commit: str = ""

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> SWEInstance:
        """Build from a SWE-bench row; test lists may be JSON-encoded strings, as on the Hub."""
        missing = [name for name in REQUIRED_FIELDS if name not in row]
        if missing:
            where = row.get("instance_id", "<no instance_id>")
            raise InvalidInstanceError(
                f"task {where} lacks {', '.join(missing)}; every SWE-bench row needs "
                f"{', '.join(REQUIRED_FIELDS)}"
            )
        workspace = row.get("workspace")
        return cls(
            instance_id=str(row["instance_id"]),
            repo=str(row["repo"]),
            base_commit=str(row["base_commit"]),
            problem_statement=str(row["problem_statement"]),
            patch=str(row["patch"]),
            test_patch=str(row["test_patch"]),
            FAIL_TO_PASS=_test_ids(row, "FAIL_TO_PASS"),
            PASS_TO_PASS=_test_ids(row, "PASS_TO_PASS"),
            workspace=Path(workspace) if workspace else None,
            image=row.get("image"),
            split=row.get("split"),
            metadata=dict(row.get("metadata") or {}),
            version=str(row.get("version") or ""),
            environment_setup_commit=str(row.get("environment_setup_commit") or ""),
        )


def _test_ids(row: dict[str, Any], name: str) -> list[str]:
    value = row[name]
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as err:
            raise InvalidInstanceError(
                f"task {row['instance_id']}: {name} is a string but not a JSON list ({err})"
            ) from err
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidInstanceError(
            f"task {row['instance_id']}: {name} must be a list of pytest ids, got {value!r}"
        )
    return list(value)
