"""Calendar arithmetic without the datetime module (for a tiny embedded runtime)."""

from datecalc.calendar import day_of_year, days_in_month, is_leap_year

__all__ = ["day_of_year", "days_in_month", "is_leap_year"]
