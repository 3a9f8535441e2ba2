"""Monthly budgets and how much of them is spent."""

from budgeteer.budget import Budget, percent_of

__all__ = ["Budget", "percent_of"]
