import pytest

from budgeteer import Budget, percent_of


def test_percent_of():
    assert percent_of(25, 200) == 12.5


def test_percent_of_zero_whole():
    assert percent_of(5, 0) == 0.0


def test_remaining():
    b = Budget({"food": 40000})
    b.spend("food", 12550)
    assert b.remaining("food") == 27450


def test_unknown_category():
    with pytest.raises(KeyError):
        Budget({"food": 1}).spend("rent", 5)
