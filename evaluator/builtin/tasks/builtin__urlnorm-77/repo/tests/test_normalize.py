import pytest

from urlnorm import normalize, same_resource


def test_already_normal():
    assert normalize("https://example.org/a?b=1") == "https://example.org/a?b=1"


def test_relative_url_rejected():
    with pytest.raises(ValueError):
        normalize("/just/a/path")


def test_same_resource_identical():
    assert same_resource("http://x.org/", "http://x.org/")
