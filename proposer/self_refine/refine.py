"""SELF (c): answer → self-feedback → refinement, each scored by the evaluator, filtered.

The model answers a coding task with the full new content of the files it changes (a format a
model gets right far more often than a unified diff), critiques its own answer in words, then
writes a refined answer against that critique. Both answers become diffs against the pristine
repository and are graded by the benchmark's own grader in fresh sandboxes. The score is the
fraction of the task's tests that pass (1.0 when resolved), so a refinement that fixes one more
test counts as better even when neither resolves the task. Only refinements scoring strictly
higher than the answer are kept: the filter is the point of the loop.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, Field

from godelbox.evaluator.benchmark import Benchmark, GradeItem, Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import Grade, Solution
from godelbox.evaluator.workspace import diff_trees, plain_copy
from godelbox.llm.fit import evidence_chars
from godelbox.proposer.llm import LLMClient, LLMOutputError
from godelbox.proposer.pae.context import repo_context
from godelbox.proposer.untrusted import REMINDER, RULE, fence

ROLE = "agent"

SYSTEM = f"""\
You fix issues in small Python repositories. You answer with the complete new content of every
file you change (never a diff, never a partial file). Do not change tests.
{RULE}"""

TASK = """\
Repository:

{files}

The issue:
{problem}

{reminder}"""

FEEDBACK = """\
Review your answer above as a strict reviewer would: does it fix the issue completely, does it
break anything, what is missing or wrong? Reply in plain words (no code), as a short list."""

REFINE = """\
Now write an improved answer that addresses your review. Give the complete content of every
file you change."""


class FileEdit(BaseModel):
    path: str = Field(description="Path relative to the repository root.")
    content: str = Field(description="The complete new content of the file.")


class Answer(BaseModel):
    files: list[FileEdit]


@dataclass(frozen=True)
class RefinementRecord:
    task_id: str
    problem: str
    answer: str
    feedback: str
    refinement: str
    answer_score: float
    refinement_score: float
    model: str

    @property
    def kept(self) -> bool:
        return self.refinement_score > self.answer_score

    def export(self) -> dict[str, object]:
        """The exported JSONL record."""
        return {
            "task_id": self.task_id,
            "task": self.problem,
            "answer": self.answer,
            "feedback": self.feedback,
            "refinement": self.refinement,
            "answer_score": self.answer_score,
            "refinement_score": self.refinement_score,
        }


def grade_score(grade: Grade) -> float:
    if grade.outcome == "resolved":
        return 1.0
    if not grade.tests:
        return 0.0
    return sum(1 for o in grade.tests.values() if o == "passed") / len(grade.tests)


@dataclass(frozen=True)
class SelfRefiner:
    llm: LLMClient
    ctx: EvalContext
    bench: Benchmark
    context_chars: int = 12_000

    def refine(self, task: Task) -> RefinementRecord:
        """Answer, critique, refine. The repository shown is cut so that the four answers
        (answer, its repair, critique, refinement) fit the model's window; an answer that is
        not usable JSON even after its repair is recorded as such (no files, score 0) and the
        refinement still gets its chance."""
        chars, answer_cap = evidence_chars(self.llm, ROLE, self.context_chars, rounds=4, share=8)
        options = {"max_tokens": answer_cap}
        context = repo_context(task, chars)
        task_text = TASK.format(
            files=fence("repository", context.files),
            problem=fence("issue", task.problem().strip()),
            reminder=REMINDER,
        )
        conversation: list[dict[str, str]] = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": task_text},
        ]
        answer, answer_text = self._answer(conversation, options)
        conversation += [
            {"role": "assistant", "content": answer_text},
            {"role": "user", "content": FEEDBACK},
        ]
        feedback = (self.llm.complete(ROLE, conversation, options=options).content or "").strip()
        conversation += [
            {"role": "assistant", "content": feedback},
            {"role": "user", "content": REFINE},
        ]
        refined, refined_text = self._answer(conversation, options)
        return RefinementRecord(
            task_id=task.task_id,
            problem=task.problem(),
            answer=answer_text,
            feedback=feedback,
            refinement=refined_text,
            answer_score=self.score(task, answer),
            refinement_score=self.score(task, refined),
            model=self.llm.model_for(ROLE),
        )

    def _answer(
        self, conversation: list[dict[str, str]], options: dict[str, int]
    ) -> tuple[Answer, str]:
        """The model's answer and its text; an unusable reply is an empty answer whose text
        says why (so the record keeps the reason)."""
        try:
            answer = self.llm.complete_json(ROLE, conversation, Answer, options=options)
        except LLMOutputError as err:
            return Answer(files=[]), json.dumps({"unusable_answer": str(err)})
        return answer, answer.model_dump_json(indent=1)

    def score(self, task: Task, answer: Answer) -> float:
        """Grade `answer` alone in a fresh sandbox; an answer that cannot be laid out (a path
        leaving the repository) scores 0."""
        with tempfile.TemporaryDirectory(prefix="godelbox-self-") as tmp:
            pristine = Path(tmp) / "pristine"
            task.materialize(pristine)
            try:
                patch = answer_patch(pristine, answer, Path(tmp) / "diff")
            except ValueError:
                return 0.0
            item = GradeItem(task, pristine, Solution(patch=patch))
            return grade_score(self.bench.grade(self.ctx, [item])[0])


def answer_patch(pristine: Path, answer: Answer, scratch: Path) -> str:
    """The answer's files written over a copy of `pristine`, as a diff against it."""
    plain_copy(pristine, scratch / "a")
    plain_copy(pristine, scratch / "b")
    for edit in answer.files:
        pure = PurePosixPath(edit.path)
        if not edit.path or pure.is_absolute() or ".." in pure.parts:
            raise ValueError(f"answer path {edit.path!r} leaves the repository")
        target = scratch / "b" / pure
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(edit.content, encoding="utf-8")
    return diff_trees(scratch)


def export_jsonl(records: list[RefinementRecord]) -> str:
    """The kept records, one JSON object per line."""
    return "".join(json.dumps(r.export(), ensure_ascii=False) + "\n" for r in records if r.kept)
