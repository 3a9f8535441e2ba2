"""A bank-account ledger of deposits, withdrawals and fees."""

from ledgerbook.ledger import Entry, Ledger

__all__ = ["Entry", "Ledger"]
