from textstats import average_word_length, longest_word, word_count


def test_count():
    assert word_count("a bb ccc") == 3


def test_average():
    assert average_word_length("ab cdef") == 3.0


def test_longest():
    assert longest_word("a bbb cc") == "bbb"
