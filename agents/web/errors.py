"""The agent's exceptions: each names what went wrong so the loop can decide what to do."""

from __future__ import annotations


class FormatError(Exception):
    """The model's reply holds no readable action."""


class ModelError(Exception):
    """The model could not be asked (gateway down, provider failing after retries)."""


class BudgetExhausted(ModelError):
    """The gateway says this sandbox's token or dollar budget is spent."""
