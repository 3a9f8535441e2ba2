import pytest

from stockkeep import Stock


def test_add_and_count():
    stock = Stock()
    stock.add("bolt", 3)
    stock.add("bolt", 2)
    assert stock.count("bolt") == 5


def test_remove():
    stock = Stock()
    stock.add("nut", 4)
    stock.remove("nut", 1)
    assert stock.count("nut") == 3


def test_removing_too_many_is_an_error():
    stock = Stock()
    stock.add("nut", 1)
    with pytest.raises(ValueError):
        stock.remove("nut", 2)
