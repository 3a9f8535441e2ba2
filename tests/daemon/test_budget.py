"""Each budget stops the run once reached, and only then."""

import pytest

from godelbox.budget import Progress, exhausted
from godelbox.config import BudgetSection

SPENT = Progress(
    iterations=3, children=6, usd=1.5, wall_clock_s=100.0, generations_since_improvement=2
)


@pytest.mark.parametrize(
    ("field", "limit", "word"),
    [
        ("iterations", 3, "iterations"),
        ("children", 6, "children"),
        ("usd", 1.5, "dollars"),
        ("wall_clock_s", 99.0, "wall-clock"),
        ("no_improvement_generations", 2, "without improvement"),
    ],
)
def test_each_budget_stops_at_its_limit(field: str, limit: float, word: str) -> None:
    reason = exhausted(BudgetSection(**{field: limit}), SPENT)
    assert reason is not None and word in reason


def test_unreached_or_unset_budgets_keep_going() -> None:
    assert exhausted(BudgetSection(), SPENT) is None
    roomy = BudgetSection(iterations=4, children=7, usd=2.0, wall_clock_s=101.0)
    assert exhausted(roomy, SPENT) is None
