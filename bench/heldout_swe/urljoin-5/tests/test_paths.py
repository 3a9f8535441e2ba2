from urljoin import join_path, split_path


def test_plain():
    assert join_path("api", "v1", "users") == "api/v1/users"


def test_trailing_slashes():
    assert join_path("/api/", "v1/") == "/api/v1"


def test_split():
    assert split_path("/a//b/") == ["a", "b"]
