import pytest

from pagekit import page_count, paginate


def test_page_count_rounds_up():
    assert page_count(21, 10) == 3


def test_empty_listing_has_one_page():
    assert page_count(0, 10) == 1


def test_rejects_bad_page_size():
    with pytest.raises(ValueError):
        page_count(5, 0)


def test_out_of_range_page():
    with pytest.raises(ValueError):
        paginate(list(range(5)), 2, per_page=10)


def test_navigation_flags():
    page = paginate(list(range(25)), 2, per_page=10)
    assert page.has_next and page.has_previous
    assert page.total_pages == 3
