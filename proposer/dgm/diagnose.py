"""Diagnose: pick one of the parent's tasks to learn from, and ask a model what to change.

Task choice follows DGM: with configured probabilities, look first at tasks where the agent
left an empty patch, then tasks it solved only sometimes, then tasks where it ran out of
context; otherwise (or when a category is empty) take a random unresolved task. Each category
gets its own coin flip in that order, all from the child's own `rng`, so a proposal is
reproducible from the run seed.

The model sees the parent's code (a bounded digest), that task's problem, log, patch and test
results, and returns a `Diagnosis`. With SELF critique rounds, it first critiques the trajectory
in words, then proposes against that critique; each further round critiques the current proposal
and refines it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from godelbox.agent_text import cap_text
from godelbox.config import ProposerSection
from godelbox.llm.fit import answer_tokens, fit_messages, prompt_budget
from godelbox.proposer.base import ParentEvidence, ProposalError, TaskEvidence
from godelbox.proposer.dgm.digest import code_digest
from godelbox.proposer.dgm.prompts import DGMPrompts, render
from godelbox.proposer.llm import LLMClient, Message, json_instruction
from godelbox.proposer.untrusted import fence

CONTEXT_LENGTH_MARKERS = ("context_length_exceeded", "maximum context length")


class Diagnosis(BaseModel):
    """What the diagnosis model returns (DGM's fields)."""

    log_summarization: str = Field(description="What the agent did and where it went wrong.")
    potential_improvements: list[str] = Field(
        description="General improvements to the agent's tools, prompts or workflow."
    )
    improvement_proposal: str = Field(description="The one improvement to make now.")
    implementation_suggestion: str = Field(description="How to implement it in this code.")
    problem_description: str = Field(
        description="A self-contained, issue-style task statement for implementing it."
    )

    @field_validator("potential_improvements", mode="before")
    @classmethod
    def _one_text_is_a_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("problem_description")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("problem_description must not be empty")
        return value


@dataclass(frozen=True)
class TaskChoice:
    task: TaskEvidence
    category: str
    """empty_patch | sometimes_solved | context_length | unresolved | any"""
    why: str


@dataclass(frozen=True)
class DiagnosisResult:
    choice: TaskChoice
    diagnosis: Diagnosis
    critiques: list[str] = field(default_factory=list)


def is_empty_patch(task: TaskEvidence) -> bool:
    """A coding task left unchanged (a web episode has no patch: its answer is its actions)."""
    return task.episode is None and task.outcome != "resolved" and not task.patch.strip()


def is_sometimes_solved(task: TaskEvidence) -> bool:
    return 0 < task.attempts_resolved < task.attempts


def hit_context_length(task: TaskEvidence) -> bool:
    text = task.log.lower()
    return task.outcome != "resolved" and any(m in text for m in CONTEXT_LENGTH_MARKERS)


def choose_task(
    tasks: list[TaskEvidence], config: ProposerSection, rng: random.Random
) -> TaskChoice:
    """DGM's choice of what to improve on; raises ProposalError when there is no evidence."""
    if not tasks:
        raise ProposalError(
            "the parent has no evaluated tasks to learn from; evaluate it before proposing"
        )
    ordered = sorted(tasks, key=lambda t: t.task_id)  # evidence order must not change the draw
    categories = (
        ("empty_patch", config.p_empty_patch, is_empty_patch, "it left an empty patch"),
        (
            "sometimes_solved",
            config.p_sometimes_solved,
            is_sometimes_solved,
            "it was solved only in some attempts",
        ),
        (
            "context_length",
            config.p_context_length,
            hit_context_length,
            "the agent ran out of model context",
        ),
    )
    for category, probability, test, why in categories:
        candidates = [t for t in ordered if test(t)]
        if candidates and rng.random() < probability:
            task = rng.choice(candidates)
            return TaskChoice(task, category, f"{why} (p={probability:g})")
    unresolved = [t for t in ordered if t.outcome != "resolved"]
    if unresolved:
        task = rng.choice(unresolved)
        return TaskChoice(task, "unresolved", f"a random unresolved task ({task.outcome})")
    task = rng.choice(ordered)
    return TaskChoice(task, "any", "every task was resolved; a random one to do better on")


def diagnose(
    llm: LLMClient,
    parent: ParentEvidence,
    choice: TaskChoice,
    config: ProposerSection,
    prompts: DGMPrompts,
) -> DiagnosisResult:
    """Ask the diagnose model (after `config.critique_rounds` SELF critiques) for a Diagnosis.
    The evidence is cut to fit the model's context window (leaving room for the answer, its
    repair round and the critiques). LLM errors propagate; the proposer decides which of them
    end the proposal."""
    window = llm.context_window("diagnose")
    answer = answer_tokens(window, llm.llm.max_output_tokens)
    budget = prompt_budget(window, answer, rounds=2 + 2 * config.critique_rounds)

    def build(scale: float) -> list[Message]:
        return [
            {"role": "system", "content": prompts.diagnose_system},
            {"role": "user", "content": evidence_text(parent.agent_dir, choice, prompts, scale)},
            {"role": "user", "content": prompts.diagnose_request},
        ]

    def count(messages: Sequence[Message]) -> int:
        # complete_json appends the schema instruction: it must fit too.
        schema = {"role": "user", "content": json_instruction(Diagnosis)}
        return llm.count_tokens("diagnose", [*messages, schema])

    conversation, _ = fit_messages(build, count, budget, llm.token_safety("diagnose"))
    options = {"max_tokens": answer}
    if config.critique_rounds == 0:
        diagnosis = llm.complete_json("diagnose", conversation, Diagnosis, options=options)
        return DiagnosisResult(choice, diagnosis)
    conversation.pop()  # the critique rounds ask their own questions first
    critiques: list[str] = []
    diagnosis: Diagnosis | None = None
    for _ in range(config.critique_rounds):
        if diagnosis is None:
            ask = prompts.critique_request
        else:
            conversation.append({"role": "assistant", "content": diagnosis.model_dump_json()})
            ask = prompts.critique_proposal_request
        conversation.append({"role": "user", "content": ask})
        critique = (llm.complete("diagnose", conversation, options=options).content or "").strip()
        critiques.append(critique)
        conversation.append({"role": "assistant", "content": critique})
        request = render(prompts.refine_request, request=prompts.diagnose_request)
        conversation.append({"role": "user", "content": request})
        diagnosis = llm.complete_json("diagnose", conversation, Diagnosis, options=options)
    assert diagnosis is not None
    return DiagnosisResult(choice, diagnosis, critiques)


def evidence_text(
    agent_dir: Path, choice: TaskChoice, prompts: DGMPrompts, scale: float = 1.0
) -> str:
    """What the diagnosis model sees, every cap times `scale`: the agent's code and either the
    chosen task's full evidence (its problem, the agent's log and patch, the hidden tests and
    the grader's log) or, for a generic failure kind, that concern."""
    prompts = prompts.scaled(scale)
    task = choice.task
    code = fence(
        "agent_code", code_digest(agent_dir, prompts.code_total_chars, prompts.code_file_chars)
    )
    concern = dict(prompts.concerns).get(choice.category)
    if concern is not None:
        return render(
            prompts.generic_evidence,
            code=code,
            concern=concern,
            task_id=task.task_id,
            attempts_resolved=task.attempts_resolved,
            attempts=task.attempts,
        )
    common = {
        "code": code,
        "task_id": task.task_id,
        "why": choice.why,
        "outcome": task.outcome,
        "attempts_resolved": task.attempts_resolved,
        "attempts": task.attempts,
        "log": fence("log", cap_text(task.log, prompts.log_chars) or "(no log recorded)"),
    }
    if task.episode is not None:  # a web episode: its answer is its actions, in the log
        episode = json.dumps(task.episode, indent=1, sort_keys=True)
        episode = fence("episode", cap_text(episode, prompts.problem_chars))
        return render(prompts.diagnose_web_evidence, **common, episode=episode)
    return render(
        prompts.diagnose_evidence,
        **common,
        problem=fence("problem", cap_text(task.problem, prompts.problem_chars) or "(not recorded)"),
        patch=fence(
            "patch",
            cap_text(task.patch, prompts.patch_chars) or "(empty: the agent changed nothing)",
        ),
        tests=fence("tests", _tests_text(task.tests, prompts.tests_lines)),
        test_patch=fence(
            "test_patch", cap_text(task.test_patch, prompts.test_patch_chars) or "(not available)"
        ),
        eval_log=fence(
            "eval_log", cap_text(task.eval_log, prompts.eval_log_chars) or "(not recorded)"
        ),
    )


def _tests_text(tests: dict[str, str], limit: int) -> str:
    if not tests:
        return "(no test results recorded)"
    rows = sorted(tests.items(), key=lambda kv: (kv[1] == "passed", kv[0]))
    lines = [f"{outcome}: {test}" for test, outcome in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"... and {len(rows) - limit} more")
    return "\n".join(lines)
