import pytest

from gradebook import letter_grade, summary


def test_high_score_is_a():
    assert letter_grade(97) == "A"


def test_failing_score():
    assert letter_grade(12) == "F"


def test_out_of_range():
    with pytest.raises(ValueError):
        letter_grade(101)


def test_summary_counts_letters():
    assert summary({"ann": 95, "bob": 85.5, "cy": 99}) == {"A": 2, "B": 1}
