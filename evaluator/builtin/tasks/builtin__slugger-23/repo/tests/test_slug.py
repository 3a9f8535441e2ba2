from slugger import slugify


def test_basic_title():
    assert slugify("Hello, World!") == "hello-world"


def test_accents_are_folded():
    assert slugify("Crème Brûlée") == "creme-brulee"


def test_custom_separator():
    assert slugify("The Art of War", sep="_") == "the_art_of_war"


def test_max_length_does_not_end_in_separator():
    assert slugify("alpha beta gamma", max_length=11) == "alpha-beta"
