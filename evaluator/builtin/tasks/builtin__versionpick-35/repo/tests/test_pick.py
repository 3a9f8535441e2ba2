import pytest

from versionpick import latest, parse_tag, sort_tags


def test_numeric_sort():
    assert sort_tags(["v1.10.0", "v1.2.0", "v1.9.1"]) == ["v1.2.0", "v1.9.1", "v1.10.0"]


def test_parse_tag():
    assert parse_tag("v2.0.1") == (2, 0, 1)


def test_bad_tag():
    with pytest.raises(ValueError):
        parse_tag("release-2")


def test_latest_single():
    assert latest(["v0.1.0"]) == "v0.1.0"


def test_latest_none():
    assert latest([]) is None
