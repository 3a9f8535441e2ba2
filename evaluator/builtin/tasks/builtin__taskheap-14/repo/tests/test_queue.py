import pytest

from taskheap import PriorityQueue


def test_pop_order():
    q = PriorityQueue()
    for item, prio in [("low", 5), ("high", 1), ("mid", 3)]:
        q.push(item, prio)
    assert [q.pop() for _ in range(3)] == ["high", "mid", "low"]


def test_fifo_for_equal_priority():
    q = PriorityQueue()
    q.push("a")
    q.push("b")
    assert q.pop() == "a"


def test_peek_single():
    q = PriorityQueue()
    q.push("only", 7)
    assert q.peek() == "only" and len(q) == 1


def test_empty():
    with pytest.raises(IndexError):
        PriorityQueue().pop()
