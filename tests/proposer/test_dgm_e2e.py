"""The DGM step end to end: litellm against the fake server, the real gateway, real docker.

A parent (the lineage root made from agents/coder) with recorded evidence is diagnosed from a
scripted JSON reply; then the parent agent itself runs in a sandbox on a checkout of its own
repository and, driven by scripted tool calls, edits its own code and runs its own tests. The
child tree must differ exactly as scripted, validate, commit on top of the parent, and every
model call (the diagnosis and the agent's calls through the gateway) must have reached
`on_llm_call` with tokens and cost.
"""

from __future__ import annotations

import json
import random

import pytest

from godelbox.archive.codestore import CodeStore
from godelbox.evaluator.workspace import plain_copy
from godelbox.proposer.llm import BudgetExceeded
from godelbox.proposer.validate import tree_diff, validate_child
from godelbox.trash import Trash
from tests.fixtures.fake_llm import FAKE_API_KEY
from tests.proposer.dgm_helpers import CODER, evidence

pytestmark = pytest.mark.docker

DIAGNOSIS = {
    "log_summarization": "The agent ran out of steps while grepping the same file.",
    "potential_improvements": ["Allow more steps", "Stop repeating identical commands"],
    "improvement_proposal": "Raise the step limit from 60 to 80.",
    "implementation_suggestion": "Change AgentConfig.step_limit in config.py and test it.",
    "problem_description": "The agent stops at 60 steps on long tasks. Allow 80 steps per run.",
}
RAISE_LIMIT = {
    "command": "str_replace",
    "path": "config.py",
    "old_str": "    step_limit: int = 60\n",
    "new_str": "    step_limit: int = 80\n",
}
LIMIT_TEST = (
    "from config import AgentConfig\n\n\n"
    "def test_eighty_steps() -> None:\n"
    "    assert AgentConfig().step_limit == 80\n"
)


def test_parent_diagnoses_and_edits_itself(
    fake_llm, make_proposer, parent_dir, store: CodeStore, root_sha, dgm_ctx, records, tmp_path
) -> None:
    fake_llm.script(
        fake_llm.text(f"```json\n{json.dumps(DIAGNOSIS)}\n```", tokens=(900, 120)),
        fake_llm.tool_call("bash", {"command": "grep -n step_limit config.py"}, call_id="a1"),
        fake_llm.tool_call("editor", RAISE_LIMIT, call_id="a2"),
        fake_llm.tool_call(
            "editor",
            {"command": "create", "path": "tests/test_limits.py", "file_text": LIMIT_TEST},
            call_id="a3",
        ),
        fake_llm.tool_call("bash", {"command": "python3 -m pytest -q -x tests"}, call_id="a4"),
        fake_llm.tool_call("submit", {"summary": "80 steps"}, call_id="a5"),
    )
    pristine = plain_copy(parent_dir, tmp_path / "pristine")
    proposer = make_proposer(dgm_ctx, p_empty_patch=1.0)
    workdir = tmp_path / "work"
    workdir.mkdir()

    proposal = proposer.propose(evidence(parent_dir), workdir, random.Random(7), records.append)

    # The child is the parent plus exactly the scripted edits; the parent was not touched.
    assert tree_diff(pristine, parent_dir, Trash()) == ""
    assert proposal.child_dir.is_relative_to(workdir)
    patch = tree_diff(parent_dir, proposal.child_dir, Trash())
    assert "-    step_limit: int = 60\n+    step_limit: int = 80\n" in patch
    assert (proposal.child_dir / "tests" / "test_limits.py").read_text() == LIMIT_TEST
    validation = validate_child(parent_dir, proposal.child_dir, dgm_ctx, timeout_s=120)
    assert validation.ok, validation.reason
    assert validation.diff_stats.paths == ["config.py", "tests/test_limits.py"]
    child_sha = store.add_child(root_sha, proposal.child_dir, message="dgm child")
    assert store.lineage(child_sha) == [root_sha, child_sha]
    assert "+    step_limit: int = 80" in store.diff(root_sha, child_sha)

    # The info records the diagnosis, why this task, and how the child was made.
    info = proposal.info
    assert proposal.kind == "dgm-self" and info["mode"] == "self"
    assert {k: info[k] for k in DIAGNOSIS} == DIAGNOSIS
    assert info["task_id"] == "builtin__romanize-2" and info["task_category"] == "empty_patch"
    assert "empty patch" in info["why_chosen"] and info["critiques"] == []
    assert info["implement"]["ended"] == "exit" and info["implement"]["changed"]
    assert "agent finished: submitted (5 steps)" in info["implement"]["log_tail"]

    # What the models saw: the parent's code and, for an empty patch, DGM's generic concern
    # (not that one task's log), then the agent's problem.
    diagnose_prompt = json.dumps(fake_llm.requests[0].body["messages"])
    for needle in ("## run.py", "## config.py", "tests/test_loop.py", "empty diff"):
        assert needle in diagnose_prompt
    assert "grep again" not in diagnose_prompt
    agent_requests = [r.body for r in fake_llm.requests[1:]]
    assert {body["model"] for body in agent_requests} == {"fake-implement"}
    assert "Allow 80 steps per run" in agent_requests[0]["messages"][1]["content"]
    suite = agent_requests[4]["messages"][-1]["content"]
    assert "<returncode>0</returncode>" in suite and " passed" in suite  # ran inside the box

    # Every call reached on_llm_call, with tokens and cost.
    assert [r.role for r in records] == ["diagnose"] + ["implement"] * 5
    assert len(records) == len(fake_llm.requests)
    assert all(r.ok and r.tokens_in > 0 and r.tokens_out > 0 and r.cost_usd > 0 for r in records)
    assert (records[0].tokens_in, records[0].tokens_out) == (900, 120)
    assert FAKE_API_KEY not in json.dumps(info)


