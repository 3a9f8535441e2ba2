"""Recording at the gateway and answering from the recording, without sandboxes: real litellm
against the fake server, a real archive (SQLite), and the playback handler."""

from __future__ import annotations

from pathlib import Path

import pytest

from godelbox.archive.db import MIGRATIONS, migrate
from godelbox.archive.recordings import TapeReader
from godelbox.archive.store import Archive
from godelbox.config import Config, dump_toml
from godelbox.proposer.llm import LLMClient
from godelbox.sandbox.gateway import Gateway
from godelbox.sandbox.gateway_server import Refusal
from godelbox.sandbox.playback import Playback
from godelbox.sandbox.recording import PURPOSE_TASK, Recorder, Tape, assemble_request

SYSTEM = {"role": "system", "content": "You are a careful engineer. " * 200}


def _conversation(turns: int) -> dict:
    messages = [SYSTEM, {"role": "user", "content": "fix the bug"}]
    for n in range(turns):
        messages.append({"role": "assistant", "content": f"step {n}"})
        messages.append({"role": "user", "content": f"observation {n}: ok in 0.0{n}s"})
    return {"model": "agent", "messages": messages, "temperature": 0}


def _record(fake_llm, bodies: list, max_bytes: int = 10**7) -> tuple[Tape, list]:
    client = LLMClient(fake_llm.models(), fake_llm.llm_section(), lambda _: None)
    recorder = Recorder("t1", PURPOSE_TASK, {"roles": ["agent"]}, max_bytes)
    gateway = Gateway(
        client, on_call=lambda _: None, budget_usd=1.0, budget_tokens=10**6, recorder=recorder
    )
    answers: list = []
    for body in bodies:
        try:
            answers.append(gateway.handle(body))
        except Refusal as refusal:
            answers.append(refusal)
    return recorder.tape(), answers


def _stored(tmp_path: Path, tape: Tape):
    archive = Archive.create(tmp_path / "run", dump_toml(Config()))
    node = archive.add_node(parent_id=None, commit_sha="0" * 40)
    archive.record_tape(node, tape)
    reader = TapeReader(archive.engine)
    (stored,) = reader.tapes(node)
    return archive, node, stored


def test_each_exchange_is_kept_in_order_as_sent_and_as_returned(fake_llm, tmp_path):
    fake_llm.script(fake_llm.text("one"), fake_llm.text("two"))
    bodies = [_conversation(0), _conversation(1), {"model": "judge", "messages": []}]
    tape, answers = _record(fake_llm, bodies)
    assert tape.calls == 3 and len(tape.exchanges) == 3 and not tape.truncated
    archive, _node, stored = _stored(tmp_path, tape)
    assert [c.request for c in stored.exchanges] == bodies  # as the agent sent them
    # the gateway set max_tokens on the way out; the recorded request has none
    assert "max_tokens" not in stored.exchanges[0].request
    assert "max_tokens" in fake_llm.requests[0].body
    assert [c.response for c in stored.exchanges[:2]] == answers[:2]
    refused = stored.exchanges[2].refusal
    assert refused and refused.status == 400 and "unknown model" in refused.message
    archive.close()


def test_history_is_stored_once_and_compressed(fake_llm):
    fake_llm.fallback = fake_llm.text("ok")
    tape, _ = _record(fake_llm, [_conversation(n) for n in range(6)])
    raw_sent = sum(len(str(_conversation(n))) for n in range(6))
    # the 5.6 kB system prompt is one blob, whatever the number of calls
    assert tape.stored_bytes < raw_sent / 10
    assert tape.raw_bytes < raw_sent / 3


def test_a_tape_past_its_bound_is_cut_at_the_first_call_not_kept(fake_llm):
    fake_llm.fallback = fake_llm.text("ok")
    tape, answers = _record(fake_llm, [_conversation(0)] + [_conversation(9)] * 2, 400)
    assert tape.truncated and tape.calls == 3
    assert len(tape.exchanges) < 3
    assert all(isinstance(a, dict) for a in answers)  # the agent never notices


