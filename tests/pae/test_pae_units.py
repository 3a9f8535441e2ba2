"""PAE parts without a sandbox: de-duplication, the audit's arithmetic, SFT record validation,
trajectory extraction, the judge's structured output and its failure on garbage, and the
schema migration that adds the PAE tables to an older archive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect

from godelbox.archive.db import MIGRATIONS, migrate
from godelbox.archive.pae_models import PAE_TABLES, SELF_TABLES
from godelbox.archive.store import Archive
from godelbox.config import Config, dump_toml
from godelbox.llm.client import LLMCallRecord, LLMClient
from godelbox.proposer.pae.audit import audit
from godelbox.proposer.pae.dedupe import Known, find_duplicate, jaccard, text_hash
from godelbox.proposer.pae.judge import Judge
from godelbox.proposer.pae.sft import InvalidRecordError, chat_record, validate_jsonl
from godelbox.proposer.pae.trajectory import trajectory_from_log
from tests.fixtures.fake_llm import FakeLLM


def test_exact_and_near_duplicates_are_found_unrelated_text_is_not() -> None:
    known = [Known(1, "Parse dates in ISO format.", text_hash("Parse dates in ISO format."))]
    exact = find_duplicate("parse   DATES in iso format", known, threshold=0.8)
    assert exact is not None and exact.exact and exact.of.task_id == 1
    text = "the cache never evicts old entries when it is full so memory grows"
    near = find_duplicate(text + " forever", [Known(2, text, text_hash(text))], 0.8)
    assert near is not None and not near.exact and near.similarity == pytest.approx(13 / 14)
    assert find_duplicate("add a --verbose flag", known, 0.8) is None
    assert jaccard("a b", "c d") == 0.0


def test_audit_counts_the_confusion_matrix_and_flags_a_weak_judge() -> None:
    pairs = [(True, True), (True, False), (False, True), (False, False), (True, True)]
    pairs += [(None, True), (True, None)]  # a judge error; an attempt without ground truth
    result = audit(pairs, min_agreement=0.8)
    assert (result.true_pos, result.false_pos, result.false_neg, result.true_neg) == (2, 1, 1, 1)
    assert result.judged == 5 and result.judge_errors == 1
    assert result.agreement == pytest.approx(0.6) and result.flagged
    assert "BELOW pae.judge_min_agreement" in result.describe()
    good = audit([(True, True), (False, False)], min_agreement=0.8)
    assert good.agreement == 1.0 and not good.flagged
    erring = audit([(None, True), (None, False), (True, True)], min_agreement=0.5)
    assert erring.flagged  # more judge errors than verdicts: unusable whatever its agreement


def test_chat_records_end_with_the_assistant_and_bad_lines_are_named() -> None:
    messages = [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "task"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function"}]},
        {"role": "tool", "tool_call_id": "c1", "content": "ok"},
        {"role": "assistant", "content": "done"},
        {"role": "user", "content": "a trailing observation"},
    ]
    record = chat_record(messages)
    assert record is not None
    assert [m["role"] for m in record["messages"]] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
    ]
    assert record["messages"][2]["content"] == ""
    assert chat_record([{"role": "user", "content": "no system"}]) is None
    good = json.dumps(record)
    assert validate_jsonl(good + "\n" + good) == 2
    bad = json.dumps({"messages": [{"role": "system", "content": "s"}]})
    with pytest.raises(InvalidRecordError, match="line 2"):
        validate_jsonl(good + "\n" + bad)


def test_trajectory_is_read_from_the_collected_log_and_a_cut_one_is_refused() -> None:
    messages = [{"role": "system", "content": "== not a header =="}]
    body = json.dumps({"messages": messages}, indent=1)
    log = f"== agent ended: exit ==\n== agent.log ==\nhi\n== trajectory.json ==\n{body}\n"
    assert trajectory_from_log(log) == messages
    assert trajectory_from_log(log + "== zz.txt ==\nmore") == messages
    assert trajectory_from_log(log[: len(log) // 2 + 40]) is None
    assert trajectory_from_log("no trajectory here") is None


def _judge(fake_llm: FakeLLM, calls: list[LLMCallRecord]) -> Judge:
    return Judge(LLMClient(fake_llm.models(), fake_llm.llm_section(), calls.append))


def test_judge_returns_a_structured_verdict(fake_llm: FakeLLM) -> None:
    fake_llm.script(fake_llm.text('```json\n{"success": false, "reason": "no change"}\n```'))
    calls: list[LLMCallRecord] = []
    verdict = _judge(fake_llm, calls).coding("fix it", "", "[assistant] submit")
    assert (verdict.success, verdict.reason, verdict.error) == (False, "no change", None)
    sent = fake_llm.requests[0].body
    assert sent["model"] == "fake-judge"
    assert "(empty: the agent changed nothing)" in sent["messages"][1]["content"]


def test_judge_with_garbage_output_gets_one_repair_then_a_recorded_failure(
    fake_llm: FakeLLM,
) -> None:
    fake_llm.script(fake_llm.text("I think it worked?"), fake_llm.text("{'success': maybe}"))
    calls: list[LLMCallRecord] = []
    verdict = _judge(fake_llm, calls).web("click the button", "<button>", "clicked")
    assert verdict.success is None
    assert verdict.error is not None and "after one repair attempt" in verdict.error
    assert len(fake_llm.requests) == 2 and len(calls) == 2
    repair = fake_llm.requests[1].body["messages"]
    assert "could not be used" in repair[-1]["content"]
    assert audit([(verdict.success, True)], 0.8).judge_errors == 1


def test_an_older_archive_gains_the_pae_tables_on_open(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    Archive.create(run_dir, dump_toml(Config())).close()
    archive = Archive.open(run_dir)
    names = [t.name for t in (*PAE_TABLES, *SELF_TABLES)]
    with archive.engine.begin() as conn:
        for name in reversed(names):
            conn.exec_driver_sql(f"DROP TABLE {name}")
        # The version just before the PAE migration, wherever it sits in the registry.
        before = 1 + next(i for i, m in enumerate(MIGRATIONS) if "pae" in m.__name__)
        conn.exec_driver_sql(
            f"UPDATE godelbox_meta SET value = '{before}' WHERE key = 'schema_version'"
        )
    assert migrate(archive.engine) == 1 + len(MIGRATIONS)
    assert set(names) <= set(inspect(archive.engine).get_table_names())
    archive.close()


def test_sft_export_takes_resolved_evolution_evaluations_with_a_trajectory(
    tmp_path: Path,
) -> None:
    from godelbox.archive.models import Outcome
    from godelbox.proposer.pae.export import sft_jsonl

    run_dir = tmp_path / "run"
    archive = Archive.create(run_dir, dump_toml(Config()))
    node = archive.add_node(parent_id=None, commit_sha="0" * 40)
    chat = [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "fix the bug"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function"}]},
    ]
    body = json.dumps({"messages": chat}, indent=1)
    for task, outcome, log in [
        ("solved", Outcome.RESOLVED, f"== agent ended: exit ==\n== trajectory.json ==\n{body}\n"),
        ("failed", Outcome.UNRESOLVED, f"== trajectory.json ==\n{body}\n"),
        ("no-trajectory", Outcome.RESOLVED, "== agent ended: exit ==\nstdout only\n"),
    ]:
        (run_dir / "logs").mkdir(exist_ok=True)
        (run_dir / "logs" / f"{task}.log").write_text(log)
        archive.record_evaluation(
            node, stage=0, task_id=task, outcome=outcome, log_path=f"logs/{task}.log"
        )
    text = sft_jsonl(archive)
    archive.close()
    assert validate_jsonl(text) == 1
    assert json.loads(text)["messages"] == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "fix the bug"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function"}]},
    ]


def test_pae_rows_round_trip_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    from godelbox.archive.pae_models import JudgeAudit, JudgedAttempt, ProposedStatus, ProposedTask
    from godelbox.archive.pae_store import PAEStore

    config = Config()
    config.archive.database_url = postgres_url
    archive = Archive.create(tmp_path / "run", dump_toml(config))
    store = PAEStore(archive.engine)
    task = store.put(
        ProposedTask(
            kind="coding",
            status=ProposedStatus.ACCEPTED,
            text_hash=text_hash("t"),
            text="t",
            payload={"FAIL_TO_PASS": ["tests/test_a.py::test_a"]},
            model="m",
            prompt_hash="0" * 64,
            context_id="ctx",
        )
    )
    audit_row = store.put(JudgeAudit(kind="coding", judge_model="j", judged=1, agreement=1.0))
    attempt = store.put(
        JudgedAttempt(
            task_id="pae__ctx-1",
            proposed_task_id=task.id,
            kind="coding",
            judge_success=True,
            ground_truth=True,
            trajectory=[{"role": "system", "content": "s"}],
        )
    )
    attempt.audit_id = audit_row.id
    store.put(attempt)
    [stored] = store.attempts(judged_success=True)
    [accepted] = store.tasks(status=ProposedStatus.ACCEPTED)
    archive.close()
    assert stored.audit_id == audit_row.id and stored.trajectory == [
        {"role": "system", "content": "s"}
    ]
    assert accepted.payload == task.payload
