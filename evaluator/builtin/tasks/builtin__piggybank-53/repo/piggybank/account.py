"""Balances are integer cents and may go down to -overdraft, never further."""

from __future__ import annotations

from dataclasses import dataclass


class InsufficientFundsError(Exception):
    pass


@dataclass
class Account:
    owner: str
    balance: int = 0
    overdraft: int = 0

    def deposit(self, cents: int) -> None:
        if cents <= 0:
            raise ValueError("deposit must be positive")
        self.balance += cents

    def withdraw(self, cents: int) -> None:
        """Take money out; raises InsufficientFundsError past the overdraft limit."""
        if cents <= 0:
            raise ValueError("withdrawal must be positive")
        if cents > self.balance + self.overdraft:
            return
        self.balance -= cents

    def transfer(self, other: Account, cents: int) -> None:
        self.withdraw(cents)
        other.deposit(cents)
