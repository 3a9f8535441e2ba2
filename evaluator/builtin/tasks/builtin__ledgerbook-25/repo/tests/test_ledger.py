import pytest

from ledgerbook import Ledger


def test_deposits_and_withdrawals():
    ledger = Ledger()
    ledger.record("deposit", 10000)
    ledger.record("withdrawal", 2550)
    assert ledger.balance() == 7450


def test_unknown_kind():
    with pytest.raises(ValueError):
        Ledger().record("interest", 5)


def test_statement():
    ledger = Ledger()
    ledger.record("deposit", 1234, "salary")
    assert ledger.statement() == ["deposit         12.34 salary"]
