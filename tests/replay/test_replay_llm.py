"""An LLM lineage replays exactly from its recording, with the model server stopped.

A real 3-generation DGM run (real docker, real git, real SQLite, litellm against the scripted
fake server) records every gateway exchange. Then the server is stopped and the lineage is
rerun: every node's per-task outcomes must come back identical, every agent call answered from
the recording. An agent edited after the fact diverges, and the replay names the first call
that differs (node, task, call number, diff).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from godelbox.archive.codestore import CodeStore
from godelbox.archive.recordings import TapeReader
from godelbox.archive.store import CODE_DIR, Archive
from godelbox.rerun import rerun_from_snapshot
from godelbox.sandbox.recording import PURPOSE_SELF_EDIT, PURPOSE_TASK
from godelbox.tui.archive_reader import ArchiveReader
from tests.daemon.runs import check_invariants, run_to_end, write_config
from tests.fixtures.fake_llm import FAKE_PRICE_IN, FAKE_PRICE_OUT, ScriptedReply

pytestmark = [pytest.mark.docker, pytest.mark.timeout(2700)]
"""The recorded run is three generations of real sandboxes: minutes, more on a loaded machine."""

DIAGNOSIS = {
    "log_summarization": "The agent changed the wrong default.",
    "potential_improvements": ["note the defaults"],
    "improvement_proposal": "Remind the agent to check default arguments.",
    "implementation_suggestion": "Add a comment to config.py.",
    "problem_description": "Make the agent check default arguments first.",
}
FIX = "sed -i 's/factor: float = 1.0/factor: float = 2.0/' backoff/schedule.py; echo edited"
NOTE = "echo '# check default arguments first' >> config.py"


def _tool(name: str, arguments: dict[str, Any], call_id: str) -> ScriptedReply:
    call = {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }
    return ScriptedReply(content=None, tool_calls=[call], finish_reason="tool_calls")


def reply(body: dict[str, Any]) -> ScriptedReply:
    """Diagnoses get DGM's JSON; the self-editing parent appends a comment to its config.py;
    an evaluated agent runs one deterministic command (it fixes builtin__backoff-11, and fails
    harmlessly elsewhere), then submits."""
    if body["model"] == "fake-diagnose":
        return ScriptedReply(content=json.dumps(DIAGNOSIS))
    acted = any(m.get("role") == "tool" for m in body["messages"])
    if acted:
        return _tool("submit", {}, "call_2")
    command = NOTE if body["model"] == "fake-implement" else FIX
    return _tool("bash", {"command": command}, "call_1")


def _models(url: str) -> str:
    prices = "".join(
        f'\n[[llm.prices]]\nmodel = "openai/fake-{role}"\n'
        f"input_usd_per_token = {FAKE_PRICE_IN}\noutput_usd_per_token = {FAKE_PRICE_OUT}\n"
        for role in ("diagnose", "implement", "agent")
    )
    return (
        f'\n[models]\ndiagnose = "openai/fake-diagnose"\nimplement = "openai/fake-implement"\n'
        f'agent = "openai/fake-agent"\napi_base = "{url}"\n'
        f"\n[llm]\ntimeout_s = 20.0\nmax_retries = 1\nbackoff_s = 0.01\n" + prices
    )


@pytest.fixture(scope="module")
def recorded_run(tmp_path_factory, agent_image) -> Path:
    """A 3-generation run (seed + one child per generation) with every exchange recorded."""
    from tests.fixtures.fake_llm import FakeLLM

    tmp = tmp_path_factory.mktemp("replay")
    fake = FakeLLM().start()
    fake.fallback = reply
    mp = pytest.MonkeyPatch()
    mp.setenv("OPENAI_API_KEY", "sk-godelbox-fake-4f1c9e2a7b")
    try:
        config = write_config(
            tmp / "llm.toml",
            agent_image,
            tasks=2,
            children=1,
            iterations=3,
            extra=_models(fake.url),
        )
        run_to_end(tmp / "run", "--config", str(config), timeout_s=1500)
    finally:
        fake.stop()  # the replays below run with no model server at all
        mp.undo()
    return tmp / "run"


def test_lineage_reproduces_from_the_recording_with_no_model(recorded_run):
    check_invariants(recorded_run)
    with Archive.open(recorded_run) as archive:
        nodes = archive.nodes()
    assert len(nodes) == 4, [(n.id, n.status, n.reason) for n in nodes]
    last = nodes[-1].id or 0
    reader = ArchiveReader.open(recorded_run)
    try:
        tapes = TapeReader(reader.engine)
        for node in nodes:
            task_tapes = tapes.tapes(node.id or 0, purpose=PURPOSE_TASK)
            assert {t.task_id for t in task_tapes} == set(reader.task_outcomes(node.id or 0))
            assert all(t.calls == 2 == len(t.exchanges) and not t.truncated for t in task_tapes)
            first = task_tapes[0].exchanges[0]
            assert first.request["model"] == "agent" and first.response["choices"]
            assert "api_key" not in json.dumps(task_tapes[0].settings).replace("api_key_env", "")
            if node.parent_id is not None:  # each child's self-edit is recorded on the child
                (edit,) = tapes.tapes(node.id or 0, purpose=PURPOSE_SELF_EDIT)
                assert edit.calls == 2 and edit.settings["roles"] == ["implement"]
        steps = rerun_from_snapshot(reader, last)
    finally:
        reader.close()
    assert [s.node_id for s in steps] == [n.id for n in nodes]
    for step in steps:
        assert step.rerun == step.recorded, step.node_id  # every outcome, exactly
        assert not step.divergences
        assert step.answered == 2 * len(step.recorded) and step.live_calls == 0
    outcomes = {o for s in steps for o in s.rerun.values()}
    assert outcomes == {"resolved", "unresolved"}, outcomes


def test_edited_agent_diverges_at_the_first_differing_call(recorded_run, tmp_path):
    with Archive.open(recorded_run) as archive:
        last = archive.nodes()[-1]
    edited = tmp_path / "edited"
    CodeStore(recorded_run / CODE_DIR).checkout(last.commit_sha, edited)
    config = edited / "config.py"
    text = config.read_text()
    assert "You change files so that" in text
    config.write_text(text.replace("You change files so that", "You edit files so that"))
    replay = ["replay", str(recorded_run), str(last.id), "--rerun", "--agent", str(edited)]
    done = subprocess.run(
        [sys.executable, "-m", "godelbox", *replay],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert f"DIVERGED at node #{last.id}, task builtin__" in out
    assert ", call 1: the request differs from the recorded one" in out
    assert "-You change files so that" in out and "+You edit files so that" in out
    assert f"first divergence: node #{last.id}" in out
    # the ancestors before it replayed cleanly from the recording
    assert out.count("reproduced (2 tasks)") == 3
    shutil.rmtree(edited)
