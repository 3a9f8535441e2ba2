import pytest

from invoicer import Invoice


def test_subtotal():
    inv = Invoice()
    inv.add("widget", 3, 250)
    inv.add("gadget", 1, 1000)
    assert inv.subtotal() == 1750


def test_tax_only():
    inv = Invoice(tax_percent=20)
    inv.add("widget", 1, 1000)
    assert inv.total() == 1200


def test_invalid_discount():
    inv = Invoice(discount_percent=120)
    with pytest.raises(ValueError):
        inv.total()
