"""The diagnosis conversation through litellm against the fake server: what the model is shown
(the parent's code digest and one task's evidence, bounded) and the SELF critique rounds."""

from __future__ import annotations

import json
import random

import pytest

from godelbox.config import ProposerSection
from godelbox.proposer.base import TaskEvidence
from godelbox.proposer.dgm.diagnose import TaskChoice, choose_task, diagnose
from godelbox.proposer.dgm.digest import code_digest
from godelbox.proposer.dgm.prompts import DGMPrompts
from godelbox.proposer.llm import LLMClient
from tests.proposer.dgm_helpers import evidence


def diagnosis(tag: str) -> str:
    return json.dumps(
        {
            "log_summarization": f"summary {tag}",
            "potential_improvements": f"improve {tag}",
            "improvement_proposal": f"proposal {tag}",
            "implementation_suggestion": f"how {tag}",
            "problem_description": f"problem {tag}",
        }
    )


def test_critique_rounds_critique_then_refine(fake_llm, parent_dir, records) -> None:
    fake_llm.script(
        fake_llm.text("Critique one: it never ran the tests."),
        fake_llm.text(diagnosis("v1")),
        fake_llm.text("Critique two: v1 overfits to roman numerals."),
        fake_llm.text(diagnosis("v2")),
    )
    llm = LLMClient(fake_llm.models(), fake_llm.llm_section(), records.append)
    parent = evidence(parent_dir)
    choice = choose_task(parent.tasks, ProposerSection(p_empty_patch=1.0), random.Random(0))

    result = diagnose(llm, parent, choice, ProposerSection(critique_rounds=2), DGMPrompts())

    assert result.critiques == [
        "Critique one: it never ran the tests.",
        "Critique two: v1 overfits to roman numerals.",
    ]
    assert result.diagnosis.problem_description == "problem v2"
    assert result.diagnosis.potential_improvements == ["improve v2"]  # one text -> a list
    asked = [r.body["messages"] for r in fake_llm.requests]
    prompts = DGMPrompts()
    # Round 1: a critique of the trajectory in words, then a proposal against it.
    assert asked[0][-1]["content"] == prompts.critique_request
    assert asked[1][-3]["content"] == "Critique one: it never ran the tests."
    assert "Refine your proposal against the critique" in asked[1][-2]["content"]
    assert "JSON schema" in asked[1][-1]["content"]
    # Round 2: the proposal so far is critiqued, then refined.
    assert json.loads(asked[2][-2]["content"])["problem_description"] == "problem v1"
    assert asked[2][-1]["content"] == prompts.critique_proposal_request
    assert asked[3][-3]["content"] == "Critique two: v1 overfits to roman numerals."
    assert [r.role for r in records] == ["diagnose"] * 4


def test_no_critique_rounds_is_one_call(fake_llm, parent_dir, records) -> None:
    fake_llm.script(fake_llm.text(diagnosis("only")))
    llm = LLMClient(fake_llm.models(), fake_llm.llm_section(), records.append)
    parent = evidence(parent_dir)
    choice = choose_task(parent.tasks, ProposerSection(), random.Random(0))

    result = diagnose(llm, parent, choice, ProposerSection(), DGMPrompts())

    assert result.critiques == [] and result.diagnosis.improvement_proposal == "proposal only"
    assert len(fake_llm.requests) == 1


def test_the_evidence_is_bounded_head_and_tail(fake_llm, parent_dir, records) -> None:
    log = "FIRST-LINE\n" + "noise\n" * 20_000 + "LAST-LINE context_length_exceeded\n"
    task = TaskEvidence(
        "t1", "unresolved", problem="P" * 50_000, patch="", log=log, tests={"a::b": "failed"}
    )
    prompts = DGMPrompts(log_chars=2_000, problem_chars=1_000, code_total_chars=20_000)
    fake_llm.script(fake_llm.text(diagnosis("x")))
    llm = LLMClient(fake_llm.models(), fake_llm.llm_section(), records.append)
    parent = evidence(parent_dir, [task])

    diagnose(llm, parent, TaskChoice(task, "unresolved", "why"), ProposerSection(), prompts)

    evidence_text = fake_llm.requests[0].body["messages"][1]["content"]
    assert "FIRST-LINE" in evidence_text and "LAST-LINE" in evidence_text
    assert "characters cut" in evidence_text
    assert "(empty: the agent changed nothing)" in evidence_text and "failed: a::b" in evidence_text
    assert len(evidence_text) < 20_000 + 2_000 + 1_000 + 2_000 + 8_000 + 6_000


