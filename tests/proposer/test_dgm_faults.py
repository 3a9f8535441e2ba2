"""How the DGM step fails: through litellm against the fake server, each failure must end the
proposal with one clear error the loop can act on, with every attempt recorded, and before any
sandbox starts (the context here has no backend, so starting one would fail the test)."""

from __future__ import annotations

import random

import pytest

from godelbox.config import ProposerSection
from godelbox.llm.client import BudgetExceeded, LLMClient, LLMConfigError
from godelbox.proposer.base import ParentEvidence, ProposalError
from godelbox.proposer.dgm import DGMProposer
from tests.proposer.dgm_helpers import CODER, evidence, no_sandbox


def test_garbage_diagnosis_is_repaired_once_then_a_proposal_error(
    fake_llm, make_proposer, parent_dir, records, tmp_path
) -> None:
    fake_llm.script(
        fake_llm.text("I think the agent should be better at things."),
        fake_llm.text('{"log_summarization": "cut off'),
    )

    workdir = tmp_path / "work"
    workdir.mkdir()
    with pytest.raises(ProposalError) as err:
        make_proposer(no_sandbox()).propose(
            evidence(parent_dir), workdir, random.Random(0), records.append
        )

    message = str(err.value)
    assert message.startswith("diagnosis failed: ")
    assert "even after one repair attempt" in message and "models.diagnose" in message
    repair = fake_llm.requests[1].body["messages"]
    assert repair[-2] == {
        "role": "assistant",
        "content": "I think the agent should be better at things.",
    }
    assert "could not be used: no JSON object found" in repair[-1]["content"]
    assert [(r.role, r.ok) for r in records] == [("diagnose", True), ("diagnose", True)]
    assert list(workdir.iterdir()) == []  # nothing was started or written


def test_a_diagnosis_missing_a_field_is_repaired(
    fake_llm, make_proposer, parent_dir, records, tmp_path
) -> None:
    """The repair round tells the model which fields are missing."""
    partial = (
        '{"log_summarization": "x", "potential_improvements": "one", "improvement_proposal": "y"}'
    )
    fake_llm.script(fake_llm.text(partial), fake_llm.text("still not json"))

    with pytest.raises(ProposalError, match="did not return valid Diagnosis JSON"):
        make_proposer(no_sandbox()).propose(
            evidence(parent_dir), tmp_path, random.Random(0), records.append
        )

    repair = fake_llm.requests[1].body["messages"][-1]["content"]
    assert "implementation_suggestion" in repair and "problem_description" in repair


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param(("429", "429", "429"), id="rate-limited"),
        pytest.param(("500", "503", "500"), id="server-errors"),
        pytest.param(("slow", "slow", "slow"), id="timeouts"),
        pytest.param(("429", "500", "slow"), id="mixed"),
    ],
)
def test_upstream_failures_are_retried_then_recorded(
    fake_llm, make_proposer, parent_dir, records, tmp_path, faults
) -> None:
    replies = {
        "429": fake_llm.error(429, retry_after=0),
        "500": fake_llm.error(500),
        "503": fake_llm.error(503),
        "slow": fake_llm.slow(3.0),
    }
    fake_llm.script(*(replies[f] for f in faults))
    proposer = make_proposer(no_sandbox(), llm_overrides={"timeout_s": 0.5})

    with pytest.raises(ProposalError, match=r"diagnosis failed: .*failed 3 times"):
        proposer.propose(evidence(parent_dir), tmp_path, random.Random(0), records.append)

    assert len(fake_llm.requests) == 3  # first try + llm.max_retries (2) retries
    assert [(r.role, r.attempt) for r in records] == [("diagnose", n) for n in (1, 2, 3)]
    assert all(r.error for r in records)
    for record, fault in zip(records, faults, strict=True):
        expected = "Timeout" if fault == "slow" else fault
        assert expected in record.error


def test_the_run_budget_stops_the_proposal_and_the_next_one(
    fake_llm, make_proposer, parent_dir, records, tmp_path
) -> None:
    # A (10, 5)-token call costs $2e-5 at the fake prices: the critique spends the budget, so
    # the diagnosis request after it is never sent, and neither is anything of the next child.
    fake_llm.script(fake_llm.text("The agent kept grepping the same file."))
    proposer = make_proposer(no_sandbox(), run_budget_usd=1e-5, critique_rounds=1)

    for _ in range(2):
        with pytest.raises(BudgetExceeded, match="run LLM budget spent"):
            proposer.propose(evidence(parent_dir), tmp_path, random.Random(0), records.append)

    assert len(fake_llm.requests) == 1
    assert [(r.role, r.ok) for r in records] == [("diagnose", True)]
    assert not isinstance(BudgetExceeded("x"), ProposalError)  # the loop tells them apart


def test_a_missing_model_is_a_configuration_error(fake_llm, parent_dir) -> None:
    models = fake_llm.models(diagnose="")
    client = LLMClient(models, fake_llm.llm_section(), lambda _: None)
    with pytest.raises(LLMConfigError, match=r"needs models\.diagnose"):
        DGMProposer(client, no_sandbox(), ProposerSection(), models, CODER)


def test_no_evidence_is_a_proposal_error(make_proposer, parent_dir, records, tmp_path) -> None:
    parent = ParentEvidence(node_id=3, agent_dir=parent_dir, score=None, tasks=[])
    with pytest.raises(ProposalError, match="no evaluated tasks"):
        make_proposer(no_sandbox()).propose(parent, tmp_path, random.Random(0), records.append)
