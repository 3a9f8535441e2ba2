import pytest

from piggybank import Account


def test_withdraw_within_overdraft():
    acc = Account("ana", balance=100, overdraft=50)
    acc.withdraw(120)
    assert acc.balance == -20


def test_negative_deposit():
    with pytest.raises(ValueError):
        Account("ana").deposit(-5)


def test_transfer_moves_money():
    a, b = Account("a", 500), Account("b")
    a.transfer(b, 200)
    assert (a.balance, b.balance) == (300, 200)
