from pwpolicy import is_strong, problems


def test_good_password():
    assert is_strong("Tr0ubadour")


def test_short_lowercase_password():
    assert not is_strong("abc")


def test_problems_lists_everything():
    assert problems("abc") == [
        "use at least 8 characters",
        "add a digit",
        "add an upper-case letter",
    ]


def test_no_problems_for_strong_password():
    assert problems("Tr0ubadour") == []
