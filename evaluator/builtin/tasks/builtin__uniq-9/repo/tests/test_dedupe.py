from uniq import duplicates, unique


def test_unique_keeps_first_occurrence_order():
    assert unique([3, 1, 3, 2, 1]) == [3, 1, 2]


def test_unique_strings():
    assert unique("mississippi") == ["m", "i", "s", "p"]


def test_duplicates():
    assert duplicates([1, 2, 1, 3, 2, 1]) == [1, 2]