def test_fixed_mode_runs_the_pinned_seed_not_the_parent(
    fake_llm, make_proposer, parent_dir, dgm_ctx, records, tmp_path
) -> None:
    """The parent's prompt is changed, so the system prompt the model receives tells which
    agent did the editing."""
    config = parent_dir / "config.py"
    config.write_text(config.read_text().replace("You are an autonomous", "You are PARENT-V2, an"))
    fake_llm.script(
        fake_llm.text(json.dumps(DIAGNOSIS)),
        fake_llm.tool_call("editor", RAISE_LIMIT),
        fake_llm.tool_call("submit", {}),
    )
    workdir = tmp_path / "work"
    workdir.mkdir()

    proposal = make_proposer(dgm_ctx, implement="fixed").propose(
        evidence(parent_dir), workdir, random.Random(1), records.append
    )

    assert proposal.kind == "dgm-fixed" and proposal.info["mode"] == "fixed"
    assert proposal.info["implement"]["editor"] == CODER.name
    system = fake_llm.requests[1].body["messages"][0]["content"]
    assert system.startswith("You are an autonomous software engineer")
    child_config = (proposal.child_dir / "config.py").read_text()
    assert "PARENT-V2" in child_config and "step_limit: int = 80" in child_config
    assert [r.role for r in records] == ["diagnose", "implement", "implement"]


def test_a_budget_spent_while_implementing_keeps_the_child_and_stops_the_next(
    fake_llm, make_proposer, parent_dir, dgm_ctx, records, tmp_path
) -> None:
    # Each (10, 5)-token call costs $2e-5: the diagnosis and the agent's first call pass the
    # check, then the run's $3e-5 is spent; the gateway refuses the agent's second call (402).
    fake_llm.script(fake_llm.text(json.dumps(DIAGNOSIS)), fake_llm.tool_call("editor", RAISE_LIMIT))
    proposer = make_proposer(dgm_ctx, run_budget_usd=3e-5)
    (first := tmp_path / "first").mkdir()
    (second := tmp_path / "second").mkdir()

    proposal = proposer.propose(evidence(parent_dir), first, random.Random(2), records.append)
    with pytest.raises(BudgetExceeded):
        proposer.propose(evidence(parent_dir), second, random.Random(3), records.append)

    assert "step_limit: int = 80" in (proposal.child_dir / "config.py").read_text()
    assert "budget_exhausted" in proposal.info["implement"]["log_tail"]
    assert len(fake_llm.requests) == 2 and [r.role for r in records] == ["diagnose", "implement"]
    assert list(second.iterdir()) == []
