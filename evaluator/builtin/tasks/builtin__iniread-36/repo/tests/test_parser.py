import pytest

from iniread import parse_ini


def test_sections_and_keys():
    text = "[server]\nhost=example.org\nport=8080\n\n[client]\nretries=3\n"
    assert parse_ini(text) == {
        "server": {"host": "example.org", "port": "8080"},
        "client": {"retries": "3"},
    }


def test_comments_are_skipped():
    assert parse_ini("; top\n[a]\n# note\nx=1") == {"a": {"x": "1"}}


def test_keys_are_case_insensitive():
    assert parse_ini("[a]\nName=bob") == {"a": {"name": "bob"}}


def test_key_outside_section():
    with pytest.raises(ValueError):
        parse_ini("x=1")
