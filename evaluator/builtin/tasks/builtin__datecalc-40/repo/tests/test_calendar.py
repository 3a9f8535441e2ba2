import pytest

from datecalc import day_of_year, days_in_month, is_leap_year


def test_ordinary_years():
    assert is_leap_year(2024)
    assert not is_leap_year(2023)


def test_year_2000_is_leap():
    assert is_leap_year(2000)


def test_february_in_leap_year():
    assert days_in_month(2024, 2) == 29


def test_day_of_year():
    assert day_of_year(2023, 3, 1) == 60


def test_invalid_date():
    with pytest.raises(ValueError):
        day_of_year(2023, 2, 29)
