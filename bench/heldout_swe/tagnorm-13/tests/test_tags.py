from tagnorm import normalize_tags


def test_blanks_dropped():
    assert normalize_tags([" a ", "", "  "]) == ["a"]


def test_exact_duplicates():
    assert normalize_tags(["x", "x"]) == ["x"]
