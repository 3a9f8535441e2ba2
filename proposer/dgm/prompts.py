"""Every prompt and every size cap of the DGM step, in one place.

Templates use `string.Template` (`$name`), because prompt text is full of braces (code, JSON)
that `str.format` would trip on. Everything the agent wrote or ran (its code, log, patch, test
results) and the task text are filled in fenced by `proposer.untrusted` (see `diagnose.py`).
The wording follows DGM's diagnose and self-improve prompts: the diagnosis model sees the
agent's own code and one failed attempt, and writes a problem statement that the agent then
solves on its own repository.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, replace

from godelbox.proposer.untrusted import REMINDER, RULE

DIAGNOSE_SYSTEM = f"""\
You are an expert in building autonomous coding agents. You study how one agent failed and
propose a single, concrete change to the agent's own code that would make it better at coding
tasks in general, not only at the task it failed. Some agents also play web tasks (MiniWoB++):
then make it better at web tasks in general.
{RULE}"""

DIAGNOSE_EVIDENCE = f"""\
# The coding agent's code

$code

# A task it attempted
Task id: $task_id (chosen because: $why)
Outcome: $outcome; solved in $attempts_resolved of $attempts attempts.

## Problem statement
$problem

## The agent's log
$log

## The agent's patch
$patch

## Hidden tests after the patch
$tests

## The hidden tests' code (the grader applies it after the agent is done; the agent never saw it)
$test_patch

## The evaluation log (the grader's test run on the agent's patch)
$eval_log

{REMINDER}"""

DIAGNOSE_WEB_EVIDENCE = f"""\
# The agent's code

$code

# A web episode it played
Task id: $task_id (chosen because: $why)
Outcome: $outcome; solved in $attempts_resolved of $attempts attempts.
The agent is a web agent: each turn it reads the task and the page (elements with refs) and
answers one action (click, type, press, scroll, done); MiniWoB++ rewards the episode.

## The episode: goal, each observation, the action taken, errors, then the agent's stderr
$log

## How it ended
$episode

{REMINDER}"""

DIAGNOSE_REQUEST = """\
Summarise what the agent did in the log, list potential improvements to the agent (its tools,
prompts, workflow, error handling), pick the ONE improvement most likely to help across many
tasks, say how to implement it in this code base, and write `problem_description`: a
self-contained task statement, phrased like a GitHub issue, that a coding agent working on this
repository can implement without seeing the log. Do not propose changes to the evaluation."""

CRITIQUE_REQUEST = """\
Before proposing anything, critique the agent's trajectory in words: what went wrong, where it
wasted steps, what it misunderstood, what a strong engineer would have done instead. Plain prose,
no JSON."""

CRITIQUE_PROPOSAL_REQUEST = """\
Critique this proposal in words: is the improvement general or does it overfit the one task, is
it feasible in this code base, could it break the agent, is the problem description clear and
self-contained? Plain prose, no JSON."""

REFINE_REQUEST = """\
Refine your proposal against the critique above: keep what holds, fix what the critique found.
$request"""

IMPLEMENT_PROBLEM = """\
# Improve this coding agent

The repository you are working in is the source code of an autonomous coding agent (it may be
you). Change the agent's code to implement the improvement below. Keep the agent working: its own
test suite (`python3 -m pytest -q -x tests`) must still pass, and add or update tests for what you
change. Do not only edit tests or documentation.

## Problem
$problem_description

## Suggested implementation
$implementation_suggestion"""


GENERIC_EVIDENCE = f"""\
# The coding agent's code

$code

# A failure pattern to fix
$concern
(Example task: $task_id, solved in $attempts_resolved of $attempts attempts.)

{REMINDER}"""

EMPTY_PATCH_CONCERN = """\
The agent sometimes ends a coding task without changing any file: its answer is an empty diff,
which can never be right. Find why the agent's workflow lets that happen (it stops too early,
loses track of the task, or never gets to an edit) and propose a change that makes it keep
working until it has edited the repository, e.g. by checking the diff before it accepts a
submission and sending the model back to work when it is empty."""

STOCHASTIC_CONCERN = """\
The agent solves some tasks in one attempt and fails the same task in another: its result is
left to chance. Propose a change that makes it reliable, e.g. verifying its change with the
repository's tests before submitting and trying again when they fail, or producing several
candidate solutions and keeping one that passes."""

CONTEXT_LENGTH_CONCERN = """\
The agent ran out of model context: its conversation grew past what the model accepts and the
run ended in an error. Propose a change that keeps the conversation within the model's context
window, e.g. shortening or summarising old tool outputs once the history grows long, while the
task statement and the latest steps stay intact."""


@dataclass(frozen=True)
class DGMPrompts:
    diagnose_system: str = DIAGNOSE_SYSTEM
    diagnose_evidence: str = DIAGNOSE_EVIDENCE
    diagnose_web_evidence: str = DIAGNOSE_WEB_EVIDENCE
    diagnose_request: str = DIAGNOSE_REQUEST
    critique_request: str = CRITIQUE_REQUEST
    critique_proposal_request: str = CRITIQUE_PROPOSAL_REQUEST
    refine_request: str = REFINE_REQUEST
    implement_problem: str = IMPLEMENT_PROBLEM
    generic_evidence: str = GENERIC_EVIDENCE
    concerns: tuple[tuple[str, str], ...] = (
        ("empty_patch", EMPTY_PATCH_CONCERN),
        ("sometimes_solved", STOCHASTIC_CONCERN),
        ("context_length", CONTEXT_LENGTH_CONCERN),
    )
    """Task categories whose diagnosis is about the failure kind rather than one task's log
    (as DGM does for empty patches, stochasticity and context length): category -> concern."""

    code_total_chars: int = 60_000
    """The parent's code in the diagnosis prompt: file tree plus main files up to this size."""
    code_file_chars: int = 12_000
    """One file's share at most (head and tail are kept)."""
    log_chars: int = 16_000
    """The task's agent log (head and tail are kept)."""
    patch_chars: int = 8_000
    problem_chars: int = 6_000
    tests_lines: int = 60
    """Hidden-test outcomes listed (failed ones first)."""
    test_patch_chars: int = 8_000
    eval_log_chars: int = 6_000

    def scaled(self, scale: float) -> DGMPrompts:
        """Every size cap times `scale` (prompts sized to a model's context window)."""
        if scale >= 1.0:
            return self
        caps = (
            "code_total_chars",
            "code_file_chars",
            "log_chars",
            "patch_chars",
            "problem_chars",
            "test_patch_chars",
            "eval_log_chars",
        )
        changed: dict[str, int] = {
            name: max(200, int(getattr(self, name) * scale)) for name in caps
        }
        changed["tests_lines"] = max(5, int(self.tests_lines * scale))
        return replace(self, **changed)


def render(template: str, **values: object) -> str:
    """Fill a template; a missing value is a bug in the caller, so it raises."""
    return string.Template(template).substitute({k: str(v) for k, v in values.items()})
