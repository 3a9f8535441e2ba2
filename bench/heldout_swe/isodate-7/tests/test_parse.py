import datetime

import pytest

from isodate import format_date, parse_date


def test_format():
    assert format_date(datetime.date(2024, 3, 5)) == "2024-03-05"


def test_rejects_garbage():
    with pytest.raises(ValueError):
        parse_date("tomorrow")


def test_same_day_and_month():
    assert parse_date("2024-04-04") == datetime.date(2024, 4, 4)
