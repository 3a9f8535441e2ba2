import pytest

from csvlite import parse_row, read_records


def test_parse_row_trims_cells():
    assert parse_row(" a , b,c ") == ["a", "b", "c"]


def test_read_records():
    text = "name,qty\nbolt,4\n\nnut,10\n"
    assert read_records(text) == [{"name": "bolt", "qty": "4"}, {"name": "nut", "qty": "10"}]


def test_ragged_row():
    with pytest.raises(ValueError):
        read_records("a,b\n1\n")


def test_empty_text():
    assert read_records("") == []
