from moneyfmt import format_money, parse_money


def test_thousands():
    assert format_money(123450) == "$1,234.50"


def test_small():
    assert format_money(7) == "$0.07"


def test_parse_roundtrip():
    assert parse_money(format_money(98765)) == 98765


def test_parse_negative():
    assert parse_money("-$2.50") == -250
