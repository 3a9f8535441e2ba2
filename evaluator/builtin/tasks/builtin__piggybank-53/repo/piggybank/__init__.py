"""Accounts with an overdraft limit."""

from piggybank.account import Account, InsufficientFundsError

__all__ = ["Account", "InsufficientFundsError"]
