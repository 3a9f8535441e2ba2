from envflags import flag, parse_bool


def test_true_words():
    assert parse_bool("yes") and parse_bool("1") and parse_bool("true")


def test_false_words():
    assert not parse_bool("no") and not parse_bool("0")


def test_default(monkeypatch):
    monkeypatch.delenv("X_FLAG", raising=False)
    assert flag("X_FLAG", default=True) is True
