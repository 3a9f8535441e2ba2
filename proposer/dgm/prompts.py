"""Every prompt and every size cap of the DGM step, in one place.

Templates use `string.Template` (`$name`), because prompt text is full of braces (code, JSON)
that `str.format` would trip on. The wording follows DGM's diagnose and self-improve prompts:
the diagnosis model sees the agent's own code and one failed attempt, and writes a problem
statement that the agent then solves on its own repository.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

DIAGNOSE_SYSTEM = """\
You are an expert in building autonomous coding agents. You study how one agent failed and
propose a single, concrete change to the agent's own code that would make it better at coding
tasks in general, not only at the task it failed. Some agents also play web tasks (MiniWoB++):
then make it better at web tasks in general."""

DIAGNOSE_EVIDENCE = """\
# The coding agent's code

$code

# A task it attempted
Task id: $task_id (chosen because: $why)
Outcome: $outcome; solved in $attempts_resolved of $attempts attempts.

## Problem statement
<problem>
$problem
</problem>

## The agent's log
<log>
$log
</log>

## The agent's patch
<patch>
$patch
</patch>

## Hidden tests after the patch
<tests>
$tests
</tests>"""

DIAGNOSE_WEB_EVIDENCE = """\
# The agent's code

$code

# A web episode it played
Task id: $task_id (chosen because: $why)
Outcome: $outcome; solved in $attempts_resolved of $attempts attempts.
The agent is a web agent: each turn it reads the task and the page (elements with refs) and
answers one action (click, type, press, scroll, done); MiniWoB++ rewards the episode.

## The episode: goal, each observation, the action taken, errors, then the agent's stderr
<log>
$log
</log>

## How it ended
<episode>
$episode
</episode>"""

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


def render(template: str, **values: object) -> str:
    """Fill a template; a missing value is a bug in the caller, so it raises."""
    return string.Template(template).substitute({k: str(v) for k, v in values.items()})
