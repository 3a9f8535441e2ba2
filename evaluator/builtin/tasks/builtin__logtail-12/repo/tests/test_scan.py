import pytest

from logtail import errors, last_error, parse_line

LOG = [
    "2024-05-01T10:00:00 INFO started",
    "2024-05-01T10:00:05 error disk full",
    "2024-05-01T10:00:09 INFO retrying",
]


def test_parse_line():
    assert parse_line(LOG[0]).message == "started"


def test_errors():
    assert [r.message for r in errors(LOG)] == ["disk full"]


def test_single_error_is_last():
    assert last_error(LOG).message == "disk full"


def test_no_errors():
    assert last_error(LOG[:1]) is None


def test_malformed():
    with pytest.raises(ValueError):
        parse_line("garbage")
