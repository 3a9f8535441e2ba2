import pytest

from retrying import call_with_retry


def test_success_first_time():
    assert call_with_retry(lambda: 42) == 42


def test_bad_attempts():
    with pytest.raises(ValueError):
        call_with_retry(lambda: 1, attempts=0)


def test_failure_is_raised():
    def boom():
        raise ConnectionError("down")

    with pytest.raises(Exception):
        call_with_retry(boom)
