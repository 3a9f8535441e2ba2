import pytest

from httpheaders import Headers, parse_headers


def test_parse_and_get_lowercase():
    h = parse_headers("Host: example.org\r\nAccept: */*\r\n\r\nbody")
    assert h.get("host") == "example.org"
    assert len(h) == 2


def test_repeated_headers_combine():
    h = Headers()
    h.add("accept", "text/html")
    h.add("ACCEPT", "application/json")
    assert h.get("accept") == "text/html, application/json"


def test_contains_any_case():
    assert "CONTENT-LENGTH" in parse_headers("Content-Length: 3")


def test_malformed():
    with pytest.raises(ValueError):
        parse_headers("no colon here")