def test_playback_answers_from_the_recording_and_reports_divergences(fake_llm, tmp_path):
    fake_llm.script(fake_llm.text("one"), fake_llm.text("two"))
    bodies = [_conversation(0), _conversation(1), {"model": "judge", "messages": []}]
    tape, answers = _record(fake_llm, bodies)
    archive, _node, stored = _stored(tmp_path, tape)
    sent_before = len(fake_llm.requests)

    same = Playback("t1", [stored])
    assert same.handle(_conversation(0)) == answers[0]
    # a duration in an observation is not a divergence in normalized mode
    rerun = _conversation(1)
    rerun["messages"][-1]["content"] = "observation 0: ok in 0.73s"
    assert same.handle(rerun) == answers[1]
    with pytest.raises(Refusal) as refused:
        same.handle(bodies[2])
    assert refused.value.status == 400  # the recorded refusal, replayed
    assert same.finish() is None and same.answered == 3

    exact = Playback("t1", [stored], match="exact")
    exact.handle(_conversation(0))
    with pytest.raises(Refusal) as stopped:
        exact.handle(rerun)
    assert stopped.value.status == 409
    divergence = exact.finish()
    assert divergence and divergence.call == 2 and divergence.task_id == "t1"
    assert "-observation 0: ok in 0.00s" in divergence.diff
    assert "+observation 0: ok in 0.73s" in divergence.diff
    assert len(fake_llm.requests) == sent_before  # no model was called
    archive.close()


def test_going_live_after_a_divergence_and_stopping_early(fake_llm, tmp_path):
    fake_llm.script(fake_llm.text("one"), fake_llm.text("two"))
    tape, _answers = _record(fake_llm, [_conversation(0), _conversation(1)])
    archive, _node, stored = _stored(tmp_path, tape)
    live_calls: list = []
    live = Playback(
        "t1",
        [stored],
        on_divergence="live",
        live=lambda body: live_calls.append(body) or {"live": True},
    )
    changed = _conversation(0)
    changed["messages"][1]["content"] = "fix the other bug"
    assert live.handle(changed) == {"live": True}
    assert live.handle(_conversation(1)) == {"live": True}  # live from there on
    assert live.finish().call == 1 and len(live_calls) == 2

    early = Playback("t1", [stored])
    early.handle(_conversation(0))
    divergence = early.finish()
    assert divergence and divergence.call == 2 and "made 1 call(s)" in divergence.reason
    archive.close()


def test_request_parts_round_trip_odd_bodies():
    blobs: dict = {}

    def put(value):
        key = str(len(blobs))
        blobs[key] = value
        return key

    from godelbox.sandbox.recording import request_parts

    for body in ([1, 2], {"messages": "x"}, {"messages": [], "tools": None}, "text"):
        assert assemble_request(request_parts(body, put), blobs.__getitem__) == body


def test_an_archive_from_before_recordings_gains_the_tables(tmp_path):
    archive = Archive.create(tmp_path / "run", dump_toml(Config()))
    with archive.engine.begin() as conn:
        for table in ("recorded_exchange", "sandbox_tape", "exchange_blob"):
            conn.exec_driver_sql(f"DROP TABLE {table}")
        before = 1 + next(i for i, m in enumerate(MIGRATIONS) if "recordings" in m.__name__)
        conn.exec_driver_sql(
            f"UPDATE godelbox_meta SET value = '{before}' WHERE key = 'schema_version'"
        )
    assert not TapeReader(archive.engine).has_recordings()
    assert migrate(archive.engine) == 1 + len(MIGRATIONS)
    node = archive.add_node(parent_id=None, commit_sha="0" * 40)
    archive.record_tape(node, Tape("t", PURPOSE_TASK, {}))
    assert TapeReader(archive.engine).has_recordings()
    archive.close()


def test_live_calls_after_a_divergence_go_through_the_budget_rules(fake_llm, tmp_path):
    fake_llm.script(fake_llm.text("recorded"))
    tape, _ = _record(fake_llm, [_conversation(0)])
    archive, _node, stored = _stored(tmp_path, tape)
    fake_llm.script(fake_llm.text("live answer", tokens=(2500, 10)))
    client = LLMClient(fake_llm.models(), fake_llm.llm_section(), lambda _: None)
    budget = Gateway(client, on_call=lambda _: None, budget_usd=1.0, budget_tokens=3000)
    live = Playback("t1", [stored], on_divergence="live", live=budget.handle)
    changed = _conversation(0)
    changed["messages"][1]["content"] = "fix the other bug"
    answer = live.handle(changed)
    assert answer["choices"][0]["message"]["content"] == "live answer"
    assert fake_llm.requests[-1].body["messages"][1]["content"] == "fix the other bug"
    with pytest.raises(Refusal) as refused:  # the sandbox's token budget holds when live
        live.handle(_conversation(3))
    assert refused.value.status == 402
    assert live.finish().call == 1 and live.live_calls == 2
    archive.close()