def test_the_diagnoser_sees_the_hidden_tests_and_the_graders_log(
    fake_llm, parent_dir, records
) -> None:
    task = TaskEvidence(
        "t1",
        "unresolved",
        patch="--- a/x\n+++ b/x\n",
        test_patch="+def test_hidden_HIDDEN(): assert f() == 3",
        eval_log="E   assert 2 == 3 GRADER-SAYS",
    )
    fake_llm.script(fake_llm.text(diagnosis("x")))
    llm = LLMClient(fake_llm.models(), fake_llm.llm_section(), records.append)

    diagnose(
        llm,
        evidence(parent_dir, [task]),
        TaskChoice(task, "unresolved", "why"),
        ProposerSection(),
        DGMPrompts(),
    )

    shown = fake_llm.requests[0].body["messages"][1]["content"]
    assert "test_hidden_HIDDEN" in shown and "GRADER-SAYS" in shown


@pytest.mark.parametrize(
    ("category", "words"),
    [
        ("empty_patch", "empty diff"),
        ("sometimes_solved", "left to chance"),
        ("context_length", "ran out of model context"),
    ],
)
def test_generic_failure_kinds_get_their_own_diagnosis_prompt(
    fake_llm, parent_dir, records, category: str, words: str
) -> None:
    task = TaskEvidence("t1", "unresolved", log="LOG-OF-THE-TASK", attempts_resolved=1, attempts=2)
    fake_llm.script(fake_llm.text(diagnosis("x")))
    llm = LLMClient(fake_llm.models(), fake_llm.llm_section(), records.append)

    result = diagnose(
        llm,
        evidence(parent_dir, [task]),
        TaskChoice(task, category, "why"),
        ProposerSection(),
        DGMPrompts(),
    )

    shown = fake_llm.requests[0].body["messages"][1]["content"]
    assert words in shown and "LOG-OF-THE-TASK" not in shown
    assert result.diagnosis.problem_description == "problem x"


def test_the_prompt_is_cut_to_the_models_context_window(fake_llm, parent_dir, records) -> None:
    log = "step output line\n" * 5_000
    task = TaskEvidence("t1", "unresolved", problem="Q" * 20_000, log=log)
    table = {"model": "openai/fake-diagnose", "api_base": fake_llm.url, "context_window": 8192}
    models = fake_llm.models(diagnose=table)
    fake_llm.script(fake_llm.text(diagnosis("x")))
    llm = LLMClient(models, fake_llm.llm_section(), records.append)

    diagnose(
        llm,
        evidence(parent_dir, [task]),
        TaskChoice(task, "unresolved", "why"),
        ProposerSection(),
        DGMPrompts(),
    )

    body = fake_llm.requests[0].body
    assert body["max_tokens"] == 2048  # a quarter of the window
    prompt_tokens = llm.count_tokens("diagnose", body["messages"])
    # Room is left for the answer and one repair round of the JSON reply.
    assert prompt_tokens * 2.0 <= 8192 - 2 * 2048  # an unknown tokenizer: counted double
    assert "characters cut" in body["messages"][1]["content"]


def test_the_code_digest_lists_every_file_and_shows_the_main_ones_first(parent_dir) -> None:
    (parent_dir / "data.bin").write_bytes(b"\0\1")
    digest = code_digest(parent_dir, total_chars=30_000, file_chars=4_000)

    tree = digest.split("\n\n## ", 1)[0]
    for path in ("run.py", "agent.py", "tests/test_loop.py", "data.bin", ".gitignore"):
        assert f"\n{path} (" in tree
    shown = [block.split("\n", 1)[0] for block in digest.split("\n## ")[1:]]
    assert shown[0] == "run.py"
    modules = sorted(p.name for p in parent_dir.glob("*.py") if p.name != "run.py")
    # The agent's code comes first (run.py, then its modules in order), its tests after; a
    # module too long for what is left of the budget is skipped, not the ones after it.
    shown_modules = [p for p in shown if p in modules]
    assert shown_modules == [m for m in modules if m in shown_modules]
    assert shown[1 : len(shown_modules) + 1] == shown_modules
    assert "data.bin" not in shown and len(digest) <= 30_000 + 1_000
    # What does not fit is named, not silently dropped.
    left_out = digest.split("(not shown, for length: ", 1)[1].split(")", 1)[0].split(", ")
    text_files = [
        str(p.relative_to(parent_dir))
        for p in parent_dir.rglob("*")
        if p.is_file()
        and p.name != "data.bin"
        and "__pycache__" not in p.parts
        and not p.name.startswith(".")
    ]
    assert sorted(shown + left_out) == sorted(text_files)
