"""Exports of recorded lineages: to share how an agent came to be, or as fine-tuning data.

`lineage_document` is one JSON document for the lineage seed → NODE: per node its proposal (the
diagnosis and problem statement behind it), its diff against its parent, its per-task outcomes,
and every recorded sandbox (the self-edit that wrote it, each task it was evaluated on) with
each call's request as the agent sent it and the response or refusal it got, plus the model
settings it ran under. Someone without the run dir can read it, or `godelbox replay` a copy.

`exchange_records` turns the same recordings into chat-format SFT rows: the request's messages
followed by the assistant message the model answered, with the tools list, and where the row
came from (node, task, call, the task's outcome) so a consumer can keep only resolved tasks.

Only API key variable names are in the settings, never a key. JSON escapes every control
character, so the text is safe to write; nothing here prints it to a terminal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from godelbox.archive.recordings import TapeReader
from godelbox.config import CONFIG_FILE_NAME, load_config
from godelbox.sandbox.recording import PURPOSE_TASK, StoredTape
from godelbox.tui.archive_reader import ArchiveReader
from godelbox.tui.node_diffs import NodeDiffs

FORMAT = "godelbox-lineage/1"


def lineage_document(reader: ArchiveReader, node_id: int) -> dict[str, Any]:
    config = load_config(reader.run_dir / CONFIG_FILE_NAME, env={}).config
    tapes = TapeReader(reader.engine)
    recorded = tapes.has_recordings()
    diffs = NodeDiffs.for_run(reader)
    nodes = []
    for step in reader.lineage(node_id):
        detail = reader.detail(step)
        nodes.append(
            {
                "id": step,
                "parent_id": detail.summary.parent_id,
                "commit": detail.commit_sha,
                "status": str(detail.summary.status),
                "score": detail.summary.score,
                "proposal": detail.proposal,
                "diff": diffs.vs_parent(step),
                "tasks": reader.task_outcomes(step),
                "sandboxes": [_sandbox(t) for t in tapes.tapes(step)] if recorded else [],
            }
        )
    return {
        "format": FORMAT,
        "node": node_id,
        "models": config.models.model_dump(mode="json"),
        "llm": config.llm.model_dump(mode="json"),
        "lineage": nodes,
    }


def _sandbox(tape: StoredTape) -> dict[str, Any]:
    return {
        "task_id": tape.task_id,
        "purpose": tape.purpose,
        "settings": tape.settings,
        "calls": tape.calls,
        "truncated": tape.truncated,
        "exchanges": [
            {
                "call": call.seq + 1,
                "request": call.request,
                "response": call.response,
                "refusal": call.refusal.to_dict() if call.refusal else None,
            }
            for call in tape.exchanges
        ],
    }


def exchange_records(
    reader: ArchiveReader, node_id: int | None = None, resolved_only: bool = False
) -> Iterator[dict[str, Any]]:
    """SFT rows for the lineage of `node_id` (every node when None), oldest node first."""
    tapes = TapeReader(reader.engine)
    if not tapes.has_recordings():
        return
    ids = reader.lineage(node_id) if node_id is not None else [n.id for n in reader.all_summaries()]
    for step in ids:
        outcomes = reader.task_outcomes(step)
        for tape in tapes.tapes(step):
            outcome = outcomes.get(tape.task_id) if tape.purpose == PURPOSE_TASK else None
            if resolved_only and outcome != "resolved":
                continue
            for call in tape.exchanges:
                row = _chat_row(call.request, call.response)
                if row is None:
                    continue
                row["meta"] = {
                    "node": step,
                    "task_id": tape.task_id,
                    "purpose": tape.purpose,
                    "call": call.seq + 1,
                    "outcome": outcome,
                }
                yield row


def _chat_row(request: Any, response: dict[str, Any] | None) -> dict[str, Any] | None:
    """messages + the answer; None for refusals and bodies that are not chat requests."""
    if response is None or not isinstance(request, dict):
        return None
    messages = request.get("messages")
    choices = response.get("choices") or []
    if not isinstance(messages, list) or not choices or not isinstance(choices[0], dict):
        return None
    answer = choices[0].get("message")
    if not isinstance(answer, dict):
        return None
    row: dict[str, Any] = {"messages": [*messages, answer]}
    if request.get("tools"):
        row["tools"] = request["tools"]
    return row
