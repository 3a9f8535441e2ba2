from pager import page_count, page_slice


def test_exact():
    assert page_count(100, 10) == 10


def test_slice():
    assert list(range(25))[page_slice(3, 10)] == list(range(20, 25))


def test_partial_last_page():
    assert page_count(101, 10) == 11
