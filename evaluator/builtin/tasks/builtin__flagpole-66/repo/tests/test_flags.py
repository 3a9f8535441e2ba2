from flagpole import Flag, FlagSet


def make():
    flags = FlagSet()
    flags.define("dark_mode", Flag(enabled=True))
    flags.define("beta", Flag(enabled=True, allow={"ana"}))
    flags.define("old_ui", Flag(enabled=False))
    flags.define("search", Flag(enabled=True, blocked={"spam-bot"}))
    return flags


def test_unknown_flag_is_off():
    assert not make().is_enabled("nope")


def test_anonymous_sees_unrestricted_flags():
    assert make().enabled_for() == ["dark_mode", "search"]


def test_blocked_user():
    assert not make().is_enabled("search", "spam-bot")
