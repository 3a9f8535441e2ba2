import pytest

from tokenbucket import TokenBucket


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_allows_calls_within_capacity():
    bucket = TokenBucket(rate=1, capacity=5, clock=FakeClock())
    assert all(bucket.try_acquire() for _ in range(3))


def test_cost_above_capacity_is_refused():
    bucket = TokenBucket(rate=1, capacity=2, clock=FakeClock())
    assert not bucket.try_acquire(3)


def test_wait_time_when_empty():
    clock = FakeClock()
    bucket = TokenBucket(rate=2, capacity=4, clock=clock)
    bucket.tokens = 0.0
    assert bucket.wait_time(1) == pytest.approx(0.5)


def test_rejects_bad_rate():
    with pytest.raises(ValueError):
        TokenBucket(rate=0, capacity=1)
