import pytest

from backoffplan import backoff_delays, total_wait


def test_negative_retries():
    with pytest.raises(ValueError):
        backoff_delays(1, 2, -1)


def test_no_retries():
    assert backoff_delays(1, 2, 0) == []


def test_cap():
    assert max(backoff_delays(1, 10, 5, cap=50)) == 50


def test_one_delay_per_retry():
    assert len(backoff_delays(0.5, 2, 4)) == 4
