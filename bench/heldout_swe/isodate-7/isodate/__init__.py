from isodate.parse import parse_date, format_date

__all__ = ["format_date", "parse_date"]
