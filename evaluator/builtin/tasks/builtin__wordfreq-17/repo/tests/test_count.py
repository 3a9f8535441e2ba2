from wordfreq import count_words, top_words


def test_counts_lowercase_text():
    assert count_words("a rose is a rose") == {"a": 2, "rose": 2, "is": 1}


def test_quotes_are_trimmed():
    assert count_words("'hello' don't") == {"hello": 1, "don't": 1}


def test_top_words_ties_alphabetical():
    assert top_words("b a c b a", n=2) == [("a", 2), ("b", 2)]
