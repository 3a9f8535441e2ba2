import pytest

from stockroom import Inventory, Item


def test_plenty_of_stock():
    assert not Item("bolt", 50, 10).needs_reorder()


def test_below_level_needs_reorder():
    assert Item("nut", 3, 10).needs_reorder()


def test_cannot_remove_more_than_stock():
    inv = Inventory()
    inv.add(Item("nut", 3, 1))
    with pytest.raises(ValueError):
        inv.remove_stock("nut", 4)


def test_reorder_list():
    inv = Inventory()
    inv.add(Item("bolt", 50, 10))
    inv.add(Item("nut", 2, 5, reorder_amount=100))
    assert inv.reorder_list() == {"nut": 100}
