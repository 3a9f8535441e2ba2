from intervals import Interval, merge, overlaps


def test_overlapping():
    assert overlaps(Interval(1, 4), Interval(3, 6))


def test_disjoint():
    assert not overlaps(Interval(1, 2), Interval(5, 6))


def test_merge():
    assert merge([Interval(5, 7), Interval(1, 3), Interval(2, 4)]) == [
        Interval(1, 4),
        Interval(5, 7),
    ]


def test_touching_intervals_do_not_overlap():
    assert not overlaps(Interval(1, 3), Interval(3, 5))
