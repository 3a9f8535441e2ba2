"""The PAE task proposer: an LLM writes new practice tasks from context.

Coding: from a repository snapshot it writes an issue-style problem statement and a pytest file
that checks it (validated afterwards in the sandbox). Web: from a site description and one example
goal it writes new goals for the same MiniWoB++ environment. Every draft carries its provenance:
model, a hash of the exact prompt, the context and the example it was derived from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from godelbox.llm.fit import evidence_chars
from godelbox.proposer.llm import LLMClient, Message
from godelbox.proposer.pae.context import RepoContext, WebContext
from godelbox.proposer.untrusted import REMINDER, RULE, fence

ROLE = "task_proposer"

CODING_SYSTEM = f"""\
You write practice tasks for an autonomous coding agent. Given a small Python repository, you
invent NEW tasks in it: a bug to fix or a small missing feature to add. For each task you write
(1) an issue-style problem statement that says what is wrong or missing, without giving the fix
and without mentioning the tests, and (2) one pytest file that fails on the repository as it is
and passes once the task is done. Put imports of the code under test inside the test functions,
so the file always collects. The test file path must be new, under tests/, named test_*.py.
{RULE}"""

CODING_USER = """\
Repository `{context_id}`:

{files}

An example of a task on this repository (write different ones):
{example}

{reminder}
Write {n} new tasks."""

WEB_SYSTEM = """\
You write practice goals for a web agent working in one MiniWoB++ environment. Given what the
page offers and one example goal, write NEW goals of the same kind that the page can satisfy,
phrased the way the environment phrases its goals."""

WEB_USER = """\
Environment `{context_id}`: {description}

Example goal: {example}

Write {n} new goals."""


class CodingTaskSpec(BaseModel):
    title: str = Field(description="A short title.")
    problem_statement: str = Field(description="The issue text the agent will read.")
    test_path: str = Field(description="Path of the new pytest file, e.g. tests/test_x.py.")
    test_content: str = Field(description="The whole pytest file.")


class CodingProposal(BaseModel):
    tasks: list[CodingTaskSpec]


class WebGoalSpec(BaseModel):
    title: str = ""
    utterance: str = Field(description="The goal as the environment would state it.")


class WebProposal(BaseModel):
    tasks: list[WebGoalSpec]


@dataclass(frozen=True)
class Provenance:
    model: str
    prompt_hash: str
    context_id: str
    parent_task: str | None


@dataclass(frozen=True)
class Draft:
    """One proposed task before validation and de-duplication."""

    kind: str
    title: str
    text: str
    payload: dict[str, Any]
    provenance: Provenance


def prompt_hash(messages: Sequence[Message]) -> str:
    return hashlib.sha256(json.dumps(list(messages), sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class TaskProposer:
    llm: LLMClient

    def coding(self, context: RepoContext, n: int) -> list[Draft]:
        user = CODING_USER.format(
            context_id=context.context_id,
            files=fence("repository", context.files),
            example=fence("example", context.example_problem.strip()),
            reminder=REMINDER,
            n=n,
        )
        messages = [{"role": "system", "content": CODING_SYSTEM}, {"role": "user", "content": user}]
        proposal = self.llm.complete_json(ROLE, messages, CodingProposal, options=self._options())
        origin = self._provenance(messages, context.context_id)
        return [
            Draft(
                kind="coding",
                title=spec.title,
                text=spec.problem_statement,
                payload={"test_path": spec.test_path, "test_content": spec.test_content},
                provenance=origin,
            )
            for spec in proposal.tasks[:n]
        ]

    def web(self, context: WebContext, n: int) -> list[Draft]:
        user = WEB_USER.format(
            context_id=context.context_id,
            description=context.description,
            example=context.example_goal,
            n=n,
        )
        messages = [{"role": "system", "content": WEB_SYSTEM}, {"role": "user", "content": user}]
        proposal = self.llm.complete_json(ROLE, messages, WebProposal, options=self._options())
        origin = self._provenance(messages, context.context_id)
        return [
            Draft("web", spec.title, spec.utterance, {"env": context.context_id}, origin)
            for spec in proposal.tasks[:n]
        ]

    def _options(self) -> dict[str, int]:
        """The answer's cap, sized with the prompt (see `evidence_chars`)."""
        _, answer = evidence_chars(self.llm, ROLE, 0, rounds=2)
        return {"max_tokens": answer}

    def _provenance(self, messages: Sequence[Message], context_id: str) -> Provenance:
        return Provenance(
            model=self.llm.model_for(ROLE),
            prompt_hash=prompt_hash(messages),
            context_id=context_id,
            parent_task=context_id,
        )
