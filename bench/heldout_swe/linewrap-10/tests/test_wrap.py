from linewrap import fill, wrap


def test_short():
    assert wrap("a b", 10) == ["a b"]


def test_long_word_alone():
    assert wrap("abcdefgh", 3) == ["abcdefgh"]


def test_fill():
    assert fill("aa bb", 2) == "aa\nbb"


def test_lines_never_exceed_width():
    for line in wrap("the quick brown fox jumps over the lazy dog", 9):
        assert len(line) <= 9, line
