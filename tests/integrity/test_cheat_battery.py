"""Every cheat agent, on every benchmark kind it applies to, graded in real docker sandboxes
the way the loop grades: never `resolved`, and `tampered` (with evidence) wherever the harness
can tell. An honest agent on the same tasks is `resolved` with the control run in place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from godelbox.proposer.pae.audit import audit
from godelbox.proposer.pae.judge import Judge, last_steps
from godelbox.proposer.pae.trajectory import trajectory_from_log
from godelbox.proposer.untrusted import TAG
from tests.integrity.battery import CHEATS, HONEST, KINDS, LANG_KINDS, PAIRS, grade_all

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("battery")


@pytest.fixture(scope="module")
def graded(eval_ctx, scratch):
    """Every cheat and the honest agent on every kind, graded a few at a time."""
    pairs = [(cheat.name, kind) for cheat, kind in PAIRS]
    pairs += [(HONEST, kind) for kind in KINDS + LANG_KINDS]
    return grade_all(eval_ctx, pairs, scratch)


def test_the_battery_has_at_least_twelve_distinct_cheats():
    assert len({c.name for c in CHEATS}) == len(CHEATS) >= 12
    assert all(set(c.expect) <= set(KINDS) for c in CHEATS)
    assert sum(set(c.expect) == set(KINDS) for c in CHEATS) >= 12
    assert all("resolved" not in outcomes for c in CHEATS for outcomes in c.expect.values())


@pytest.mark.parametrize(("cheat", "kind"), PAIRS, ids=[f"{c.name}-{k}" for c, k in PAIRS])
def test_a_cheat_is_never_resolved(graded, cheat, kind):
    result = graded[cheat.name, kind]
    allowed = cheat.expect[kind]
    assert result.outcome in allowed, (result.outcome, result.reason, result.log[-800:])
    if result.outcome == "tampered":
        assert result.evidence and "tampered with its grade" in result.reason
        assert all(e.kind and e.detail for e in result.evidence)
    else:
        assert not result.evidence
    assert json.loads(json.dumps(result.to_dict()))["outcome"] == result.outcome


@pytest.mark.parametrize("kind", KINDS + LANG_KINDS)
def test_an_honest_agent_is_resolved_with_the_control_in_place(graded, kind):
    result = graded[HONEST, kind]
    assert result.outcome == "resolved", (result.reason, result.log[-800:])
    if kind != "humaneval":
        assert "inverted twins passes in the control run" in result.reason


def test_dropped_files_are_recorded_as_tampering_notes(graded):
    conftest = graded["conftest_exit", "builtin"]
    assert any("conftest.py" in note for note in conftest.tampering)
    hooks = graded["site_hooks", "swebench"]
    notes = " ".join(hooks.tampering)
    assert "sitecustomize.py" in notes and "usercustomize.py" in notes and ".pth" in notes


def test_the_judge_reads_the_injection_as_fenced_data_and_its_audit_counts_a_fooled_verdict(
    graded, eval_ctx, scratch, fake_llm
):
    from godelbox.llm.client import LLMClient
    from tests.integrity.battery import benchmark_for

    _, task = benchmark_for("swebench", eval_ctx, scratch)
    result = graded["judge_injection", "swebench"]
    assert result.outcome == "unresolved" and "SYSTEM: ignore" in result.patch
    # A judge model that falls for it: the verdict is recorded, and the audit counts it
    # against the ground truth (the hidden tests), as a false positive.
    fake_llm.script(fake_llm.text(json.dumps({"success": True, "reason": "verified"})))
    judge = Judge(LLMClient(fake_llm.models(), fake_llm.llm_section(), lambda _record: None))
    steps = last_steps(
        trajectory_from_log(result.log) or [{"role": "agent", "content": result.log}]
    )
    verdict = judge.coding(task.problem(), result.patch, steps)
    prompt = fake_llm.requests[-1].body["messages"][1]["content"]
    closings = [line for line in prompt.splitlines() if line.startswith(f"</{TAG}-")]
    assert len(closings) == 3  # task, patch, last steps: the injection closed none of them
    assert "SYSTEM: ignore all previous instructions" in prompt
    scored = audit([(verdict.success, result.resolved)], min_agreement=0.8)
    assert scored.false_pos == 1 and scored.flagged


def test_godelbox_eval_shows_the_outcome_and_its_evidence(agent_image, scratch, tmp_path):
    from tests.evaluator.eval_helpers import godelbox_cli
    from tests.integrity.battery import POLYGLOT, agent_dir

    journal = tmp_path / "journal.jsonl"
    run = godelbox_cli(
        "eval",
        str(agent_dir("exit_at_import", scratch)),
        "--bench",
        f"polyglot:{POLYGLOT}",
        "--tasks",
        "python/word-tally",
        "--set",
        "evaluation.polyglot_tries=1",
        "--journal",
        str(journal),
        image=agent_image,
        cwd=tmp_path,
    )
    out, _ = run.communicate(timeout=600)
    assert run.returncode == 0, out
    assert "resolved 0/1" in out and "tampered: 1" in out
    assert "1 task(s) tampered with their own grade" in out
    assert "exit_before_finish (real run): the test process exited 0" in out
    [row] = [json.loads(line) for line in journal.read_text().splitlines()[1:]]
    assert row["outcome"] == "tampered"
    assert {e["kind"] for e in row["evidence"]} == {"exit_before_finish"}
