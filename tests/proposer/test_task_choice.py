"""Which task the diagnosis learns from: DGM's categories with the configured probabilities,
drawn only from the child's own rng."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from scipy.stats import chisquare

from godelbox.config import ProposerSection
from godelbox.proposer.base import ProposalError, TaskEvidence
from godelbox.proposer.dgm.diagnose import choose_task

EMPTY = TaskEvidence("empty", "unresolved", patch="", log="ran out of ideas")
SOMETIMES = TaskEvidence("sometimes", "resolved", patch="p", attempts_resolved=1, attempts=3)
CONTEXT = TaskEvidence(
    "context", "unresolved", patch="p", log="== end: context_length_exceeded (8192 tokens)"
)
WRONG = TaskEvidence("wrong", "unresolved", patch="p", tests={"t::x": "failed"})
SOLVED = TaskEvidence("solved", "resolved", patch="p", attempts_resolved=2, attempts=2)
TASKS = [EMPTY, SOMETIMES, CONTEXT, WRONG, SOLVED]


def test_categories_follow_the_configured_probabilities() -> None:
    """Each category gets a coin flip in DGM's order; the fall-back is a random unresolved task
    (empty, context and wrong are unresolved; sometimes and solved were resolved last)."""
    config = ProposerSection(p_empty_patch=0.5, p_sometimes_solved=0.4, p_context_length=0.3)
    rng = random.Random(20240601)
    draws = 6000
    seen = Counter()
    for _ in range(draws):
        choice = choose_task(TASKS, config, rng)
        seen[(choice.category, choice.task.task_id)] += 1

    p_rest = 0.5 * 0.6 * 0.7
    expected = {
        ("empty_patch", "empty"): 0.5,
        ("sometimes_solved", "sometimes"): 0.5 * 0.4,
        ("context_length", "context"): 0.5 * 0.6 * 0.3,
        ("unresolved", "context"): p_rest / 3,
        ("unresolved", "empty"): p_rest / 3,
        ("unresolved", "wrong"): p_rest / 3,
    }
    assert set(seen) == set(expected)
    keys = sorted(expected)
    result = chisquare([seen[k] for k in keys], [expected[k] * draws for k in keys])
    assert result.pvalue > 1e-3, (seen, result)


def test_the_same_seed_gives_the_same_choices_whatever_the_evidence_order() -> None:
    config = ProposerSection()
    first = [choose_task(TASKS, config, random.Random(s)).task.task_id for s in range(50)]
    again = [choose_task(TASKS[::-1], config, random.Random(s)).task.task_id for s in range(50)]
    assert first == again
    assert len(set(first)) > 2


def test_an_empty_category_is_skipped_even_when_certain() -> None:
    config = ProposerSection(p_empty_patch=1.0, p_sometimes_solved=1.0, p_context_length=1.0)
    choice = choose_task([WRONG, CONTEXT, SOLVED], config, random.Random(0))
    assert (choice.category, choice.task.task_id) == ("context_length", "context")
    assert "ran out of model context" in choice.why


def test_zero_probabilities_always_take_a_random_unresolved_task() -> None:
    config = ProposerSection(p_empty_patch=0, p_sometimes_solved=0, p_context_length=0)
    picked = {choose_task(TASKS, config, random.Random(s)).task.task_id for s in range(200)}
    assert picked == {"empty", "context", "wrong"}


def test_a_parent_that_solved_everything_still_gets_a_task() -> None:
    choice = choose_task([SOLVED], ProposerSection(), random.Random(0))
    assert (choice.category, choice.task.task_id) == ("any", "solved")


def test_no_evidence_is_an_error() -> None:
    with pytest.raises(ProposalError, match="evaluate it before proposing"):
        choose_task([], ProposerSection(), random.Random(0))
