"""The PAE evaluator: an LLM judge reads the final state of an attempt and says success or not.

Coding: the problem, the agent's patch and the end of its trajectory (its own test runs are the
tests' outcome it saw). The hidden grade is withheld on purpose: it is the ground truth the judge
is audited against (`audit.py`). Web: the goal, the last observations, the answer and the path of
a screenshot when one exists. Everything the agent (or the page it acted on) wrote reaches the
judge fenced (`proposer.untrusted`): it cannot close its block, and the rule that it is data
sits in the system message and again after the data. A reply that is not a verdict gets the
client's one repair round; after that the attempt is recorded with the error and no verdict,
never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from godelbox.llm.fit import evidence_chars
from godelbox.proposer.llm import LLMClient, LLMOutputError, LLMRequestError, LLMUnavailable
from godelbox.proposer.untrusted import REMINDER, RULE, fence

ROLE = "judge"
PATCH_CAP = 12_000
OBSERVATIONS_CAP = 8_000
GOAL_CAP = 2_000
ANSWER_CAP = 2_000
"""Everything the judge reads of an attempt came out of a sandbox: each part is capped (the end
kept, with a marker), so one attempt cannot fill the judge's context or budget."""
JUDGE_MAX_TOKENS = 512
"""A verdict is a boolean and a sentence or two."""

SYSTEM = f"""\
You judge whether an autonomous agent accomplished a task, from the final state of its attempt.
Be strict: success means the task as stated is done, not that the agent said so.
{RULE}"""

CODING_USER = """\
The task:
{problem}

The agent's patch:
{patch}

The last steps of its trajectory:
{observations}

{reminder}
Did the patch accomplish the task?"""

WEB_USER = """\
<goal>
{goal}
</goal>

The last observations:
{observations}

The agent's answer:
{answer}
{screenshot}
{reminder}
Did the agent accomplish the goal?"""


class Verdict(BaseModel):
    success: bool = Field(description="True only when the task is accomplished.")
    reason: str = Field(description="One or two sentences: why.")


@dataclass(frozen=True)
class Judgement:
    success: bool | None
    reason: str
    model: str
    error: str | None = None


@dataclass(frozen=True)
class Judge:
    llm: LLMClient

    def coding(self, problem: str, patch: str, observations: str) -> Judgement:
        patch_cap, observations_cap = self._caps()
        user = CODING_USER.format(
            problem=fence("task", problem.strip()),
            patch=fence("patch", _tail(patch, patch_cap) or "(empty: the agent changed nothing)"),
            observations=fence(
                "last_steps", _tail(observations, observations_cap) or "(no trajectory)"
            ),
            reminder=REMINDER,
        )
        return self._ask(user)

    def web(
        self, goal: str, observations: str, answer: str, screenshot: str | None = None
    ) -> Judgement:
        shot = f"\nA screenshot of the final page is at {screenshot}.\n" if screenshot else ""
        _, observations_cap = self._caps()
        user = WEB_USER.format(
            goal=_tail(goal, GOAL_CAP),
            observations=fence(
                "last_observations", _tail(observations, observations_cap) or "(none)"
            ),
            answer=fence("answer", _tail(answer, ANSWER_CAP) or "(none)"),
            screenshot=shot,
            reminder=REMINDER,
        )
        return self._ask(user)

    def _caps(self) -> tuple[int, int]:
        """(patch, observations) characters, cut in proportion to fit the judge's window."""
        total = PATCH_CAP + OBSERVATIONS_CAP
        chars, _ = evidence_chars(self.llm, ROLE, total, rounds=2)
        return chars * PATCH_CAP // total, chars * OBSERVATIONS_CAP // total

    def _ask(self, user: str) -> Judgement:
        model = self.llm.model_for(ROLE)
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
        try:
            _, answer = evidence_chars(self.llm, ROLE, 0, rounds=2)
            verdict = self.llm.complete_json(
                ROLE, messages, Verdict, options={"max_tokens": min(answer, JUDGE_MAX_TOKENS)}
            )
        except (LLMOutputError, LLMUnavailable, LLMRequestError) as err:
            return Judgement(None, "", model, error=str(err))
        return Judgement(verdict.success, verdict.reason, model)


def last_steps(messages: Sequence[dict[str, Any]], keep: int = 6) -> str:
    """The last `keep` messages of a trajectory as plain text (tool calls shown by name and
    arguments), which is what the judge reads of a coding attempt."""
    lines = []
    for message in list(messages)[-keep:]:
        content = message.get("content") or ""
        calls = [
            f"{c.get('function', {}).get('name')}({c.get('function', {}).get('arguments')})"
            for c in message.get("tool_calls") or []
        ]
        lines.append(f"[{message.get('role')}] {content} {' '.join(calls)}".strip())
    return "\n".join(lines)


def _tail(text: str, cap: int) -> str:
    text = text.strip()
    if len(text) <= cap:
        return text
    return f"[... {len(text) - cap} characters cut ...]\n{text[-cap:]}"
